"""What the check renderers print, made inert first (btf.inert): object, program and section
names, kernel ids and every finding's text come from inputs.

`check_inputs(results, kernels, min_kernel)` returns the three with every such string escaped; a
result or kernel with nothing to escape is passed through as the same object, so normal reports
are unchanged and cost nothing extra. JSON output does not use this (json escapes by itself and
keeps the data exact)."""
from dataclasses import replace

from btf.inert import inert, inert_doc, is_inert

_RESULT_FIELDS = ("object", "program", "section", "prog_type", "attach_type", "kernel")
_FINDING_FIELDS = ("message", "location", "hint", "since")
_KERNEL_FIELDS = ("id", "release", "arch", "source")


def _clean(v):
    return v is None or not isinstance(v, str) or is_inert(v)


def finding(f):
    if all(_clean(getattr(f, n, None)) for n in _FINDING_FIELDS):
        return f
    return replace(f, **{n: inert(getattr(f, n)) for n in _FINDING_FIELDS if getattr(f, n, None) is not None})


def result(r):
    fs = [finding(f) for f in r.findings]
    if all(a is b for a, b in zip(fs, r.findings)) and all(_clean(getattr(r, n, None)) for n in _RESULT_FIELDS):
        return r
    return replace(r, findings=fs, **{n: inert(getattr(r, n)) for n in _RESULT_FIELDS
                                      if getattr(r, n, None) is not None})


class _InertKernel:
    """A kernel whose id/release/arch/source are read through inert(); everything else passes."""

    def __init__(self, k):
        object.__setattr__(self, "_k", k)

    def __getattr__(self, name):
        v = getattr(self._k, name)
        return inert(v) if name in _KERNEL_FIELDS and isinstance(v, str) else v


def kernel(k):
    if all(_clean(getattr(k, n, None)) for n in _KERNEL_FIELDS):
        return k
    return _InertKernel(k)


def check_inputs(results, kernels, min_kernel=None):
    return ([result(r) for r in results], [kernel(k) for k in kernels],
            inert_doc(min_kernel) if min_kernel is not None else None)
