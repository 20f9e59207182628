"""The kfunc audit (analyzer/audit.py, `bpfstab audit`) on corpus programs over the bundled kernels,
and its text/json/md/html renderers."""
import copy
import json
import os
import subprocess
import sys

import pytest

from analyzer.views.audit import SCHEMA, audit
from analyzer.check.engine import check_objects
from analyzer.kernel.snapshot import bundled_kernels, resolve_kernel
from analyzer.objects.model import load_objects
from reports import audit_html, audit_json, audit_markdown, audit_text
from tests.support import paths

ROOT = paths.ROOT
PROGS = os.path.join(ROOT, "corpus", "programs")
OBJECTS = [os.path.join(PROGS, "kfuncs", n) for n in (
    "task_from_pid_weak_guarded.bpf.o", "task_from_pid_weak_unguarded.bpf.o", "task_acquire_strong.bpf.o",
    "vanished_test_kfunc.bpf.o", "dynptr_skb_tc.bpf.o", "dynptr_skb_nongpl.bpf.o")]

pytestmark = pytest.mark.skipif(len(bundled_kernels()) < 4, reason="bundled kernel snapshots missing")


@pytest.fixture(scope="module")
def kernels():
    return [resolve_kernel(v) for v in ("7.2", "5.10", "6.12", "6.1")]      # audit sorts them


@pytest.fixture(scope="module")
def objects():
    return load_objects(OBJECTS)[0]


@pytest.fixture(scope="module")
def doc(objects, kernels):
    return audit(objects, kernels)


def row(doc, name):
    return next(r for r in doc["kfuncs"] if r["name"] == name)


def test_ranking_and_counts(doc, objects):
    assert doc["schema"] == SCHEMA
    assert [k["release"][:4] for k in doc["kernels"]] == ["5.10", "6.1.", "6.12", "7.2."]
    keys = [(-r["package_count"], -r["program_count"], r["name"]) for r in doc["kfuncs"]]
    assert keys == sorted(keys) and [r["rank"] for r in doc["kfuncs"]] == list(range(1, len(keys) + 1))
    # every kfunc an object calls or tests, counted per program like inspect lists them
    expected = {}
    for o in objects:
        for p in o.programs:
            for k in p.kfunc_calls:
                expected.setdefault(o.extern(k.name).essential_name, set()).add((o.name, p.name))
    for name, users in expected.items():
        r = row(doc, name)
        assert r["program_count"] == len(users)
        assert {(u["object"], u["program"]) for u in r["users"]} == users
    assert row(doc, "bpf_task_release")["package_count"] == 3
    assert doc["totals"]["programs"] == sum(len(o.programs) for o in objects)


def test_history(doc, kernels):
    ids = {k.release[:4]: k.id for k in kernels}
    r = row(doc, "bpf_kfunc_call_test1")
    assert r["added_in"] == ids["6.1."] and r["removed_in"] == ids["6.12"]
    assert [c["change"] for c in r["changes"] if c["change"] != "hooks"] == ["added", "removed"]
    r = row(doc, "bpf_dynptr_slice")
    assert r["added_in"] == ids["6.12"] and r["removed_in"] is None
    (proto,) = [c for c in r["changes"] if c["change"] == "prototype"]
    assert proto["from"] == ids["6.12"] and proto["to"] == ids["7.2."] and proto["breaking"] is False
    assert r["per_kernel"][ids["6.12"]]["proto"] != r["per_kernel"][ids["7.2."]]["proto"]
    assert r["per_kernel"][ids["5.10"]]["proto"] is None


def test_guards_come_from_check(doc, objects, kernels):
    r = row(doc, "bpf_task_from_pid")
    by = {os.path.basename(u["object"]): u for u in r["users"]}
    g, u = by["task_from_pid_weak_guarded.bpf.o"], by["task_from_pid_weak_unguarded.bpf.o"]
    assert g["weak"] and g["guarded"] is True and g["guard_source"] == "check" and g["unguarded_on"] == []
    assert u["weak"] and u["guarded"] is False and u["guard_source"] == "check"
    # unguarded exactly on the kernels where check finds the weak call reachable
    obj = next(o for o in objects if o.name.endswith("task_from_pid_weak_unguarded.bpf.o"))
    reach = sorted(res.kernel for res in check_objects([obj], kernels)
                   if any(f.code == "KFUNC_WEAK_CALL_REACHABLE" and "bpf_task_from_pid" in f.message
                          for f in res.findings))
    assert u["unguarded_on"] == reach and len(reach) == 2
    assert r["calls"] == {"strong": 0, "weak_guarded": 1, "weak_unguarded": 1}
    assert row(doc, "bpf_task_acquire")["calls"]["strong"] == 1


def test_hook_changes_from_kernel_facts(objects):
    from analyzer.kernel.facts import KernelFacts
    old, new = resolve_kernel("6.12"), resolve_kernel("7.2")      # fresh copies: facts set here only
    old.set_facts(KernelFacts(origin="source", kfunc_prog_types={
        "bpf_task_acquire": ["BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_TRACING"]}))
    new.set_facts(KernelFacts(origin="source", kfunc_prog_types={"bpf_task_acquire": ["BPF_PROG_TYPE_TRACING"]}))
    d = audit(objects, [old, new])
    r = row(d, "bpf_task_acquire")
    assert r["per_kernel"][old.id]["hooks"] == ["BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_TRACING"]
    (h,) = [c for c in r["changes"] if c["change"] == "hooks"]
    assert h["breaking"] is True and "lsm" in h["detail"]          # from analyzer.views.diff's timeline
    assert "callable from tracing [source]" in audit_text.render(d)
    assert "hooks" in audit_html.render(d) and "callable from" in audit_markdown.render(d)
    assert not [c for c in row(d, "bpf_task_release")["changes"] if c["change"] == "hooks"]


def test_renderers(doc):
    assert json.loads(audit_json.render(doc)) == json.loads(json.dumps(doc))
    text = audit_text.render(doc)
    md = audit_markdown.render(doc)
    html = audit_html.render(doc)
    for r in doc["kfuncs"]:
        assert r["name"] in text and f"`{r['name']}`" in md and r["name"] in html
    assert "removed in 6.12" in text
    assert "http://" not in html and "https://" not in html and " src=" not in html


def test_renderers_escape_input(doc):
    evil = copy.deepcopy(doc)
    evil["kfuncs"][0]["users"][0]["object"] = "<script>alert(1)</script>|*x*"
    evil["kfuncs"][0]["prog_types"] = ["<b>bold</b>"]
    html = audit_html.render(evil)
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "<b>bold" not in html
    md = audit_markdown.render(evil)
    assert "<script>" not in md and "<b>" not in md


def test_markdown_table_keeps_kfunc_names_and_protos_in_code_spans(doc):
    evil = copy.deepcopy(doc)
    r = evil["kfuncs"][0]
    r["name"] = "bpf_x`<img src=x onerror=alert(1)>`|y\n[z](javascript:alert(1))"
    for pk in r["per_kernel"].values():
        if pk["proto"]:
            pk["proto"] = "int f(`<a href=javascript:alert(1)>x</a>`|\n)"
    md = audit_markdown.render(evil)
    (line,) = [l for l in md.splitlines() if l.startswith("| 1 |")]
    assert line.count(" | ") == 8              # still nine cells: no pipe broke out
    span = "`bpf_x'<img src=x onerror=alert(1)>'\\|y\\n[z](javascript:alert(1))`"
    assert span in line
    rest = md.replace(span, "").replace("`int f('<a href=javascript:alert(1)>x</a>'\\|\\n)`", "")
    assert "<a href" not in rest and "<img" not in rest     # outside code spans nothing is markup


def test_cli_bad_input(tmp_path):
    bad = tmp_path / "x.bpf.o"
    bad.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(9) + (1).to_bytes(2, "little") + (247).to_bytes(2, "little"))
    r = subprocess.run([sys.executable, "-m", "analyzer.cli.main", "audit", str(bad), "-k", "6.1", "-q"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and str(bad) in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
