"""Facts model: origins, merge (probe wins, differences recorded), snapshot round trip."""
import pytest

from analyzer.kernel.facts import KernelFacts, merged, ALL_PROG_TYPES
from analyzer.kernel import snapshot as kernels
from pathlib import Path
from tests.support import paths

CORPUS = paths.ROOT_PATH / "corpus" / "kernels"


def test_merge_probe_wins_and_reports():
    src = KernelFacts("source", kfunc_prog_types={"k": ["BPF_PROG_TYPE_XDP"], "c": [ALL_PROG_TYPES]},
                      helper_prog_types={"BPF_PROG_TYPE_XDP": ["BPF_FUNC_a", "BPF_FUNC_b"]})
    probe = KernelFacts("probe", helper_prog_types={"BPF_PROG_TYPE_XDP": ["BPF_FUNC_a"]})
    m = merged([probe, src])
    assert m.helper_allowed("BPF_FUNC_b", "BPF_PROG_TYPE_XDP") == (False, "probe")
    assert m.helper_allowed("BPF_FUNC_a", "BPF_PROG_TYPE_KPROBE") == (None, None)
    assert m.kfunc_allowed("k", "BPF_PROG_TYPE_SCHED_CLS") == (False, "source")
    assert m.kfunc_allowed("c", "BPF_PROG_TYPE_SCHED_CLS") == (True, "source")
    assert m.kfunc_allowed("nope", "BPF_PROG_TYPE_XDP") == (None, None)
    assert len(m.disagreements) == 1 and "only source: BPF_FUNC_b" in m.disagreements[0]


def test_from_json_rejects_bad():
    with pytest.raises(ValueError):
        KernelFacts.from_json({"origin": "source"})
    with pytest.raises(ValueError):
        KernelFacts.from_json({"schema": "bpfstab.facts/1", "origin": "guess"})
    kf = KernelFacts("probe", version="6.18", prog_types=["BPF_PROG_TYPE_XDP"])
    assert KernelFacts.from_json(kf.to_json()) == kf


def test_snapshot_round_trip(tmp_path):
    snap = kernels.load_snapshot(sorted(CORPUS.glob("*.bpfk"))[0])
    snap.set_facts(KernelFacts("source", detail="test", kfunc_prog_types={"x": ["BPF_PROG_TYPE_XDP"]}))
    out = kernels.save_snapshot(snap, tmp_path / "k.bpfk")
    again = kernels.load_snapshot(out)
    assert again.facts["source"].detail == "test"
    assert again.merged_facts.kfunc_allowed("x", "BPF_PROG_TYPE_XDP") == (True, "source")


def test_probe_answers_only_for_types_it_probed():
    src = KernelFacts("source", kfunc_prog_types={"k": ["BPF_PROG_TYPE_LSM"]})
    probe = KernelFacts("probe", kfunc_prog_types={"k": ["BPF_PROG_TYPE_XDP"]},
                        methods={"kfunc_probed_prog_types": ["BPF_PROG_TYPE_XDP", "BPF_PROG_TYPE_SCHED_CLS"]})
    m = merged([src, probe])
    assert m.kfunc_allowed("k", "BPF_PROG_TYPE_XDP") == (True, "probe")
    assert m.kfunc_allowed("k", "BPF_PROG_TYPE_SCHED_CLS") == (False, "probe")
    assert m.kfunc_allowed("k", "BPF_PROG_TYPE_LSM") == (True, "source")      # the probe could not load LSM
    assert merged([probe]).kfunc_allowed("k", "BPF_PROG_TYPE_LSM") == (None, None)


def test_drop_facts_forgets_origins_and_the_merged_view():
    snap = kernels.load_snapshot(sorted(CORPUS.glob("*.bpfk"))[0])
    snap.set_facts(KernelFacts("source", kfunc_prog_types={"x": ["BPF_PROG_TYPE_XDP"]}))
    snap.set_facts(KernelFacts("probe", kfunc_prog_types={"x": ["BPF_PROG_TYPE_SCHED_CLS"]}))
    assert snap.merged_facts.kfunc_allowed("x", "BPF_PROG_TYPE_XDP") == (False, "probe")
    snap.drop_facts(keep=("source",))
    assert list(snap.facts) == ["source"]
    assert snap.merged_facts.kfunc_allowed("x", "BPF_PROG_TYPE_XDP") == (True, "source")
    snap.drop_facts()
    assert snap.facts == {} and snap.merged_facts.kfunc_allowed("x", "BPF_PROG_TYPE_XDP") == (None, None)
