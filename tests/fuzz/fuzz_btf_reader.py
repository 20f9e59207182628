"""Harness: btf.reader (parse, decode every type, loop detection, sizes)."""
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
    b.loop_at()
    for tid in list(b.own_ids())[:200]:
        try:
            b.resolve_size(tid)
        except InputError:
            pass
