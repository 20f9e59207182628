"""Bundled snapshots with exactly the kernel facts a test means: none, or the hand excerpt of the Debian
sources in tests/data/source_facts_excerpt.json (its "provenance" cites each file and function)."""
import json
import os

from analyzer.kernel.facts import KernelFacts
from analyzer.kernel.snapshot import resolve_kernel
from tests.support.paths import ROOT

with open(os.path.join(ROOT, "tests", "data", "source_facts_excerpt.json")) as _f:
    EXCERPT = json.load(_f)


def bare(version):
    """A freshly loaded bundled snapshot with any facts it carries removed (BTF only)."""
    snap = resolve_kernel(version)
    snap.drop_facts()
    return snap


def kernel_with_facts(version, *extra):
    """A freshly loaded bundled snapshot with the source excerpt for `version` attached, then `extra` facts."""
    snap = bare(version)
    ex = EXCERPT[version]
    snap.set_facts(KernelFacts("source", detail=ex["detail"], version=version,
                               helper_prog_types=ex.get("helper_prog_types", {}),
                               kfunc_prog_types=ex.get("kfunc_prog_types", {}),
                               kfunc_flags=ex.get("kfunc_flags", {})))
    for kf in extra:
        snap.set_facts(kf)
    return snap
