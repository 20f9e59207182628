"""Crafted hostile inputs, built by script (no opaque blobs): one builder per class of issue 13.

Each builder writes its input(s) under a directory and returns a Case: the CLI arguments to run,
the file an error must name, and the exit codes that are right for it. tests/hostile/test_hostile.py runs
every case in a subprocess under a 1 GiB address-space limit and a time limit; bench/hostile_bench.py
runs the same cases and reports time and peak memory. Sizes are chosen so the old code hangs or
blows up while building stays cheap (a few seconds for all of them); `big=True` builds the larger
variants the bench reports (e.g. the 2 GB zip-member bomb of the issue, ~40 s to build).

Usage: python tests/support/hostile.py DIR   (builds every case into DIR and prints their commands)
"""
import bz2  # noqa: F401  (kept for builders that may want it)
import gzip
import hashlib
import io
import json
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Callable, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from btf.builder import BtfBuilder  # noqa: E402

SMALL_OBJ = os.path.join(ROOT, "corpus", "programs", "basic", "helper_comm_xdp.bpf.o")
TP_OBJ = os.path.join(ROOT, "corpus", "programs", "kfuncs", "task_from_pid_weak_guarded.bpf.o")
KF_DIR = os.path.join(ROOT, "corpus", "programs", "kfuncs")
BUNDLED = os.path.join(ROOT, "corpus", "kernels", "debian-6.12.107+deb13-amd64.bpfk")
KERNEL = "6.12"


@dataclass
class Case:
    name: str
    argv: list                   # after "bpfstab"
    names: str                   # the file an error line must name
    codes: tuple = (0, 1, 2)     # acceptable exit codes
    env: dict = field(default_factory=dict)
    inert: bool = False          # stdout must hold no control characters but newlines (and tabs)
    expect: Optional[str] = None # a substring stderr (or stdout) must contain
    timeout: float = 10.0        # CPU seconds allowed


# ------------------------------------------------------------------------------ helpers
def _elf_sections(data):
    """[(name, sh_name offset in file, sh_offset, sh_size, sh_flags)] of a little-endian ELF64."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    hdrs = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    stroff = hdrs[shstrndx][4]
    out = []
    for name_off, _t, flags, _a, off, size in hdrs:
        end = data.index(b"\0", stroff + name_off)
        out.append((data[stroff + name_off:end].decode(), stroff + name_off, off, size, flags))
    return out


def _first_prog_section(data):
    for name, noff, off, size, flags in _elf_sections(data):
        if flags & 0x4 and size and name != ".text":
            return name, noff, off, size
    raise ValueError("no program section")


def _c_literal(blob):
    return "".join(f"\\x{b:02x}" for b in blob)


def _ar(members):
    out = io.BytesIO()
    out.write(b"!<arch>\n")
    for name, data in members:
        hdr = f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode()
        out.write(hdr)
        out.write(data)
        if len(data) & 1:
            out.write(b"\n")
    return out.getvalue()


class _Zeros(io.RawIOBase):
    """`head` then zeros up to `size` bytes, then `tail`: a large member without holding it."""

    def __init__(self, head, size, tail=b""):
        self.head, self.size, self.tail, self.pos = head, size, tail, 0

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.size - self.pos)
        if n <= 0:
            return 0
        chunk = bytearray(n)
        for part, start in ((self.head, 0), (self.tail, self.size - len(self.tail))):
            lo, hi = max(start, self.pos), min(start + len(part), self.pos + n)
            if lo < hi:
                chunk[lo - self.pos:hi - self.pos] = part[lo - start:hi - start]
        b[:n] = chunk
        self.pos += n
        return n


def _big_bpf_object(size, salt):
    """(head, tail) of a valid EM_BPF ELF of `size` bytes: header, a .data section of zeros spanning
    the file, the section table and names at the end (so the object ends at `size`)."""
    names = b"\0.data\0.shstrtab\0"
    shnum = 3
    tail_len = len(names) + 8 + shnum * 64
    shoff = size - shnum * 64
    stroff = size - tail_len
    hdr = bytearray(64)
    hdr[0:4] = b"\x7fELF"
    hdr[4], hdr[5], hdr[6] = 2, 1, 1
    struct.pack_into("<HHIQQQIHHHHHH", hdr, 16, 1, 247, 1, 0, 0, shoff, 0, 64, 0, 0, 64, shnum, 2)
    sh = bytearray(shnum * 64)
    struct.pack_into("<IIQQQQIIQQ", sh, 64, 1, 1, 3, 0, 64, stroff - 64, 0, 0, 8, 0)      # .data
    struct.pack_into("<IIQQQQIIQQ", sh, 128, 7, 3, 0, 0, stroff, len(names), 0, 0, 1, 0)  # .shstrtab
    tail = names + struct.pack("<Q", salt) + bytes(sh)
    return bytes(hdr), tail


def _zstd_tar(entries):
    """A data.tar.zst holding entries [(name, size, fileobj)], streamed through the compressor."""
    import zstandard
    raw = io.BytesIO()
    with zstandard.ZstdCompressor(level=1).stream_writer(raw, closefd=False) as zw:
        with tarfile.open(fileobj=zw, mode="w|", format=tarfile.GNU_FORMAT) as tf:
            for name, size, fobj in entries:
                ti = tarfile.TarInfo(name)
                ti.size = size
                tf.addfile(ti, fobj)
    return raw.getvalue()


def _deb(path, entries):
    with open(path, "wb") as f:
        f.write(_ar([("debian-binary", b"2.0\n"), ("control.tar.gz", gzip.compress(b"")),
                     ("data.tar.zst", _zstd_tar(entries))]))


def _zip(path, members):
    """Write a zip by hand: members [(name, method, payload, declared size, crc)], sizes as given
    (so a member can declare what it likes)."""
    out = bytearray()
    central = bytearray()
    for name, method, payload, declared, crc in members:
        nm = name.encode()
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 63, 0, method, 0, 0x21, crc, len(payload), declared,
                           len(nm), 0) + nm + payload
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 63, 63, 0, method, 0, 0x21, crc, len(payload),
                               declared, len(nm), 0, 0, 0, 0, 0, off) + nm
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    with open(path, "wb") as f:
        f.write(out + central + eocd)


def _rewrite_snapshot(src, dst, edit_meta=None, meta_text=None, lying=None):
    with zipfile.ZipFile(src) as z:
        meta = json.loads(z.read("meta.json"))
        btf = z.read("vmlinux.btf")
    if edit_meta is not None:
        edit_meta(meta)
    mt = (meta_text if meta_text is not None else json.dumps(meta)).encode()
    members = [("meta.json", 0, mt, len(mt), zlib.crc32(mt))]
    if lying is None:
        members.append(("vmlinux.btf", 0, btf, len(btf), zlib.crc32(btf)))
    else:
        inflated, declared = lying
        members.append(("vmlinux.btf", 14, _lzma_zeros(inflated), declared, 0x12345678))
    _zip(dst, members)


def _lzma_zeros(n):
    """zipfile's LZMA member format (version, properties, raw LZMA1) of n zero bytes."""
    filt = {"id": lzma.FILTER_LZMA1, "preset": 0}
    c = lzma.LZMACompressor(lzma.FORMAT_RAW, filters=[filt])
    z = bytes(1 << 22)
    parts = [c.compress(z) for _ in range(n >> 22)]
    parts.append(c.flush())
    props = lzma._encode_filter_properties(filt)
    return struct.pack("<BBH", 9, 4, len(props)) + props + b"".join(parts)


# ------------------------------------------------------------------------------ builders
def skel_backslash_newlines(d, big=False):
    p = os.path.join(d, "bsnl.skel.h")
    with open(p, "w") as f:
        f.write('static const char s[] = "' + "\\\n" * 48 + "\\")   # unterminated: ~100 bytes
    return [Case("skel_backslash_newlines", ["scan", p], p)]


def skel_many_elf_literals(d, big=False):
    blob = open(SMALL_OBJ, "rb").read()
    n = 3000 if not big else 4000
    p = os.path.join(d, "many.skel.h")
    with open(p, "w") as f:
        for i in range(n):
            f.write(f"static inline const void *o{i}__elf_bytes(size_t *sz)\n{{\n\treturn (const void *)\"\\\n")
            f.write(_c_literal(blob) + f'\\x{i & 0xff:02x}";\n}}\n')
    return [Case("skel_many_elf_literals", ["scan", p], p, timeout=20.0 if big else 10.0)]


def skel_huge_literal(d, big=False):
    p = os.path.join(d, "huge.skel.h")
    with open(p, "w") as f:
        f.write('static const char s[] = "')
        chunk = "A" * (1 << 20)
        for _ in range(100):
            f.write(chunk)
        f.write('";\n')
    return [Case("skel_huge_literal_100MB", ["scan", p], p)]


def binary_fake_em_bpf(d, big=False):
    """An x86-64 ELF holding thousands of EM_BPF headers whose section tables look plausible."""
    n = 65536 if big else 20000
    table = 1 << 20
    size = n * 64 + table
    buf = bytearray(size + 64)
    hdr = bytearray(64)
    hdr[0:4] = b"\x7fELF"
    hdr[4], hdr[5], hdr[6] = 2, 1, 1
    struct.pack_into("<HH", hdr, 16, 2, 62)           # ET_EXEC, EM_X86_64
    buf[0:64] = hdr
    for i in range(1, n):
        pos = i * 64
        h = bytearray(hdr)
        struct.pack_into("<HH", h, 16, 1, 247)         # ET_REL, EM_BPF
        shnum = 16384
        struct.pack_into("<Q", h, 0x28, size - pos - shnum * 64 + 64)
        struct.pack_into("<HHH", h, 0x3A, 64, shnum, 0)
        buf[pos:pos + 64] = h
    p = os.path.join(d, "fake_em_bpf.bin")
    with open(p, "wb") as f:
        f.write(buf)
    q = os.path.join(d, "few_fake_em_bpf.bin")         # under the limits: must scan quickly
    small = bytearray(64 * 1001 + 4096)
    small[0:64] = hdr
    for i in range(1, 1001):
        h = bytearray(hdr)
        struct.pack_into("<HH", h, 16, 1, 247)
        struct.pack_into("<Q", h, 0x28, 64)
        struct.pack_into("<HHH", h, 0x3A, 64, 1, 0)
        small[i * 64:i * 64 + 64] = h
    with open(q, "wb") as f:
        f.write(small)
    return [Case("binary_fake_em_bpf", ["scan", p], p, expect="MAX_EMBEDDED_OBJECTS"),
            Case("binary_few_fake_em_bpf", ["scan", q], q)]


def many_guards(d, big=False, cache=None):
    """A program with 3,000 bpf_ksym_exists()-guarded weak kfunc calls (built with clang, cached)."""
    n = 3000
    lines = ['#include "kf_common.h"',
             "extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;",
             "extern void bpf_task_release(struct task_struct *p) __ksym __weak;",
             'SEC("tp_btf/sched_process_fork")',
             "int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)",
             "{", "\tstruct task_struct *t; u64 acc = 0;"]
    for i in range(n):
        lines.append(f"\tif (bpf_ksym_exists(bpf_task_from_pid) && child->pid == {i}) "
                     f"{{ t = bpf_task_from_pid({i}); if (t) {{ acc += t->tgid; bpf_task_release(t); }} }}")
    lines += ["\tput_result(0, acc);", "\treturn 0;", "}", 'char _license[] SEC("license") = "GPL";']
    src = "\n".join(lines) + "\n"
    key = hashlib.sha256(src.encode()).hexdigest()[:16]
    cache = cache or d
    obj = os.path.join(cache, f"many_guards-{key}.bpf.o")
    if not os.path.exists(obj):
        if shutil.which("clang") is None:
            return []
        c = os.path.join(d, "many_guards.bpf.c")
        with open(c, "w") as f:
            f.write(src)
        subprocess.run(["clang", "-target", "bpf", "-O2", "-g", "-D__TARGET_ARCH_x86", "-I", KF_DIR,
                        "-I", os.path.dirname(KF_DIR), "-I/usr/include/x86_64-linux-gnu", "-c", c,
                        "-o", obj + ".tmp"], check=True)
        os.replace(obj + ".tmp", obj)
    return [Case("many_guarded_weak_kfunc_calls", ["check", "-q", "-k", KERNEL, obj], obj)]


def kernel_image_candidates(d, big=False):
    """A kernel-image-looking file of many gzip streams, each inflating to 600 MB of zeros, and one
    whose stream starts like an ELF (so it is inflated in full, up to the limit)."""
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    z = bytes(1 << 22)
    bomb = b"".join([comp.compress(z) for _ in range(150)] + [comp.flush()])
    p = os.path.join(d, "vmlinuz-bombs")
    with open(p, "wb") as f:
        f.write(b"\0" * 4096)
        for _ in range(64 if not big else 200):
            f.write(bomb)
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    elf = b"".join([comp.compress(b"\x7fELF" + bytes((1 << 22) - 4))]
                   + [comp.compress(z) for _ in range(149)] + [comp.flush()])
    q = os.path.join(d, "vmlinuz-elf-bomb")
    with open(q, "wb") as f:
        f.write(b"\0" * 4096 + elf)
    return [Case("kernel_image_many_candidates", ["kernel", "import", p, "-o", os.path.join(d, "x.bpfk")], p),
            Case("kernel_image_elf_bomb", ["kernel", "import", q, "-o", os.path.join(d, "y.bpfk")], q,
                 expect="MAX_DECOMPRESSED")]


def deb_large_members(d, big=False):
    """A small .deb whose members are large sparse (zero-filled) BPF objects."""
    size = 100 << 20
    n = 8 if not big else 30
    entries = []
    for i in range(n):
        head, tail = _big_bpf_object(size, i)
        entries.append((f"./usr/lib/bpf/big{i}.bpf.o", size, _Zeros(head, size, tail)))
    p = os.path.join(d, "sparse_1.0_amd64.deb")
    _deb(p, entries)
    return [Case("deb_large_sparse_members", ["check", "-q", "-k", KERNEL, p], p, timeout=20.0,
                 expect="MAX_HELD_OBJECT_BYTES")]


def snapshot_lying_member(d, big=False):
    p = os.path.join(d, "lying.bpfk")
    _rewrite_snapshot(BUNDLED, p, lying=((2 << 30) if big else (64 << 20), 1024))
    return [Case("snapshot_zip_member_lies", ["kernel", "show", p], p, codes=(2,))]


def snapshot_bad_meta(d, big=False):
    cases = []

    def mk(name, edit=None, text=None, every=True):
        """every command that loads a snapshot on the first variant; `kernel show` on the others
        (the check is at load, shared by all of them) unless `every`"""
        p = os.path.join(d, f"meta-{name}.bpfk")
        _rewrite_snapshot(BUNDLED, p, edit_meta=edit, meta_text=text)
        cmds = (["kernel", "show", p], ["kfuncs", p], ["timeline", p, p], ["check", "-q", "-k", p, TP_OBJ])
        for cmd in cmds if every else cmds[:1]:
            cases.append(Case(f"snapshot_meta_{name}_{cmd[0]}", cmd, p, codes=(2,), expect="meta"))

    mk("kfunc_number", lambda m: m["kfuncs"].__setitem__(0, 5))
    mk("facts_nested_lists", lambda m: m["facts"][0].__setitem__("kfunc_flags", {"bpf_x": [["KF_ACQUIRE"]]}),
       every=big)
    mk("flag_names_numbers", lambda m: m["kfuncs"][0].__setitem__("flag_names", [1, 2]), every=big)
    mk("release_list", lambda m: m.__setitem__("release", ["6.12"]), every=big)
    mk("deep_json", text='{"schema": "bpfstab.kernel/1", "x": ' + "[" * 100000 + "]" * 100000 + "}", every=big)
    return cases


def source_dev_zero(d, big=False):
    p = os.path.join(d, "devzero.bpf.c")
    with open(p, "w") as f:
        f.write('#include "/dev/zero"\nint x;\n')
    return [Case("source_include_dev_zero", ["check", "-q", "-k", KERNEL, p], p, codes=(2,))]


def btf_nested_anon(d, big=False):
    b = BtfBuilder()
    prev = b.int("int", 4, signed=True)
    for _ in range(30):
        prev = b.struct("", 8, [("a", prev, 0), ("b", prev, 0)], union=True)
    b.struct("top", 8, [("x", prev, 0)])
    p = os.path.join(d, "nested_anon.btf")
    with open(p, "wb") as f:
        f.write(b.build())
    b = BtfBuilder()
    i = b.int("int", 4, signed=True)
    b.struct("big", 0xFFFFFFFF, [("x", i, 0), ("y", i, 0xFFFFFF00)])
    q = os.path.join(d, "padding.btf")
    with open(q, "wb") as f:
        f.write(b.build())
    return [Case("btf_dump_nested_anonymous", ["btf", "dump", p, "--format", "c"], p, expect="MAX_TYPE_TEXT_BYTES"),
            Case("btf_dump_padding", ["btf", "dump", q, "--format", "c"], q, expect="MAX_TYPE_TEXT_BYTES")]


def btf_loops(d, big=False):
    b = BtfBuilder()
    b.int("int", 4, signed=True)
    b.const(3)
    b.volatile(2)
    p = os.path.join(d, "loop.btf")
    with open(p, "wb") as f:
        f.write(b.build())
    b = BtfBuilder()
    prev = b.int("int", 4, signed=True)
    for _ in range(200):
        prev = b.const(prev)
    b.struct("s", 4, [("x", prev, 0)])
    q = os.path.join(d, "deep_chain.btf")
    with open(q, "wb") as f:
        f.write(b.build())
    return [Case("kernel_import_type_loop", ["kernel", "import", p, "-o", os.path.join(d, "l.bpfk")], p,
                 codes=(2,), expect="type loop"),
            Case("kernel_import_deep_chain", ["kernel", "import", q, "-o", os.path.join(d, "c.bpfk")], q,
                 codes=(0,)),
            Case("btf_dump_deep_chain", ["btf", "dump", q, "--format", "c"], q, expect="no loop")]


def bad_registers(d, big=False):
    cases = []
    data = bytearray(open(TP_OBJ, "rb").read())
    _name, _noff, off, _size = _first_prog_section(bytes(data))
    objs = []
    for reg in ((11, 12, 13, 14, 15) if big else (11, 12, 15)):
        obj = bytearray(data)
        obj[off + 1] = (obj[off + 1] & 0xF0) | reg      # dst register of the first instruction
        p = os.path.join(d, f"reg{reg}.bpf.o")
        with open(p, "wb") as f:
            f.write(obj)
        objs.append(p)
        cases.append(Case(f"insn_register_r{reg}", ["check", "-q", "-k", KERNEL, p], p, codes=(1,),
                          expect="r0-r10"))
    good = open(SMALL_OBJ, "rb").read()
    pkg = os.path.join(d, "regs_1.0_amd64.deb")
    _deb(pkg, [("./usr/lib/bpf/reg12.bpf.o", len(data), io.BytesIO(open(objs[1], "rb").read())),
               ("./usr/lib/bpf/good.bpf.o", len(good), io.BytesIO(good))])
    cases.append(Case("insn_register_in_package", ["check", "-q", "-k", KERNEL, "--fail-on", "never", pkg], pkg,
                      codes=(0,), expect="good.bpf.o"))
    return cases


def names_with_controls(d, big=False):
    data = bytearray(open(TP_OBJ, "rb").read())
    name, noff, _off, _size = _first_prog_section(bytes(data))
    evil = ("t\n::error file=x::forged\x1b[31m\x07" + "x" * len(name))[:len(name)].encode()
    data[noff:noff + len(name)] = evil
    p = os.path.join(d, "evil_section.bpf.o")
    with open(p, "wb") as f:
        f.write(data)
    cases = []
    for fmt in ("text", "md", "sarif", "junit"):
        cases.append(Case(f"section_name_controls_{fmt}", ["check", "-q", "-k", KERNEL, "--format", fmt, p], p,
                          inert=True))
    cases.append(Case("section_name_controls_scan", ["scan", p], p, inert=True))
    return cases


BUILDERS = [skel_backslash_newlines, skel_many_elf_literals, skel_huge_literal, binary_fake_em_bpf,
            many_guards, kernel_image_candidates, deb_large_members, snapshot_lying_member,
            snapshot_bad_meta, source_dev_zero, btf_nested_anon, btf_loops, bad_registers,
            names_with_controls]


def build_all(d, big=False, cache=None):
    os.makedirs(d, exist_ok=True)
    out = []
    for b in BUILDERS:
        out += b(d, big=big, cache=cache) if b is many_guards else b(d, big=big)
    return out


if __name__ == "__main__":
    for c in build_all(sys.argv[1] if len(sys.argv) > 1 else "hostile-out", big="--big" in sys.argv):
        print(c.name, "bpfstab", " ".join(c.argv))


# ------------------------------------------------------------------------------ running
AS_LIMIT = 1 << 30


_CHILD = ("import atexit, os, resource, sys\n"
          "def _report():\n"
          "    r = resource.getrusage(resource.RUSAGE_SELF)\n"
          "    open(os.environ['HOSTILE_RSS_FILE'], 'w').write(f'{r.ru_maxrss * 1024} {r.ru_utime + r.ru_stime}')\n"
          "atexit.register(_report)\n"
          "from analyzer.cli.main import main\n"
          "sys.exit(main(sys.argv[1:]))\n")


def run(case, python=sys.executable, as_limit=AS_LIMIT, wall=None):
    """Run one case's CLI in a child under RLIMIT_AS: (exit code or None when it ran past the wall
    clock limit, stdout, stderr, CPU seconds of the child, its peak RSS in bytes (0 when unknown)).
    The time bound (case.timeout) is on CPU time, which the load of a shared machine does not
    inflate; the wall clock limit (default 6 x case.timeout, at least 60 s) only catches hangs."""
    import resource
    import tempfile
    import time

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))

    fd, rss = tempfile.mkstemp(prefix="hostile-rss-")
    os.close(fd)
    env = dict(os.environ, **case.env)
    env.pop("BPFSTAB_DEBUG", None)
    env["HOSTILE_RSS_FILE"] = rss
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    t = time.monotonic()
    p = subprocess.Popen([python, "-c", _CHILD, *case.argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=limit, env=env, cwd=ROOT)
    try:
        out, err = p.communicate(timeout=wall or max(60.0, 6 * case.timeout))
        code = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        code = None
    secs = time.monotonic() - t
    peak, cpu = 0, secs
    try:
        with open(rss) as f:
            got = f.read().split()
        peak, cpu = int(got[0]), float(got[1])
    except (OSError, ValueError, IndexError):
        pass
    os.unlink(rss)
    return code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), cpu, peak
