"""Kernel snapshots: kfunc inventory, derived enums/contexts/struct_ops/attach targets, the .bpfk
format, name resolution and cache, the bundled Debian kernels, and (root only) the running kernel's
verifier confirming listed kfuncs."""
import ctypes
import json
import os
import struct
import time
import zipfile

import pytest

from analyzer.kernel import snapshot as KK
from btf import kinds as K
from btf.builder import BtfBuilder
from btf.errors import InputError
from btf.reader import Btf
from tests.support.kernels import synth_btf, btf_ids_section, CONFIG, KF_ACQUIRE, KF_RET_NULL, KF_IMPLICIT_ARGS


# ---------------------------------------------------------------------------- a synthetic kernel


@pytest.fixture
def synth(tmp_path):
    raw, ids = synth_btf()
    p = tmp_path / "synth.btf"
    p.write_bytes(raw)
    cfg = tmp_path / "config"
    cfg.write_text(CONFIG)
    return p, cfg, ids


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BPFSTAB_CACHE", str(tmp_path / "cache"))


def test_collect_kfuncs_merges_decl_tags_and_btf_ids():
    raw, ids = synth_btf()
    btf = Btf(raw)
    got, notes = KK.collect_kfuncs(btf, btf_ids_section(ids))
    assert notes == []
    assert set(got) == {"bpf_tagged", "bpf_fast", "bpf_setonly", "bpf_implicit", "bpf_implicit_impl"}
    t = got["bpf_tagged"]
    assert t.found_by == ["decl_tag", "btf_ids:symtab"]
    assert t.flags == KF_ACQUIRE and t.flag_names == ["KF_ACQUIRE"]
    assert t.sets == ["test_kfunc_ids"] and t.btf_id == ids["bpf_tagged"]
    assert t.proto == "int bpf_tagged(int x)"
    assert got["bpf_setonly"].found_by == ["btf_ids:symtab"]
    assert got["bpf_fast"].found_by == ["decl_tag"] and got["bpf_fast"].fastcall
    assert got["bpf_fast"].flags is None and got["bpf_fast"].flag_names == []
    assert got["bpf_fast"].proto == "void bpf_fast(void)"
    imp = got["bpf_implicit_impl"]
    assert imp.impl_of == "bpf_implicit" and imp.is_impl and imp.found_by == ["kf_implicit_args"]
    assert imp.proto == "int bpf_implicit_impl(int x, void *aux)"
    assert got["bpf_implicit"].impl == "bpf_implicit_impl" and not got["bpf_implicit"].is_impl
    assert "plain_func" not in got          # component_idx 0 tags a parameter, not the function


def test_decl_tags_only_without_btf_ids():
    raw, ids = synth_btf()
    got, _ = KK.collect_kfuncs(Btf(raw), None)
    assert set(got) == {"bpf_tagged", "bpf_fast", "bpf_implicit"}
    assert all(k.found_by == ["decl_tag"] for k in got.values())
    assert got["bpf_implicit"].impl is None     # without flags nothing says the args are implicit


def test_config_subset():
    sub = KK.bpf_config_subset(CONFIG)
    assert sub == {"CONFIG_BPF": "y", "CONFIG_BPF_SYSCALL": "y", "CONFIG_DEBUG_INFO_BTF": "y", "CONFIG_HZ": "250",
                   "CONFIG_LSM": '"lockdown,bpf"', "CONFIG_SCHED_CLASS_EXT": "n"}
    assert KK.bpf_config_subset(None) == {}


def test_import_derive_save_load_roundtrip(synth, tmp_path):
    p, cfg, ids = synth
    snap = KK.import_kernel(str(p), config_path=str(cfg), name="synthetic")
    assert snap.id == "synthetic" and snap.config["CONFIG_HZ"] == "250"
    assert "CONFIG_SOUND" not in snap.config
    assert snap.prog_types == {"BPF_PROG_TYPE_UNSPEC": 0, "BPF_PROG_TYPE_XDP": 6, "BPF_PROG_TYPE_SYSCALL": 31}
    assert snap.map_types["BPF_MAP_TYPE_ARENA"] == 33
    assert snap.attach_types == {"BPF_CGROUP_INET_INGRESS": 0, "BPF_XDP": 37}
    assert snap.helpers == {"BPF_FUNC_unspec": 0, "BPF_FUNC_map_lookup_elem": 1}
    assert snap.contexts == {"BPF_PROG_TYPE_XDP": ("struct xdp_md", "struct xdp_buff"),
                             "BPF_PROG_TYPE_SYSCALL": ("void *", "void *")}
    assert snap.struct_ops == {"tcp_congestion_ops": ids["tcp_congestion_ops"]}
    assert snap.tracepoints == {"sched_switch"}
    assert snap.lsm_hooks == {"file_open"}
    assert snap.iterators == {"task"}
    assert "plain_func" in snap.functions and "bpf_lsm_file_open" in snap.functions
    assert set(snap.kfuncs) == {"bpf_tagged", "bpf_fast", "bpf_implicit"}

    out = tmp_path / "synthetic.bpfk"
    KK.save_snapshot(snap, out)
    with zipfile.ZipFile(out) as z:
        assert {i.filename for i in z.infolist()} == {"meta.json", "vmlinux.btf"}
        assert all(i.compress_type == zipfile.ZIP_LZMA for i in z.infolist())
        meta = json.loads(z.read("meta.json"))
        assert meta["schema"] == "bpfstab.kernel/1"
        assert "prog_types" not in meta and "contexts" not in meta     # derived on load, not stored
        assert z.read("vmlinux.btf") == p.read_bytes()
    back = KK.load_snapshot(out)
    assert back.id == "synthetic" and back.release == snap.release and back.config == snap.config
    assert {n: k.to_json() for n, k in back.kfuncs.items()} == {n: k.to_json() for n, k in snap.kfuncs.items()}
    assert back.prog_types == snap.prog_types and back.contexts == snap.contexts
    assert back.struct_ops == snap.struct_ops and back.iterators == snap.iterators
    j = back.to_json()
    assert j["counts"]["kfuncs"] == 3 and j["contexts"]["BPF_PROG_TYPE_XDP"] == ["struct xdp_md", "struct xdp_buff"]
    json.dumps(j)


def test_unnamed_snapshot_is_named_by_its_file(synth, tmp_path):
    p, _, _ = synth
    snap = KK.import_kernel(str(p))
    out = KK.save_snapshot(snap, tmp_path / "my-kernel.bpfk")
    assert KK.load_snapshot(out).id == "my-kernel"


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "no_meta", "bad_schema", "bad_json", "no_btf",
                                    "corrupt_btf_member"])
def test_broken_snapshots_raise_input_error(synth, tmp_path, damage):
    p, _, _ = synth
    good = KK.save_snapshot(KK.import_kernel(str(p)), tmp_path / "good.bpfk")
    bad = tmp_path / "bad.bpfk"
    data = good.read_bytes()
    if damage == "truncate":
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        bad.write_bytes(b"PK\x03\x04" + os.urandom(500))
    elif damage == "empty":
        bad.write_bytes(b"")
    elif damage == "corrupt_btf_member":
        # flip bytes in the middle of the compressed vmlinux.btf member (the directory stays intact)
        with zipfile.ZipFile(good) as z:
            info = z.getinfo("vmlinux.btf")
        start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 20
        buf = bytearray(data)
        for i in range(start, min(start + 64, start + info.compress_size - 1)):
            buf[i] ^= 0xFF
        bad.write_bytes(bytes(buf))
    else:
        with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_LZMA) as zout:
            meta = json.loads(zin.read("meta.json"))
            if damage == "bad_schema":
                meta["schema"] = "something/9"
            if damage != "no_meta":
                zout.writestr("meta.json", "{not json" if damage == "bad_json" else json.dumps(meta))
            if damage != "no_btf":
                zout.writestr("vmlinux.btf", zin.read("vmlinux.btf"))
    with pytest.raises(InputError) as ei:
        snap = KK.load_snapshot(bad)
        snap.btf.validate()
        len(snap.prog_types)
    assert str(bad) in str(ei.value) and "\n" not in str(ei.value)


def _bundle(tmp_path, monkeypatch, synth, releases):
    p, _, _ = synth
    d = tmp_path / "bundled"
    d.mkdir()
    for stem, rel in releases.items():
        snap = KK.import_kernel(str(p))
        snap.release = rel
        KK.save_snapshot(snap, d / f"{stem}.bpfk")
    monkeypatch.setattr(KK, "BUNDLED_PLACES", (d,))
    return d


def test_resolve_names_versions_and_errors(tmp_path, monkeypatch, synth):
    _bundle(tmp_path, monkeypatch, synth, {"deb-6.1.0-9-amd64": "6.1.0-9-amd64", "deb-6.12.5+deb13": "6.12.5+deb13-amd64",
                                           "k-5.10a": "5.10.1-1", "k-5.10b": "5.10.2-1"})
    assert [x.name for x in KK.bundled_kernels()] == sorted(
        ["deb-6.1.0-9-amd64.bpfk", "deb-6.12.5+deb13.bpfk", "k-5.10a.bpfk", "k-5.10b.bpfk"])
    assert KK.resolve_kernel("deb-6.12.5+deb13").release == "6.12.5+deb13-amd64"
    assert KK.resolve_kernel("6.1").id == "deb-6.1.0-9-amd64"          # 6.12 must not match "6.1"
    assert KK.resolve_kernel("6.12").id == "deb-6.12.5+deb13"
    with pytest.raises(InputError, match=r"ambiguous.*k-5\.10a, k-5\.10b"):
        KK.resolve_kernel("5.10")
    with pytest.raises(InputError, match=r"unknown kernel 'nope' \(bundled: deb-6\.1\.0-9-amd64, "):
        KK.resolve_kernel("nope")
    with pytest.raises(InputError, match="unknown kernel '4.19'"):
        KK.resolve_kernel("4.19")
    path = KK.bundled_kernels()[0]
    assert KK.resolve_kernel(str(path)).path == path
    got = KK.resolve_kernels(["all"])
    assert [s.id for s in got] == ["deb-6.1.0-9-amd64", "deb-6.12.5+deb13", "k-5.10a", "k-5.10b"]
    assert [s.id for s in KK.resolve_kernels(["6.1", "deb-6.1.0-9-amd64"])] == ["deb-6.1.0-9-amd64"]
    default = KK.resolve_kernels([], quiet=True)
    assert [s.id for s in default][:4] == [s.id for s in got]
    assert (len(default) == 5) == KK.running_available()


def test_import_on_the_fly_is_cached(synth, tmp_path, monkeypatch):
    p, _, _ = synth
    monkeypatch.setattr(KK, "BUNDLED_PLACES", (tmp_path / "none",))
    assert KK.cached_kernels() == []
    first = KK.resolve_kernel(str(p), quiet=True)
    cached = KK.cached_kernels()
    assert len(cached) == 1 and cached[0].parent == tmp_path / "cache"
    assert first.path == cached[0]
    mtime = cached[0].stat().st_mtime_ns
    again = KK.resolve_kernel(str(p), quiet=True)
    assert again.path == cached[0] and cached[0].stat().st_mtime_ns == mtime      # reused, not rewritten
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 10**9))                     # the source changed
    KK.resolve_kernel(str(p), quiet=True)
    assert len(KK.cached_kernels()) == 1 and KK.cached_kernels()[0] != cached[0]  # re-imported, old entry gone
    # nothing else was written next to the source
    assert sorted(x.name for x in p.parent.iterdir()) == sorted(["synth.btf", "config", "cache"])


def test_no_bundled_kernels_is_an_error_not_fewer_kernels(tmp_path, monkeypatch):
    """A broken install (no snapshots where the package data should be) must not silently check only
    the running kernel."""
    monkeypatch.setattr(KK, "BUNDLED_PLACES", (tmp_path / "none", tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    assert KK.bundled_kernels() == [] and KK.bundled_dir() is None
    for specs in (["all"], []):
        with pytest.raises(InputError, match="no bundled kernel snapshots in this installation"):
            KK.resolve_kernels(specs, quiet=True)


def test_resolve_rejects_bad_inputs(tmp_path, monkeypatch):
    monkeypatch.setattr(KK, "BUNDLED_PLACES", (tmp_path / "none",))
    g = tmp_path / "garbage.bin"
    g.write_bytes(os.urandom(4096))
    with pytest.raises(InputError):
        KK.resolve_kernel(str(g), quiet=True)
    with pytest.raises(InputError, match="is not a file"):
        KK.resolve_kernel(str(tmp_path))
    assert KK.cached_kernels() == []


# ---------------------------------------------------------------------------- bundled Debian kernels
BUNDLED = {p.stem: p for p in KK.bundled_kernels()}


def bundled(version):
    hits = [p for stem, p in BUNDLED.items() if stem.startswith(f"debian-{version}.") or stem.startswith(f"debian-{version}-")]
    if len(hits) != 1:
        pytest.skip(f"no bundled Debian {version} snapshot in corpus/kernels")
    return KK.load_snapshot(hits[0])


@pytest.mark.parametrize("version", ["5.10", "6.1", "6.12", "7.2"])
def test_bundled_decl_tag_count_matches_tagged_funcs(version):
    snap = bundled(version)
    tagged = {t for name, t, comp in snap.btf.decl_tags("bpf_kfunc") if comp == -1 and snap.btf.kind_of(t) == K.FUNC}
    by_tag = [k for k in snap.kfuncs.values() if "decl_tag" in k.found_by]
    assert len(by_tag) == len(tagged)
    assert {k.btf_id for k in by_tag} == tagged
    for k in snap.kfuncs.values():          # every record is a FUNC of this BTF with its own name
        assert snap.btf.kind_of(k.btf_id) == K.FUNC and snap.btf.name_of(k.btf_id) == k.name


def test_bundled_5_10_has_no_kfunc_sets():
    snap = bundled("5.10")
    assert snap.kfuncs == {}                          # no BTF_SET8 before 6.0, no tags
    assert "BPF_PROG_TYPE_LSM" in snap.prog_types and "BPF_PROG_TYPE_SYSCALL" not in snap.prog_types


def test_bundled_6_1_kfuncs_come_from_btf_ids():
    snap = bundled("6.1")
    assert not snap.btf.decl_tags("bpf_kfunc")        # pahole < 1.27: no tags
    c = snap.kfunc_counts()
    assert c.get("btf_ids:structural", 0) == c["total"] > 20
    # key_sig_kfunc_set and crash_kexec in 6.1 (kernel/trace/bpf_trace.c, kernel/kexec_core.c)
    assert snap.kfuncs["bpf_lookup_user_key"].flag_names == ["KF_ACQUIRE", "KF_RET_NULL", "KF_SLEEPABLE"]
    assert snap.kfuncs["bpf_key_put"].flag_names == ["KF_RELEASE"]
    assert snap.kfuncs["bpf_verify_pkcs7_signature"].flag_names == ["KF_SLEEPABLE"]
    assert snap.kfuncs["crash_kexec"].flag_names == ["KF_DESTRUCTIVE"]
    assert snap.kfuncs["bpf_lookup_user_key"].proto.startswith("struct bpf_key *bpf_lookup_user_key(")
    assert "bpf_task_acquire" not in snap.kfuncs      # arrived in 6.2


def test_bundled_6_12_and_7_2_tags_and_sets_agree():
    for v in ("6.12", "7.2"):
        snap = bundled(v)
        for k in snap.kfuncs.values():
            if k.is_impl and "kf_implicit_args" in k.found_by:
                continue
            assert "decl_tag" in k.found_by and any(m.startswith("btf_ids:") for m in k.found_by), k.name
    snap = bundled("6.12")
    assert snap.kfuncs["bpf_task_acquire"].flag_names == ["KF_ACQUIRE", "KF_RET_NULL", "KF_RCU"]   # kernel/bpf/helpers.c


def test_bundled_7_2_implicit_args():
    snap = bundled("7.2")
    impl = [k for k in snap.kfuncs.values() if k.is_impl]
    assert impl
    for k in impl:
        base = snap.kfuncs[k.impl_of]
        assert base.impl == k.name and not base.is_impl
    vp = snap.kfuncs["bpf_stream_vprintk"]
    assert "KF_IMPLICIT_ARGS" in vp.flag_names
    assert snap.kfuncs["bpf_stream_vprintk_impl"].impl_of == "bpf_stream_vprintk"
    assert vp.proto.count(",") < snap.kfuncs["bpf_stream_vprintk_impl"].proto.count(",")


@pytest.mark.parametrize("version,netfilter,arena", [("5.10", False, False), ("6.1", False, False),
                                                      ("6.12", True, True), ("7.2", True, True)])
def test_bundled_enums(version, netfilter, arena):
    snap = bundled(version)
    assert ("BPF_PROG_TYPE_NETFILTER" in snap.prog_types) == netfilter
    assert ("BPF_MAP_TYPE_ARENA" in snap.map_types) == arena
    assert snap.prog_types["BPF_PROG_TYPE_XDP"] == 6 and snap.map_types["BPF_MAP_TYPE_HASH"] == 1
    assert snap.helpers["BPF_FUNC_map_lookup_elem"] == 1
    assert snap.attach_types["BPF_CGROUP_INET_INGRESS"] == 0
    assert not any(n.startswith("__") for n in snap.prog_types)


@pytest.mark.parametrize("version", ["5.10", "6.1", "6.12", "7.2"])
def test_bundled_contexts_struct_ops_targets(version):
    snap = bundled(version)
    assert snap.contexts["BPF_PROG_TYPE_XDP"] == ("struct xdp_md", "struct xdp_buff")
    assert snap.contexts["BPF_PROG_TYPE_SCHED_CLS"] == ("struct __sk_buff", "struct sk_buff")
    assert set(snap.contexts) <= set(snap.prog_types)
    assert "tcp_congestion_ops" in snap.struct_ops
    assert snap.btf.name_of(snap.struct_ops["tcp_congestion_ops"]) == "tcp_congestion_ops"
    # sched_ext_ops exists exactly when the kernel was built with CONFIG_SCHED_CLASS_EXT
    assert ("sched_ext_ops" in snap.struct_ops) == (snap.config.get("CONFIG_SCHED_CLASS_EXT") == "y")
    assert "sched_switch" in snap.tracepoints and "file_open" in snap.lsm_hooks and "task" in snap.iterators
    assert "do_sys_openat2" in snap.functions
    assert snap.config.get("CONFIG_DEBUG_INFO_BTF") == "y" and snap.arch == "x86_64"


def test_bundled_7_2_has_sched_ext():
    snap = bundled("7.2")
    assert snap.config["CONFIG_SCHED_CLASS_EXT"] == "y" and "sched_ext_ops" in snap.struct_ops


def test_bundled_load_reads_everything_lazily():
    """Load time is measured in bench/check_bench.py, not here; this checks the lazy path works end to end."""
    snap = KK.load_snapshot(bundled("6.12").path)
    assert snap._btf is None
    assert snap.kfuncs and snap.prog_types and snap.map_types and snap.attach_types and snap.helpers


# ---------------------------------------------------------------------------- the running kernel
SYS_BPF = 321                  # x86_64
BPF_PROG_LOAD = 5
BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SYSCALL = 3, 6, 31
BPF_F_SLEEPABLE = 1 << 4
MISSING_MARKS = ("is not a function", "cannot find address")


def _insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def _call_kfunc(btf_id):
    # r1..r5 = 0; call kfunc (BPF_JMP|BPF_CALL, src_reg = BPF_PSEUDO_KFUNC_CALL, imm = BTF id)
    return [_insn(0xB7, dst=r) for r in range(1, 6)] + [_insn(0x85, src=2, imm=btf_id)]


_EXIT = [_insn(0xB7, dst=0), _insn(0x95)]


def _prog_load(insns, prog_type):
    libc = ctypes.CDLL(None, use_errno=True)
    code = b"".join(insns)
    ibuf = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(1 << 16)
    flags = BPF_F_SLEEPABLE if prog_type == BPF_PROG_TYPE_SYSCALL else 0   # syscall progs must be sleepable
    attr = bytearray(128)
    struct.pack_into("<IIQQIIQII", attr, 0, prog_type, len(code) // 8, ctypes.addressof(ibuf),
                     ctypes.addressof(lic), 1, len(log), ctypes.addressof(log), 0, flags)
    abuf = ctypes.create_string_buffer(bytes(attr), len(attr))
    fd = libc.syscall(SYS_BPF, BPF_PROG_LOAD, abuf, len(attr))
    err = ctypes.get_errno() if fd < 0 else 0
    if fd >= 0:
        os.close(fd)
    return fd, err, log.value.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def running():
    if os.uname().machine != "x86_64":
        pytest.skip("the bpf() test uses x86_64's syscall number")
    if os.geteuid() != 0:
        pytest.skip("loading BPF programs needs root")
    if not KK.running_available():
        pytest.skip("no /sys/kernel/btf/vmlinux")
    probe = _prog_load(_EXIT, BPF_PROG_TYPE_SYSCALL)
    if probe[0] < 0 and probe[1] in (1, 38):      # EPERM (seccomp/lockdown), ENOSYS
        pytest.skip(f"bpf() is not usable here (errno {probe[1]})")
    return KK.import_kernel("running")


def _verdict(snap, name, prog_types=(BPF_PROG_TYPE_SYSCALL, BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_XDP)):
    """'missing' (the kernel does not know it as a callable function), 'allowed' (the verifier accepted
    the call and went on: load succeeded or failed on the arguments), or 'not allowed' for every type tried."""
    k = snap.kfuncs[name]
    for pt in prog_types:
        fd, _, log = _prog_load(_call_kfunc(k.btf_id) + _EXIT, pt)
        if any(m in log for m in MISSING_MARKS):
            return "missing", log
        if fd >= 0 or "is not allowed" not in log:
            return "allowed", log
    return "not allowed", log


def test_running_kernel_zero_arg_kfunc_pairs_load(running):
    for a, b in (("bpf_rcu_read_lock", "bpf_rcu_read_unlock"), ("bpf_preempt_disable", "bpf_preempt_enable")):
        if a not in running.kfuncs or b not in running.kfuncs:
            continue
        assert running.kfuncs[a].proto == f"void {a}(void)"
        insns = _call_kfunc(running.kfuncs[a].btf_id) + _call_kfunc(running.kfuncs[b].btf_id) + _EXIT
        fd, err, log = _prog_load(insns, BPF_PROG_TYPE_SYSCALL)
        assert fd >= 0, f"{a}/{b}: errno {err}: {log}"


def test_running_kernel_refuses_non_kfuncs(running):
    btf = running.btf
    plain = next(n for n in ("vfs_read", "schedule", "kfree") if btf.find(n, K.FUNC) and n not in running.kfuncs)
    fd, err, log = _prog_load(_call_kfunc(btf.find(plain, K.FUNC)) + _EXIT, BPF_PROG_TYPE_SYSCALL)
    assert fd < 0 and f"calling kernel function {plain} is not allowed" in log
    sid = btf.find("task_struct", K.STRUCT)
    fd, err, log = _prog_load(_call_kfunc(sid) + _EXIT, BPF_PROG_TYPE_SYSCALL)
    assert fd < 0 and f"kernel btf_id {sid} is not a function" in log


def test_running_kernel_confirms_listed_kfuncs(running):
    """Every listed vmlinux kfunc is known to the kernel as a kfunc; most are accepted by one of the
    program types tried (the rest belong to hooks such as STRUCT_OPS or TRACING that need an attach target)."""
    names = [n for n, k in running.kfuncs.items() if k.module is None and not k.is_impl]
    assert names
    verdicts = {n: _verdict(running, n)[0] for n in names}
    missing = [n for n, v in verdicts.items() if v == "missing"]
    assert not missing, missing
    allowed = [n for n, v in verdicts.items() if v == "allowed"]
    for n in ("bpf_rcu_read_lock", "bpf_task_acquire", "bpf_cpumask_create", "bpf_dynptr_from_skb"):
        if n in running.kfuncs:
            assert verdicts[n] == "allowed", n
    assert len(allowed) >= len(names) // 2, (len(allowed), len(names))


def test_module_btf_kfuncs_struct_ops_and_roundtrip(tmp_path):
    raw, _ = synth_btf()
    base = Btf(raw)
    mb = BtfBuilder(base=base)
    i32 = base.find("int", K.INT)
    mod_func = mb.func("mod_kfunc", mb.func_proto(i32, [("v", i32)]))
    mb.decl_tag("bpf_kfunc", mod_func)
    ops = mb.struct("mod_ops", 8, [("cb", i32, 0)])
    mb.struct("bpf_struct_ops_mod_ops", 16, [("refcnt", i32, 0), ("data", ops, 64)])
    mod_raw = mb.build()
    mod = Btf(mod_raw, base=base)
    kf, _ = KK.collect_kfuncs(mod, None, module="mod_x", own_only=True)
    assert list(kf) == ["mod_kfunc"] and kf["mod_kfunc"].module == "mod_x"
    assert kf["mod_kfunc"].proto == "int mod_kfunc(int v)"
    base_kf, _ = KK.collect_kfuncs(base, None)
    mods = {"mod_x": mod_raw}
    snap = KK.KernelSnapshot(id="withmods", release="9.9.9", arch="x86_64", source="test", config={},
                             kfuncs={**base_kf, **kf}, btf_bytes=raw, module_names=mods.keys(),
                             module_loader=mods.__getitem__)
    assert snap.struct_ops["mod_ops"] == ops and "tcp_congestion_ops" in snap.struct_ops
    out = KK.save_snapshot(snap, tmp_path / "m.bpfk")
    with zipfile.ZipFile(out) as z:
        assert z.read("modules/mod_x.btf") == mod_raw
    back = KK.load_snapshot(out)
    assert back.module_names == ["mod_x"] and back.modules["mod_x"].type_count == mod.type_count
    assert back.kfuncs["mod_kfunc"].module == "mod_x" and back.struct_ops == snap.struct_ops
