"""corpus/programs/hooks: which program type may call which helper or kfunc.

The hooks programs ask questions that BTF cannot answer (xdp_func_proto, register_btf_kfunc_id_set,
dev-bound kfuncs).  Their expected verdicts (corpus/programs/expected.json, reasoned from the kernel
sources) are checked here against what real kernels did with the very same objects
(bench/agreement/results, written by bench/agreement/run.sh), including the kernel's own words for
every refusal.  A result file whose object digest differs from the committed object is stale: re-run
run.sh.  No kernel, VM or root is needed: the real loads are recorded data.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re

import pytest

from analyzer.objects.model import load_object
from tests.support import paths

ROOT = paths.ROOT
HOOKS = os.path.join(ROOT, "corpus", "programs", "hooks")
RESULTS = os.path.join(ROOT, "bench", "agreement", "results")
EXPECTED = os.path.join(ROOT, "corpus", "programs", "expected.json")

# The kernel's (or libbpf's) words for each expected refusal, keyed by object and kernel column.
# "old" = the kernels whose BTF lacks the kfunc (5.10, 6.1).
NOT_IN_BTF = r"extern \(func ksym\) '{}': not found"
REASONS = {
    "cgroup_skb_pid_tgid": {"old": r"unknown func bpf_get_current_pid_tgid#14"},
    "sockfilter_dynptr_from_skb": {"old": NOT_IN_BTF.format("bpf_dynptr_from_skb")},
    "xdp_dynptr_from_skb": {"old": NOT_IN_BTF.format("bpf_dynptr_from_skb"),
                            "new": r"calling kernel function bpf_dynptr_from_skb is not allowed"},
    "xdp_task_from_pid": {"old": NOT_IN_BTF.format("bpf_task_(from_pid|acquire|release)")},
    "sockfilter_task_from_pid": {"old": NOT_IN_BTF.format("bpf_task_(from_pid|release)"),
                                 "new": r"calling kernel function bpf_task_from_pid is not allowed"},
    "xdp_cpumask_create": {"old": NOT_IN_BTF.format("bpf_cpumask_(create|release|set_cpu)"),
                           "new": r"calling kernel function bpf_cpumask_create is not allowed"},
    "tp_btf_cpumask_create": {"old": NOT_IN_BTF.format("bpf_cpumask_(create|release|set_cpu)")},
    "xdp_rx_hash_weak_guarded": {"new": r"metadata kfuncs require device-bound program"},
}
# the helper or kfunc each program is about: inspect must see the call
CALLS = {
    "cgroup_skb_pid_tgid": ("helper", "get_current_pid_tgid"),
    "sockfilter_dynptr_from_skb": ("kfunc", "bpf_dynptr_from_skb"),
    "xdp_dynptr_from_skb": ("kfunc", "bpf_dynptr_from_skb"),
    "xdp_task_from_pid": ("kfunc", "bpf_task_from_pid"),
    "sockfilter_task_from_pid": ("kfunc", "bpf_task_from_pid"),
    "xdp_cpumask_create": ("kfunc", "bpf_cpumask_create"),
    "tp_btf_cpumask_create": ("kfunc", "bpf_cpumask_create"),
    "xdp_rx_hash_weak_guarded": ("kfunc", "bpf_xdp_metadata_rx_hash"),
}


def _stem(path: str) -> str:
    return os.path.basename(path)[:-len(".bpf.o")]


def _objects() -> list[str]:
    return sorted(glob.glob(os.path.join(HOOKS, "*.bpf.o")))


def _column(release: str) -> str | None:
    """expected.json kernel column of a result file's release (host-6.18.44-... -> 6.18)."""
    m = re.match(r"(?:host-)?(\d+\.\d+)\.", release)
    return m.group(1) if m else None


def _expected() -> dict:
    with open(EXPECTED) as f:
        doc = json.load(f)
    return {o["object"]: o for o in doc["objects"] if o["object"].startswith("hooks/")}


def _hook_results() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(glob.glob(os.path.join(RESULTS, "*.jsonl"))):
        release = os.path.basename(path)[:-len(".jsonl")].replace(".fixup-maps", "")
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if "/hooks/" in (rec.get("object") or ""):
                    out.append((release, rec))
    return out


def test_every_hooks_source_has_an_object_and_an_expectation():
    srcs = sorted(glob.glob(os.path.join(HOOKS, "*.bpf.c")))
    assert len(srcs) == len(REASONS)
    exp = _expected()
    for src in srcs:
        obj = src[:-2] + ".o"
        assert os.path.exists(obj), f"{obj} not built (corpus/programs/build.sh)"
        assert f"hooks/{os.path.basename(obj)}" in exp, f"{obj} missing from expected.json"


@pytest.mark.parametrize("path", _objects(), ids=_stem)
def test_inspect_sees_the_call_the_program_is_about(path):
    with open(path, "rb") as f:
        obj = load_object(f.read(), os.path.relpath(path, ROOT))
    kind, name = CALLS[_stem(path)]
    (prog,) = obj.programs
    names = ({h.helper_name for h in prog.helper_calls} if kind == "helper"
             else {k.name for k in prog.kfunc_calls})
    assert name in names


def test_real_loads_match_the_source_derived_expectations():
    recs = _hook_results()
    if not recs:
        pytest.skip("no hooks programs in bench/agreement/results (run bench/agreement/run.sh)")
    exp = _expected()
    digests = {}
    checked = 0
    for release, rec in recs:
        col = _column(release)
        key = "hooks/" + os.path.basename(rec["object"])
        assert key in exp, key
        if key not in digests:
            with open(os.path.join(HOOKS, os.path.basename(rec["object"])), "rb") as f:
                digests[key] = hashlib.sha256(f.read()).hexdigest()
        assert rec["sha256"] == digests[key], f"{release}: result for {key} is stale; re-run run.sh"
        verdict = exp[key]["expect"][col]["verdict"]
        if verdict.endswith("?"):
            continue
        assert rec["loaded"] == (verdict == "load"), (release, key, rec.get("first_warn"))
        if not rec["loaded"]:
            era = "old" if col in ("5.10", "6.1") else "new"
            pat = REASONS[_stem(key)].get(era)
            assert pat, f"{key} on {release}: refusal without a recorded reason"
            assert re.search(pat, rec.get("log") or ""), (release, key, (rec.get("log") or "")[-400:])
        checked += 1
    assert checked >= len(REASONS)
