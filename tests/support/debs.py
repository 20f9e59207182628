"""Builders for synthetic Debian kernel packages (ar + tar) and what goes in them: a tiny vmlinux BTF,
a module .ko with split BTF. Used by tests/kernel/test_debian.py and
tests/btf/test_containers.py (ar_archive, tar_bytes)."""
import io
import tarfile

from btf.builder import BtfBuilder
from btf.reader import Btf
from tests.support.containers import make_elf


def tiny_btf():
    b = BtfBuilder()
    i = b.int("int", 4, signed=True)
    proto = b.func_proto(i, [("x", i)])
    b.func("bpf_foo", proto)
    b.func("bpf_bar", proto)
    return b.build()


def ar_archive(members):
    out = b"!<arch>\n"
    for name, data in members:
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode() + data
        if len(data) & 1:
            out += b"\n"
    return out


def tar_bytes(files, comp="xz"):
    """A tar archive of (name, bytes), compressed with xz, gz, bz2 or zst ("" for none)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w" if comp in ("zst", "") else f"w:{comp}") as tf:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    raw = buf.getvalue()
    if comp == "zst":
        import zstandard
        raw = zstandard.ZstdCompressor().compress(raw)
    return raw


def fake_module(name="nf_thing", base=None):
    base = base or Btf(tiny_btf())
    m = BtfBuilder(base=base)
    m.struct("mod_struct", 4, [("a", 1, 0)])
    modinfo = b"license=GPL\0name=" + name.encode() + b"\0vermagic=7.9.1+deb13-amd64 SMP mod_unload\0"
    return make_elf([(".modinfo", modinfo, 0), (".BTF", m.build(), 0)], etype=1)
