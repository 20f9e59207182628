"""analyzer.views.diff: kernel-to-kernel changes and kfunc timelines.

Real-data tests run over the bundled Debian snapshots (5.10, 6.1, 6.12, 7.2); every change asserted
here was first read off those snapshots (`kernel show X --json`, diff of the kfunc inventories).
Unit tests pin the breaking rules on tiny hand-built BTF.
"""
import glob
import os

import pytest

from analyzer.views import diff as D
from analyzer.kernel.snapshot import Kfunc, KernelSnapshot
from btf import kinds as K
from btf.builder import BtfBuilder
from btf.btf_ids import KF_FLAGS
from btf.errors import InputError
from tests.support import paths

ROOT = paths.ROOT
BUNDLED = glob.glob(os.path.join(ROOT, "corpus", "kernels", "*.bpfk"))
real = pytest.mark.skipif(len(BUNDLED) < 4, reason="needs the 4 bundled kernel snapshots")


@pytest.fixture(scope="module")
def ks():
    from analyzer.kernel.snapshot import resolve_kernel
    return {v: resolve_kernel(v) for v in ("5.10", "6.1", "6.12", "7.2")}


@pytest.fixture(scope="module")
def diffs(ks):
    return {(a, b): D.diff_kernels(ks[a], ks[b]) for a, b in (("5.10", "6.1"), ("6.1", "6.12"), ("6.12", "7.2"))}


def find(changes, kind, name, change=None):
    got = [c for c in changes if c.kind == kind and c.name == name and (change is None or c.change == change)]
    assert len(got) == 1, (kind, name, change, got)
    return got[0]


def absent(changes, kind, name):
    return not any(c.kind == kind and c.name == name for c in changes)


# ------------------------------------------------------------------------------ real kernels
@real
def test_kfunc_added_task_acquire_6_1_to_6_12(diffs):
    c = find(diffs["6.1", "6.12"], "kfunc", "bpf_task_acquire")
    assert (c.change, c.breaking, c.old) == ("added", False, None)
    assert c.new == "struct task_struct *bpf_task_acquire(struct task_struct *p)"
    assert "KF_ACQUIRE|KF_RET_NULL|KF_RCU" in c.detail


@real
def test_kfunc_added_iter_num_and_dynptr_from_skb(diffs):
    c = find(diffs["6.1", "6.12"], "kfunc", "bpf_iter_num_new", "added")
    assert c.new == "int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end)"
    c = find(diffs["6.1", "6.12"], "kfunc", "bpf_dynptr_from_skb", "added")
    assert not c.breaking


@real
def test_kfunc_removed_test_kfuncs_6_1_to_6_12(diffs):
    for name in ("bpf_kfunc_call_test1", "bpf_kfunc_call_test_acquire", "bpf_kfunc_call_test_ref",
                 "bpf_kfunc_call_memb1_release"):
        c = find(diffs["6.1", "6.12"], "kfunc", name)
        assert (c.change, c.breaking, c.new) == ("removed", True, None), c


@real
def test_first_kfuncs_appear_in_6_1(ks, diffs):
    assert ks["5.10"].kfuncs == {}
    c = find(diffs["5.10", "6.1"], "kfunc", "bpf_lookup_user_key", "added")
    assert c.new == "struct bpf_key *bpf_lookup_user_key(u32 serial, u64 flags)"


@real
def test_prototype_incompatible_session_cookie_6_12_to_7_2(diffs):
    c = find(diffs["6.12", "7.2"], "kfunc", "bpf_session_cookie", "prototype")
    assert c.breaking
    assert c.old == "__u64 *bpf_session_cookie(void)"
    assert c.new == "__u64 *bpf_session_cookie(void *ctx)"
    assert "parameter count 0 vs 1" in c.detail
    assert find(diffs["6.12", "7.2"], "kfunc", "bpf_session_is_return", "prototype").breaking


@real
def test_prototype_compatible_retypes_6_12_to_7_2(diffs):
    c = find(diffs["6.12", "7.2"], "kfunc", "bpf_dynptr_slice", "prototype")
    assert not c.breaking
    assert "parameter 2 retyped 'u32' -> 'u64'" in c.detail
    assert "parameter 3 renamed 'buffer__opt' -> 'buffer__nullable'" in c.detail
    assert "compatible" in c.detail
    c = find(diffs["6.12", "7.2"], "kfunc", "bpf_lookup_user_key", "prototype")
    assert not c.breaking and "'u32' -> 's32'" in c.detail
    c = find(diffs["6.12", "7.2"], "kfunc", "bpf_dynptr_size", "prototype")
    assert not c.breaking and "return type '__u32' -> 'u64'" in c.detail


@real
def test_prototype_impl_aux_param_incompatible(diffs):
    # 6.12: bpf_wq_set_callback_impl(..., void *aux__ign); 7.2: (..., struct bpf_prog_aux *aux)
    c = find(diffs["6.12", "7.2"], "kfunc", "bpf_wq_set_callback_impl", "prototype")
    assert c.breaking and "parameter 4" in c.detail


@real
def test_prototype_6_1_to_6_12_pkcs7_compatible(diffs):
    c = find(diffs["6.1", "6.12"], "kfunc", "bpf_verify_pkcs7_signature", "prototype")
    assert not c.breaking
    assert "struct bpf_dynptr_kern *data_ptr" in c.old and "struct bpf_dynptr *data_p" in c.new


@real
def test_rename_cgroup_rstat_to_css_rstat_6_12_to_7_2(diffs):
    ch = diffs["6.12", "7.2"]
    c = find(ch, "kfunc", "cgroup_rstat_flush")
    assert (c.change, c.breaking) == ("renamed", True)
    assert c.new == "void css_rstat_flush(struct cgroup_subsys_state *css)"
    assert "css_rstat_flush" in c.detail and "similarity" in c.detail
    assert find(ch, "kfunc", "cgroup_rstat_updated").change == "renamed"
    assert absent(ch, "kfunc", "css_rstat_flush")          # folded into the rename
    # cubictcp_cwnd_event -> cubictcp_cwnd_event_tx_start changed the prototype: a plain removal
    c = find(ch, "kfunc", "cubictcp_cwnd_event")
    assert (c.change, c.breaking) == ("removed", True)


@real
def test_no_false_rename_among_test_kfuncs(diffs):
    assert not any(c.change == "renamed" for c in diffs["6.1", "6.12"])


@real
def test_flags_lost_and_gained_6_12_to_7_2(diffs):
    ch = diffs["6.12", "7.2"]
    c = find(ch, "kfunc", "bpf_dynptr_from_skb", "flags")
    assert (c.old, c.new, c.breaking) == ("KF_TRUSTED_ARGS", "0", False)
    c = find(ch, "kfunc", "bpf_cpumask_acquire", "flags")
    assert (c.old, c.new, c.breaking) == ("KF_ACQUIRE|KF_TRUSTED_ARGS", "KF_ACQUIRE", False)
    c = find(ch, "kfunc", "bpf_rdonly_cast", "flags")
    assert (c.new, c.breaking) == ("KF_FASTCALL", False) and "gained KF_FASTCALL" in c.detail
    c = find(ch, "kfunc", "bpf_arena_alloc_pages", "flags")
    assert c.new == "KF_ARENA_RET|KF_ARENA_ARG2" and not c.breaking
    # unknown flags (None) on the 7.2 side of an _impl entry: no flags change reported
    assert not any(c.name == "bpf_wq_set_callback_impl" and c.change == "flags" for c in ch)


@real
def test_enums_6_1_to_6_12(diffs):
    ch = diffs["6.1", "6.12"]
    c = find(ch, "map_type", "BPF_MAP_TYPE_ARENA")
    assert (c.change, c.breaking, c.new) == ("added", False, "BPF_MAP_TYPE_ARENA = 33")
    assert find(ch, "prog_type", "BPF_PROG_TYPE_NETFILTER").change == "added"
    assert find(ch, "attach_type", "BPF_TCX_INGRESS").change == "added"
    assert not any(c.change == "removed" and c.kind in ("prog_type", "map_type", "attach_type", "helper")
                   for c in ch)


@real
def test_enums_5_10_to_6_1_and_6_12_to_7_2(diffs):
    assert find(diffs["5.10", "6.1"], "prog_type", "BPF_PROG_TYPE_SYSCALL").change == "added"
    assert find(diffs["5.10", "6.1"], "map_type", "BPF_MAP_TYPE_USER_RINGBUF").change == "added"
    assert sum(1 for c in diffs["5.10", "6.1"] if c.kind == "helper" and c.change == "added") == 54
    assert find(diffs["6.12", "7.2"], "map_type", "BPF_MAP_TYPE_INSN_ARRAY").change == "added"


@real
def test_contexts_sk_buff_gains_members_5_10_to_6_1(diffs):
    ch = diffs["5.10", "6.1"]
    c = find(ch, "context", "struct __sk_buff.hwtstamp")
    assert (c.change, c.breaking, c.new) == ("member_added", False, "__u64 hwtstamp")
    assert "BPF_PROG_TYPE_SCHED_CLS" in c.detail
    # struct bpf_sk_lookup.remote_port: __u32 -> __be16 (UAPI, size changed): breaking
    c = find(ch, "context", "struct bpf_sk_lookup.remote_port")
    assert (c.change, c.breaking) == ("member_changed", True)
    # kernel-side struct lost a member: breaking; kernel-side move: informational
    assert find(ch, "context", "struct bpf_sockopt_kern.retval").breaking
    c = find(ch, "context", "struct sk_reuseport_kern.hash")
    assert (c.change, c.breaking) == ("member_changed", False)


@real
def test_contexts_xdp_buff_6_12_to_7_2(diffs):
    c = find(diffs["6.12", "7.2"], "context", "struct xdp_buff.frame_sz_flags_init")
    assert (c.change, c.breaking) == ("member_added", False)


@real
def test_struct_ops_6_12_to_7_2(diffs):
    ch = diffs["6.12", "7.2"]
    c = find(ch, "struct_ops", "sched_ext_ops")
    assert (c.change, c.breaking) == ("added", False)
    c = find(ch, "struct_ops", "tcp_congestion_ops.cwnd_event_tx_start")
    assert (c.change, c.breaking) == ("member_added", False)
    # members moved inside tcp_congestion_ops: libbpf matches by name, so not reported
    assert absent(ch, "struct_ops", "tcp_congestion_ops.ssthresh")


@real
def test_struct_ops_cong_control_retyped_6_1_to_6_12(diffs):
    c = find(diffs["6.1", "6.12"], "struct_ops", "tcp_congestion_ops.cong_control")
    assert (c.change, c.breaking) == ("member_changed", True)
    assert find(diffs["5.10", "6.1"], "struct_ops", "bpf_dummy_ops").change == "added"


@real
def test_only_filter(ks):
    ch = D.diff_kernels(ks["6.1"], ks["6.12"], D.parse_only("map-types,struct-ops"))
    assert ch and {c.kind for c in ch} <= {"map_type", "struct_ops"}
    with pytest.raises(InputError):
        D.parse_only("kfuncs,nope")


@real
def test_timeline_real(ks):
    doc = D.timeline([ks["7.2"], ks["5.10"], ks["6.12"], ks["6.1"]])
    assert doc["schema"] == "bpfstab.timeline/1"
    assert [k["release"].split(".")[0:2] for k in doc["kernels"]] == [["5", "10"], ["6", "1"], ["6", "12"], ["7", "2"]]
    by = {e["name"]: e for e in doc["kfuncs"]}
    e = by["bpf_session_cookie"]
    assert e["first"] == ks["6.12"].id and e["last"] == ks["7.2"].id
    assert [s["change"] for s in e["changes"] if s["change"] != "hooks"] == ["added", "prototype"]
    # with the bundled source facts, 7.2 also maps RAW_TRACEPOINT/LSM/... to the hook it is registered for
    assert all(not s["breaking"] for s in e["changes"] if s["change"] == "hooks")
    e = by["cgroup_rstat_flush"]
    assert e["first"] == ks["6.1"].id and e["last"] == ks["6.12"].id
    assert e["changes"][-1]["change"] == "renamed" and e["changes"][-1]["renamed_to"] == "css_rstat_flush"
    assert by["css_rstat_flush"]["changes"][0]["renamed_from"] == "cgroup_rstat_flush"
    e = by["bpf_kfunc_call_test1"]
    assert e["present"] == [ks["6.1"].id]
    one = D.timeline(list(ks.values()), kfunc="bpf_dynptr_from_skb")
    assert [e["name"] for e in one["kfuncs"]] == ["bpf_dynptr_from_skb"]
    assert [s["change"] for s in one["kfuncs"][0]["changes"] if s["change"] != "hooks"] == ["added", "flags"]
    with pytest.raises(InputError):
        D.timeline(list(ks.values()), kfunc="no_such_kfunc")


# ------------------------------------------------------------------------------ tiny BTF
def _snap(build, kfuncs_spec, rel):
    """A snapshot over hand-built BTF. build(b, ids) adds types; kfuncs_spec: {name: (proto builder, flags)}."""
    b = BtfBuilder()
    ids = dict(int=b.int("int", 4, signed=True), u32=b.int("u32", 4), u64=b.int("u64", 8))
    extra = build(b, ids) if build else {}
    ids.update(extra or {})
    fids = {}
    for name, (mk, flags) in kfuncs_spec.items():
        fids[name] = (b.func(name, mk(b, ids)), flags)
    from btf.reader import Btf
    data = b.build()
    btf = Btf(data)
    from btf import render
    kf = {}
    for name, (fid, flags) in fids.items():
        names = [n for n, bit in KF_FLAGS.items() if flags and flags & bit] if flags is not None else []
        kf[name] = Kfunc(name=name, btf_id=fid, proto=render.func_proto(btf, fid), flags=flags,
                         flag_names=names, found_by=["decl_tag"])
    return KernelSnapshot(id=f"k{rel}", release=rel, arch="x86_64", source="test", config={},
                          kfuncs=kf, btf_bytes=data)


def test_unit_prototype_rule_and_rename_and_flags():
    def sptr(b, ids, name="sock"):
        return b.ptr(b.struct(name, 4, [("x", ids["int"], 0)]))
    old = _snap(None, {
        "bpf_a": (lambda b, i: b.func_proto(i["int"], [("x", i["u32"])]), 0),
        "bpf_b": (lambda b, i: b.func_proto(i["int"], [("p", sptr(b, i))]), 0),
        "bpf_old_thing": (lambda b, i: b.func_proto(i["int"], [("p", sptr(b, i))]), 0),
        "bpf_gone": (lambda b, i: b.func_proto(i["int"], []), 0),
        "bpf_f": (lambda b, i: b.func_proto(i["int"], []), KF_FLAGS["KF_TRUSTED_ARGS"]),
        "bpf_g": (lambda b, i: b.func_proto(i["int"], []), KF_FLAGS["KF_ACQUIRE"]),
        "bpf_h": (lambda b, i: b.func_proto(i["int"], []), None),
    }, "6.1")
    new = _snap(None, {
        "bpf_a": (lambda b, i: b.func_proto(i["int"], [("y", i["u64"])]), 0),          # compatible
        "bpf_b": (lambda b, i: b.func_proto(i["int"], [("p", b.ptr(0))]), 0),          # struct * -> void *
        "bpf_new_thing": (lambda b, i: b.func_proto(i["int"], [("p", sptr(b, i))]), 0),
        "bpf_unrelated": (lambda b, i: b.func_proto(i["int"], []), 0),
        "bpf_f": (lambda b, i: b.func_proto(i["int"], []), 0),
        "bpf_g": (lambda b, i: b.func_proto(i["int"], []), KF_FLAGS["KF_ACQUIRE"] | KF_FLAGS["KF_RET_NULL"]),
        "bpf_h": (lambda b, i: b.func_proto(i["int"], []), KF_FLAGS["KF_SLEEPABLE"]),
    }, "6.12")
    ch = D.diff_kfuncs(old, new)
    c = find(ch, "kfunc", "bpf_a", "prototype")
    assert not c.breaking and "parameter 1 renamed 'x' -> 'y'" in c.detail
    c = find(ch, "kfunc", "bpf_b", "prototype")
    assert c.breaking and "parameter 1" in c.detail
    c = find(ch, "kfunc", "bpf_old_thing")
    assert c.change == "renamed" and c.breaking and c.renamed_to == "bpf_new_thing"
    assert "identical prototype" in c.detail
    assert find(ch, "kfunc", "bpf_gone").change == "removed"       # 'gone' vs 'unrelated': not similar
    assert find(ch, "kfunc", "bpf_unrelated").change == "added"
    c = find(ch, "kfunc", "bpf_f", "flags")
    assert not c.breaking and "lost KF_TRUSTED_ARGS" in c.detail
    c = find(ch, "kfunc", "bpf_g", "flags")
    assert c.breaking and "null-check" in c.detail
    assert absent(ch, "kfunc", "bpf_h")                               # old flags unknown
    # reversed direction: struct * from void * is just as incompatible; gaining nothing is not breaking
    back = D.diff_kfuncs(new, old)
    assert find(back, "kfunc", "bpf_g", "flags").breaking is False


def test_unit_context_and_enum_rules():
    def ctx(b, ids, moved, extra_member, kern_drop):
        members = [("data", ids["u32"], 0), ("len", ids["u32"], 64 if moved else 32)]
        if extra_member:
            members.append(("extra", ids["u32"], 96))
        md = b.struct("xdp_md", 16, members)
        kmembers = [("a", ids["u64"], 0)] + ([] if kern_drop else [("b", ids["u64"], 64)])
        kern = b.struct("xdp_buff", 16, kmembers)
        b.struct("bpf_ctx_convert", 32, [("BPF_PROG_TYPE_XDP_prog", md, 0), ("BPF_PROG_TYPE_XDP_kern", kern, 128)])
        b.enum("bpf_map_type", [("BPF_MAP_TYPE_HASH", 1), ("BPF_MAP_TYPE_OLD", 2)] if not extra_member
               else [("BPF_MAP_TYPE_HASH", 1), ("BPF_MAP_TYPE_NEW", 3)])
        return {}
    old = _snap(lambda b, i: ctx(b, i, False, False, False), {}, "6.1")
    new = _snap(lambda b, i: ctx(b, i, True, True, True), {}, "6.12")
    ch = D.diff_kernels(old, new)
    c = find(ch, "context", "struct xdp_md.len")
    assert (c.change, c.breaking) == ("member_changed", True) and "moved from bit 32 to 64" in c.detail
    c = find(ch, "context", "struct xdp_md.extra")
    assert (c.change, c.breaking) == ("member_added", False)
    c = find(ch, "context", "struct xdp_buff.b")
    assert (c.change, c.breaking) == ("member_removed", True)
    assert find(ch, "map_type", "BPF_MAP_TYPE_OLD").breaking
    assert not find(ch, "map_type", "BPF_MAP_TYPE_NEW").breaking


def test_names_similar():
    assert D.names_similar("cgroup_rstat_flush", "css_rstat_flush")
    assert D.names_similar("bpf_kfunc_call_memb1_release", "bpf_crypto_ctx_release") is None
    assert D.names_similar("bpf_gone", "bpf_unrelated") is None


@real
def test_pt_regs_kprobe_ctx_judged_once_6_1_to_6_12(diffs):
    # struct pt_regs is both the UAPI and the kernel ctx of kprobes: one entry, judged as UAPI
    # (x86 6.12 turned 'unsigned long cs' into 'u16 cs' inside a union with csx/fred_cs)
    c = find(diffs["6.1", "6.12"], "context", "struct pt_regs.cs")
    assert c.change == "member_changed" and c.breaking
    assert (c.old, c.new) == ("long unsigned int cs", "u16 cs")
    assert find(diffs["6.1", "6.12"], "context", "struct pt_regs.csx").change == "member_added"


def test_diff_output_does_not_depend_on_the_hash_seed():
    """Members at the same bit offset (union members) are ordered by name, not by set iteration."""
    import subprocess
    import sys
    root = paths.ROOT
    outs = set()
    for seed in ("1", "2", "3"):
        p = subprocess.run([sys.executable, "-m", "analyzer", "diff", "6.12", "7.2", "--format", "json"],
                           cwd=root, capture_output=True, env=dict(os.environ, PYTHONHASHSEED=seed))
        assert p.returncode == 0, p.stderr
        assert b'"member_added"' in p.stdout
        outs.add(p.stdout)
    assert len(outs) == 1
