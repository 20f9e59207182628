"""Harness: btf.render (C definitions, type names, bpftool raw format) on mutated BTF."""
from btf import render
from btf.errors import InputError
from btf.reader import Btf

from .common import mutated, seed_btfs

strategy = mutated(seed_btfs)


def target(data):
    try:
        b = Btf(data, path="fuzz.btf")
        b.validate()
    except InputError:
        return
    for _ in render.bounded(b, (s + "\n" for s in render.raw_dump_all(b))):
        pass
    for tid in list(b.own_ids())[:100]:
        try:
            text = render.type_definition(b, tid)
            render.type_name(b, tid)
        except InputError:
            continue
        assert "\x1b" not in text
