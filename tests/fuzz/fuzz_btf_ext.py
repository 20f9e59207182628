"""Harness: btf.ext (.BTF.ext: func/line info, CO-RE relocations) of mutated objects' sections."""
from btf.containers import elf_btf_sections
from btf.errors import InputError
from btf.ext import BtfExt
from btf.reader import Btf

from .common import mutated, seed_objects

strategy = mutated(seed_objects)


def target(data):
    try:
        secs = elf_btf_sections(data, "fuzz.o")
    except InputError:
        return
    if not isinstance(secs, dict) or not secs.get(".BTF") or not secs.get(".BTF.ext"):
        return
    try:
        b = Btf(secs[".BTF"], path="fuzz.o")
    except InputError:
        return
    try:
        BtfExt(secs[".BTF.ext"], b, path="fuzz.o")
    except InputError:
        pass
