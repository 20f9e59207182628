"""analyzer/sections.py: libbpf's section table, checked row by row against libbpf itself.

The oracle is libbpf 1.7 (the Debian sid libbpf1 package in /tmp/debs, extracted once per session)
called through ctypes: libbpf_prog_type_by_name(), libbpf_bpf_prog_type_str(),
libbpf_bpf_attach_type_str().  Our table follows libbpf HEAD (2026), which is newer than 1.7; the
entries that 1.7 does not have yet are listed in NEWER_THAN_1_7 and the test asserts that 1.7
really rejects them (so the list cannot silently rot).
"""
import ctypes
import glob
import os
import shutil
import subprocess

import pytest

from analyzer.objects import sections as S
from btf.errors import InputError

LIBBPF17_DEB = "/tmp/debs/libbpf1_1%3a1.7.0-1_amd64.deb"

# Patterns in libbpf HEAD's section_defs[] that libbpf 1.7.0 does not have (added in 2026).
NEWER_THAN_1_7 = {
    "tracepoint.s+", "tp.s+", "raw_tracepoint.s+", "raw_tp.s+", "tp_btf.s+",
    "fsession.multi+", "fsession.multi.s+", "fentry.multi+", "fexit.multi+",
    "fentry.multi.s+", "fexit.multi.s+",
}
# Attach types newer than libbpf 1.7's enum (libbpf_bpf_attach_type_str returns NULL for them).
ATTACH_NEWER_THAN_1_7 = {"BPF_TRACE_FENTRY_MULTI", "BPF_TRACE_FEXIT_MULTI", "BPF_TRACE_FSESSION_MULTI"}


# Debian sid's libbpf.so.1.7 needs glibc 2.38 only for three __isoc23_* functions (C23 variants that
# also accept "0b" literals).  On an older glibc we mark that version requirement weak in a private
# copy of the library and provide the three functions from a tiny shim built with the C compiler.
_SHIM_C = r"""
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
int __isoc23_sscanf(const char *s, const char *f, ...)
{ va_list ap; int r; va_start(ap, f); r = vsscanf(s, f, ap); va_end(ap); return r; }
int __isoc23_fscanf(FILE *s, const char *f, ...)
{ va_list ap; int r; va_start(ap, f); r = vfscanf(s, f, ap); va_end(ap); return r; }
unsigned long long __isoc23_strtoull(const char *s, char **e, int b) { return strtoull(s, e, b); }
"""


def _weaken_version(path, out, version):
    """Copy an ELF shared object, setting VER_FLG_WEAK on its requirement of `version`."""
    import io
    import struct
    from elftools.elf.elffile import ELFFile
    data = bytearray(open(path, "rb").read())
    elf = ELFFile(io.BytesIO(bytes(data)))
    vr = elf.get_section_by_name(".gnu.version_r")
    names = elf.get_section(vr["sh_link"])
    pos = vr["sh_offset"]
    while True:
        _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, pos)
        a = pos + aux
        for _ in range(cnt):
            _, flags, _, name, anext = struct.unpack_from("<IHHII", data, a)
            if names.get_string(name) == version:
                struct.pack_into("<H", data, a + 4, flags | 2)    # VER_FLG_WEAK
            a += anext
        if not nxt:
            break
        pos += nxt
    with open(out, "wb") as f:
        f.write(data)


@pytest.fixture(scope="session")
def libbpf17(tmp_path_factory):
    if not os.path.exists(LIBBPF17_DEB):
        pytest.skip(f"libbpf 1.7 package not present at {LIBBPF17_DEB}")
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb not installed (needed to unpack the libbpf 1.7 oracle)")
    d = tmp_path_factory.mktemp("libbpf17")
    subprocess.run(["dpkg-deb", "-x", LIBBPF17_DEB, str(d)], check=True)
    libs = sorted(glob.glob(str(d / "usr/lib/*/libbpf.so.1.7*")))
    if not libs:
        pytest.skip("libbpf.so.1.7 not found inside the package")
    try:
        lib = ctypes.CDLL(libs[0])
    except OSError as e:
        if "GLIBC_2.38" not in str(e):
            pytest.skip(f"cannot load libbpf 1.7: {e}")
        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if cc is None:
            pytest.skip("libbpf 1.7 needs glibc 2.38 and no C compiler is available for the shim")
        (d / "shim.c").write_text(_SHIM_C)
        subprocess.run([cc, "-shared", "-fPIC", "-o", str(d / "shim.so"), str(d / "shim.c")], check=True)
        ctypes.CDLL(str(d / "shim.so"), mode=ctypes.RTLD_GLOBAL)
        _weaken_version(libs[0], str(d / "libbpf17.so"), "GLIBC_2.38")
        lib = ctypes.CDLL(str(d / "libbpf17.so"))
    assert (lib.libbpf_major_version(), lib.libbpf_minor_version()) == (1, 7)
    lib.libbpf_prog_type_by_name.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
                                             ctypes.POINTER(ctypes.c_int)]
    lib.libbpf_prog_type_by_name.restype = ctypes.c_int
    lib.libbpf_bpf_prog_type_str.argtypes = [ctypes.c_int]
    lib.libbpf_bpf_prog_type_str.restype = ctypes.c_char_p
    lib.libbpf_bpf_attach_type_str.argtypes = [ctypes.c_int]
    lib.libbpf_bpf_attach_type_str.restype = ctypes.c_char_p
    lib.libbpf_set_print.argtypes = [ctypes.c_void_p]
    lib.libbpf_set_print(None)     # libbpf's "failed to guess program type" messages: silence
    return lib


def libbpf_classify(lib, name):
    pt, at = ctypes.c_int(-1), ctypes.c_int(-1)
    err = lib.libbpf_prog_type_by_name(name.encode(), ctypes.byref(pt), ctypes.byref(at))
    if err:
        return None
    return pt.value, at.value


def example_names(sd):
    """Section names that should select this entry (the bare word, with a target, with '?')."""
    p = sd.pattern
    if p.endswith("+"):
        w = p[:-1]
        return [w, w + "/some_target", w + "/mod:func", w + "/a/b"]
    if p.endswith("/"):
        return [p + "x"]
    return [p]


# Names no entry matches: wrong separators, unknown words, near misses.
NEGATIVE = ["", "kprobex", "kprobe_foo", "xdp/foo", "xdp_foo", "tc/foo", "tcx", "socket/x",
            "fentry.", "fentry.x/y", "lsm_x/y", "cgroup/foo", "cgroup", "struct_opsx", "syscall/x",
            "perf_event/x", "netkit", "sk_lookup/x", ".text", "license", "maps", ".maps", "uprobe.multiply"]


def all_cases():
    for sd in S.SECTION_DEFS:
        for n in example_names(sd):
            yield n


def test_table_shape():
    assert len(S.SECTION_DEFS) == 116
    assert len({sd.pattern for sd in S.SECTION_DEFS}) == 116
    for sd in S.SECTION_DEFS:
        assert sd.prog_type in S.PROG_TYPE_VALUE
        assert sd.attach_type is None or sd.attach_type in S.ATTACH_TYPE_VALUE
        assert sd.flags <= S.FLAG_NAMES
        assert sd.since and all(part.isdigit() for part in sd.since.split("."))
    assert len(S.PROG_TYPES) == 33 and len(S.ATTACH_TYPES) == 62


def test_every_row_against_libbpf_17(libbpf17):
    compared = mismatches = 0
    problems = []
    names = list(all_cases())
    for n in names:
        ours = S.classify_section(n)
        theirs = libbpf_classify(libbpf17, n)
        if ours.sec_def.pattern in NEWER_THAN_1_7:
            if theirs is not None:
                problems.append(f"{n}: libbpf 1.7 knows it ({theirs}), NEWER_THAN_1_7 is stale")
            continue
        compared += 1
        assert theirs is not None, f"libbpf 1.7 does not recognise {n!r}"
        want_pt = S.PROG_TYPE_VALUE[ours.prog_type]
        want_at = S.ATTACH_TYPE_VALUE[ours.attach_type] if ours.attach_type else 0
        if theirs != (want_pt, want_at):
            mismatches += 1
            problems.append(f"{n}: ours {(want_pt, want_at)} libbpf {theirs}")
    assert not problems, problems
    # 105 rows known to 1.7: 42 "+" rows x 4 names + 63 exact rows = 231 names
    assert compared == 231 and mismatches == 0
    assert NEWER_THAN_1_7 <= {sd.pattern for sd in S.SECTION_DEFS}


def test_question_mark_prefix_against_libbpf(libbpf17):
    # libbpf strips "?" before matching programs; libbpf_prog_type_by_name() does not, so compare
    # our "?name" with libbpf's "name".
    for n in ["?xdp", "?fentry/do_unlinkat", "?tp/sched/sched_switch", "?cgroup/connect4"]:
        info = S.classify_section(n)
        assert info.autoload is False
        pt, at = libbpf_classify(libbpf17, n[1:])
        assert S.PROG_TYPE_VALUE[info.prog_type] == pt
        assert (S.ATTACH_TYPE_VALUE[info.attach_type] if info.attach_type else 0) == at


@pytest.mark.parametrize("name", NEGATIVE)
def test_negative_names_against_libbpf(libbpf17, name):
    assert S.classify_section(name).prog_type is None
    assert libbpf_classify(libbpf17, name) is None


def test_short_names_against_libbpf(libbpf17):
    for value, full in enumerate(S.PROG_TYPES):
        assert libbpf17.libbpf_bpf_prog_type_str(value).decode() == S.short_prog_type(full)
    for value, full in enumerate(S.ATTACH_TYPES):
        got = libbpf17.libbpf_bpf_attach_type_str(value)
        if full in ATTACH_NEWER_THAN_1_7:
            assert got is None
            continue
        assert got is not None, full
        assert got.decode() == S.short_attach_type(full)


def test_first_match_wins_order():
    # "sk_reuseport/migrate" precedes "sk_reuseport"; "xdp.frags/devmap" precedes "xdp.frags"
    assert S.classify_section("sk_reuseport/migrate").attach_type == "BPF_SK_REUSEPORT_SELECT_OR_MIGRATE"
    assert S.classify_section("sk_reuseport").attach_type == "BPF_SK_REUSEPORT_SELECT"
    assert S.classify_section("xdp.frags/devmap").attach_type == "BPF_XDP_DEVMAP"
    assert S.classify_section("xdp.frags/devmap").xdp_frags
    # "uprobe.multi.s" is not "uprobe.multi" + target
    info = S.classify_section("uprobe.multi.s//bin/x:f")
    assert info.sec_def.pattern == "uprobe.multi.s+" and info.sleepable
    assert info.attach_target == "/bin/x:f"


@pytest.mark.parametrize("name,target", [
    ("fentry/do_unlinkat", "do_unlinkat"),
    ("fexit/nf_conntrack:nf_ct_delete", "nf_conntrack:nf_ct_delete"),
    ("kprobe/do_sys_open+8", "do_sys_open+8"),
    ("tp/sched/sched_switch", "sched/sched_switch"),
    ("tracepoint/syscalls/sys_enter_openat", "syscalls/sys_enter_openat"),
    ("tp_btf/sched_switch", "sched_switch"),
    ("raw_tp/sys_enter", "sys_enter"),
    ("struct_ops/enqueue", "enqueue"),
    ("struct_ops.s/init", "init"),
    ("lsm/file_open", "file_open"),
    ("lsm.s/bprm_committed_creds", "bprm_committed_creds"),
    ("iter/task", "task"),
    ("usdt/libc.so.6:libc:setjmp", "libc.so.6:libc:setjmp"),
    ("fentry", None), ("xdp", None), ("tc/ingress", None), ("socket", None),
])
def test_attach_target(name, target):
    assert S.classify_section(name).attach_target == target


def test_flags_and_checked_at_load():
    c = S.classify_section
    assert c("syscall").sleepable
    assert c("lsm.s/x").sleepable and not c("lsm/x").sleepable
    assert c("xdp.frags").xdp_frags and not c("xdp").xdp_frags
    assert "usdt" in c("usdt/x:y:z").sec_def.flags
    assert "exp_attach_opt" in c("xdp").sec_def.flags
    assert "exp_attach_opt" not in c("cgroup/connect4").sec_def.flags
    # kernel validates expected_attach_type at load only for these families
    assert c("cgroup/connect4").sec_def.attach_checked_at_load
    assert c("cgroup/post_bind4").sec_def.attach_checked_at_load
    assert c("cgroup_skb/ingress").sec_def.attach_checked_at_load
    assert c("cgroup/getsockopt").sec_def.attach_checked_at_load
    assert c("sk_lookup").sec_def.attach_checked_at_load
    assert c("sk_reuseport").sec_def.attach_checked_at_load
    assert c("netfilter").sec_def.attach_checked_at_load
    assert c("fentry/x").sec_def.attach_checked_at_load
    assert c("lsm_cgroup/x").sec_def.attach_checked_at_load
    assert not c("tcx/ingress").sec_def.attach_checked_at_load
    assert not c("kprobe.multi/x").sec_def.attach_checked_at_load
    assert not c("xdp/devmap").sec_def.attach_checked_at_load
    assert not c("sk_skb/verdict").sec_def.attach_checked_at_load
    assert not c("netkit/peer").sec_def.attach_checked_at_load
    assert c("fsession/x").sec_def.since_verified is False
    assert c("fentry/x").sec_def.since == "5.5"
    assert c("sk_skb/verdict").sec_def.since == "5.15"


def test_override():
    info = S.classify_section("my_custom_sec", "BPF_PROG_TYPE_SOCKET_FILTER")
    assert info.prog_type == "BPF_PROG_TYPE_SOCKET_FILTER" and info.sec_def is None
    info = S.classify_section("xdp", "sched_cls")
    assert info.prog_type == "BPF_PROG_TYPE_SCHED_CLS" and info.attach_type is None
    info = S.classify_section("xdp", "xdp")
    assert info.attach_type == "BPF_XDP"


def test_parse_prog_type_overrides():
    got = S.parse_prog_type_overrides(["foo=socket_filter", "a/b=BPF_PROG_TYPE_XDP", "c=sched_cls", "d=KPROBE"])
    assert got == {"foo": "BPF_PROG_TYPE_SOCKET_FILTER", "a/b": "BPF_PROG_TYPE_XDP",
                   "c": "BPF_PROG_TYPE_SCHED_CLS", "d": "BPF_PROG_TYPE_KPROBE"}
    for bad in ["foo", "foo=", "=xdp", "foo=bogus", "foo=unspec"]:
        with pytest.raises(InputError) as e:
            S.parse_prog_type_overrides([bad])
        assert e.value.path == "--prog-type"


def test_short_names_without_oracle():
    assert S.short_prog_type("BPF_PROG_TYPE_SOCKET_FILTER") == "socket_filter"
    assert S.short_attach_type("BPF_TRACE_FENTRY") == "trace_fentry"
    assert S.short_attach_type(None) == "-"
