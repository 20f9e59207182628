"""bpfstab diff with kernel-source facts: kfuncs and helpers gaining/losing program types, KF_ flags from source.

Facts come from tests/data/source_facts_excerpt.json, a hand excerpt of Debian's linux-source-6.1/6.12/7.2
(its "provenance" cites each file and function); they are attached to freshly loaded bundled snapshots.
"""
import pytest

from analyzer.views import diff as D
from analyzer.kernel.snapshot import bundled_kernels
from tests.support.facts import bare, kernel_with_facts as with_facts

pytestmark = pytest.mark.skipif(len(bundled_kernels()) < 4, reason="bundled kernel snapshots missing")


def find(changes, kind, name, change):
    hits = [c for c in changes if c.kind == kind and c.name == name and c.change == change]
    assert len(hits) == 1, (kind, name, change, [(c.kind, c.name, c.change) for c in changes if c.name == name])
    return hits[0]


@pytest.fixture(scope="module")
def k61():
    return with_facts("6.1")


@pytest.fixture(scope="module")
def k612():
    return with_facts("6.12")


def test_kfunc_gains_program_types_6_1_to_6_12(k61, k612):
    # 6.1: crash_kexec in tracing_btf_ids for the TRACING hook (tracing, lsm); 6.12: generic_btf_ids for
    # TRACING, SCHED_CLS, XDP, STRUCT_OPS, SYSCALL, CGROUP_SKB hooks
    ch = D.diff_kernels(k61, k612, only={"kfunc"})
    c = find(ch, "kfunc", "crash_kexec", "hooks")
    assert c.breaking is False
    assert "newly callable from" in c.detail and "xdp" in c.detail and "sched_cls" in c.detail
    assert "no longer" not in c.detail
    assert "kernel source (linux-source-6.1" in c.detail and "kernel source (linux-source-6.12" in c.detail
    assert c.old == "lsm, tracing"
    # kfuncs the facts do not cover on both sides get no hooks change
    assert not any(x.change == "hooks" and x.name != "crash_kexec" for x in ch)
    # the other direction: a program built for 6.12 calling it from XDP fails on 6.1 -> breaking
    back = D.diff_kernels(k612, k61, only={"kfunc"})
    c = find(back, "kfunc", "crash_kexec", "hooks")
    assert c.breaking is True and "no longer callable from" in c.detail and "xdp" in c.detail
    # the lost types are fields (impact reads them, not the detail text), and stay out of the JSON
    assert "BPF_PROG_TYPE_XDP" in c.lost_types and "BPF_PROG_TYPE_TRACING" not in c.lost_types
    assert c.loses("BPF_PROG_TYPE_XDP") and not c.loses("BPF_PROG_TYPE_TRACING")
    assert "lost_types" not in c.to_json() and "new_types" not in c.to_json()
    assert find(ch, "kfunc", "crash_kexec", "hooks").lost_types == frozenset()


def test_helpers_gain_program_types_6_1_to_6_12(k61, k612):
    ch = D.diff_kernels(k61, k612, only={"helper"})
    c = find(ch, "helper", "BPF_FUNC_get_current_pid_tgid", "hooks")
    assert c.breaking is False and "newly callable from xdp" in c.detail
    assert "over the 2 program types" in c.detail            # XDP and RAW_TRACEPOINT are in both excerpts
    # a helper absent from 6.1's enum (cgrp_storage_get, 6.2) is "added", not a hooks change
    assert find(ch, "helper", "BPF_FUNC_cgrp_storage_get", "added")
    assert not [x for x in ch if x.name == "BPF_FUNC_cgrp_storage_get" and x.change == "hooks"]
    back = D.diff_kernels(k612, k61, only={"helper"})
    c = find(back, "helper", "BPF_FUNC_get_current_pid_tgid", "hooks")
    assert c.breaking is True and "no longer callable from xdp" in c.detail
    assert c.to_json()["change"] == "hooks" and c.to_json()["kind"] == "helper"


def test_no_facts_no_hooks(k612):
    plain61 = bare("6.1")
    ch = D.diff_kernels(plain61, k612, only={"kfunc", "helper"})
    assert not [c for c in ch if c.change == "hooks"]


def test_flags_from_source_when_btf_ids_lack_them(k612):
    new = with_facts("7.2")
    new.kfuncs["bpf_dynptr_from_skb"].flags = None       # as a snapshot imported without .BTF_ids pairs
    new.kfuncs["bpf_dynptr_from_skb"].flag_names = []
    c = find(D.diff_kfuncs(k612, new), "kfunc", "bpf_dynptr_from_skb", "flags")
    assert c.old == "KF_TRUSTED_ARGS" and c.new == "0" and c.breaking is False
    assert "lost KF_TRUSTED_ARGS" in c.detail
    assert "the kernel's .BTF_ids on 6.12" in c.detail and "kernel source (linux-source-7.2" in c.detail
    # the same kfunc, same registrations on both sides: no hooks change
    assert not [x for x in D.diff_kfuncs(k612, new) if x.name == "bpf_dynptr_from_skb" and x.change == "hooks"]


def test_hooks_change_from_every_type_loses_all_but_the_new_ones():
    from analyzer.kernel.facts import ALL_PROG_TYPES
    c = D.Change("kfunc", "k", "hooks", True, lost_types=frozenset((ALL_PROG_TYPES,)),
                 new_types=frozenset(("BPF_PROG_TYPE_XDP",)))
    assert c.loses("BPF_PROG_TYPE_KPROBE") and not c.loses("BPF_PROG_TYPE_XDP")
    assert not D.Change("kfunc", "k", "removed", True).loses("BPF_PROG_TYPE_XDP")


def test_helper_hooks_leave_out_struct_ops_as_check_does():
    """STRUCT_OPS helpers come from each struct_ops type's verifier_ops, so check never judges them by the
    facts (HELPERS_NOT_OWN); the diff does not report them as gained/lost either. Its kfunc hook is its own."""
    from analyzer.kernel.facts import HELPERS_NOT_OWN, KFUNC_HOOK_NOT_OWN
    assert "BPF_PROG_TYPE_STRUCT_OPS" in HELPERS_NOT_OWN and "BPF_PROG_TYPE_STRUCT_OPS" not in KFUNC_HOOK_NOT_OWN
    from analyzer.kernel.snapshot import resolve_kernel
    hooks = [c for c in D.diff_kernels(resolve_kernel("6.12"), resolve_kernel("7.2"), only={"helper"})
             if c.change == "hooks"]
    # bundled source facts: struct_ops's union of verifier_ops gains helpers 6.12 -> 7.2, yet no change says so
    assert hooks
    for c in hooks:
        assert "struct_ops" not in (c.old or "").split(", ") and "struct_ops" not in (c.new or "").split(", ")
        assert "BPF_PROG_TYPE_STRUCT_OPS" not in c.new_types
