"""analyzer/embedded.py: BPF objects in files, binaries, skeleton headers, .deb packages, directories."""
import glob
import io
import os
import struct
import tarfile
import time

import pytest

from analyzer.objects import embedded as E
from btf.errors import InputError
from tests.support.embedded import make_elf, BPF, X86, make_deb

DEBS = "/tmp/debs"


def test_is_bpf_elf():
    assert E.is_bpf_elf(BPF)
    assert E.is_bpf_elf(make_elf(le=False))
    assert not E.is_bpf_elf(X86)
    assert not E.is_bpf_elf(b"\x7fELF")
    assert not E.is_bpf_elf(b"garbage" * 20)


def test_plain_object(tmp_path):
    p = tmp_path / "prog.bpf.o"
    p.write_bytes(BPF)
    objs, warns = E.find_objects(str(p))
    assert [(o.name, o.offset, o.member) for o in objs] == [(str(p), 0, None)]
    assert objs[0].data == BPF and not warns
    assert E.program_sections(objs[0].data) == ["xdp"]


def test_big_endian_object(tmp_path):
    p = tmp_path / "be.o"
    p.write_bytes(make_elf(le=False))
    objs, _ = E.find_objects(str(p))
    assert len(objs) == 1 and E.program_sections(objs[0].data) == ["xdp"]


def test_embedded_cut_at_true_end(tmp_path):
    obj = make_elf(pad=100)          # junk inside the object: must be kept, it is before e_shoff
    host = X86 + b"\0" * 1000 + obj + b"\x7fELF trailing junk" + b"\x01" * 500 + BPF + b"\xff" * 64
    p = tmp_path / "tool"
    p.write_bytes(host)
    objs, warns = E.find_objects(str(p))
    assert [o.offset for o in objs] == [len(X86) + 1000, host.index(BPF, len(X86) + 1000 + len(obj))]
    assert objs[0].data == obj and objs[1].data == BPF
    assert [o.name for o in objs] == [f"{p}#0", f"{p}#1"]
    assert objs[1].duplicate_of is None


def test_duplicates_are_kept_and_marked(tmp_path):
    p = tmp_path / "tool"
    p.write_bytes(X86 + BPF + b"\0" * 8 + BPF)
    objs, _ = E.find_objects(str(p))
    assert len(objs) == 2
    assert objs[0].duplicate_of is None and objs[1].duplicate_of == objs[0].name


def test_non_bpf_elf_yields_nothing(tmp_path):
    p = tmp_path / "x86.o"
    p.write_bytes(X86)
    assert E.find_objects(str(p)) == ([], [])


def test_truncated_embedded_object_is_ignored(tmp_path):
    p = tmp_path / "tool"
    p.write_bytes(X86 + BPF[:-20])           # section headers cut off
    assert E.find_objects(str(p)) == ([], [])


def test_truncated_plain_object_is_an_input_error(tmp_path):
    p = tmp_path / "bad.bpf.o"
    p.write_bytes(BPF[:-20])
    with pytest.raises(InputError):
        E.find_objects(str(p))
    p.write_bytes(BPF[:30])
    with pytest.raises(InputError):
        E.find_objects(str(p))


def test_garbage_and_missing(tmp_path):
    p = tmp_path / "garbage.bin"
    p.write_bytes(os.urandom(4096).replace(b"\x7fELF", b"xxxx"))
    with pytest.raises(InputError):
        E.find_objects(str(p))
    with pytest.raises(InputError):
        E.find_objects(str(tmp_path / "absent"))


def c_literal(data, width=40):
    """bpftool's style: one literal, every byte as \\xNN, lines joined by backslash-newline."""
    parts = ["".join(f"\\x{b:02x}" for b in data[i:i + width]) for i in range(0, len(data), width)]
    return "\\\n".join(parts)


def test_decode_c_string_escapes():
    d = E.decode_c_string
    assert d(r"a\\b\"c\n\0\123\x41\x4142\?") == b'a\\b"c\n\x00\x53\x41\x42\x3f'
    assert d(r"\1\12\1234") == b"\x01\x0a\x534"
    assert d("plain text") == b"plain text"
    blobs = E.c_string_blobs('x = "ab" /* c "not" */ "cd"\n  "ef"; y = \'"\'; z = "gh";')
    assert [b for _, b in blobs] == [b"abcdef", b"gh"]


def test_skeleton_header(tmp_path):
    obj = make_elf(sections=(("xdp", b'\x95\0\0\0\0\0\0\0'), ("license", b'G"\\\0')))
    text = f"""/* generated */
#ifndef __X_SKEL_H__
static inline const void *mytool_bpf__elf_bytes(size_t *sz);
struct mytool_bpf {{ char c; }};
static inline const void *mytool_bpf__elf_bytes(size_t *sz)
{{
\tstatic const char data[] __attribute__((__aligned__(8))) = "\\
{c_literal(obj)}";
\t*sz = sizeof(data) - 1;
\treturn (const void *)data;
}}
"""
    p = tmp_path / "mytool.skel.h"
    p.write_text(text)
    objs, warns = E.find_objects(str(p))
    assert [(o.name, o.data) for o in objs] == [(f"{p}#mytool_bpf", obj)] and not warns
    # octal / literal-character style, one byte per literal so no escape can swallow the next
    text2 = "static void *old__create_skeleton(void) { s->data = (void *)" + \
        " ".join(f'"{lit_char}"' for lit_char in _one_by_one(obj)) + "; }"
    p2 = tmp_path / "old.skeleton.h"
    p2.write_text(text2)
    objs, _ = E.find_objects(str(p2))
    assert len(objs) == 1 and objs[0].data == obj and objs[0].name.endswith("#old")


def _one_by_one(data):
    for i, b in enumerate(data):
        if b == 0:
            yield "\\0"
        elif chr(b) == '"':
            yield '\\"'
        elif chr(b) == "\\":
            yield "\\\\"
        elif 0x20 <= b < 0x7f:
            yield chr(b)
        elif i % 2:
            yield f"\\{b:03o}"
        else:
            yield f"\\x{b:02x}"


@pytest.mark.parametrize("compression", ["xz", "gz", "bz2", "zst"])
def test_deb(tmp_path, compression):
    p = tmp_path / "pkg.deb"
    make_deb(p, [("usr/lib/bpf/prog.o", BPF), ("usr/bin/tool", X86 + BPF), ("usr/share/doc/README", b"hi"),
                 ("usr/lib/bpf/bad.o", BPF[:-20])], compression)
    objs, warns = E.find_objects(str(p))
    assert [(o.name, o.member, o.container) for o in objs] == [
        (f"{p}:usr/lib/bpf/prog.o", "./usr/lib/bpf/prog.o", str(p)),
        (f"{p}:usr/bin/tool#0", "./usr/bin/tool", str(p))]
    assert objs[1].duplicate_of == objs[0].name
    assert len(warns) == 1 and "bad.o" in warns[0]


def test_truncated_deb(tmp_path):
    p = tmp_path / "pkg.deb"
    make_deb(p, [("usr/lib/bpf/a.o", BPF), ("usr/bin/big", os.urandom(300000))], "gz")
    size = p.stat().st_size
    make_deb(p, [("usr/lib/bpf/a.o", BPF), ("usr/bin/big", os.urandom(300000))], "gz", truncate=size - 1000)
    objs, warns = E.find_objects(str(p))
    assert [o.member for o in objs] == ["./usr/lib/bpf/a.o"]
    assert warns
    p.write_bytes(b"!<arch>\ndebian-binary   garbage")
    with pytest.raises(InputError):
        E.find_objects(str(p))
    p.write_bytes(b"not an archive")
    with pytest.raises(InputError):
        E.find_objects(str(p))


def test_directory(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.bpf.o").write_bytes(BPF)
    (tmp_path / "a" / "tool").write_bytes(X86 + BPF)
    (tmp_path / "a" / "notes.txt").write_text("nothing")
    (tmp_path / "a" / "bad.bpf.o").write_bytes(BPF[:-10])
    os.symlink(tmp_path / "a" / "tool", tmp_path / "link")
    objs, warns = E.find_objects(str(tmp_path))
    assert sorted(os.path.relpath(o.name, tmp_path) for o in objs) == ["a/b/x.bpf.o", "a/tool#0"]
    assert len(warns) == 1 and "bad.bpf.o" in warns[0]


def test_speed_10mb(tmp_path):
    blob = bytearray(os.urandom(10 << 20))
    blob[:len(X86)] = X86
    for i in range(0, len(blob), 1 << 20):     # plenty of false candidates
        blob[i + 100:i + 104] = b"\x7fELF"
    blob[5 << 20:(5 << 20) + len(BPF)] = BPF
    p = tmp_path / "big"
    p.write_bytes(bytes(blob))
    t = time.perf_counter()
    objs, _ = E.find_objects(str(p))
    assert time.perf_counter() - t < 1.0
    assert [o.offset for o in objs] == [5 << 20]


# ---- real packages ----------------------------------------------------------------------------

def _deb(pattern):
    hits = sorted(glob.glob(os.path.join(DEBS, pattern)))
    if not hits:
        pytest.skip(f"{pattern} not present in {DEBS}")
    return hits[0]


def test_libbpf_tools_package():
    p = _deb("libbpf-tools_0.37.0+ds-8_amd64.deb")
    objs, warns = E.find_objects(p)
    assert not warns
    by_member = {}
    for o in objs:
        by_member.setdefault(o.member, []).append(o)
    # 57 regular tool binaries (the other 17 entries of usr/sbin are symlinks), one skeleton each
    assert len(objs) == 57 and len(by_member) == 57
    for member, lst in by_member.items():
        assert member.startswith("./usr/sbin/") and member.endswith("-libbpf")
        tool = member[len("./usr/sbin/"):-len("-libbpf")]
        assert [o.name.rsplit("#", 1)[1] for o in lst] == [tool]
        assert E.program_sections(lst[0].data)


def test_xdp_tools_package():
    p = _deb("xdp-tools_1.6.3-1_amd64.deb")
    objs, warns = E.find_objects(p)
    assert not warns
    members = {o.member for o in objs}
    assert members == {f"./usr/sbin/{t}" for t in ("xdp-bench", "xdp-filter", "xdp-forward", "xdp-loader",
                                                    "xdp-monitor", "xdp-trafficgen", "xdpdump")}
    assert len(objs) == 52
    assert sum(1 for o in objs if o.duplicate_of is None) == 16
    secs = {s for o in objs for s in E.program_sections(o.data)}
    assert "xdp" in secs


@pytest.mark.parametrize("pattern", ["qemu-system-x86_1%3a7.2*_amd64.deb", "qemu-system-x86_1%3a11.1*_amd64.deb"])
def test_qemu_rss_object(pattern):
    p = _deb(pattern)
    objs, warns = E.find_objects(p)
    assert not warns
    x86 = [o for o in objs if o.member.endswith("/qemu-system-x86_64")]
    assert len(x86) == 1 and x86[0].name.endswith("qemu-system-x86_64#rss")
    # QEMU 7.2's object names its program section "tun_rss_steering"; 11.1's uses SEC("socket")
    want = ["tun_rss_steering"] if "7.2" in p else ["socket"]
    assert all(E.program_sections(o.data) == want for o in objs)
