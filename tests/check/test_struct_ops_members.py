"""struct_ops members the kernel lacks: libbpf fails only when the object sets them (a callback or
non-zero bytes) and skips zero ones. Truth: real loads with libbpf 1.7 on 6.18 (tests/data/objects/build.sh)."""
from pathlib import Path

import pytest

from analyzer.check.engine import check_objects
from analyzer.objects.model import load_object
from analyzer.kernel import snapshot as KK
from tests.support import paths

DATA = paths.TESTS_PATH / "data" / "objects"
CORPUS = paths.ROOT_PATH / "corpus" / "kernels"


@pytest.fixture(scope="module")
def k612():
    return KK.load_snapshot(next(CORPUS.glob("*6.12*.bpfk")))


def _results(name, kernel):
    path = DATA / f"struct_ops_extra_{name}.bpf.o"
    obj = load_object(path.read_bytes(), str(path))
    return {r.program: r for r in check_objects([obj], [kernel])}


def test_callback_in_missing_member_fails(k612):
    res = _results("cb", k612)
    for prog in ("x_ssthresh", "x_cong_avoid", "x_undo_cwnd"):
        r = res[prog]
        assert r.verdict == "fails"
        (f,) = [f for f in r.findings if f.code == "STRUCT_OPS_MEMBER_MISSING"]
        assert f.detail == {"member": "future_cb", "program": "x_future_cb"} and "callback" in f.message


def test_nonzero_value_in_missing_member_fails(k612):
    r = _results("val", k612)["x_ssthresh"]
    assert r.verdict == "fails"
    assert [f.detail["member"] for f in r.findings if f.code == "STRUCT_OPS_MEMBER_MISSING"] == ["future_val"]


def test_zero_missing_members_are_skipped(k612):
    res = _results("zero", k612)
    for prog in ("x_ssthresh", "x_cong_avoid", "x_undo_cwnd"):
        assert res[prog].verdict == "loads"
        assert not [f for f in res[prog].findings if f.code.startswith("STRUCT_OPS")]


def test_struct_ops_initial_bytes_and_callbacks_are_modelled():
    path = DATA / "struct_ops_extra_cb.bpf.o"
    obj = load_object(path.read_bytes(), str(path))
    (m,) = [m for m in obj.maps if m.type == "BPF_MAP_TYPE_STRUCT_OPS"]
    assert len(m.init_data) == m.value_size
    assert m.member_progs == {0: "x_ssthresh", 8: "x_cong_avoid", 16: "x_undo_cwnd", 24: "x_future_cb"}
