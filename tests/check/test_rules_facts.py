"""Engine rules that need kernel-source facts: helpers per program type, kfuncs per hook, KF_ flags.

The facts are attached in the test (snap.set_facts) from tests/data/source_facts_excerpt.json, a hand
excerpt of what Debian's linux-source-6.12 / 6.1 / 5.10 say (its "provenance" names each source file and
function). Expected verdicts are the real loads in bench/agreement/results (Debian kernels under qemu).
"""
import os

import pytest

from analyzer.check.rules import hooks as hook_rules
from analyzer.check.engine import KernelState, check_objects
from analyzer.kernel.facts import KernelFacts
from analyzer.kernel.snapshot import Kfunc, bundled_kernels
from analyzer.objects.model import load_objects
from analyzer.objects.sections import parse_prog_type_overrides
from tests.support.facts import EXCERPT, bare, kernel_with_facts
from tests.support import paths

ROOT = paths.ROOT
PROGS = os.path.join(ROOT, "corpus", "programs")

pytestmark = pytest.mark.skipif(len(bundled_kernels()) < 4, reason="bundled kernel snapshots missing")


def check(path, kernel, overrides=None):
    objs, _ = load_objects([os.path.join(PROGS, path)], prog_type_overrides=overrides)
    return {r.program: r for r in check_objects(objs, [kernel])}


def errors(result):
    return [f for f in result.findings if f.severity == "error"]


@pytest.fixture(scope="module")
def k612():
    return kernel_with_facts("6.12")


def test_helper_not_offered_to_xdp_fails_with_source_origin(k612):
    # 6.12 bpf_base_func_proto has get_current_pid_tgid but not get_current_comm (7.2 adds it)
    (r,) = check("basic/helper_comm_xdp.bpf.o", k612).values()
    assert r.verdict == "fails"
    (f,) = errors(r)
    assert f.code == "HELPER_NOT_ALLOWED"
    assert "per kernel source: linux-source-6.12" in f.message
    assert "program of this type cannot use helper bpf_get_current_comm#16" in f.message
    assert f.location and f.hint and "xdp" in f.message
    (r,) = check("basic/helper_pid_tgid_xdp.bpf.o", k612).values()
    assert r.verdict == "loads", [f.message for f in r.findings]
    (r,) = check("basic/helper_skb_in_xdp.bpf.o", k612).values()
    assert [f.code for f in errors(r)] == ["HELPER_NOT_ALLOWED"] and "bpf_skb_load_bytes#26" in errors(r)[0].message
    # the hint names program types that are offered the helper (SCHED_CLS is, in the excerpt)
    assert "sched_cls" in errors(r)[0].hint


def test_without_facts_calls_are_unverified_never_silent():
    # 6.12 without facts: the nearest bundled kernel with facts (6.1, same major first, then nearest
    # major.minor) refuses get_current_comm to XDP, so the verdict is "unknown", not "loads"
    plain = bare("6.12")
    (r,) = check("basic/helper_comm_xdp.bpf.o", plain).values()
    assert not any(f.code == "HELPER_NOT_ALLOWED" for f in r.findings)
    assert r.verdict == "unknown", [f.message for f in r.findings]
    risk = [f for f in r.findings if f.code == "FACTS_MISSING_RISK"]
    assert len(risk) == 1 and risk[0].detail["refused_on"][0].startswith("6.1.")
    assert "bpf_get_current_comm" in risk[0].message and risk[0].detail["facts"] == "none"
    (note,) = [f for f in r.findings if f.code == "FACTS_MISSING"]
    assert note.severity == "info" and "BPF_FUNC_get_current_comm" in note.detail["unverified_helpers"]
    # 7.2 without facts: its nearest (6.12) offers get_current_pid_tgid to XDP: loads, marked unverified
    (r,) = check("basic/helper_pid_tgid_xdp.bpf.o", bare("7.2")).values()
    assert r.verdict == "loads" and [f.code for f in r.findings if f.code.startswith("FACTS")] == ["FACTS_MISSING"]
    # with facts, nothing about missing facts is said
    (r,) = check("basic/helper_pid_tgid_xdp.bpf.o", kernel_with_facts("6.12")).values()
    assert not any(f.code.startswith("FACTS") for f in r.findings)


def test_reference_distance_same_minor_first():
    from analyzer.kernel.facts_reference import distance
    assert distance("7.3.4", "7.3.1") < distance("7.3.4", "7.2.13") < distance("7.3.4", "6.12.107")
    assert distance("6.12.5", "6.1.192") < distance("6.12.5", "7.2.13")
    assert distance("x", "6.1") is None


def test_older_kernels_word_it_unknown_func():
    k61 = kernel_with_facts("6.1")      # 6.1: get_current_pid_tgid not yet in bpf_base_func_proto
    (r,) = check("basic/helper_pid_tgid_xdp.bpf.o", k61).values()
    (f,) = errors(r)
    assert f.code == "HELPER_NOT_ALLOWED" and "unknown func bpf_get_current_pid_tgid#14" in f.message


def test_guard_on_the_enum_does_not_help_but_pruning_does(k612):
    # bpf_core_enum_value_exists(BPF_FUNC_ktime_get_coarse_ns) is true on 6.12, so the call is reachable,
    # and tracing's get_func_proto chain does not offer it (bpf_sk_base_func_proto has it, networking only)
    (r,) = check("tracing/core_guard_helper_denied.bpf.o", k612).values()
    assert [f.code for f in errors(r)] == ["HELPER_NOT_ALLOWED"]
    # 5.10 has no such enum value: the call is pruned, the verifier never sees it -> loads
    k510 = kernel_with_facts("5.10")
    assert "BPF_FUNC_ktime_get_coarse_ns" not in EXCERPT["5.10"]["helper_prog_types"]["BPF_PROG_TYPE_TRACING"]
    (r,) = check("tracing/core_guard_helper_denied.bpf.o", k510).values()
    assert r.verdict == "loads", [f.message for f in errors(r)]


def test_probe_wins_over_source(k612):
    snap = kernel_with_facts("6.12")
    xdp = EXCERPT["6.12"]["helper_prog_types"]["BPF_PROG_TYPE_XDP"] + ["BPF_FUNC_get_current_comm"]
    snap.set_facts(KernelFacts("probe", detail="test probe", helper_prog_types={"BPF_PROG_TYPE_XDP": xdp}))
    (r,) = check("basic/helper_comm_xdp.bpf.o", snap).values()
    assert r.verdict == "loads"
    snap.set_facts(KernelFacts("probe", detail="test probe",
                               helper_prog_types={"BPF_PROG_TYPE_XDP": ["BPF_FUNC_map_lookup_elem"]}))
    (r,) = check("basic/helper_pid_tgid_xdp.bpf.o", snap).values()
    assert {f.code for f in errors(r)} == {"HELPER_NOT_ALLOWED"}
    assert all("per probe: test probe" in f.message for f in errors(r))


def test_kfunc_not_registered_for_the_hook(k612):
    (r,) = check("kfuncs/dynptr_xdp_from_tc.bpf.o", k612).values()
    (f,) = errors(r)          # bpf_dynptr_slice is in common_btf_ids: allowed everywhere
    assert f.code == "KFUNC_HOOK_DENIED" and "calling kernel function bpf_dynptr_from_xdp is not allowed" in f.message
    assert "sched_cls" in f.message and "registered for: xdp" in f.message
    for path, prog_code in (("hooks/sockfilter_task_from_pid.bpf.o", "KFUNC_HOOK_DENIED"),
                            ("hooks/xdp_cpumask_create.bpf.o", "KFUNC_HOOK_DENIED"),
                            ("hooks/xdp_dynptr_from_skb.bpf.o", "KFUNC_HOOK_DENIED")):
        for r in check(path, k612).values():
            assert r.verdict == "fails" and {f.code for f in errors(r)} == {prog_code}, path
    for path in ("hooks/tp_btf_cpumask_create.bpf.o", "hooks/sockfilter_dynptr_from_skb.bpf.o",
                 "hooks/xdp_task_from_pid.bpf.o"):
        for r in check(path, k612).values():
            assert r.verdict == "loads", (path, [f.message for f in errors(r)])


def test_ext_programs_use_their_targets_type(k612):
    # An EXT program is verified with its target's program type: facts keyed by EXT say nothing about it
    snap = kernel_with_facts("6.12")
    snap.set_facts(KernelFacts("probe", helper_prog_types={"BPF_PROG_TYPE_EXT": []},
                               kfunc_prog_types={"bpf_dynptr_from_xdp": ["BPF_PROG_TYPE_XDP"]}))
    over = parse_prog_type_overrides(["tc=ext"])
    for r in check("kfuncs/dynptr_xdp_from_tc.bpf.o", snap, over).values():
        assert r.prog_type == "BPF_PROG_TYPE_EXT"
        assert not {"HELPER_NOT_ALLOWED", "KFUNC_HOOK_DENIED"} & {f.code for f in r.findings}


def test_kf_flags_from_source_when_btf_ids_have_none(k612):
    state = KernelState(k612)
    kf = Kfunc(name="bpf_copy_from_user_str", btf_id=1, proto="", flags=None)
    assert hook_rules.kfunc_flags(state.facts, kf) == (hook_rules.KF_SLEEPABLE, "source")
    kf.flags = 0                     # the kernel's .BTF_ids pair wins when present
    assert hook_rules.kfunc_flags(state.facts, kf) == (0, ".BTF_ids")
    crash = Kfunc(name="crash_kexec", btf_id=1, proto="")
    assert hook_rules.kfunc_flags(state.facts, crash)[0] == hook_rules.KF_DESTRUCTIVE
    assert hook_rules.kfunc_flags(state.facts, Kfunc(name="not_in_facts", btf_id=1, proto="")) == (None, None)


def test_weak_kfunc_that_resolves_is_still_refused_by_hook(k612):
    # Synthetic probe record (not a real kernel's): bpf_task_from_pid registered for XDP only. The weak,
    # bpf_ksym_exists-guarded call resolves on 6.12, so the guard is true and the call is reachable.
    snap = kernel_with_facts("6.12")
    snap.set_facts(KernelFacts("probe", detail="synthetic", kfunc_prog_types={
        "bpf_task_from_pid": ["BPF_PROG_TYPE_XDP"]}))
    (r,) = check("kfuncs/task_from_pid_weak_guarded.bpf.o", snap).values()
    (f,) = [f for f in errors(r) if f.code == "KFUNC_HOOK_DENIED"]
    assert "bpf_ksym_exists(bpf_task_from_pid) guard does not help" in f.hint
    # where the weak kfunc does not resolve (6.1), the guard prunes the call: no hook finding
    k61 = bare("6.1")
    k61.set_facts(KernelFacts("probe", kfunc_prog_types={"bpf_task_from_pid": ["BPF_PROG_TYPE_XDP"]}))
    (r,) = check("kfuncs/task_from_pid_weak_guarded.bpf.o", k61).values()
    assert not [f for f in r.findings if f.code == "KFUNC_HOOK_DENIED"]


def test_diff_and_timeline_say_what_was_not_compared():
    from analyzer.views.diff import diff_json, diff_kernels, not_compared, timeline
    from analyzer.kernel.snapshot import resolve_kernel
    with_facts = resolve_kernel("6.12"), resolve_kernel("7.2")
    assert not_compared(*with_facts) == []
    old, new = resolve_kernel("6.12"), bare("7.2")
    gaps = not_compared(old, new)
    assert any(g.startswith("kfunc hooks") and new.id in g for g in gaps)
    assert any(g.startswith("helper hooks") for g in gaps)
    assert not_compared(old, new, {"prog_type"}) == []
    doc = diff_json(old, new, diff_kernels(old, new, {"helper"}), {"helper"})
    assert doc["not_compared"] == [g for g in gaps if g.startswith("helper")]
    from reports import diff_text
    assert "not compared: helper hooks" in diff_text.render(doc)
    t = timeline([old, new])
    assert all(set(g) == {"from", "to", "what"} for g in t["not_compared"])


def test_check_text_and_json_say_kernel_facts_none():
    from reports import check_json, check_text
    plain = bare("6.12")
    objs, _ = load_objects([os.path.join(PROGS, "basic/helper_comm_xdp.bpf.o")])
    results = check_objects(objs, [plain])
    assert "kernel facts: none on " + plain.id in check_text.render(results, [plain])
    k = check_json.kernel_json(plain)
    assert k["facts"] == [] and k["symbols"] is False
    assert check_json.kernel_json(kernel_with_facts("6.12"))["facts"] == ["source"]
