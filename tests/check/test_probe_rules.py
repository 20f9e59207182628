"""PROG_TYPE_REFUSED and the probe facts behind it (analyzer/rules/progtype.py probe_refusal), the
optional "detail" of findings in bpfstab.check/1 JSON, and (root only) the rule against a real load on
the running kernel.

Synthetic probe facts are attached to a bundled snapshot: either written by hand in the probe's own
format (methods["variants_refused"], prog_types, warnings) or produced by analyzer.kernel.probe itself over a
fake bpf() that refuses trampolines with EPERM, so the variant labels are the probe's, not the test's.
"""
import dataclasses
import json
import os
import subprocess

import pytest

from analyzer.kernel import probe as P
from analyzer.check.engine import check_objects
from analyzer.kernel.facts import KernelFacts
from analyzer.kernel.snapshot import resolve_kernel
from analyzer.objects.model import load_object
from analyzer.check.rules.progtype import probe_refusal, probe_variant_label
from analyzer.objects.sections import classify_section
from tests.support import paths

ROOT = paths.ROOT
PROGS = os.path.join(ROOT, "corpus", "programs")
K612 = "debian-6.12.107+deb13-amd64"
FENTRY_OBJ = os.path.join(PROGS, "tracing", "fentry_do_unlinkat.bpf.o")       # fentry + fexit do_unlinkat
TP_BTF_OBJ = os.path.join(PROGS, "hooks", "tp_btf_cpumask_create.bpf.o")      # tp_btf + cpumask kfuncs
XDP_DYNPTR_OBJ = os.path.join(PROGS, "hooks", "xdp_dynptr_from_skb.bpf.o")    # XDP calling an skb kfunc


def _obj(path):
    with open(path, "rb") as f:
        return load_object(f.read(), os.path.relpath(path, ROOT))


def _check(path, kernel):
    return {r.program: r for r in check_objects([_obj(path), ], [kernel])}


def _codes(result):
    return [f.code for f in result.findings]


def _kernel_with_probe(**kw):
    k = resolve_kernel(K612)
    kw.setdefault("version", k.release)
    k.set_facts(KernelFacts(origin="probe", detail="synthetic probe", **kw))
    return k


def _all_types(k, without=()):
    return [n for n in k.prog_types if n != "BPF_PROG_TYPE_UNSPEC" and n not in without]


# ------------------------------------------------------------------------------ the label mapping
@pytest.mark.parametrize("section,label", [
    ("fentry/x", "tracing/trace_fentry"), ("fexit/x", "tracing/trace_fexit"),
    ("fmod_ret/x", "tracing/modify_return"), ("fentry.s/x", "tracing/trace_fentry (sleepable)"),
    ("tp_btf/x", "tracing/trace_raw_tp"), ("iter/task", "tracing/trace_iter"),
    ("lsm/file_open", "lsm/lsm_mac"), ("lsm.s/file_open", "lsm/lsm_mac (sleepable)"),
    ("freplace/x", "ext"), ("xdp", "xdp/xdp"), ("kprobe.multi/x", "kprobe/trace_kprobe_multi"),
    ("uprobe.s/x", "kprobe (sleepable)"), ("syscall", "syscall (sleepable)"),
])
def test_variant_label_is_the_probes(section, label):
    assert probe_variant_label(classify_section(section)) == label


def test_every_probe_candidate_label_is_reachable_from_a_section():
    """Each (prog type, attach type, sleepable) the probe loads has a section whose label is the
    probe's label without its target."""
    k = resolve_kernel(K612)
    from analyzer.objects.sections import SECTION_DEFS
    ours = set()
    for d in SECTION_DEFS:
        name = d.pattern.rstrip("+/") + ("/x" if d.pattern.endswith(("+", "/")) else "")
        info = classify_section(name)
        if info.sec_def is d:
            ours.add(probe_variant_label(info))
    for pt, combos in P.candidate_variants(k).items():
        if pt == "BPF_PROG_TYPE_STRUCT_OPS":
            continue
        for alts in combos:
            v = alts[0]
            bare = P.Variant(v.prog_type, v.attach_type, v.sleepable).label
            assert bare in ours, bare


# ------------------------------------------------------------------------------ hand-written probe facts
def test_refused_variant_fails_and_names_errno():
    k = _kernel_with_probe(prog_types=_all_types(resolve_kernel(K612)), methods={"variants_refused": {
        "tracing": ["tracing/trace_fentry:bpf_lsm_file_open: EPERM"]}})
    res = _check(FENTRY_OBJ, k)
    entry, exit_ = res["unlink_entry"], res["unlink_exit"]
    assert entry.verdict == "fails" and "PROG_TYPE_REFUSED" in _codes(entry)
    f = next(f for f in entry.findings if f.code == "PROG_TYPE_REFUSED")
    assert "refused tracing/trace_fentry programs when probed with EPERM" in f.message
    assert f.hint == ("this kernel's build/policy refuses tracing/trace_fentry programs (probed); "
                      "nothing in the object can fix it")
    assert f.detail["errno"] == "EPERM" and f.detail["variant"] == "tracing/trace_fentry"
    # fexit is another variant: not refused by these facts
    assert "PROG_TYPE_REFUSED" not in _codes(exit_) and exit_.verdict == "loads"


def test_sleepable_variant_is_its_own():
    k = _kernel_with_probe(prog_types=None, methods={"variants_refused": {
        "tracing": ["tracing/trace_fentry:vfs_read (sleepable): EPERM"]}})
    assert "PROG_TYPE_REFUSED" not in _codes(_check(FENTRY_OBJ, k)["unlink_entry"])
    info = classify_section("fentry.s/vfs_read")
    f = probe_refusal(info, k)
    assert f is not None and "tracing/trace_fentry (sleepable) programs" in f.message


def test_absent_prog_type_errno_from_the_probe_warning():
    k612 = resolve_kernel(K612)
    k = _kernel_with_probe(
        prog_types=_all_types(k612, without=("BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_LIRC_MODE2")),
        warnings=["lsm: no program of this type loads (9 variants; lsm/lsm_mac:bpf_lsm_file_open: EPERM: "
                  "Operation not permitted)",
                  "ext: cannot load the BTF a freplace target needs; not probed"])
    f = probe_refusal(classify_section("lsm/file_open"), k)
    assert f is not None and f.detail["errno"] == "EPERM" and "refused lsm programs" in f.message
    # silence about a missing type: the probe saw EINVAL with an empty log (the kernel does not know it)
    f = probe_refusal(classify_section("lirc_mode2"), k)
    assert f is not None and f.detail["errno"] == "EINVAL"
    # EXT is tried only when the probe can build a target: absent without a refusal warning proves nothing
    assert probe_refusal(classify_section("freplace/x"), k) is None
    # legacy facts are read once, when the facts are made: the warning has to be there then
    old = k.facts["probe"]
    k = _kernel_with_probe(prog_types=old.prog_types,
                           warnings=old.warnings + ["ext: freplace of an XDP program does not load (EPERM: )"])
    f = probe_refusal(classify_section("freplace/x"), k)
    assert f is not None and f.detail["errno"] == "EPERM"
    assert {"prog_type": "BPF_PROG_TYPE_EXT", "variant": None, "errno": "EPERM"} in k.facts["probe"].refusals


def test_structured_refusals_need_no_warnings():
    """Facts the probe writes now carry refusal records; the rule reads only those, not the English."""
    k612 = resolve_kernel(K612)
    k = _kernel_with_probe(
        prog_types=_all_types(k612, without=("BPF_PROG_TYPE_LSM",)),
        warnings=["lsm: something else entirely"],
        refusals=[{"prog_type": "BPF_PROG_TYPE_LSM", "variant": None, "errno": "EPERM"},
                  {"prog_type": "BPF_PROG_TYPE_TRACING", "variant": "tracing/trace_fentry", "errno": "ENOTSUPP"}])
    f = probe_refusal(classify_section("lsm/file_open"), k)
    assert f is not None and f.detail["errno"] == "EPERM"
    f = probe_refusal(classify_section("fentry/do_unlinkat"), k)
    assert f is not None and f.detail == {"variant": "tracing/trace_fentry", "errno": "ENOTSUPP", "origin": "probe"}
    assert probe_refusal(classify_section("fexit/do_unlinkat"), k) is None
    # the records survive the facts JSON, and a source origin has none (its JSON is unchanged)
    back = KernelFacts.from_json(json.loads(json.dumps(k.facts["probe"].to_json())))
    assert back.refusals == k.facts["probe"].refusals
    assert "refusals" not in KernelFacts(origin="source").to_json()


def test_facts_of_another_kernel_or_no_probe_say_nothing():
    k = _kernel_with_probe(version="9.9.9", methods={"variants_refused": {
        "tracing": ["tracing/trace_fentry:bpf_lsm_file_open: EPERM"]}})
    assert probe_refusal(classify_section("fentry/x"), k) is None
    plain = resolve_kernel(K612)                # source facts only
    assert "probe" not in plain.facts
    assert probe_refusal(classify_section("fentry/x"), plain) is None
    assert _check(FENTRY_OBJ, plain)["unlink_entry"].verdict == "loads"


def test_refused_program_is_not_judged_by_facts_of_other_variants():
    """Helper facts of the variants that load (tp_btf here: no helper at all) must not add
    HELPER_NOT_ALLOWED to a variant the kernel refuses before the verifier runs."""
    k612 = resolve_kernel(K612)
    helpers = {pt: [] for pt in _all_types(k612)}
    k = _kernel_with_probe(prog_types=_all_types(k612), helper_prog_types=helpers,
                           methods={"variants_refused": {"tracing": [
                               "tracing/trace_fentry:bpf_lsm_file_open: EPERM",
                               "tracing/trace_fexit:bpf_lsm_file_open: EPERM"]}})
    for r in _check(FENTRY_OBJ, k).values():
        assert _codes(r) == ["PROG_TYPE_REFUSED"], _codes(r)
    # the C source of the same object goes through the same call checks
    from tests.support.libclang import WHY
    if WHY is None:
        from analyzer.check.source_check import check_sources
        from analyzer.source.program import parse_source
        src = check_sources([parse_source(FENTRY_OBJ[:-2] + ".c")], [k])
        assert src and all(_codes(r) == ["PROG_TYPE_REFUSED"] for r in src), [_codes(r) for r in src]
    # without the refusal the same empty helper sets do fail the program on its helper calls
    k.set_facts(dataclasses.replace(k.facts["probe"], methods={}, refusals=None))
    assert "HELPER_NOT_ALLOWED" in _codes(_check(FENTRY_OBJ, k)["unlink_entry"])


# ------------------------------------------------------------------------------ facts from the probe itself
class TrampolineRefusingBpf:
    """bpf() stand-in: every program loads except fentry/fexit/fmod_ret TRACING, all of LSM (EPERM,
    empty log, as the 6.18.44-fc host kernels do) and sleepable tp_btf (EINVAL: no such variant)."""

    def __init__(self, snap):
        self.calls = 0
        self.tracing = snap.prog_types["BPF_PROG_TYPE_TRACING"]
        self.lsm = snap.prog_types["BPF_PROG_TYPE_LSM"]
        self.tramp = {snap.attach_types[n] for n in ("BPF_TRACE_FENTRY", "BPF_TRACE_FEXIT", "BPF_MODIFY_RETURN")}
        self.raw_tp = snap.attach_types["BPF_TRACE_RAW_TP"]

    def prog_load(self, prog_type, insns, *, log=True, keep_fd=False, expected_attach_type=0, prog_flags=0, **kw):
        self.calls += 1
        if prog_type == self.lsm or (prog_type == self.tracing and expected_attach_type in self.tramp):
            return P.LoadResult(False, 1, "")
        if prog_type == self.tracing and expected_attach_type == self.raw_tp and prog_flags:
            return P.LoadResult(False, 22, "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops "
                                           "programs can be sleepable\n")
        return P.LoadResult(True)

    def btf_load(self, data):
        return -1

    def map_create(self, *a, **kw):
        return P.LoadResult(True)


def test_probe_made_facts_refuse_trampolines_only():
    k = resolve_kernel(K612)
    facts, _ = P.probe_running(k, only=("prog-types",), bpf=TrampolineRefusingBpf(k))
    k.set_facts(facts)
    res = _check(FENTRY_OBJ, k)
    assert {r.verdict for r in res.values()} == {"fails"}
    assert all("PROG_TYPE_REFUSED" in _codes(r) for r in res.values())
    tp = _check(TP_BTF_OBJ, k)
    assert tp and all("PROG_TYPE_REFUSED" not in _codes(r) for r in tp.values())
    assert probe_refusal(classify_section("lsm.s/bprm_check_security"), k).detail["errno"] == "EPERM"
    assert probe_refusal(classify_section("fmod_ret/x"), k) is not None
    assert probe_refusal(classify_section("tp_btf/x"), k) is None
    assert probe_refusal(classify_section("freplace/x"), k) is None     # the fake cannot load BTF: unknown


# ------------------------------------------------------------------------------ JSON detail
def test_json_detail_only_when_present_and_kfunc_named():
    k = resolve_kernel(K612)                      # bundled source facts: bpf_dynptr_from_skb is not XDP's
    res = _check(XDP_DYNPTR_OBJ, k)
    denied = [f for r in res.values() for f in r.findings if f.code == "KFUNC_HOOK_DENIED"]
    assert denied
    for f in denied:
        d = f.to_json()
        assert d["detail"]["kfunc"] == "bpf_dynptr_from_skb" and d["detail"]["origin"] == "source"
        assert set(d) == {"code", "severity", "message", "location", "hint", "detail"}
    from analyzer.check.findings import Finding
    assert "detail" not in Finding("NO_BTF", "x").to_json()
    json.dumps([r.to_json() for r in res.values()])


# ------------------------------------------------------------------------------ root: the real kernel
LOADER = os.path.join(ROOT, "tests", "realload", "build", "loader")


def _real_loads(path):
    """{program: (loaded, errno)} from the static libbpf loader (tests/realload), one program at a time."""
    out = subprocess.run([LOADER, path], capture_output=True, text=True, timeout=120)
    recs = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return {r["program"]: (r["loaded"], r.get("errno")) for r in recs if r.get("program")}


def test_running_kernel_probe_matches_real_fentry_load():
    if os.geteuid() != 0:
        pytest.skip("needs root (bpf() program loads)")
    if not (os.path.isfile(LOADER) and os.access(LOADER, os.X_OK)):
        pytest.skip("tests/realload/build/loader not built (sh tests/realload/build.sh)")
    from analyzer.kernel import snapshot as kernels
    if not kernels.running_available():
        pytest.skip("the running kernel's BTF is not readable")
    try:
        bpf = P.open_bpf()
    except P.ProbeUnavailable as e:
        pytest.skip(f"bpf() unavailable: {e}")
    snap = kernels.import_kernel("running")              # in memory: nothing written to the cache
    facts, _ = P.probe_running(snap, only=("prog-types",), bpf=bpf)
    snap.set_facts(facts)
    real = _real_loads(FENTRY_OBJ)
    ours = _check(FENTRY_OBJ, snap)
    assert set(real) == set(ours) == {"unlink_entry", "unlink_exit"}
    for prog, (loaded, errno) in real.items():
        verdict = ours[prog].verdict
        assert verdict == ("loads" if loaded else "fails"), (prog, loaded, errno, _codes(ours[prog]))
        if not loaded and errno == 1:                      # EPERM before the verifier: the probe saw it
            assert "PROG_TYPE_REFUSED" in _codes(ours[prog])


def test_probe_write_user_withheld_hint_names_lockdown():
    """Lockdown (integrity+) makes bpf_tracing_func_proto withhold bpf_probe_write_user; a probe at that
    level records it as not offered, and the finding says why a tracing type lacks it."""
    from analyzer.check.rules import hooks
    k612 = resolve_kernel(K612)
    helpers = {"BPF_PROG_TYPE_KPROBE": ["BPF_FUNC_map_lookup_elem"], "BPF_PROG_TYPE_XDP": ["BPF_FUNC_map_lookup_elem"]}
    k = _kernel_with_probe(prog_types=_all_types(k612), helper_prog_types=helpers)
    hid = k.helpers["BPF_FUNC_probe_write_user"]
    f = hooks.helper_finding(k, k.merged_facts, "BPF_FUNC_probe_write_user", hid, "BPF_PROG_TYPE_KPROBE", None)
    assert f is not None and f.code == "HELPER_NOT_ALLOWED" and f.detail["origin"] == "probe"
    assert "lockdown" in f.hint
    # another helper withheld by the same facts: no lockdown talk
    hid2 = k.helpers["BPF_FUNC_ktime_get_ns"]
    g = hooks.helper_finding(k, k.merged_facts, "BPF_FUNC_ktime_get_ns", hid2, "BPF_PROG_TYPE_KPROBE", None)
    assert g is not None and "lockdown" not in g.hint
