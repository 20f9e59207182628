"""Harness: analyzer.objects.load_object and the check engine (incl. reachability) on mutated
BPF objects, against one bundled kernel."""
import functools

from btf.errors import InputError

from .common import mutated, seed_objects

strategy = mutated(seed_objects)


@functools.lru_cache(None)
def _kernel():
    from analyzer.kernel.snapshot import resolve_kernel
    return resolve_kernel("6.12")


def target(data):
    from analyzer.check.engine import check_objects
    from analyzer.objects.model import load_object
    try:
        obj = load_object(data, "fuzz.bpf.o")
    except InputError:
        return
    check_objects([obj], [_kernel()])
