"""Harness: the snapshot meta.json schema check and the loaders behind it (Kfunc/KernelFacts)."""
import json

from hypothesis import strategies as st

from analyzer.kernel.snapshot_schema import validate_meta
from btf.errors import InputError

_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.text(max_size=8),
                     lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                     max_leaves=30)
_KEYS = ["schema", "name", "release", "arch", "source", "version_banner", "config", "kfuncs", "function_symbols",
         "modules", "facts", "notes"]


@st.composite
def _meta(draw):
    m = {"schema": "bpfstab.kernel/1", "config": {}, "kfuncs": [], "modules": [], "facts": []}
    for k in draw(st.lists(st.sampled_from(_KEYS), max_size=4)):
        m[k] = draw(_JSON)
    if draw(st.booleans()):
        m["kfuncs"] = [draw(st.fixed_dictionaries({"name": st.text(max_size=6), "btf_id": _JSON, "proto": _JSON},
                                                  optional={"flags": _JSON, "flag_names": _JSON}))]
    if draw(st.booleans()):
        m["facts"] = [draw(st.fixed_dictionaries({"schema": st.just("bpfstab.facts/1"),
                                                  "origin": st.sampled_from(["source", "probe", 1])},
                                                 optional={"kfunc_flags": _JSON, "prog_types": _JSON}))]
    return m


strategy = _meta()


def target(meta):
    from analyzer.kernel.facts import KernelFacts
    from analyzer.kernel.snapshot import Kfunc
    try:
        validate_meta("fuzz.bpfk", json.loads(json.dumps(meta)))
    except InputError:
        return
    for d in meta["kfuncs"]:        # what load_snapshot does next must now not fail
        Kfunc.from_json(d)
    for d in meta.get("facts") or ():
        KernelFacts.from_json(d)
