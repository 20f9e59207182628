"""BPF C source analysis (libclang): the facts and verdicts from a .bpf.c must agree with those from the
object the same source compiles to (the committed corpus objects), and guards must be read as C means them."""
import glob
import json
import os

import pytest

from btf.errors import InputError
from tests.support.libclang import WHY
from tests.support import paths

ROOT = paths.ROOT
PROGS = os.path.join(ROOT, "corpus", "programs")


pytestmark = pytest.mark.skipif(WHY is not None, reason=WHY or "")

SOURCES = sorted(glob.glob(os.path.join(PROGS, "*", "*.bpf.c")))


@pytest.fixture(scope="module")
def models():
    from analyzer.source.program import parse_source
    return {p: parse_source(p) for p in SOURCES if os.path.exists(p[:-2] + ".o")}


def _object(path):
    from analyzer.objects.model import load_objects
    objs, _ = load_objects([path[:-2] + ".o"])
    return objs[0]


def _rel(p):
    return os.path.relpath(p, PROGS)


def test_corpus_has_sources_with_objects(models):
    assert len(models) >= 40


def test_source_facts_agree_with_the_compiled_object(models):
    """Programs and sections, kfunc calls with their weak flags, helper ids, externs, maps, license."""
    mismatches = []
    for path, m in models.items():
        o = _object(path)
        name = _rel(path)
        if {(p.name, p.section) for p in m.programs} != {(p.name, p.section) for p in o.programs}:
            mismatches.append(f"{name}: programs")
            continue
        for op in o.programs:
            sp = next(p for p in m.programs if p.name == op.name)
            if {h.helper_id for h in sp.helper_calls} != {h.helper_id for h in op.helper_calls}:
                mismatches.append(f"{name}:{op.name}: helper ids")
            if {(k.name, k.weak) for k in sp.kfunc_calls} != {(k.name, k.weak) for k in op.kfunc_calls}:
                mismatches.append(f"{name}:{op.name}: kfuncs")
            if {c.core.description for c in sp.core_relos} != {c.description for c in op.core_relos}:
                mismatches.append(f"{name}:{op.name}: CO-RE relocations")
        if {(e.name, e.kind, e.weak) for e in m.externs} != \
                {(e.name, e.kind, e.weak) for e in o.externs if e.kind.startswith("ksym")}:
            mismatches.append(f"{name}: externs")
        if {(x.name, x.type, x.max_entries, x.key_size, x.value_size) for x in m.maps} != \
                {(x.name, x.type, x.max_entries, x.key_size, x.value_size) for x in o.maps if not x.internal}:
            mismatches.append(f"{name}: maps")
        if m.license != o.license:
            mismatches.append(f"{name}: license")
    assert mismatches == []


def test_weak_kfunc_guards_agree_with_the_object(models):
    """bpf_ksym_exists() guards: what the object's local pattern finds, the source finds too (the source
    also reads compound conditions and early returns, which the object's pattern leaves out)."""
    for path, m in models.items():
        o = _object(path)
        for op in o.programs:
            sp = next(p for p in m.programs if p.name == op.name)
            src = {k.name: k.ksym_guarded for k in sp.kfunc_calls if k.weak}
            for k in op.kfunc_calls:
                if k.weak and op.kfunc_guarded.get(k.pos):
                    assert src[k.name], (_rel(path), op.name, k.name)
    unguarded = models[os.path.join(PROGS, "kfuncs/task_from_pid_weak_unguarded.bpf.c")]
    assert not any(k.guards for p in unguarded.programs for k in p.kfunc_calls)
    m = models[os.path.join(PROGS, "kfuncs/task_from_pid_weak_guarded.bpf.c")]
    (prog,) = m.programs
    # `if (!bpf_ksym_exists(a) || !bpf_ksym_exists(b)) return 0;` guards the rest of the block by both
    for k in prog.kfunc_calls:
        assert k.guard_texts() == ["bpf_ksym_exists(bpf_task_from_pid)", "bpf_ksym_exists(bpf_task_release)"]
        assert k.where.startswith("task_from_pid_weak_guarded.bpf.c:")


def test_core_existence_guards_and_flavors(models):
    m = models[os.path.join(PROGS, "tracing/tp_state_guarded.bpf.c")]
    (prog,) = m.programs
    by = {(c.core.path, c.core.kind_name): c for c in prog.core_relos}
    now = by[("task_struct->__state", "FIELD_BYTE_OFFSET")]
    old = by[("task_struct___pre514->state", "FIELD_BYTE_OFFSET")]
    assert now.core_guarded and now.guard_texts() == ["bpf_core_field_exists(task_struct->__state)"]
    assert old.guard_texts() == ["!bpf_core_field_exists(task_struct->__state)"]   # the else path
    assert prog.functions == ["____on_switch", "account", "task_state"]
    m = models[os.path.join(PROGS, "tracing/core_guards.bpf.c")]
    (prog,) = m.programs
    helpers = {h.name: h.guard_texts() for h in prog.helper_calls if h.name != "bpf_map_lookup_elem"}
    assert helpers == {
        "bpf_get_current_task_btf": ["bpf_core_enum_value_exists(enum bpf_func_id::BPF_FUNC_get_current_task_btf)"],
        "bpf_get_current_pid_tgid": ["!bpf_core_enum_value_exists(enum bpf_func_id::BPF_FUNC_get_current_task_btf)"]}


GUARDS_C = r"""
#include "common.h"
#include <bpf/bpf_core_read.h>

extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym __weak;
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
static long (* const bpf_custom_helper)(int x) = (void *) 77;

struct task_struct { int pid; struct { int a; int b; }; } __attribute__((preserve_access_index));

static int leaf(void) { bpf_rcu_read_unlock(); return 0; }
static int cb(u32 i, void *ctx) { bpf_rcu_read_lock(); return 0; }

SEC("?tc")
int prog(struct __sk_buff *skb)
{
	struct task_struct *t = bpf_task_from_pid(1);

	if (bpf_ksym_exists(bpf_rcu_read_lock) && bpf_ksym_exists(bpf_rcu_read_unlock)) {
		bpf_rcu_read_lock();
		leaf();
	} else {
		bpf_custom_helper(1);
	}
	bpf_ksym_exists(bpf_rcu_read_lock) ? bpf_rcu_read_lock() : (void)0;
	if (bpf_ksym_exists(bpf_rcu_read_unlock) == 0)
		return 1;
	bpf_rcu_read_unlock();
	bpf_loop(1, cb, 0, 0);
	return t ? t->b : 0;
}

char _license[] SEC("license") = "GPL";
"""


def test_guards_call_graph_and_helper_ids_from_a_synthetic_source(tmp_path):
    from analyzer.source.program import parse_source
    src = tmp_path / "guards.bpf.c"
    src.write_text(GUARDS_C)
    m = parse_source(str(src), f"-I{PROGS}")
    (p,) = m.programs
    assert (p.name, p.section, p.info.prog_type, p.info.autoload) == ("prog", "?tc", "BPF_PROG_TYPE_SCHED_CLS", False)
    assert {e.name: e.weak for e in m.externs} == {"bpf_rcu_read_lock": True, "bpf_rcu_read_unlock": True,
                                                   "bpf_task_from_pid": False}
    calls = sorted((k.name, k.line, tuple(k.guard_texts()), k.function) for k in p.kfunc_calls)
    both = ("bpf_ksym_exists(bpf_rcu_read_lock)", "bpf_ksym_exists(bpf_rcu_read_unlock)")
    unlock = ("bpf_ksym_exists(bpf_rcu_read_unlock)",)
    assert calls == [
        ("bpf_rcu_read_lock", 13, unlock, "cb"),            # bpf_loop callback, called after the early return
        ("bpf_rcu_read_lock", 21, both, None),              # then-branch of &&
        ("bpf_rcu_read_lock", 26, ("bpf_ksym_exists(bpf_rcu_read_lock)",), None),  # ?: operand
        ("bpf_rcu_read_unlock", 12, both, None),            # through the static leaf()
        ("bpf_rcu_read_unlock", 29, unlock, None),          # after `if (... == 0) return`
        ("bpf_task_from_pid", 18, (), None),
    ]
    # else of `a && b` knows neither; helper id from the `(void *) 77` initializer
    assert sorted((h.name, h.helper_id, tuple(h.guard_texts())) for h in p.helper_calls) == [
        ("bpf_custom_helper", 77, ()), ("bpf_loop", 181, unlock)]
    assert [c.name for c in p.callbacks] == ["cb"] and set(p.functions) == {"leaf", "cb"}
    (core,) = p.core_relos
    assert (core.core.path, core.core.access_str) == ("task_struct->b", "0:1:1")   # through the anonymous struct


OBJECT_ONLY = {"ISA_UNSUPPORTED", "CTX_ACCESS_INVALID", "BTF_ARG_ACCESS_INVALID", "OBJECT_OPEN_FAILED"}


def test_check_on_source_matches_check_on_object(models):
    """Same verdict and failure codes per program and bundled kernel, except what only the compiled object
    shows: instruction-set features (-mcpu), loads/stores through the context (CTX_ACCESS_INVALID,
    BTF_ARG_ACCESS_INVALID: instruction offsets) and relocations libbpf refuses at open."""
    from analyzer.check.engine import check_objects
    from analyzer.kernel.snapshot import bundled_kernels, resolve_kernel
    from analyzer.check.source_check import check_sources
    if len(bundled_kernels()) < 4:
        pytest.skip("bundled kernel snapshots missing")
    kernels = [resolve_kernel(v) for v in ("5.10", "6.1", "6.12", "7.2")]

    def codes(r):
        return {f.code for f in r.findings if f.severity in ("error", "unknown")}

    compared, differ = 0, []
    for path, m in models.items():
        by_src = {(r.program, r.kernel): r for r in check_sources([m], kernels)}
        for r in check_objects([_object(path)], kernels):
            if codes(r) & OBJECT_ONLY:
                continue
            s = by_src[(r.program, r.kernel)]
            compared += 1
            if (s.verdict, codes(s)) != (r.verdict, codes(r)):
                differ.append(f"{_rel(path)}:{r.program}@{r.kernel}: object {r.verdict} {sorted(codes(r))}, "
                              f"source {s.verdict} {sorted(codes(s))}")
            assert s.object == path
            assert all(f.location for f in s.findings), s.findings
    assert differ == []
    assert compared >= 200          # 52 sources, 67 programs x 4 kernels, less the ISA-only failures
    assert {r.verdict for r in by_src.values()} <= {"loads", "fails", "unknown"}


def test_check_and_inspect_commands_on_a_source(capsys, tmp_path):
    from analyzer.cli.main import main
    src = os.path.join(PROGS, "kfuncs", "task_from_pid_weak_unguarded.bpf.c")
    assert main(["check", "-q", src, "-k", "6.1", "-k", "6.12", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "bpfstab.check/1"
    by = {r["kernel"]: r for r in doc["results"]}
    assert {r["object"] for r in doc["results"]} == {src}
    old = next(r for k, r in by.items() if "6.1." in k)
    assert old["verdict"] == "fails"
    (f,) = [f for f in old["findings"] if f["code"] == "KFUNC_WEAK_CALL_REACHABLE"][:1]
    assert f["location"] == "task_from_pid_weak_unguarded.bpf.c:19"
    assert next(r for k, r in by.items() if "6.12" in k)["verdict"] == "loads"

    obj = src[:-2] + ".o"
    assert main(["inspect", "-q", "--json", src, obj]) == 0
    doc = json.loads(capsys.readouterr().out)
    o, s = doc["objects"]
    assert (o["source"], s["source"]) == (False, True) and s["name"] == src
    assert set(s) == set(o) and set(s["programs"][0]) - set(o["programs"][0]) == {"line"}
    assert s["programs"][0]["kfuncs"][0]["line"] == "task_from_pid_weak_unguarded.bpf.c:19"
    assert [(k["name"], k["weak"]) for k in s["programs"][0]["kfuncs"]] == \
        [(k["name"], k["weak"]) for k in o["programs"][0]["kfuncs"]]

    assert main(["inspect", "-q", src]) == 0
    out = capsys.readouterr().out
    assert "(C source, read with libclang)" in out and "bpf_task_from_pid (weak, NOT guarded)" in out


def test_bad_sources_are_one_line_errors(capsys, tmp_path):
    from analyzer.cli.main import main
    bad = tmp_path / "bad.bpf.c"
    bad.write_text('#include "common.h"\nSEC("xdp") int f(void *ctx) { return no_such_thing; }\n')
    assert main(["check", "-q", str(bad), f"--cflags=-I{PROGS}", "-k", "6.1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.bpf.c: does not compile: bad.bpf.c:2:" in err
    assert "no_such_thing" in err
    assert main(["inspect", "-q", str(tmp_path / "missing.bpf.c")]) == 2
    assert "missing.bpf.c: no such file" in capsys.readouterr().err
    assert main(["inspect", "-q", str(bad), '--cflags="unterminated']) == 2
    assert "--cflags" in capsys.readouterr().err


def test_kernel_facts_apply_to_sources_as_to_objects(models):
    """With helper / kfunc-hook facts attached to a snapshot (analyzer/facts.py), a source gets the same
    HELPER_NOT_ALLOWED / KFUNC_HOOK_DENIED as its object, located on the call's source line."""
    from analyzer.check.engine import check_objects
    from analyzer.kernel.facts import KernelFacts
    from analyzer.kernel.snapshot import bundled_kernels, resolve_kernel
    from analyzer.check.source_check import check_sources
    if len(bundled_kernels()) < 4:
        pytest.skip("bundled kernel snapshots missing")
    k = resolve_kernel("6.12")
    k.set_facts(KernelFacts(
        origin="source", detail="test facts",
        helper_prog_types={"BPF_PROG_TYPE_XDP": ["BPF_FUNC_map_lookup_elem", "BPF_FUNC_xdp_adjust_head"]},
        kfunc_prog_types={"bpf_dynptr_from_xdp": ["BPF_PROG_TYPE_XDP"]}))
    for rel, code in (("basic/helper_comm_xdp.bpf.c", "HELPER_NOT_ALLOWED"),
                      ("kfuncs/dynptr_xdp_from_tc.bpf.c", "KFUNC_HOOK_DENIED")):
        path = os.path.join(PROGS, rel)
        (obj_r,) = [r for r in check_objects([_object(path)], [k])]
        (src_r,) = check_sources([models[path]], [k])
        got = [f for f in src_r.findings if f.code == code]
        assert obj_r.verdict == src_r.verdict == "fails", rel
        want = [f for f in obj_r.findings if f.code == code]
        assert len(want) == len(got) == 1, rel
        assert got[0].location == want[0].location       # the object's line_info names the same line


PATHS_C = r"""
#include "common.h"
#include <bpf/bpf_core_read.h>

struct sock_common {
	union { u64 skc_addrpair; struct { u32 skc_daddr; u32 skc_rcv_saddr; }; };
	union { u32 skc_portpair; struct { u16 skc_dport; u16 skc_num; }; };
	u64 args[6];
	long: 64;
	int tail;
} __attribute__((preserve_access_index));
struct sock { struct sock_common __sk_common; } __attribute__((preserve_access_index));

const volatile bool verbose = false;
const volatile int level = 2;

SEC("kprobe/tcp_close")
int on_close(void *ctx)
{
	struct sock *sk = ctx;
	u64 v = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr) + BPF_CORE_READ(sk, __sk_common.skc_num);

	v += sk->__sk_common.args[3] + sk->__sk_common.tail;
	if (verbose)
		v += (u64)bpf_get_current_task_btf();
	if (level)
		v += bpf_get_func_ip(ctx);
	return v;
}

char _license[] SEC("license") = "GPL";
"""


def test_core_paths_through_anonymous_members_and_rodata_flags(tmp_path):
    """Access strings as clang emits them (anonymous unions/structs count as members, `long: 64` padding
    does not, a constant subscript of an array member is part of the access), and `const volatile`
    flags decide reachability with their initial value, as the object engine reads .rodata."""
    from analyzer.kernel.snapshot import bundled_kernels, resolve_kernel
    from analyzer.check.source_check import check_sources
    from analyzer.source.program import parse_source
    src = tmp_path / "paths.bpf.c"
    src.write_text(PATHS_C)
    m = parse_source(str(src), f"-I{PROGS}")
    (p,) = m.programs
    assert sorted((c.core.path, c.core.access_str) for c in p.core_relos) == [
        ("sock->__sk_common.args[3]", "0:0:2:3"),
        ("sock->__sk_common.skc_num", "0:0:1:1:1"),
        ("sock->__sk_common.skc_rcv_saddr", "0:0:0:1:1"),
        ("sock->__sk_common.tail", "0:0:3"),
    ]
    assert {h.name: h.guard_texts() for h in p.helper_calls if h.name != "bpf_probe_read_kernel"} == {
        "bpf_get_current_task_btf": ["verbose(=0)"], "bpf_get_func_ip": ["level(=2)"]}
    if len(bundled_kernels()) < 4:
        pytest.skip("bundled kernel snapshots missing")
    (r,) = check_sources([m], [resolve_kernel("5.10")])
    # task_btf (#158) is behind verbose=0: pruned; get_func_ip (#173) is behind level=2: reached
    assert [(f.code, f.location) for f in r.findings if f.code.startswith("HELPER")] == [
        ("HELPER_UNKNOWN", "paths.bpf.c:27")]
    # the kernel's sock_common has no args/tail: those reads are poisoned; the real fields resolve
    assert sorted(f.location for f in r.findings if f.code == "CORE_RELO_POISONED") == ["paths.bpf.c:23"] * 2


GOTO_C = r"""
#include "common.h"
extern void bpf_rcu_read_lock(void) __ksym __weak;
SEC("tc")
int prog(struct __sk_buff *skb)
{
	{
		if (!bpf_ksym_exists(bpf_rcu_read_lock))
			goto out;
	}
	bpf_rcu_read_lock();
	for (int i = 0; i < 2; i++) {
		if (skb->len > i)
			break;
		if (!bpf_ksym_exists(bpf_rcu_read_lock))
			continue;
		bpf_rcu_read_lock();
	}
	bpf_rcu_read_lock();
out:
	bpf_rcu_read_lock();
	return 0;
}
char _license[] SEC("license") = "GPL";
"""


def test_early_exits_nested_blocks_and_labels(tmp_path):
    """An early exit in a nested block guards the rest of the function; a label can be entered by a
    goto that skipped the guard, so what follows it is unguarded again."""
    from analyzer.source.program import parse_source
    src = tmp_path / "goto.bpf.c"
    src.write_text(GOTO_C)
    (p,) = parse_source(str(src), f"-I{PROGS}").programs
    guard = ["bpf_ksym_exists(bpf_rcu_read_lock)"]
    assert [(k.line, k.guard_texts()) for k in p.kfunc_calls] == [(11, guard), (17, guard), (19, guard), (21, [])]
