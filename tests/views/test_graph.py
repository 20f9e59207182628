"""The dependency graph (analyzer/graph.py, `bpfstab deps`): every node and edge type on corpus
programs over the bundled kernels, serialisations, determinism, who-uses."""
import json
import os
import subprocess
import sys

import networkx as nx
import pytest

from analyzer.check.engine import check_objects
from analyzer.views.graph import NODE_TYPES, RELATIONS, build_graph, node_id, package_of, who_uses
from analyzer.kernel.snapshot import bundled_kernels, resolve_kernel
from reports.deps_graph import to_dot, to_graphml, to_json
from analyzer.objects.model import load_objects
from tests.support import paths

ROOT = paths.ROOT
PROGS = os.path.join(ROOT, "corpus", "programs")
# corpus programs covering every node type; the corpus has no __kconfig or __ksym variable extern,
# so tests/data/objects/kitchen.bpf.o (LINUX_KERNEL_VERSION, CONFIG_HZ, bpf_prog_active) covers those
OBJECTS = [os.path.join(PROGS, p) for p in (
    "tracing/fentry_do_unlinkat.bpf.o", "tracing/core_guards.bpf.o", "tracing/tp_state_unguarded.bpf.o",
    "tracing/tp_state_guarded.bpf.o", "kfuncs/task_from_pid_weak_guarded.bpf.o",
    "kfuncs/vanished_test_kfunc.bpf.o", "sched_ext/scx_newapi.bpf.o", "basic/xdp_array_ringbuf.bpf.o",
)] + [os.path.join(ROOT, "tests", "data", "objects", "kitchen.bpf.o")]

pytestmark = pytest.mark.skipif(len(bundled_kernels()) < 4, reason="bundled kernel snapshots missing")


@pytest.fixture(scope="module")
def kernels():
    return {v: resolve_kernel(v) for v in ("5.10", "6.1", "6.12", "7.2")}


@pytest.fixture(scope="module")
def objects():
    objs, _ = load_objects(OBJECTS)
    return objs


@pytest.fixture(scope="module")
def graph(objects, kernels):
    return build_graph(objects, list(kernels.values()))


def prog(path, name):
    return node_id("program", f"{os.path.join(PROGS, path)}:{name}")


def edge(g, u, v, key):
    assert g.has_edge(u, v, key), f"missing {key} edge {u} -> {v}"
    return g.edges[u, v, key]


def test_every_node_type_and_relation_occurs(graph):
    types = {a["type"] for _, a in graph.nodes(data=True)}
    assert types == set(NODE_TYPES)
    rels = {a["relation"] for _, _, a in graph.edges(data=True)}
    assert rels == set(RELATIONS)
    for u, v, k in graph.edges(keys=True):
        assert k.split(":")[0] == graph.edges[u, v, k]["relation"]


def test_package_object_program_map(graph):
    path = os.path.join(PROGS, "basic/xdp_array_ringbuf.bpf.o")
    pkg, kind = package_of(path)
    assert (pkg, kind) == (path, "file")
    assert package_of("/x/libbpf-tools_0.37.0+ds-8_amd64.deb:usr/sbin/biosnoop#biosnoop") == ("libbpf-tools", "deb")
    edge(graph, node_id("package", pkg), node_id("object", path), "contains")
    p = prog("basic/xdp_array_ringbuf.bpf.o", "xdp_count_pass")
    edge(graph, node_id("object", path), p, "contains")
    maps = [v for _, v, k in graph.out_edges(node_id("object", path), keys=True) if k == "defines"]
    assert maps and all(graph.nodes[m]["type"] == "map" for m in maps)
    used = [v for _, v, k in graph.out_edges(p, keys=True) if k == "requires" and graph.nodes[v]["type"] == "map"]
    assert used and set(used) <= set(maps)
    a = edge(graph, p, node_id("helper", "bpf_map_lookup_elem"), "requires")
    assert a["how"] == ["call"] and a["reloc"] == ["helper"] and a["lines"]
    assert graph.nodes[p]["prog_type"] == "xdp"


def test_weak_guarded_kfunc_requirement_and_provides(graph, kernels):
    p = prog("kfuncs/task_from_pid_weak_guarded.bpf.o", "on_fork")
    a = edge(graph, p, node_id("kfunc", "bpf_task_from_pid"), "requires")
    assert a["weak"] is True and a["guarded"] is True
    assert "call" in a["how"] and "ksym_exists" in a["how"] and "kfunc" in a["reloc"] and a["lines"]
    new, old = kernels["6.12"], kernels["6.1"]
    pa = edge(graph, node_id("kernel", new.id), node_id("kfunc", "bpf_task_from_pid"), "provides")
    assert pa["c"] == new.kfuncs["bpf_task_from_pid"].proto
    assert pa["flags"] == new.kfuncs["bpf_task_from_pid"].flag_names
    assert not graph.has_edge(node_id("kernel", old.id), node_id("kfunc", "bpf_task_from_pid"))


def test_prog_type_attach_type_target_and_changed_target(graph, kernels):
    p = prog("tracing/fentry_do_unlinkat.bpf.o", "unlink_entry")
    edge(graph, p, node_id("prog_type", "BPF_PROG_TYPE_TRACING"), "requires")
    edge(graph, p, node_id("attach_type", "BPF_TRACE_FENTRY"), "requires")
    t = node_id("attach_target", "function do_unlinkat")
    edge(graph, p, t, "requires")
    for v in ("5.10", "6.1", "6.12"):
        edge(graph, node_id("kernel", kernels[v].id), t, "provides")
    assert not graph.has_edge(node_id("kernel", kernels["7.2"].id), t)
    c = edge(graph, t, node_id("kernel", kernels["7.2"].id), f"changed:{kernels['6.12'].id}:disappeared")
    assert c["breaking"] is True and c["source"] == "resolution"
    # the same fact check reports
    objs, _ = load_objects([os.path.join(PROGS, "tracing/fentry_do_unlinkat.bpf.o")])
    r = [x for x in check_objects(objs, [kernels["7.2"]]) if x.program == "unlink_entry"][0]
    assert "ATTACH_TARGET_MISSING" in {f.code for f in r.findings}


def test_kfunc_removed_is_a_diff_change(graph, kernels):
    k = node_id("kfunc", "bpf_kfunc_call_test1")
    edge(graph, prog("kfuncs/vanished_test_kfunc.bpf.o", "tc_test_kfunc"), k, "requires")
    c = edge(graph, k, node_id("kernel", kernels["6.12"].id), f"changed:{kernels['6.1'].id}:removed")
    assert c["breaking"] is True and c["source"] == "diff" and c["old"]
    added = edge(graph, k, node_id("kernel", kernels["6.1"].id), f"changed:{kernels['5.10'].id}:added")
    assert added["breaking"] is False


def test_core_field_type_enumval(graph, kernels):
    f = node_id("core_field", "task_struct.__state")
    a = edge(graph, prog("tracing/tp_state_unguarded.bpf.o", "on_switch"), f, "requires")
    assert a["how"] == ["relocation"] and a["reloc"] == ["field_byte_offset"] and a["guarded"] is False
    edge(graph, f, node_id("core_type", "struct task_struct"), "member_of")
    assert not graph.has_edge(node_id("kernel", kernels["5.10"].id), f)
    edge(graph, node_id("kernel", kernels["6.1"].id), f, "provides")
    edge(graph, f, node_id("kernel", kernels["6.1"].id), f"changed:{kernels['5.10'].id}:appeared")
    # the renamed field (state -> __state in 5.14): the flavored task_struct___pre514.state is the old one
    old = node_id("core_field", "task_struct.state")
    edge(graph, old, node_id("kernel", kernels["6.1"].id), f"changed:{kernels['5.10'].id}:disappeared")
    g = prog("tracing/core_guards.bpf.o", "on_fork")
    e = edge(graph, g, node_id("core_enumval", "enum bpf_func_id::BPF_FUNC_loop"), "requires")
    assert "exists_check" in e["how"]
    edge(graph, g, node_id("core_type", "struct bpf_wq"), "requires")
    edge(graph, node_id("core_enumval", "enum bpf_func_id::BPF_FUNC_loop"), node_id("core_type", "enum bpf_func_id"),
         "member_of")


def test_struct_ops_kconfig_ksym(graph, kernels):
    obj = node_id("object", os.path.join(PROGS, "sched_ext/scx_newapi.bpf.o"))
    edge(graph, obj, node_id("struct_ops", "sched_ext_ops"), "requires")
    m = node_id("struct_ops_member", "sched_ext_ops.dispatch")
    edge(graph, obj, m, "requires")
    edge(graph, m, node_id("struct_ops", "sched_ext_ops"), "member_of")
    pa = edge(graph, node_id("kernel", kernels["7.2"].id), m, "provides")
    assert "dispatch" in pa["c"]
    assert not graph.has_edge(node_id("kernel", kernels["6.12"].id), node_id("struct_ops", "sched_ext_ops"))
    edge(graph, node_id("struct_ops", "sched_ext_ops"), node_id("kernel", kernels["7.2"].id),
         f"changed:{kernels['6.12'].id}:added")
    kitchen = os.path.join(ROOT, "tests", "data", "objects", "kitchen.bpf.o")
    users = [u for u, _, k in graph.in_edges(node_id("kconfig", "LINUX_KERNEL_VERSION"), keys=True) if k == "requires"]
    assert users and all(graph.nodes[u]["object"] == kitchen for u in users)
    pa = edge(graph, node_id("kernel", kernels["6.1"].id), node_id("kconfig", "LINUX_KERNEL_VERSION"), "provides")
    assert int(pa["value"]) >> 16 == 6
    assert graph.nodes[node_id("ksym", "bpf_prog_active")]["type"] == "ksym"


def test_serialisations_are_deterministic_and_readable(objects, kernels, graph):
    again = build_graph(list(reversed(objects)), list(reversed(list(kernels.values()))))
    for fn in (to_json, to_graphml, to_dot):
        assert fn(graph) == fn(again)
    data = json.loads(to_json(graph))
    back = nx.node_link_graph(data, edges="edges")
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    gm = nx.parse_graphml(to_graphml(graph))
    assert gm.number_of_nodes() == graph.number_of_nodes()
    assert gm.number_of_edges() == graph.number_of_edges()
    dot = to_dot(graph)
    assert dot.startswith("digraph bpfstab_deps {") and dot.rstrip().endswith("}")
    edge_lines = [ln for ln in dot.splitlines() if ln.startswith('  "') and '" -> "' in ln.split(" [", 1)[0]]
    assert len(edge_lines) == graph.number_of_edges()


def test_who_uses(graph):
    rows = who_uses(graph, "task_struct->__state")
    assert {(os.path.basename(r["object"]), r["program"]) for r in rows if r["object"].startswith(PROGS)} == {
        ("tp_state_unguarded.bpf.o", "on_switch"), ("tp_state_guarded.bpf.o", "on_switch")}
    ung = [r for r in rows if "unguarded" in r["object"]][0]
    assert ung["how"] == ["relocation"] and ung["guarded"] is False
    via = who_uses(graph, "task_struct")
    assert {r["via"] for r in via} >= {"task_struct.__state", "task_struct.pid"}
    h = who_uses(graph, "map_lookup_elem")
    assert h and {r["item"] for r in h} == {"bpf_map_lookup_elem"}
    assert who_uses(graph, "no_such_thing_anywhere") == []


def run(*args):
    return subprocess.run([sys.executable, "-m", "analyzer.cli.main", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli(tmp_path, kernels):
    obj = os.path.join(PROGS, "kfuncs/task_from_pid_weak_guarded.bpf.o")
    out = tmp_path / "a.dot"
    r = run("deps", obj, "-k", "6.1", "--format", "dot", "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    objs, _ = load_objects([obj])
    assert out.read_text() == to_dot(build_graph(objs, [kernels["6.1"]]))     # same bytes in another process
    r = run("deps", "--who-uses", "bpf_task_from_pid", obj, "-k", "6.1", "--format", "json", "-q")
    assert r.returncode == 0
    doc = json.loads(r.stdout)
    # guarded as check decides it on 6.1, which lacks the kfunc (the local pattern misses the '||' guard)
    assert doc["uses"][0]["program"] == "on_fork" and doc["uses"][0]["guarded"] is True
    assert doc["uses"][0]["guard_source"] == "check"
    # without kernels only the local pattern can answer
    rows = who_uses(build_graph(objs), "bpf_task_from_pid")
    assert rows[0]["guard_source"] == "pattern" and rows[0]["guarded"] is False
    r = run("deps", "--who-uses", "x", obj, "--format", "graphml", "-q")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    r = run("deps", str(tmp_path / "missing.o"), "-q")
    assert r.returncode == 2 and "missing.o" in r.stderr and "Traceback" not in r.stderr
