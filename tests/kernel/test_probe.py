"""analyzer/probe.py and `kernel probe`: instruction encoding, bpf_attr layout, verifier-log reading,
load variants (pure, always run); a real probe of the running kernel (root with a working bpf() only).

Expected facts on the running kernel are ones the kernel source says for both 6.12 and 7.2 (the
running kernel is 6.18, between them), checked in the Debian linux-source trees:
* net/core/filter.c xdp_func_proto offers BPF_FUNC_xdp_adjust_head, sk_filter_func_proto does not
  (its own cases are skb_load_bytes, skb_load_bytes_relative, get_socket_cookie, get_socket_uid,
  perf_event_output, then bpf_sk_base_func_proto); xdp_func_proto has no BPF_FUNC_skb_load_bytes.
* kernel/bpf/helpers.c bpf_base_func_proto returns bpf_get_current_pid_tgid_proto unconditionally,
  so XDP (through bpf_sk_base_func_proto) is offered it.
* net/core/filter.c registers bpf_kfunc_set_xdp (bpf_dynptr_from_xdp) only for BPF_PROG_TYPE_XDP.
* kernel/bpf/helpers.c registers generic_kfunc_set (bpf_task_acquire) for TRACING, SCHED_CLS, XDP,
  STRUCT_OPS, SYSCALL and CGROUP_SKB -- not SOCKET_FILTER (its own kfunc hook).
"""
import os
import struct
import sys

import pytest

from analyzer.kernel import probe as P
from analyzer.objects.insns import decode

BUNDLED_612 = "debian-6.12.107+deb13-amd64"


# ------------------------------------------------------------------------------ pure: encoding
def test_trivial_program_bytes_little_endian():
    code = P.prog_return0(little=True)
    assert code == bytes([0xB7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0])


def test_helper_and_kfunc_calls_decode_back():
    helper = decode(P.prog_call_helper(44, little=True))
    assert helper[0].is_helper_call() and helper[0].helper_id == 44 and helper[1].is_exit()
    kf = decode(P.prog_call_kfunc(123456, little=True))
    assert kf[0].is_kfunc_call() and kf[0].imm == 123456 and kf[0].src == P.BPF_PSEUDO_KFUNC_CALL
    assert kf[0].off == 0 and kf[1].code == P.BPF_ALU64_MOV_K and kf[2].is_exit()


def test_big_endian_register_nibbles():
    # dst in the high nibble on big-endian hosts (struct bpf_insn bitfield order)
    raw = P.mov64_imm(3, -1, little=False)
    assert raw == bytes([0xB7, 0x30, 0, 0]) + struct.pack(">i", -1)
    ins = decode(P.call_kfunc(7, little=False), byteorder="big")[0]
    assert (ins.src, ins.dst, ins.imm) == (2, 0, 7)


def test_prog_load_attr_layout():
    attr = P.pack_prog_load(6, 0x1000, 2, 0x2000, log_level=1, log_size=4096, log_addr=0x3000,
                            kern_version=0x61200, prog_flags=P.BPF_F_SLEEPABLE, expected_attach_type=37,
                            prog_btf_fd=5, func_info_rec_size=8, func_info_addr=0x4000, func_info_cnt=1,
                            attach_btf_id=4242, attach_prog_fd=9)
    assert len(attr) == P.ATTR_SIZE
    u32 = lambda off: struct.unpack_from("=I", attr, off)[0]   # noqa: E731
    u64 = lambda off: struct.unpack_from("=Q", attr, off)[0]   # noqa: E731
    assert (u32(0), u32(4), u64(8), u64(16)) == (6, 2, 0x1000, 0x2000)
    assert (u32(24), u32(28), u64(32), u32(40), u32(44)) == (1, 4096, 0x3000, 0x61200, P.BPF_F_SLEEPABLE)
    assert attr[48:61] == b"bpfstab_probe"
    assert (u32(68), u32(72), u32(76), u64(80), u32(88)) == (37, 5, 8, 0x4000, 1)
    assert (u32(108), u32(112)) == (4242, 9)
    assert attr[116:] == bytes(P.ATTR_SIZE - 116)      # the kernel refuses non-zero unknown tail bytes


def test_map_create_attr_layout():
    attr = P.pack_map_create(26, 4, 256, 1, 0, 0, btf_fd=3, btf_vmlinux_value_type_id=43275, map_extra=7)
    assert struct.unpack_from("=IIII", attr, 0) == (26, 4, 256, 1)
    assert struct.unpack_from("=I", attr, 48)[0] == 3
    assert struct.unpack_from("=I", attr, 60)[0] == 43275
    assert struct.unpack_from("=Q", attr, 64)[0] == 7


# ------------------------------------------------------------------------------ pure: verifier logs
LOG_UNKNOWN_ID = "0: R1=ctx() R10=fp0\n0: (85) call unknown#250\ninvalid func unknown#250\nprocessed 1 insns\n"
LOG_NOT_OFFERED = ("0: R1=ctx() R10=fp0\n0: (85) call bpf_xdp_adjust_head#44\n"
                   "program of this type cannot use helper bpf_xdp_adjust_head#44\n")
LOG_OLD_NOT_OFFERED = "0: (85) call bpf_sys_bpf#166\nunknown func bpf_sys_bpf#166\n"
LOG_ARGS = "0: R1=ctx() R10=fp0\n0: (85) call bpf_xdp_adjust_head#44\nR2 !read_ok\n"


@pytest.mark.parametrize("log,verdict", [
    (LOG_UNKNOWN_ID, P.HELPER_UNKNOWN),
    (LOG_NOT_OFFERED, P.HELPER_NOT_OFFERED),
    (LOG_OLD_NOT_OFFERED, P.HELPER_NOT_OFFERED),
    (LOG_ARGS, P.HELPER_OFFERED),
    ("", P.HELPER_OFFERED),           # the call loaded: a helper without arguments
])
def test_classify_helper_log(log, verdict):
    assert P.classify_helper_log(log) == verdict


@pytest.mark.parametrize("log,verdict", [
    ("0: (85) call bpf_dynptr_from_xdp#1234\ncalling kernel function bpf_dynptr_from_xdp is not allowed\n",
     P.KFUNC_NOT_ALLOWED),
    ("0: (85) call bpf_task_acquire#99\nR1 must be referenced or trusted\n", P.KFUNC_ALLOWED),
    ("arg#0 expected pointer to ctx, but got scalar\n", P.KFUNC_ALLOWED),
    ("", P.KFUNC_ALLOWED),
    ("calling kernel functions are not allowed in non-JITed programs\n", P.KFUNC_UNUSABLE),
    ("JIT does not support calling kernel function\n", P.KFUNC_UNUSABLE),
    ("cannot call kernel function from non-GPL compatible program\n", P.KFUNC_UNUSABLE),
    ("kernel btf_id 5 is not a function\n", P.KFUNC_UNRESOLVED),
    ("cannot find address for kernel function bpf_foo\n", P.KFUNC_UNRESOLVED),
])
def test_classify_kfunc_log(log, verdict):
    assert P.classify_kfunc_log(log) == verdict


def test_kernel_version_code():
    assert P._kernel_version_code("6.18.44-fc-v782") == (6 << 16) + (18 << 8) + 44
    assert P._kernel_version_code("5.10.300") == (5 << 16) + (10 << 8) + 255   # sublevel saturates
    assert P._kernel_version_code("weird") == 0


def test_map_recipes():
    page = os.sysconf("SC_PAGE_SIZE")
    assert P.map_recipe("BPF_MAP_TYPE_RINGBUF") == dict(key_size=0, value_size=0, max_entries=page)
    assert P.map_recipe("BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED")["key_size"] == 16
    assert P.map_recipe("BPF_MAP_TYPE_TASK_STORAGE")["storage_btf"] is True
    assert P.map_recipe("BPF_MAP_TYPE_SOMETHING_NEW") is None


# ------------------------------------------------------------------------------ pure: load variants
@pytest.fixture(scope="module")
def snap612():
    from analyzer.kernel import snapshot as kernels
    return kernels.resolve_kernel(BUNDLED_612)


def test_variants_follow_section_table_and_kernel_enums(snap612):
    from btf import kinds as K
    v = P.candidate_variants(snap612)
    assert "BPF_PROG_TYPE_UNSPEC" not in v and "BPF_PROG_TYPE_EXT" not in v
    labels = {pt: [[x.label for x in alts] for alts in combos] for pt, combos in v.items()}
    assert ["socket_filter"] in labels["BPF_PROG_TYPE_SOCKET_FILTER"]
    # cgroup/connect4 carries its expected_attach_type value from the kernel's enum
    sa = [alts[0] for alts in v["BPF_PROG_TYPE_CGROUP_SOCK_ADDR"]]
    c4 = [x for x in sa if x.attach_type == "BPF_CGROUP_INET4_CONNECT"]
    assert len(c4) == 1 and c4[0].attach_value == snap612.attach_types["BPF_CGROUP_INET4_CONNECT"]
    # tp_btf: attach_btf_id is the btf_trace_<tp> typedef of this kernel
    raw_tp = [alts for alts in v["BPF_PROG_TYPE_TRACING"] if alts[0].attach_type == "BPF_TRACE_RAW_TP"
              and not alts[0].sleepable][0]
    assert raw_tp[0].target == "sched_switch"
    assert raw_tp[0].attach_btf_id == snap612.btf.find("btf_trace_sched_switch", K.TYPEDEF)
    # syscall programs are loaded sleepable, as libbpf does
    assert [[x.sleepable for x in alts] for alts in v["BPF_PROG_TYPE_SYSCALL"]] == [[True]]
    assert v["BPF_PROG_TYPE_SYSCALL"][0][0].load_kw()["prog_flags"] == P.BPF_F_SLEEPABLE
    # struct_ops: one variant per function member; expected_attach_type is the member index
    so = {alts[0].target: alts[0] for alts in v["BPF_PROG_TYPE_STRUCT_OPS"]}
    tcp = snap612.btf.type(snap612.struct_ops["tcp_congestion_ops"])
    idx = [m.name for m in tcp.members].index("ssthresh")
    assert so["tcp_congestion_ops.ssthresh"].attach_value == idx
    assert "tcp_congestion_ops.name" not in so                    # a char array, not a function


def test_variants_skip_attach_types_the_kernel_lacks():
    from analyzer.kernel import snapshot as kernels
    old = kernels.resolve_kernel("debian-5.10.0-32-amd64")
    v = P.candidate_variants(old)
    attach = {x.attach_type for alts in v["BPF_PROG_TYPE_SCHED_CLS"] for x in alts}
    assert "BPF_TCX_INGRESS" not in attach and None in attach     # tcx is 6.6+
    assert "BPF_PROG_TYPE_NETFILTER" not in v                      # not in 5.10's enum bpf_prog_type


class FakeKernel:
    """A Bpf stand-in with made-up rules, to test what the Prober makes of verifier answers: every program
    loads except fentry-family trampolines (EPERM, as on a kernel that cannot build them) and sleepable
    tp_btf (EINVAL: unknown); helper 44 is offered to XDP only, helper 16 to everyone; kfunc
    bpf_dynptr_from_xdp is allowed for XDP only, bpf_task_acquire for every type."""

    def __init__(self, snap):
        self.snap = snap
        self.calls = 0
        self.xdp = snap.prog_types["BPF_PROG_TYPE_XDP"]
        self.fentry = {snap.attach_types[n] for n in ("BPF_TRACE_FENTRY", "BPF_TRACE_FEXIT", "BPF_MODIFY_RETURN")}
        self.tracing = snap.prog_types["BPF_PROG_TYPE_TRACING"]
        self.raw_tp = snap.attach_types["BPF_TRACE_RAW_TP"]
        self.kf_xdp = snap.kfuncs["bpf_dynptr_from_xdp"].btf_id
        self.kf_release = snap.kfuncs["bpf_task_release"].btf_id
        self.sched_act = snap.prog_types["BPF_PROG_TYPE_SCHED_ACT"]

    def prog_load(self, prog_type, insns, *, log=True, keep_fd=False, expected_attach_type=0,
                  prog_flags=0, **kw):
        self.calls += 1
        if prog_type == self.tracing and expected_attach_type in self.fentry:
            return P.LoadResult(False, 1, "")
        if prog_type == self.tracing and expected_attach_type == self.raw_tp and prog_flags:
            return P.LoadResult(False, 22, "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops "
                                           "programs can be sleepable\n")
        first = decode(insns[:8])[0]
        if first.is_helper_call() and first.imm == 5 and prog_type == self.sched_act:
            return P.LoadResult(False, 12, "")       # ENOMEM, no verdict: must not read as a refusal
        if first.is_kfunc_call() and first.imm == self.kf_release and prog_type == self.sched_act:
            return P.LoadResult(False, 12, "")
        if first.is_helper_call():
            hid = first.imm
            if hid == 16 or (hid == 44 and prog_type == self.xdp):
                return P.LoadResult(False, 13, "R1 type=ctx expected=fp\n")
            return P.LoadResult(False, 22, f"program of this type cannot use helper bpf_x#{hid}\n")
        if first.is_kfunc_call():
            if first.imm == self.kf_xdp and prog_type != self.xdp:
                return P.LoadResult(False, 13, "calling kernel function bpf_dynptr_from_xdp is not allowed\n")
            return P.LoadResult(False, 13, "arg#0 expected pointer to ctx, but got scalar\n")
        return P.LoadResult(True)

    def btf_load(self, data):
        return -1                      # no BTF here: freplace cannot be probed

    def map_create(self, *a, **kw):
        self.calls += 1
        return P.LoadResult(True)


def test_prober_reading_of_verifier_answers(snap612):
    fake = FakeKernel(snap612)
    facts, stats = P.probe_running(snap612, only=("prog-types", "helpers", "kfuncs"), bpf=fake)
    assert "BPF_PROG_TYPE_TRACING" in facts.prog_types and "BPF_PROG_TYPE_EXT" not in facts.prog_types
    h = facts.helper_prog_types
    assert "BPF_FUNC_xdp_adjust_head" in h["BPF_PROG_TYPE_XDP"]
    assert "BPF_FUNC_xdp_adjust_head" not in h["BPF_PROG_TYPE_SOCKET_FILTER"]
    assert h["BPF_PROG_TYPE_SOCKET_FILTER"] == ["BPF_FUNC_get_current_comm"]
    # tracing lost its fentry variants to EPERM: its facts are those of tp_btf/iter, and that is said;
    # the sleepable tp_btf refused with EINVAL is simply a variant this kernel does not have
    assert h["BPF_PROG_TYPE_TRACING"] == ["BPF_FUNC_get_current_comm"]
    refused = facts.methods["variants_refused"]["tracing"]
    assert "tracing/trace_fentry:bpf_lsm_file_open: EPERM" in refused
    assert not any("EINVAL" in x for x in refused)
    # the same, as records the rules read (variant label without the attach target)
    assert {"prog_type": "BPF_PROG_TYPE_TRACING", "variant": "tracing/trace_fentry", "errno": "EPERM"} \
        in facts.refusals
    assert not any(r["errno"] == "EINVAL" for r in facts.refusals)
    assert any(w.startswith("tracing: variants that do not load here") for w in facts.warnings)
    assert "tracing/trace_raw_tp:sched_switch" in facts.methods["variants"]["tracing"]
    # kfuncs: allowed everywhere probed -> "*"; refused outside XDP -> XDP only
    k = facts.kfunc_prog_types
    assert k["bpf_dynptr_from_xdp"] == ["BPF_PROG_TYPE_XDP"]
    assert k["bpf_task_acquire"] == ["*"]
    assert "BPF_PROG_TYPE_TRACING" in facts.methods["kfunc_probed_prog_types"]
    assert any("say nothing about" in w and "ext" in w and "tracing" not in w for w in facts.warnings)
    # answers without a verifier log are no refusal: the sets stay upper bounds, and that is said
    assert h["BPF_PROG_TYPE_SCHED_ACT"] == ["BPF_FUNC_ktime_get_ns", "BPF_FUNC_get_current_comm"]
    assert k["bpf_task_release"] == ["*"]
    assert "helpers: 1 probe loads failed without a verifier log (counted as offered: no refusal was seen)" \
        in facts.warnings
    assert any(w.startswith("kfuncs: 1 kfunc/prog type pairs got no verifier verdict") for w in facts.warnings)
    assert stats.loads == fake.calls and facts.map_types is None
    assert any(w.startswith("ext: cannot load the BTF") for w in facts.warnings)


# ------------------------------------------------------------------------------ command: bad input
def _cli(argv):
    """`bpfstab kernel probe ...` through the real CLI (its wiring and its error handling)."""
    from analyzer.cli.main import main
    return main(argv)


def test_not_root_is_one_line_exit_2(monkeypatch, capsys):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert _cli(["kernel", "probe"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs root" in err


def test_bad_only_is_one_line_exit_2(capsys):
    assert _cli(["kernel", "probe", "--only", "helpers,maps"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--only: unknown category maps" in err


def test_parse_only_keeps_canonical_order():
    from analyzer.cli.commands.kernel_probe import parse_only
    assert parse_only("kfuncs, prog-types") == ("prog-types", "kfuncs")
    assert parse_only(None) == P.CATEGORIES


# ------------------------------------------------------------------------------ root: the running kernel
def _bpf_or_skip():
    if sys.platform != "linux":
        pytest.skip("bpf() needs Linux")
    if os.geteuid() != 0:
        pytest.skip("kernel probing needs root")
    from analyzer.kernel import snapshot as kernels
    if not kernels.running_available():
        pytest.skip(f"{kernels.RUNNING_BTF} not readable")
    try:
        return P.open_bpf()
    except P.ProbeUnavailable as e:
        pytest.skip(f"bpf() unavailable: {e}")


@pytest.fixture(scope="module")
def running():
    """(snapshot, prober after the prog-type pass, full facts, stats) of the running kernel, once."""
    bpf = _bpf_or_skip()
    from analyzer.kernel import snapshot as kernels
    snap = kernels.import_kernel("running")          # in memory: the test writes nothing to the cache
    facts, stats = P.probe_running(snap, bpf=bpf)
    prober = P.Prober(bpf, snap)
    prober.probe_prog_types()
    return snap, prober, facts, stats


def test_running_prog_and_map_types(running):
    snap, _, facts, _ = running
    for pt in ("BPF_PROG_TYPE_SOCKET_FILTER", "BPF_PROG_TYPE_XDP", "BPF_PROG_TYPE_SCHED_CLS"):
        assert pt in facts.prog_types
    for mt in ("BPF_MAP_TYPE_HASH", "BPF_MAP_TYPE_ARRAY", "BPF_MAP_TYPE_RINGBUF"):
        assert mt in facts.map_types
    assert facts.origin == "probe" and facts.version == snap.release
    assert facts.detail == f"probe of {snap.release} (running)"


def test_running_helper_facts_match_the_source(running):
    snap, prober, facts, _ = running
    h = facts.helper_prog_types
    assert "BPF_FUNC_xdp_adjust_head" in h["BPF_PROG_TYPE_XDP"]
    assert "BPF_FUNC_xdp_adjust_head" not in h["BPF_PROG_TYPE_SOCKET_FILTER"]
    assert "BPF_FUNC_skb_load_bytes" in h["BPF_PROG_TYPE_SOCKET_FILTER"]
    assert "BPF_FUNC_skb_load_bytes" not in h["BPF_PROG_TYPE_XDP"]
    assert "BPF_FUNC_get_current_pid_tgid" in h["BPF_PROG_TYPE_XDP"]
    # the single-question API agrees with the bulk pass
    assert prober.helper_verdict("BPF_PROG_TYPE_SOCKET_FILTER", "BPF_FUNC_xdp_adjust_head") == P.HELPER_NOT_OFFERED
    assert prober.helper_verdict("BPF_PROG_TYPE_XDP", "BPF_FUNC_xdp_adjust_head") == P.HELPER_OFFERED
    # a helper id past the kernel's last one is unknown, not just not offered
    r = prober.bpf.prog_load(snap.prog_types["BPF_PROG_TYPE_XDP"], P.prog_call_helper(max(snap.helpers.values()) + 1))
    assert not r.ok and P.classify_helper_log(r.log) == P.HELPER_UNKNOWN


def test_running_kfunc_facts_match_the_source(running):
    snap, prober, facts, _ = running
    k = facts.kfunc_prog_types
    if "bpf_dynptr_from_xdp" not in snap.kfuncs or "bpf_task_acquire" not in snap.kfuncs:
        pytest.skip("running kernel lacks bpf_dynptr_from_xdp / bpf_task_acquire")
    assert k["bpf_dynptr_from_xdp"] == ["BPF_PROG_TYPE_XDP"]
    for pt in ("BPF_PROG_TYPE_TRACING", "BPF_PROG_TYPE_XDP", "BPF_PROG_TYPE_SCHED_CLS", "BPF_PROG_TYPE_SYSCALL"):
        assert pt in k["bpf_task_acquire"]
    assert "BPF_PROG_TYPE_SOCKET_FILTER" not in k["bpf_task_acquire"]
    assert prober.kfunc_verdict("BPF_PROG_TYPE_SOCKET_FILTER", "bpf_dynptr_from_xdp") == P.KFUNC_NOT_ALLOWED
    assert prober.kfunc_verdict("BPF_PROG_TYPE_SCHED_CLS", "bpf_dynptr_from_xdp") == P.KFUNC_NOT_ALLOWED
    assert prober.kfunc_verdict("BPF_PROG_TYPE_XDP", "bpf_dynptr_from_xdp") == P.KFUNC_ALLOWED


def test_running_probe_is_fast_and_merges_into_the_snapshot(running):
    snap, _, facts, stats = running
    assert stats.seconds["total"] < 60
    snap.set_facts(facts)
    allowed, origin = snap.merged_facts.kfunc_allowed("bpf_dynptr_from_xdp", "BPF_PROG_TYPE_SOCKET_FILTER")
    assert (allowed, origin) == (False, "probe")
    ok, origin = snap.merged_facts.helper_allowed("BPF_FUNC_xdp_adjust_head", "BPF_PROG_TYPE_XDP")
    assert (ok, origin) == (True, "probe")
    from analyzer.kernel.facts import KernelFacts
    assert KernelFacts.from_json(facts.to_json()) == facts


def test_running_cli_reports_disagreements_with_source_facts(running, monkeypatch, tmp_path, capsys):
    """`kernel probe -o FILE` on a snapshot that also holds source facts: the probe's facts are attached
    and every difference from the source is printed (saving is stubbed: LZMA over 5 MB of BTF is slow)."""
    snap, _, _, _ = running
    from analyzer.kernel import snapshot as kernels
    from analyzer.kernel.facts import KernelFacts
    saved = {}

    def fake_save(s, path):
        saved["snap"], saved["path"] = s, path
        return path
    monkeypatch.setattr(kernels, "resolve_kernel", lambda spec, quiet=False: snap)
    monkeypatch.setattr(kernels, "save_snapshot", fake_save)
    src = KernelFacts(origin="source", detail="made-up source facts",
                      kfunc_prog_types={"bpf_dynptr_from_xdp": ["BPF_PROG_TYPE_SCHED_CLS", "BPF_PROG_TYPE_XDP"]})
    snap.set_facts(src)
    try:
        out = tmp_path / "running.bpfk"
        assert _cli(["kernel", "probe", "--only", "kfuncs", "-q", "-o", str(out)]) == 0
        text = capsys.readouterr().out
    finally:
        snap.drop_facts(keep=("probe",))
    assert saved["path"] == str(out) and saved["snap"].facts["probe"].kfunc_prog_types
    assert "source facts (made-up source facts): 1 disagreement(s); the probe wins" in text
    assert ("kfunc_prog_types bpf_dynptr_from_xdp: probe differs from source; "
            "only source: BPF_PROG_TYPE_SCHED_CLS") in text
    assert f"wrote {out}" in text
