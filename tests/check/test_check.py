"""bpfstab check on the corpus programs against the bundled Debian kernels."""
import json
import os
import subprocess
import sys

import pytest

from analyzer.check.engine import check_objects
from analyzer.kernel.snapshot import bundled_kernels, resolve_kernel
from analyzer.objects.model import load_objects
from tests.support import paths

ROOT = paths.ROOT
PROGS = os.path.join(ROOT, "corpus", "programs")

pytestmark = pytest.mark.skipif(len(bundled_kernels()) < 4, reason="bundled kernel snapshots missing")


@pytest.fixture(scope="module")
def kernels():
    return {v: resolve_kernel(v) for v in ("5.10", "6.1", "6.12", "7.2")}


def verdicts(path, kernels, overrides=None):
    objs, _ = load_objects([os.path.join(PROGS, path)], prog_type_overrides=overrides)
    ks = list(kernels.values())
    out = {}
    for r in check_objects(objs, ks):
        ver = next(v for v, k in kernels.items() if k.id == r.kernel)
        out.setdefault(r.program, {})[ver] = r
    return out


def codes(result):
    return {f.code for f in result.findings if f.severity in ("error", "unknown")}


def test_unguarded_core_field_fails_only_where_the_field_is_missing(kernels):
    (row,) = verdicts("tracing/tp_state_unguarded.bpf.o", kernels).values()
    assert row["5.10"].verdict == "fails" and codes(row["5.10"]) == {"CORE_RELO_POISONED"}
    assert all(row[v].verdict == "loads" for v in ("6.1", "6.12", "7.2"))
    (guarded,) = verdicts("tracing/tp_state_guarded.bpf.o", kernels).values()
    assert all(r.verdict == "loads" for r in guarded.values())
    assert any(f.code == "CORE_RELO_GUARDED" for f in guarded["5.10"].findings)


def test_strong_missing_kfuncs_fail_weak_guarded_load(kernels):
    for prog, row in verdicts("p4tc/p4tc_pipeline_strong.bpf.o", kernels).items():
        assert all(r.verdict == "fails" and "KFUNC_MISSING" in codes(r) for r in row.values()), prog
    for prog, row in verdicts("p4tc/p4tc_pipeline_weak.bpf.o", kernels).items():
        assert all(r.verdict == "loads" for r in row.values()), prog
        assert any(f.code == "KFUNC_WEAK_UNRESOLVED" for f in row["6.12"].findings)


def test_weak_kfunc_without_guard_fails_where_missing(kernels):
    (row,) = verdicts("kfuncs/task_from_pid_weak_unguarded.bpf.o", kernels).values()
    assert codes(row["6.1"]) == {"KFUNC_WEAK_CALL_REACHABLE"}
    assert row["6.12"].verdict == "loads"


def test_prototype_mismatch_and_vanished_kfunc(kernels):
    (row,) = verdicts("kfuncs/kfunc_bad_proto_argcount.bpf.o", kernels).values()
    assert codes(row["6.12"]) == {"KFUNC_PROTO_MISMATCH"}
    (row,) = verdicts("kfuncs/vanished_test_kfunc.bpf.o", kernels).values()
    assert row["6.1"].verdict == "loads" and codes(row["6.12"]) == {"KFUNC_MISSING"}


def test_object_level_failures(kernels):
    (row,) = verdicts("basic/legacy_maps_section.bpf.o", kernels).values()
    assert all(codes(r) == {"LEGACY_MAPS"} for r in row.values())
    (row,) = verdicts("basic/arena_map.bpf.o", kernels).values()
    assert "MAP_TYPE_MISSING" in codes(row["6.1"]) and row["6.12"].verdict == "loads"


def test_program_type_and_isa(kernels):
    (row,) = verdicts("basic/netfilter.bpf.o", kernels).values()
    assert codes(row["6.1"]) == {"PROG_TYPE_MISSING"} and row["6.12"].verdict == "loads"
    (row,) = verdicts("isa/cpuv4_insns.bpf.o", kernels).values()
    assert codes(row["6.1"]) == {"ISA_UNSUPPORTED"} and row["6.12"].verdict == "loads"


def test_unknown_section_needs_prog_type(kernels):
    (row,) = verdicts("vmm/rss_steering_legacy.bpf.o", kernels).values()
    assert all(r.verdict == "unknown" for r in row.values())
    (row,) = verdicts("vmm/rss_steering_legacy.bpf.o", kernels,
                      overrides={"tun_rss_steering": "BPF_PROG_TYPE_SOCKET_FILTER"}).values()
    assert all(r.verdict == "loads" for r in row.values())


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "analyzer", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_json_contract_and_exit_codes():
    obj = os.path.join(PROGS, "tracing", "tp_state_unguarded.bpf.o")
    p = run_cli("check", obj, "-k", "5.10", "-k", "6.1", "--format", "json", "-q")
    assert p.returncode == 1, p.stderr
    doc = json.loads(p.stdout)
    assert doc["schema"] == "bpfstab.check/1"
    assert {k["release"] for k in doc["kernels"]} == {"5.10.0-32-amd64", "6.1.0-56-amd64"}
    r = doc["results"][0]
    assert set(r) == {"object", "program", "section", "prog_type", "attach_type", "kernel", "verdict", "findings"}
    assert r["prog_type"] == "tracing" and r["section"] == "tp_btf/sched_switch"
    assert run_cli("check", obj, "-k", "5.10", "--fail-on", "never", "-q").returncode == 0
    assert run_cli("check", obj, "-k", "6.1", "-q").returncode == 0


def test_cli_min_kernel():
    obj = os.path.join(PROGS, "tracing", "tp_state_unguarded.bpf.o")
    p = run_cli("check", obj, "-k", "all", "--min-kernel", "--format", "json", "-q")
    (row,) = json.loads(p.stdout)["programs"]
    assert row["min_release"] == "6.1.0-56-amd64"
    assert row["older"][0]["reasons"][0]["code"] == "CORE_RELO_POISONED"


@pytest.mark.parametrize("fmt,needle", [("md", "| loads from |"), ("html", "loads from"),
                                        ("junit", 'name="min_kernel" value="6.1.0-56-amd64"'),
                                        ("sarif", "(loads from kernel 6.1.0-56-amd64)")])
def test_cli_min_kernel_in_every_report_format(fmt, needle):
    obj = os.path.join(PROGS, "tracing", "tp_state_unguarded.bpf.o")
    plain = run_cli("check", obj, "-k", "all", "--format", fmt, "-q").stdout
    with_min = run_cli("check", obj, "-k", "all", "--min-kernel", "--format", fmt, "-q").stdout
    assert needle in with_min and needle not in plain


@pytest.mark.parametrize("args,needle", [
    (["check", "/nonexistent.o", "-k", "6.1"], "/nonexistent.o"),
    (["check", os.path.join(PROGS, "basic", "netfilter.bpf.o"), "-k", "no-such-kernel"], "no-such-kernel"),
    (["check", os.path.join(PROGS, "basic", "netfilter.bpf.o"), "--fail-on", "sometimes"], "--fail-on"),
    (["check", os.path.join(PROGS, "basic", "netfilter.bpf.o"), "--prog-type", "x=nonsense", "-k", "6.1"],
     "nonsense"),
])
def test_cli_bad_input_is_one_line_exit_2(args, needle):
    p = run_cli(*args)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in p.stderr


def test_xdp_metadata_kfunc_needs_device_binding(kernels):
    (row,) = verdicts("kfuncs/xdp_rx_hash_devbound.bpf.o", kernels).values()
    assert codes(row["6.12"]) == {"KFUNC_DEV_BOUND"}
    assert codes(row["6.1"]) == {"KFUNC_MISSING"}


def test_callback_address_needs_5_13_even_when_guarded(kernels):
    (row,) = verdicts("tracing/core_guard_bpf_loop.bpf.o", kernels).values()
    assert codes(row["5.10"]) == {"ISA_UNSUPPORTED"}
    assert row["6.1"].verdict == "loads"


# ---------------------------------------------------------------------------- the gate's exit code
def _result(verdict, *codes):
    from analyzer.check.engine import Result
    from analyzer.check.findings import Finding
    return Result("o.bpf.o", "p", "xdp", None, None, "k", verdict, [Finding(c, "m") for c in codes])


@pytest.mark.parametrize("results,expect", [
    # (results, {fail_on: exit code})
    ([_result("loads")], {"fails": 0, "unknown": 0, "feature-off": 0, "warnings": 0, "never": 0}),
    ([_result("fails", "KFUNC_MISSING")], {"fails": 1, "unknown": 1, "feature-off": 1, "warnings": 1, "never": 0}),
    ([_result("unknown", "KSYM_UNVERIFIABLE")], {"fails": 0, "unknown": 1, "feature-off": 1, "warnings": 1,
                                                 "never": 0}),
    ([_result("loads", "KFUNC_WEAK_UNRESOLVED")], {"fails": 0, "unknown": 0, "feature-off": 1, "warnings": 1,
                                                   "never": 0}),
    ([_result("loads", "CORE_RELO_GUARDED")], {"fails": 0, "unknown": 0, "feature-off": 1, "warnings": 1,
                                               "never": 0}),
    ([_result("loads", "KPROBE_TARGET_MISSING")], {"fails": 0, "unknown": 0, "feature-off": 0, "warnings": 1,
                                                   "never": 0}),
])
def test_fail_on_levels(results, expect):
    from analyzer.check.summary import FAIL_ON, exit_code
    assert set(expect) == set(FAIL_ON)
    assert {lvl: exit_code(results, lvl) for lvl in FAIL_ON} == expect


def test_fail_on_unknown_from_the_cli():
    """QEMU's legacy RSS program is in a section libbpf does not know: unknown, which --fail-on unknown
    (the action's default) turns into exit 1 while --fail-on fails passes."""
    obj = os.path.join(ROOT, "corpus", "programs", "vmm", "rss_steering_legacy.bpf.o")
    doc = json.loads(run_cli("check", obj, "-k", "6.12", "--format", "json", "--fail-on", "never").stdout)
    assert doc["results"] and {r["verdict"] for r in doc["results"]} == {"unknown"}
    assert run_cli("check", obj, "-k", "6.12", "-q", "--fail-on", "fails").returncode == 0
    assert run_cli("check", obj, "-k", "6.12", "-q", "--fail-on", "unknown").returncode == 1
    assert run_cli("check", obj, "-k", "6.12", "-q", "--fail-on", "warnings").returncode == 1


def test_nothing_to_check_is_an_error(tmp_path):
    """An object without programs checks nothing: exit 2 with one line, not a green gate."""
    from tests.support.embedded import make_elf
    p = tmp_path / "maps_only.bpf.o"
    p.write_bytes(make_elf(sections=(("license", b"GPL\0"),)))
    r = run_cli("check", str(p), "-k", "6.12", "-q")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and "nothing to check" in r.stderr and str(p) in r.stderr
