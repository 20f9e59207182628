"""Load-time rules of issue 15: libbpf open-time relocation refusals, GPL-only helpers, context
field access (analyzer/rules/openable.py, license.py, context.py), on the corpus programs in
corpus/programs/loadtime against the bundled Debian kernels. Real loads of the same objects:
bench/agreement/results/*.jsonl (host 6.18 and the four Debian kernels under qemu)."""
import os

import pytest

from analyzer.check.engine import check_objects
from analyzer.kernel.snapshot import bundled_kernels, resolve_kernel
from analyzer.objects.model import load_objects
from analyzer.check.rules import context as ctx_rules
from analyzer.check.rules import license as license_rules
from tests.support import paths

ROOT = paths.ROOT
PROGS = os.path.join(ROOT, "corpus", "programs")

needs_kernels = pytest.mark.skipif(len(bundled_kernels()) < 4, reason="bundled kernel snapshots missing")


@pytest.fixture(scope="module")
def kernels():
    return {v: resolve_kernel(v) for v in ("5.10", "6.1", "6.12", "7.2")}


def rows(path, kernels):
    objs, _ = load_objects([os.path.join(PROGS, path)])
    out = {}
    for r in check_objects(objs, list(kernels.values())):
        ver = next(v for v, k in kernels.items() if k.id == r.kernel)
        out.setdefault(r.program, {})[ver] = r
    return out


def errors(result):
    return [f for f in result.findings if f.severity == "error"]


# ---------------------------------------------------------------- open-time refusals
def test_maps_named_section_is_an_open_error_recorded_structurally():
    (obj,), _ = load_objects([os.path.join(PROGS, "loadtime/maps_named_section.bpf.o")])
    assert obj.open_errors == [{"reason": "not_map_section", "program": "xdp_named_maps_count",
                                "symbol": "pkt_count", "section": "maps/pkt_count",
                                "message": "prog 'xdp_named_maps_count': bad map relo against 'pkt_count' "
                                           "in section 'maps/pkt_count'"}]


@needs_kernels
def test_open_failure_is_the_only_finding_on_every_kernel(kernels):
    (row,) = rows("loadtime/maps_named_section.bpf.o", kernels).values()
    for r in row.values():
        assert r.verdict == "fails"
        assert [f.code for f in r.findings] == ["OBJECT_OPEN_FAILED"]
        assert r.findings[0].detail["section"] == "maps/pkt_count"


def test_data_and_btf_map_relocations_open():
    # every other corpus object references maps in .maps and globals in .rodata/.data/.bss/.kconfig only
    paths = [os.path.join(d, f) for d, _, fs in os.walk(PROGS) for f in fs if f.endswith(".bpf.o")]
    objs, _ = load_objects(paths)
    refused = {os.path.basename(o.name) for o in objs if o.open_errors}
    assert len(objs) > 40 and refused == {"maps_named_section.bpf.o"}


# ---------------------------------------------------------------- GPL-only helpers
def test_gpl_only_table_comes_from_the_trees():
    assert license_rules.gpl_only("5.10.0-32-amd64", "BPF_FUNC_probe_read_kernel") is True
    assert license_rules.gpl_only("5.10.0-32-amd64", "BPF_FUNC_map_lookup_elem") is False
    assert license_rules.gpl_only("5.10.0-32-amd64", "BPF_FUNC_trace_vprintk") is None   # 5.16 helper
    assert license_rules.gpl_only("6.1.0-56-amd64", "BPF_FUNC_trace_vprintk") is True
    # differs per program type (perf_event's variant is not gpl_only): not judged
    assert license_rules.gpl_only("6.12.107", "BPF_FUNC_get_stackid") is None
    assert license_rules.table_for("6.18.44")[0] == "6.12.107"
    assert license_rules.table_for("4.19.0") == (None, None)


@needs_kernels
def test_gpl_only_helper_from_non_gpl_program(kernels):
    got = rows("loadtime/gpl_helper_nongpl.bpf.o", kernels)
    for r in got["nanosleep_peek"].values():
        assert [f.code for f in errors(r)] == ["HELPER_GPL_ONLY"]
        assert errors(r)[0].detail["helper"] == "BPF_FUNC_probe_read_kernel"
    assert all(r.verdict == "loads" for r in got["stamp_packets"].values())


@needs_kernels
def test_gpl_object_may_call_gpl_only_helpers(kernels):
    (obj,), _ = load_objects([os.path.join(PROGS, "loadtime/gpl_helper_nongpl.bpf.o")])
    obj.gpl_compatible, obj.license = True, "GPL"
    res = [r for r in check_objects([obj], [kernels["6.12"]]) if r.program == "nanosleep_peek"]
    assert res[0].verdict == "loads"


# ---------------------------------------------------------------- context access
@needs_kernels
def test_hwtstamp_per_program_type_and_kernel(kernels):
    got = rows("loadtime/ctx_skb_hwtstamp.bpf.o", kernels)
    # socket filters: past the end of 5.10's __sk_buff, denied by sk_filter_is_valid_access after
    for ver, r in got["hw_stamp"].items():
        (f,) = errors(r)
        assert f.code == "CTX_ACCESS_INVALID" and f.detail["off"] == 184 and f.detail["size"] == 8
        assert f.detail["reason"] == ("past_end" if ver == "5.10" else "denied_field")
    # tc may read it where the struct has it
    assert [f.detail["reason"] for f in errors(got["tc_hw_stamp"]["5.10"])] == ["past_end"]
    assert all(got["tc_hw_stamp"][v].verdict == "loads" for v in ("6.1", "6.12", "7.2"))
    assert all(r.verdict == "loads" for r in got["plain_fields"].values())


def test_ctx_tracking_follows_copies_and_spills_not_arithmetic():
    class I:
        def __init__(self, code, dst=0, src=0, off=0, imm=0):
            self.code, self.dst, self.src, self.off, self.imm = code, dst, src, off, imm

    class L:
        def __init__(self, pos, insn):
            self.pos, self.insn, self.func, self.reloc, self.line = pos, insn, "p", None, None

    class P:
        name = "p"
    seq = [I(0xbf, 6, 1),              # r6 = r1
           I(0x7b, 10, 6, -8),          # *(u64 *)(r10 - 8) = r6
           I(0x85, imm=5),              # call: r1-r5 clobbered
           I(0x79, 7, 10, -8),          # r7 = *(u64 *)(r10 - 8)   (ctx again)
           I(0x61, 2, 7, 16),           # r2 = *(u32 *)(r7 + 16)    ctx read
           I(0x61, 3, 1, 4),            # r3 = *(u32 *)(r1 + 4)     r1 is no longer ctx
           I(0x07, 6, imm=8),           # r6 += 8                   no longer the ctx pointer
           I(0x61, 4, 6, 0),            # not a ctx access
           I(0x63, 7, 2, 8),            # *(u32 *)(r7 + 8) = r2     ctx write
           I(0x95)]
    prog = P()
    prog.linked = [L(i, x) for i, x in enumerate(seq)]
    got = ctx_rules.ctx_accesses(prog, set(range(len(seq))))
    assert got == [(4, 16, 4, False), (8, 8, 4, True)]
    # unreachable accesses are not judged
    assert ctx_rules.ctx_accesses(prog, {0, 1, 2, 3, 9}) == []


@needs_kernels
def test_ctx_struct_bound_comes_from_each_kernels_btf(kernels):
    sizes = {v: ctx_rules._struct_size(k, "__sk_buff")[1] for v, k in kernels.items()}
    assert sizes["5.10"] == 184 and sizes["6.1"] > 184
    ver, origin, denied = ctx_rules.denied_for("6.12.107", "BPF_PROG_TYPE_SOCKET_FILTER")
    assert "hwtstamp" in {d["from"] for d in denied} and origin.startswith("linux-source-6.12")
    _, _, denied510 = ctx_rules.denied_for("5.10.223", "BPF_PROG_TYPE_SOCKET_FILTER")
    assert "hwtstamp" not in {d["from"] for d in denied510}


# ---------------------------------------------------------------- LSM attach-point policy
@needs_kernels
def test_lsm_policy_sets_per_kernel(kernels):
    got = rows("loadtime/lsm_policy.bpf.o", kernels)
    assert [f.code for f in errors(got["sleepable_exec"]["5.10"])] == ["LSM_HOOK_NOT_SLEEPABLE"]
    assert got["sleepable_exec"]["5.10"].findings[0].since == "6.1"
    assert all(got["sleepable_exec"][v].verdict == "loads" for v in ("6.1", "6.12", "7.2"))
    assert all(r.verdict == "loads" for r in got["plain_exec"].values())
    assert got["procattr"]["5.10"].verdict == "loads"
    for v in ("6.1", "6.12", "7.2"):          # 6.1.192 has the backported disabled-hook set
        assert [f.code for f in errors(got["procattr"][v])] == ["LSM_HOOK_DISABLED"]


@needs_kernels
def test_lsm_needs_gpl(kernels):
    (row,) = rows("loadtime/lsm_nongpl.bpf.o", kernels).values()
    assert all([f.code for f in errors(r)] == ["LSM_NOT_GPL"] for r in row.values())


def test_lsm_set_guards_follow_the_config():
    from analyzer.check.rules import attach_policy as ap
    _, _, on = ap.hook_set("6.12.107", "sleepable", {})
    _, _, off = ap.hook_set("6.12.107", "sleepable", {"CONFIG_SECURITY_NETWORK": "n"})
    assert "bpf_lsm_socket_create" in on and "bpf_lsm_socket_create" not in off
    assert "bpf_lsm_bprm_check_security" in off
    assert ap.hook_set("5.10.223", "sleepable", {})[2] == {"bpf_lsm_bprm_committed_creds"}
    assert ap.hook_set("5.10.223", "disabled", {})[2] == frozenset()
    assert ap.hook_set("4.19.0", "sleepable", {}) == (None, None, None)


# ---------------------------------------------------------------- BTF-typed tracing/LSM arguments
@needs_kernels
def test_btf_args_follow_each_kernels_prototype(kernels):
    got = rows("loadtime/btf_args_layout.bpf.o", kernels)

    def said(r):
        return [f.detail["said"] for f in errors(r) if f.code == "BTF_ARG_ACCESS_INVALID"]
    # block_bio_queue lost its request_queue * after 5.10: the old layout's ctx[1] is gone
    assert got["bio_queue_old_layout"]["5.10"].verdict == "loads"
    for v in ("6.1", "6.12", "7.2"):
        assert said(got["bio_queue_old_layout"][v]) == ["func 'block_bio_queue' doesn't have 2-th argument"]
    # kfree_skb gained rx_sk in 6.12
    assert [got["kfree_skb_rx_sk"][v].verdict for v in ("5.10", "6.1", "6.12", "7.2")] == \
        ["fails", "fails", "loads", "loads"]
    assert all(r.verdict == "loads" for r in got["rq_insert_new_layout"].values())
    # the return slot of a void hook: 5.10 types it void, 6.1+ (get_ctx_arg_idx) has no such slot
    assert said(got["committing_ret"]["5.10"]) == [
        "func 'bpf_lsm_bprm_committing_creds' arg1 '(anon)' has type UNKNOWN. Only pointer access is allowed"]
    assert said(got["committing_ret"]["7.2"]) == ["func 'bpf_lsm_bprm_committing_creds' doesn't have 3-th argument"]


def test_linux_kernel_version_is_libbpfs_debian_patch_level():
    from analyzer.kernel.versions import libbpf_kernel_version
    banner = ("Linux version 5.10.0-32-amd64 (debian-kernel@lists.debian.org) (gcc-10 (Debian 10.2.1-6) 10.2.1 "
              "20210110, GNU ld (GNU Binutils for Debian) 2.35.2) #1 SMP Debian 5.10.223-1 (2024-08-10)")
    assert libbpf_kernel_version("5.10.0-32-amd64", banner) == (5 << 16) + (10 << 8) + 223
    assert libbpf_kernel_version("5.10.0-32-amd64", None) == (5 << 16) + (10 << 8)
    assert libbpf_kernel_version("6.18.44-fc", "Linux version 6.18.44-fc (u@h) (gcc 12) #1 SMP") == \
        (6 << 16) + (18 << 8) + 44


@needs_kernels
def test_bundled_kconfig_kernel_version_uses_the_banner(kernels):
    from analyzer.check.rules import externs
    assert externs.kconfig_value("LINUX_KERNEL_VERSION", kernels["5.10"]) == (5 << 16) + (10 << 8) + 223
    assert externs.kconfig_value("LINUX_KERNEL_VERSION", kernels["6.1"]) == (6 << 16) + (1 << 8) + 192


# ---------------------------------------------------------------- PREEMPT_RT
@needs_kernels
def test_timer_helpers_refused_only_on_preempt_rt(kernels):
    import copy
    got = rows("loadtime/timer_rt.bpf.o", kernels)["arm_timer"]
    assert all(got[v].verdict == "loads" for v in ("6.1", "6.12", "7.2"))
    rt = copy.copy(kernels["6.12"])           # the -rt flavour differs (for this rule) by its config
    rt.config = dict(rt.config, CONFIG_PREEMPT_RT="y")
    (obj,), _ = load_objects([os.path.join(PROGS, "loadtime/timer_rt.bpf.o")])
    (r,) = check_objects([obj], [rt])
    assert r.verdict == "fails"
    assert sorted(f.detail["helper"] for f in errors(r)) == [
        "BPF_FUNC_timer_init", "BPF_FUNC_timer_set_callback", "BPF_FUNC_timer_start"]
    assert {f.code for f in errors(r)} == {"PREEMPT_RT_TIMER"}


# ---------------------------------------------------------------- fmod_ret / sleepable tracing policy
@needs_kernels
def test_fmod_ret_without_error_injection(kernels):
    got = rows("loadtime/fmod_ret_policy.bpf.o", kernels)
    assert all(r.verdict == "loads" for r in got["deny_nothing"].values())           # security_*
    for v in ("5.10", "6.1", "6.12"):
        assert [f.code for f in errors(got["keep_unlink"][v])] == ["FMOD_RET_NOT_MODIFIABLE"]
        assert [f.code for f in errors(got["sleepy_open"][v])] == ["TRACING_NOT_SLEEPABLE"]
    assert [f.code for f in errors(got["keep_unlink"]["7.2"])] == ["ATTACH_TARGET_MISSING"]


def test_fmod_ret_policy_needs_the_config_and_knows_the_fmodret_sets():
    import types
    from analyzer.check.rules import attach_policy as ap

    class Btf:
        def find(self, name, kind=None):
            return 1

    def kernel(release, fei):
        return types.SimpleNamespace(release=release, btf=Btf(),
                                     config={} if fei is None else {"CONFIG_FUNCTION_ERROR_INJECTION": fei})

    def info(target, sleepable=False, at="BPF_MODIFY_RETURN"):
        return types.SimpleNamespace(prog_type="BPF_PROG_TYPE_TRACING", attach_target=target, attach_type=at,
                                     sleepable=sleepable, section="fmod_ret/" + target)
    assert ap.check(None, info("do_unlinkat"), kernel("6.12.107", "y")) == []     # error-injection list: not read
    assert ap.check(None, info("do_unlinkat"), kernel("6.12.107", None)) == []
    assert [f.code for f in ap.check(None, info("do_unlinkat"), kernel("6.12.107", "n"))] == ["FMOD_RET_NOT_MODIFIABLE"]
    assert ap.check(None, info("bpf_modify_return_test"), kernel("6.12.107", "n")) == []   # fmodret set (6.2+)
    assert ap.check(None, info("bpf_modify_return_test"), kernel("6.1.192", "n")) != []
    assert ap.check(None, info("__x64_sys_openat"), kernel("7.2.13", "n")) == []           # has_arch_syscall_prefix
    assert ap.check(None, info("__x64_sys_openat"), kernel("6.12.107", "n")) != []
    assert ap.check(None, info("bpf_fentry_test1", True, "BPF_TRACE_FENTRY"), kernel("6.12.107", "n")) == []


# ---------------------------------------------------------------- run-time inputs
@needs_kernels
def test_map_in_map_without_inner_needs_the_loader(kernels):
    (row,) = rows("loadtime/map_in_map_no_inner.bpf.o", kernels).values()
    for r in row.values():
        assert r.verdict == "unknown"
        assert [f.code for f in r.findings if f.severity == "unknown"] == ["MAP_INNER_UNSET"]
    # the same map with its inner definition loads
    (row,) = rows("loadtime/map_in_map_inner.bpf.o", kernels).values()
    assert all(r.verdict == "loads" for r in row.values())


# ---------------------------------------------------------------- the real loads behind these rules
RESULTS = os.path.join(ROOT, "bench", "agreement", "results")
# what the real log says for each finding code (the kernel's / libbpf's own words)
SAID = {"OBJECT_OPEN_FAILED": r"bad map relo against", "HELPER_GPL_ONLY": r"cannot call GPL-restricted function",
        "CTX_ACCESS_INVALID": r"invalid bpf_context access off=\d+ size=\d+",
        "BTF_ARG_ACCESS_INVALID": r"doesn't have \d+-th argument|Only pointer access is allowed",
        "LSM_HOOK_NOT_SLEEPABLE": r"is not sleepable", "TRACING_NOT_SLEEPABLE": r"is not sleepable",
        "LSM_HOOK_DISABLED": r"points to disabled hook", "LSM_NOT_GPL": r"LSM programs must have a GPL",
        "FMOD_RET_NOT_MODIFIABLE": r"\(\) is not modifiable", "PREEMPT_RT_TIMER": r"bpf_timer cannot be used for PREEMPT_RT",
        "ATTACH_TARGET_MISSING": r"failed to find kernel BTF type ID", "MAP_INNER_UNSET": r"failed to create",
        "ISA_UNSUPPORTED": r".", "HELPER_UNKNOWN": r"."}


@needs_kernels
def test_real_loads_of_the_loadtime_corpus_agree_with_check():
    import glob
    import hashlib
    import json
    import re
    snaps = {"5.10.0-32-amd64": "5.10", "6.1.0-56-amd64": "6.1", "6.12.107+deb13-amd64": "6.12",
             "7.2.13+deb14-amd64": "7.2",
             "6.12.107+deb13-rt-amd64": os.path.join(RESULTS, "6.12.107+deb13-rt-amd64.bpfk")}
    checked = 0
    for path in sorted(glob.glob(os.path.join(RESULTS, "*.jsonl"))):
        release = os.path.basename(path)[:-len(".jsonl")].replace(".fixup-maps", "")
        if release not in snaps:
            continue
        recs = [json.loads(line) for line in open(path)]
        recs = [r for r in recs if "/loadtime/" in (r.get("object") or "")]
        if not recs:
            continue
        kernel = resolve_kernel(snaps[release])
        by_obj = {}
        for r in recs:
            by_obj.setdefault(r["object"], []).append(r)
        for obj_path, rs in by_obj.items():
            local = os.path.join(PROGS, "loadtime", os.path.basename(obj_path))
            assert hashlib.sha256(open(local, "rb").read()).hexdigest() == rs[0]["sha256"], \
                f"{release}: result for {local} is stale"
            objs, _ = load_objects([local])
            ours = {r.program: r for r in check_objects(objs, [kernel])}
            for rec in rs:
                progs = [rec["program"]] if rec["program"] else list(ours)
                for p in progs:
                    r = ours[p]
                    assert (r.verdict == "loads") == rec["loaded"] or r.verdict == "unknown", (release, p)
                    if not rec["loaded"]:
                        codes = [f.code for f in r.findings if f.severity in ("error", "unknown")]
                        assert any(re.search(SAID[c], rec.get("log") or "") for c in codes), (release, p, codes)
                    checked += 1
    assert checked >= 100         # 19 programs x 4 Debian kernels x 2 modes, + RT
