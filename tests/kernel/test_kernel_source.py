"""Kernel source -> snapshot facts (analyzer.kernel.source): a synthetic mini tree exercising each construct
(tests/data/ksrc), the CLI, and the facts attached to the bundled snapshots (no /tmp/src needed)."""
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from analyzer.kernel import source as ks
from analyzer.kernel import snapshot as kernels
from analyzer.kernel.facts import ALL_PROG_TYPES, KernelFacts
from btf.errors import InputError
from tests.support import paths

ROOT = paths.ROOT_PATH
KSRC = ROOT / "tests" / "data" / "ksrc"
TREE = KSRC / "tree"
CONFIG = KSRC / "config"


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    shim = tmp_path_factory.mktemp("shim")
    return ks.analyze_tree(TREE, CONFIG.read_text(), shim)


@pytest.fixture(scope="module")
def facts(raw):
    return ks.combine(raw)


# ------------------------------------------------------------------------------ synthetic tree
def test_tree_version_from_makefile():
    assert ks.tree_version(TREE) == "6.99.3"


def test_tree_version_bad_makefile(tmp_path):
    (tmp_path / "Makefile").write_text("all:\n\techo hi\n")
    with pytest.raises(InputError) as e:
        ks.tree_version(tmp_path)
    assert "VERSION" in e.value.problem


def test_candidates_are_found_by_byte_search():
    files = ks.candidate_files(TREE)
    assert files == ["kernel/bpf/bpf_iter.c", "kernel/bpf/btf.c", "kernel/bpf/helpers.c", "kernel/bpf/set8_old.c",
                     "kernel/bpf/syscall.c", "kernel/sched/ext.c", "kernel/trace/bpf_trace.c", "net/core/filter.c",
                     "net/ipv4/tcp_ipv4.c"]


def test_prog_types_follow_the_config(raw):
    types = dict(raw["prog_types"])
    assert types["BPF_PROG_TYPE_XDP"] == "xdp"
    assert "BPF_PROG_TYPE_KPROBE" in types                 # CONFIG_BPF_EVENTS=y
    assert "BPF_PROG_TYPE_LSM" not in types                # CONFIG_BPF_LSM is not set


def test_kfunc_flags_plain_combined_and_nested_macro(facts):
    f = facts.kfunc_flags
    assert f["bpf_obj_acquire"] == ["KF_ACQUIRE", "KF_RET_NULL"]
    assert f["bpf_combined"] == ["KF_ACQUIRE", "KF_RCU", "KF_RET_NULL"]        # KF_ACQ_NULL expanded
    assert f["bpf_meta_rx_timestamp"] == ["KF_TRUSTED_ARGS"]                  # via META_KFUNC_xxx
    assert f["bpf_old_style"] == ["KF_ACQUIRE"]                               # BTF_SET8_START spelling
    assert f["bpf_everywhere"] == []
    assert "bpf_only_with_lsm" not in f                                       # #ifdef CONFIG_BPF_LSM (unset)
    assert f["bpf_cgroup_thing"] == ["KF_TRUSTED_ARGS"]                       # #ifdef CONFIG_CGROUP_BPF (set)
    assert "some_fmodret_target" not in f                                     # fmod_ret set: not a kfunc
    assert "bpf_orphan" not in f                                              # never registered


def test_included_c_file_is_parsed_as_part_of_its_includer(raw, facts):
    assert raw["files"]["kernel/sched/ext.c"]["parsed_as_part_of"] == "kernel/sched/build_policy.c"
    assert facts.kfunc_prog_types["scx_bpf_kick_cpu"] == ["BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_STRUCT_OPS"]


def test_hook_map_read_from_the_switch(raw):
    hooks = raw["files"]["kernel/bpf/btf.c"]["hook_map"]
    assert hooks["BPF_PROG_TYPE_LSM"] == hooks["BPF_PROG_TYPE_TRACING"] == "BTF_KFUNC_HOOK_TRACING"
    assert hooks["BPF_PROG_TYPE_UNSPEC"] == "BTF_KFUNC_HOOK_COMMON"
    assert raw["files"]["kernel/bpf/btf.c"]["common_hook_checked"] is True


def test_kfunc_prog_types_by_hook(facts):
    t = facts.kfunc_prog_types
    # registered for TRACING and SCHED_CLS; LSM shares TRACING's hook; EXT is checked as its target
    assert t["bpf_obj_acquire"] == ["BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_SCHED_CLS",
                                    "BPF_PROG_TYPE_TRACING"]
    assert t["bpf_meta_rx_hash"] == ["BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_XDP"]
    assert t["bpf_everywhere"] == [ALL_PROG_TYPES]                           # BPF_PROG_TYPE_UNSPEC: common hook
    assert t["bpf_loop_registered"] == ["BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_SYSCALL", "BPF_PROG_TYPE_XDP"]
    # through a helper's parameter; the CGROUP_SKB registration maps to no hook and adds nothing
    assert t["bpf_param_registered"] == ["BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_STRUCT_OPS"]
    assert any("CGROUP_SKB maps to no kfunc hook" in w for w in facts.warnings)
    assert t["some_fmodret_target"] == []                                     # fmod_ret only: no prog type
    assert any("orphan_btf_ids" in w and "never registered" in w for w in facts.warnings)


def test_helpers_per_prog_type(facts):
    h = facts.helper_prog_types
    base = {"BPF_FUNC_map_lookup_elem", "BPF_FUNC_ktime_get_ns", "BPF_FUNC_probe_read_kernel"}
    assert set(h["BPF_PROG_TYPE_XDP"]) == base | {"BPF_FUNC_xdp_adjust_head", "BPF_FUNC_get_socket_cookie"}
    assert "BPF_FUNC_skb_load_bytes" not in h["BPF_PROG_TYPE_XDP"]          # #ifdef of an unset option
    # an explicit `case X: return NULL` before the fallback is not inherited from it
    assert "BPF_FUNC_get_socket_cookie" not in h["BPF_PROG_TYPE_SOCKET_FILTER"]
    assert "BPF_FUNC_skb_load_bytes" in h["BPF_PROG_TYPE_SOCKET_FILTER"]
    assert "BPF_FUNC_get_current_pid_tgid" in h["BPF_PROG_TYPE_SCHED_CLS"]  # stacked case labels
    assert "BPF_FUNC_override_return" in h["BPF_PROG_TYPE_KPROBE"]          # CONFIG_BPF_KPROBE_OVERRIDE=y
    assert set(h["BPF_PROG_TYPE_TRACING"]) == set(h["BPF_PROG_TYPE_KPROBE"])  # pure fallback
    # STRUCT_OPS: the struct_ops types' own verifier ops; `func_id == BPF_FUNC_x` counts
    assert set(h["BPF_PROG_TYPE_STRUCT_OPS"]) == base | {"BPF_FUNC_tcp_send_ack"}
    assert set(h["BPF_PROG_TYPE_EXT"]) == set().union(*(set(v) for k, v in h.items() if k != "BPF_PROG_TYPE_EXT"))
    assert "BPF_PROG_TYPE_LSM" not in h


def test_fallback_links_to_the_strong_definition_not_the_weak_default(raw, facts):
    """kernel/bpf/syscall.c's weak tracing_prog_func_proto gives way to kernel/trace/bpf_trace.c's strong
    one (as bpf_lsm_func_proto's `default: return tracing_prog_func_proto(...)` does on 6.1/6.12); the
    static function of the same name in net/core/filter.c is never reached from another file."""
    protos = {r: f["func_protos"] for r, f in raw["files"].items()}
    assert protos["kernel/bpf/syscall.c"]["tracing_prog_func_proto"]["weak"] is True
    assert protos["kernel/trace/bpf_trace.c"]["tracing_prog_func_proto"]["weak"] is False
    assert protos["net/core/filter.c"]["tracing_prog_func_proto"]["static"] is True
    assert protos["net/core/filter.c"]["tracing_prog_func_proto"]["weak"] is False
    h = set(facts.helper_prog_types["BPF_PROG_TYPE_SYSCALL"])
    base = {"BPF_FUNC_map_lookup_elem", "BPF_FUNC_ktime_get_ns", "BPF_FUNC_probe_read_kernel"}
    # tcp_send_ack: bpf_trace.c -> bpf_iter_get_func_proto -> reg_info->get_func_proto (tcp_ipv4.c's iterator)
    assert h == base | {"BPF_FUNC_get_current_pid_tgid", "BPF_FUNC_get_socket_cookie", "BPF_FUNC_tcp_send_ack"}
    assert "BPF_FUNC_override_return" not in h          # only filter.c's static tracing_prog_func_proto has it
    # TRACING's own verifier ops (filter.c) still use filter.c's static function
    assert set(facts.helper_prog_types["BPF_PROG_TYPE_TRACING"]) == set(facts.helper_prog_types["BPF_PROG_TYPE_KPROBE"])


def test_call_through_a_function_pointer_field(raw):
    """bpf_iter_get_func_proto calls `reg_info->get_func_proto(...)`: recorded as a call through
    bpf_iter_reg.get_func_proto, which tcp_ipv4.c's iterator initializer sets."""
    it = raw["files"]["kernel/bpf/bpf_iter.c"]["func_protos"]["bpf_iter_get_func_proto"]
    assert it["calls"] == {"*bpf_iter_reg.get_func_proto": []}
    assert raw["files"]["net/ipv4/tcp_ipv4.c"]["proto_fields"] == {
        "bpf_iter_reg.get_func_proto": ["bpf_iter_tcp_get_func_proto"]}
    # verifier ops are read per program type, never as a function-pointer target
    assert "bpf_verifier_ops.get_func_proto" not in raw["files"]["net/core/filter.c"]["proto_fields"]


def test_link_function_rules():
    weak = {"helpers": ["W"], "calls": {}, "static": False, "weak": True}
    strong = {"helpers": ["S"], "calls": {}, "static": False, "weak": False}
    other = {"helpers": ["T"], "calls": {}, "static": False, "weak": False}
    static = {"helpers": ["X"], "calls": {}, "static": True, "weak": False}
    t = {"a.c": {"f": weak}, "b.c": {"f": strong}, "c.c": {"f": static}}
    assert ks._link_function(t, "f", "a.c") == [("b.c", strong)]     # the weak caller's own default loses
    assert ks._link_function(t, "f", "c.c") == [("c.c", static)]     # a file's own static function
    assert ks._link_function(t, "f", "d.c") == [("b.c", strong)]     # other files' static ones: invisible
    assert ks._link_function({"a.c": {"f": weak}}, "f", "d.c") == [("a.c", weak)]   # no strong one: the default
    both = {"b.c": {"f": strong}, "e.c": {"f": other}}               # config alternatives: the union
    assert ks._link_function(both, "f", "d.c") == [("b.c", strong), ("e.c", other)]
    assert ks._link_function({"c.c": {"f": static}}, "f", "d.c") == []


def test_config_defines():
    text = ks.config_defines("CONFIG_A=y\nCONFIG_B=m\nCONFIG_C=250\nCONFIG_D=\"x\"\n# CONFIG_E is not set\n")
    assert "#define CONFIG_A 1" in text and "#define CONFIG_B_MODULE 1" in text
    assert "#define CONFIG_C 250" in text and '#define CONFIG_D "x"' in text and "CONFIG_E" not in text


def _tarball(tmp_path):
    tb = tmp_path / "linux-source-6.99.tar.xz"
    with tarfile.open(tb, "w:xz") as t:
        t.add(TREE, arcname="linux-source-6.99")
    return tb


def test_source_facts_from_tarball_extracts_once_and_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("BPFSTAB_CACHE", str(tmp_path / "cache"))
    tb = _tarball(tmp_path)
    kf = ks.source_facts(str(tb), CONFIG.read_text(), config_label="config")
    assert kf.version == "6.99.3" and kf.detail == "linux-source-6.99.tar.xz 6.99.3, config config"
    tree = next((tmp_path / "cache" / "source").glob("*/tree"))
    assert (tree / "kernel/bpf/local_list.h").is_file()        # header next to an extracted .c file
    assert (tree / "arch/x86/include/asm/synthetic.h").is_file()    # arch/x86/include: every file may use it
    assert (tree / "kernel/sched/build_policy.c").is_file()         # #includes "ext.c": kept to parse ext.c
    caches = list((tmp_path / "cache" / "source").glob("*/raw-*.json"))
    assert len(caches) == 1
    again = ks.source_facts(str(tb), CONFIG.read_text(), config_label="config")
    assert again.to_json() == kf.to_json()


def test_source_facts_bad_inputs(tmp_path, monkeypatch):
    monkeypatch.setenv("BPFSTAB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(InputError):
        ks.source_facts(str(tmp_path / "nope"), "")
    (tmp_path / "junk.deb").write_bytes(b"not a deb")
    with pytest.raises(InputError):
        ks.source_facts(str(tmp_path / "junk.deb"), "")
    d = tmp_path / "notatree"
    d.mkdir()
    with pytest.raises(InputError):
        ks.source_facts(str(d), "")


# ------------------------------------------------------------------------------ CLI
def run(*args, env_extra=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "analyzer", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One cache for the CLI tests: the synthetic tree is parsed once, then its cached results are reused."""
    return {"BPFSTAB_CACHE": str(tmp_path_factory.mktemp("cache"))}


def test_cli_facts_writes_new_file_and_show_prints_summary(tmp_path, shared_cache):
    env = shared_cache
    from tests.support.kernels import synth_btf
    data, _ = synth_btf()
    (tmp_path / "tiny.btf").write_bytes(data)
    user_copy = tmp_path / "mine.bpfk"
    kernels.save_snapshot(kernels.import_kernel(str(tmp_path / "tiny.btf")), user_copy)
    before = user_copy.read_bytes()
    r = run("kernel", "facts", str(user_copy), "--source", str(TREE), "--config", str(CONFIG), env_extra=env)
    assert r.returncode == 2 and "give -o" in r.stderr and "Traceback" not in r.stderr
    assert user_copy.read_bytes() == before                     # never modified without -o
    out = tmp_path / "with-facts.bpfk"
    r = run("kernel", "facts", str(user_copy), "--source", str(TREE), "--config", str(CONFIG), "-o", str(out),
            env_extra=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(out)
    snap = kernels.load_snapshot(out)
    assert snap.facts["source"].version == "6.99.3"
    assert snap.btf_bytes == data
    r = run("kernel", "show", str(out))
    assert r.returncode == 0, r.stderr
    assert "facts from source: tree 6.99.3" in r.stdout


def test_cli_import_with_source(tmp_path, shared_cache):
    from tests.support.kernels import synth_btf
    data, _ = synth_btf()
    btf = tmp_path / "tiny.btf"
    btf.write_bytes(data)
    out = tmp_path / "tiny.bpfk"
    r = run("kernel", "import", str(btf), "--source", str(TREE), "--config", str(CONFIG), "-o", str(out),
            env_extra=shared_cache)
    assert r.returncode == 0, r.stderr
    assert "facts from source: tree 6.99.3" in r.stderr
    kf = kernels.load_snapshot(out).facts["source"]
    assert kf.kfunc_prog_types["bpf_meta_rx_hash"] == ["BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_XDP"]
    assert kf.detail == "tree 6.99.3, config config"


def test_cli_facts_bad_source(tmp_path):
    r = run("kernel", "facts", "6.12", "--source", str(tmp_path / "missing"), "-o", str(tmp_path / "x.bpfk"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "missing" in r.stderr


# ------------------------------------------------------------------------------ bundled snapshots
def _bundled(version):
    snap = kernels.resolve_kernel(version)
    kf = snap.facts.get("source")
    if kf is None:
        pytest.skip(f"bundled {version} snapshot carries no source facts")
    return snap, kf


def test_bundled_612_xdp_metadata_kfuncs_only_for_xdp():
    snap, kf = _bundled("6.12")
    m = snap.merged_facts
    for k in ("bpf_xdp_metadata_rx_timestamp", "bpf_xdp_metadata_rx_hash"):
        assert set(kf.kfunc_prog_types[k]) == {"BPF_PROG_TYPE_XDP", "BPF_PROG_TYPE_EXT"}
        assert m.kfunc_allowed(k, "BPF_PROG_TYPE_XDP")[0] is True
        assert m.kfunc_allowed(k, "BPF_PROG_TYPE_SCHED_CLS")[0] is False


@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_bundled_dynptr_kfuncs(version):
    snap, kf = _bundled(version)
    m = snap.merged_facts
    assert m.kfunc_allowed("bpf_dynptr_from_xdp", "BPF_PROG_TYPE_XDP")[0] is True
    assert m.kfunc_allowed("bpf_dynptr_from_xdp", "BPF_PROG_TYPE_SCHED_CLS")[0] is False
    assert m.kfunc_allowed("bpf_dynptr_from_skb", "BPF_PROG_TYPE_SCHED_CLS")[0] is True
    assert m.kfunc_allowed("bpf_dynptr_from_skb", "BPF_PROG_TYPE_XDP")[0] is False


@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_bundled_common_hook_reaches_every_type(version):
    """Sets registered for BPF_PROG_TYPE_UNSPEC go to the common hook, which the kernel's lookup
    (btf_kfunc_id_set_contains in 6.12, btf_kfunc_is_allowed in 7.x) tries for every program type."""
    snap, kf = _bundled(version)
    assert kf.kfunc_prog_types["bpf_rcu_read_lock"] == [ALL_PROG_TYPES]
    assert snap.merged_facts.kfunc_allowed("bpf_dynptr_slice", "BPF_PROG_TYPE_SOCKET_FILTER")[0] is True


def test_bundled_61_kfuncs_by_hook():
    """6.1 has no common hook and six hooks; bpf_task_acquire arrived in 6.2."""
    snap, kf = _bundled("6.1")
    t = kf.kfunc_prog_types
    assert "bpf_task_acquire" not in t
    assert set(t["bpf_lookup_user_key"]) == {"BPF_PROG_TYPE_TRACING", "BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_EXT"}
    assert set(t["tcp_reno_cong_avoid"]) == {"BPF_PROG_TYPE_STRUCT_OPS", "BPF_PROG_TYPE_EXT"}
    assert kf.kfunc_flags["bpf_lookup_user_key"] == ["KF_ACQUIRE", "KF_RET_NULL", "KF_SLEEPABLE"]
    assert not any(ALL_PROG_TYPES in v for v in t.values())


@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_bundled_task_acquire_for_tracing_and_lsm(version):
    snap, kf = _bundled(version)
    types = set(kf.kfunc_prog_types["bpf_task_acquire"])
    assert {"BPF_PROG_TYPE_TRACING", "BPF_PROG_TYPE_LSM"} <= types
    assert "BPF_PROG_TYPE_SOCKET_FILTER" not in types
    assert kf.kfunc_flags["bpf_task_acquire"] and "KF_ACQUIRE" in kf.kfunc_flags["bpf_task_acquire"]


@pytest.mark.parametrize("version", ["5.10", "6.1", "6.12", "7.2"])
def test_bundled_helper_basics(version):
    snap, kf = _bundled(version)
    h = kf.helper_prog_types
    assert "BPF_FUNC_xdp_adjust_head" in h["BPF_PROG_TYPE_XDP"]
    assert "BPF_FUNC_xdp_adjust_head" not in h["BPF_PROG_TYPE_SCHED_CLS"]
    assert "BPF_FUNC_skb_load_bytes" not in h["BPF_PROG_TYPE_XDP"]
    assert "BPF_FUNC_map_lookup_elem" in h["BPF_PROG_TYPE_SOCKET_FILTER"]
    assert "BPF_FUNC_get_current_pid_tgid" in h["BPF_PROG_TYPE_KPROBE"]
    # every helper the source offers exists in that kernel's BTF enum
    ids = set(snap.helpers)
    for pt, names in h.items():
        assert set(names) <= ids, (pt, sorted(set(names) - ids))


@pytest.mark.parametrize("version", ["6.1", "6.12"])
def test_bundled_lsm_gets_the_tracing_helpers(version):
    """bpf_lsm_func_proto ends in `default: return tracing_prog_func_proto(...)`, whose strong definition
    (kernel/trace/bpf_trace.c) replaces kernel/bpf/syscall.c's weak default: LSM is offered the
    tracing helpers."""
    snap, kf = _bundled(version)
    lsm = set(kf.helper_prog_types["BPF_PROG_TYPE_LSM"])
    for name in ("BPF_FUNC_get_current_comm", "BPF_FUNC_get_current_pid_tgid", "BPF_FUNC_perf_event_output",
                 "BPF_FUNC_d_path", "BPF_FUNC_get_stack"):
        assert name in lsm, name


@pytest.mark.parametrize("version", ["6.1", "6.12", "7.2"])
def test_bundled_tracing_gets_the_iterator_helpers(version):
    """tracing_prog_func_proto -> bpf_iter_get_func_proto -> reg_info->get_func_proto: an iter/tcp program
    may call bpf_setsockopt (bpf_iter_tcp_get_func_proto in net/ipv4/tcp_ipv4.c)."""
    snap, kf = _bundled(version)
    for pt in ("BPF_PROG_TYPE_TRACING", "BPF_PROG_TYPE_SYSCALL"):
        assert {"BPF_FUNC_setsockopt", "BPF_FUNC_getsockopt"} <= set(kf.helper_prog_types[pt]), pt


def test_bundled_kfunc_coverage_is_recorded():
    for version in ("6.1", "6.12", "7.2"):
        snap, kf = _bundled(version)
        cov = ks.kfunc_coverage(snap, kf)
        assert cov["known"] / cov["total"] >= 0.9, (version, cov["unknown"][:20])


# ------------------------------------------------------------------------------ against real loads
RESULTS = ROOT / "bench" / "agreement" / "results"


def _real_loads(release):
    p = RESULTS / f"{release}.fixup-maps.jsonl"
    if not p.is_file():
        pytest.skip(f"no real-load results for {release}")
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("version", ["5.10", "6.1", "6.12", "7.2"])
def test_bundled_facts_never_refuse_what_really_loaded(version):
    """Upper bound: every helper and kfunc of a corpus program that really loaded on the Debian kernel
    (bench/agreement/results, qemu) is offered to its program type by the source facts."""
    from analyzer.objects import model as objects
    snap, kf = _bundled(version)
    m = snap.merged_facts
    models, checked, refused = {}, 0, []
    for rec in _real_loads(snap.release):
        if not rec["loaded"] or not rec["object"].startswith("corpus/programs/"):
            continue
        path = ROOT / rec["object"]
        if not path.is_file():
            continue
        if path not in models:
            models[path] = objects.load_object(path.read_bytes(), str(path))
        prog = next((p for p in models[path].programs if p.name == rec["program"]), None)
        if prog is None or not prog.info.prog_type:
            continue
        pt = prog.info.prog_type
        for call in prog.helper_calls:
            if "BPF_FUNC_" + call.helper_name not in snap.helpers:
                continue        # not in this kernel at all: the call was dead code (a CO-RE guard) to load
            ok, _ = m.helper_allowed("BPF_FUNC_" + call.helper_name, pt)
            checked += 1
            if ok is False:
                refused.append((rec["object"], rec["program"], pt, call.helper_name))
        for call in prog.kfunc_calls:
            if call.name not in snap.kfuncs:
                continue        # likewise: a weak kfunc missing here was guarded away
            ok, _ = m.kfunc_allowed(call.name, pt)
            checked += 1
            if ok is False:
                refused.append((rec["object"], rec["program"], pt, call.name))
    assert checked > 20
    assert refused == []


@pytest.mark.parametrize("version,offered", [("5.10", False), ("6.1", False), ("6.12", True), ("7.2", True)])
def test_bundled_get_current_pid_tgid_from_xdp(version, offered):
    """The source says: bpf_get_current_pid_tgid reaches XDP only once bpf_base_func_proto offers it
    (6.12 yes, 6.1 no); the real loads of corpus/programs/basic/helper_pid_tgid_xdp agree."""
    snap, kf = _bundled(version)
    assert ("BPF_FUNC_get_current_pid_tgid" in kf.helper_prog_types["BPF_PROG_TYPE_XDP"]) is offered
    recs = [r for r in _real_loads(snap.release) if r["object"].endswith("basic/helper_pid_tgid_xdp.bpf.o")]
    assert recs and all(r["loaded"] is offered for r in recs)
    if not offered:
        assert all("unknown func bpf_get_current_pid_tgid" in (r.get("log") or "") for r in recs)


def test_included_c_reads_spaced_directives():
    """6.12's kernel/sched/build_policy.c writes `# include "ext.c"` inside #ifdef CONFIG_SCHED_CLASS_EXT."""
    from analyzer.kernel.source import _included_c
    src = b'#include "idle.c"\n#ifdef CONFIG_SCHED_CLASS_EXT\n# include "ext.c"\n#endif\n#include "sched.h"\n#  include <x.c>\n'
    assert _included_c(src) == ["idle.c", "ext.c"]


def test_bundled_6_12_has_no_sched_ext_facts():
    """Debian 6.12 is built without sched_ext: no scx kfunc may appear in its source facts."""
    snap = kernels.resolve_kernel("6.12", quiet=True)
    facts = snap.facts["source"]
    assert not [k for k in facts.kfunc_prog_types if k.startswith("scx_bpf_")]
    assert "sched_ext_ops" not in snap.struct_ops
