"""Shared by several test files (moved out of test_embedded.py)."""
import glob
import io
import os
import struct
import tarfile
import time
import pytest
from analyzer.objects import embedded as E
from btf.errors import InputError


def make_elf(machine=247, le=True, sections=(("xdp", b"\x95" + b"\0" * 7), ("license", b"GPL\0")),
             pad=0):
    """A minimal ELF64 relocatable: NULL, the given PROGBITS sections (first ones executable),
    .shstrtab; section headers at the end.  `pad` bytes of junk between data and headers."""
    e = "<" if le else ">"
    names = b"\0" + b"".join(n.encode() + b"\0" for n, _ in sections) + b".shstrtab\0"
    body = bytearray()
    offs = []
    pos = 64
    for _, data in sections:
        offs.append(pos + len(body))
        body += data
    shstr_off = 64 + len(body)
    body += names
    body += b"\xAA" * pad
    while (64 + len(body)) % 8:
        body += b"\0"
    shoff = 64 + len(body)
    shnum = len(sections) + 2
    ident = b"\x7fELF" + bytes([2, 1 if le else 2, 1, 0]) + b"\0" * 8
    hdr = ident + struct.pack(e + "HHIQQQIHHHHHH", 1, machine, 1, 0, 0, shoff, 0, 64, 0, 0, 64,
                              shnum, shnum - 1)
    shdrs = b"\0" * 64
    name_pos = 1
    for i, (n, data) in enumerate(sections):
        flags = 0x6 if n != "license" else 0x2
        shdrs += struct.pack(e + "IIQQQQIIQQ", name_pos, 1, flags, 0, offs[i], len(data), 0, 0, 8, 0)
        name_pos += len(n) + 1
    shdrs += struct.pack(e + "IIQQQQIIQQ", name_pos, 3, 0, 0, shstr_off, len(names), 0, 0, 1, 0)
    return bytes(hdr) + bytes(body) + shdrs


BPF = make_elf()


X86 = make_elf(machine=62, sections=(("text", b"\x90" * 16),))


def make_deb(path, members, compression="xz", truncate=None):
    """ar archive with debian-binary, control.tar.gz and data.tar.<compression>."""
    buf = io.BytesIO()
    mode = {"xz": "w:xz", "gz": "w:gz", "bz2": "w:bz2", "zst": "w"}[compression]
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, data in members:
            ti = tarfile.TarInfo("./" + name)
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))
        ti = tarfile.TarInfo("./usr/bin/link")
        ti.type = tarfile.SYMTYPE
        ti.linkname = "tool"
        tar.addfile(ti)
    data = buf.getvalue()
    if compression == "zst":
        zstandard = pytest.importorskip("zstandard")
        data = zstandard.ZstdCompressor().compress(data)
    out = bytearray(b"!<arch>\n")
    for name, content in [("debian-binary", b"2.0\n"), ("control.tar.gz", b"\0" * 10),
                          (f"data.tar.{compression}", data)]:
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(content):<10}`\n".encode()
        out += content + (b"\n" if len(content) % 2 else b"")
    if truncate:
        out = out[:truncate]
    with open(path, "wb") as f:
        f.write(out)
