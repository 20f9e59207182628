"""Shared by several test files (moved out of test_containers.py)."""
import bz2
import glob
import gzip
import io
import lzma
import os
import struct
import tarfile
import time
from btf import containers as C
from btf.builder import BtfBuilder
from btf.errors import InputError
from btf.reader import Btf


def make_elf(sections, symbols=(), *, etype=2, machine=62, big=False):
    """A minimal ELF64: sections = [(name, data, addr)], symbols = [(name, value, size, stt, section name)]."""
    bo = ">" if big else "<"
    names = [""] + [s[0] for s in sections] + ([".symtab", ".strtab"] if symbols else []) + [".shstrtab"]
    shstr = b"\0"
    name_off = {}
    for n in names[1:]:
        name_off[n] = len(shstr)
        shstr += n.encode() + b"\0"
    body = bytearray(b"\0" * 64)
    headers = [struct.pack(bo + "IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)]

    def put(data):
        while len(body) % 8:
            body.append(0)
        off = len(body)
        body.extend(data)
        return off

    index = {}
    for i, (name, data, addr) in enumerate(sections, 1):
        off = put(data)
        index[name] = i
        headers.append(struct.pack(bo + "IIQQQQIIQQ", name_off[name], 1, 2, addr, off, len(data), 0, 0, 8, 0))
    if symbols:
        strtab = b"\0"
        syms = b"\0" * 24
        for name, value, size, stt, sec in symbols:
            st_name = len(strtab)
            strtab += name.encode() + b"\0"
            syms += struct.pack(bo + "IBBHQQ", st_name, stt, 0, index[sec], value, size)
        symidx = len(headers)
        off = put(syms)
        headers.append(struct.pack(bo + "IIQQQQIIQQ", name_off[".symtab"], 2, 0, 0, off, len(syms),
                                   symidx + 1, 1, 8, 24))
        off = put(strtab)
        headers.append(struct.pack(bo + "IIQQQQIIQQ", name_off[".strtab"], 3, 0, 0, off, len(strtab), 0, 0, 1, 0))
    off = put(shstr)
    shstrndx = len(headers)
    headers.append(struct.pack(bo + "IIQQQQIIQQ", name_off[".shstrtab"], 3, 0, 0, off, len(shstr), 0, 0, 1, 0))
    shoff = put(b"".join(headers))
    ident = b"\x7fELF" + bytes([2, 2 if big else 1, 1, 0]) + b"\0" * 8
    body[0:64] = ident + struct.pack(bo + "HHIQQQIHHHHHH", etype, machine, 1, 0, 0, shoff, 0, 64, 0, 0, 64,
                                     len(headers), shstrndx)
    return bytes(body)
