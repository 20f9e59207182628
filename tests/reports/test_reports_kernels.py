"""Renderers of `kfuncs`, `diff` and `timeline` (text, md, html) on the bundled kernel snapshots, and
the commands' --format/-o/--hook through the real command line."""
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from analyzer.kernel import snapshot as kernels
from analyzer.cli.commands.kfuncs import kfuncs_document
from analyzer.views.diff import diff_json, diff_kernels, timeline
from analyzer.kernel.facts import ALL_PROG_TYPES, KernelFacts
from reports import (diff_html, diff_markdown, diff_text, kfuncs_html, kfuncs_markdown, kfuncs_text,
                     timeline_html, timeline_markdown, timeline_text)
from tests.support import paths

ROOT = paths.ROOT
HOSTILE = "<script>alert(1)</script>"
pytestmark = pytest.mark.skipif(len(kernels.bundled_kernels()) < 4, reason="needs the 4 bundled kernel snapshots")


def fresh(version):
    """A snapshot object of our own (facts attached to it do not leak into the shared cache), without
    the kernel facts a bundled snapshot may carry: each test attaches the facts it means."""
    snap = kernels.load_snapshot(kernels.resolve_kernel(version).path)
    snap.drop_facts()
    return snap


class Page(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.tags, self.ids, self.hrefs, self.text, self.rows = [], set(), [], [], 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            assert a["id"] not in self.ids, f"duplicate id {a['id']}"
            self.ids.add(a["id"])
        if tag == "a":
            self.hrefs.append(a.get("href"))
        if tag == "tr":
            self.rows += 1

    def handle_data(self, data):
        self.text.append(data)


def self_contained(page):
    p = Page(page)
    assert page.startswith("<!DOCTYPE html>")
    assert not {"script", "link", "img", "iframe", "object"} & set(p.tags)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert all(h.startswith("#") and h[1:] in p.ids for h in p.hrefs)     # every link lands on the page
    return p


def outside_code(md):
    """Markdown with inline code spans removed: their content is shown literally, never as HTML."""
    return re.sub(r"`[^`\n]*`", "``", md)


def md_table_ok(md):
    """Every Markdown table row has as many cells as its header (escaped pipes do not split)."""
    width = None
    for line in md.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        n = len(re.split(r"(?<!\\)\|", line))
        if width is None:
            width = n
        assert n == width, line


# ------------------------------------------------------------------------------ diff
@pytest.fixture(scope="module")
def diff_doc():
    old, new = kernels.resolve_kernel("6.12"), kernels.resolve_kernel("7.2")
    return diff_json(old, new, diff_kernels(old, new, {"kfunc", "struct_ops"}))


def test_diff_renderers(diff_doc):
    changes = diff_doc["changes"]
    nbreak = sum(c["breaking"] for c in changes)
    assert nbreak >= 6
    text = diff_text.render(diff_doc)
    assert text.splitlines()[0].endswith(f"{len(changes)} changes, {nbreak} breaking")
    assert "[BREAKING] prototype      bpf_session_cookie" in text
    assert "      + __u64 *bpf_session_cookie(void *ctx)" in text

    md = diff_markdown.render(diff_doc, limit=None)
    md_table_ok(md)
    lines = md.splitlines()
    assert lines[0].startswith("**bpfstab diff:**") and lines[0].endswith(f"{nbreak} breaking")
    # the breaking changes come before anything folded, every change is inside a <details>
    first_fold = md.index("<details>")
    assert md.index("bpf\\_session\\_cookie") < first_fold
    assert md.count("<details>") == md.count("</details>") == 2          # kfuncs, struct_ops
    assert "| bpf\\_session\\_cookie | prototype | yes | `__u64 *bpf_session_cookie(void)` |" in md
    assert "| sched\\_ext\\_ops | added | no |" in md

    page = diff_html.render(diff_doc)
    p = self_contained(page)
    assert {"kind-kfunc", "kind-struct_ops"} <= p.ids
    text = "".join(p.text)
    assert "__u64 *bpf_session_cookie(void *ctx)" in text
    assert page.count('class="cell breaking"') == nbreak
    assert p.rows == 1 + 2 + 2 * 1 + len(changes) + 3          # counts, per-kind headers, changes, kernels
    for side in ("old", "new"):
        assert diff_doc[side]["source"] in text


def test_diff_renderers_escape_hostile_names():
    k = {"id": "k<1>", "release": "6.1|<b>", "arch": "x86_64", "source": "a & b <i>src</i>"}
    doc = {"schema": "bpfstab.diff/1", "old": k, "new": dict(k, id="k2"),
           "changes": [{"kind": "kfunc", "name": HOSTILE + "|x", "change": "prototype", "breaking": True,
                        "old": f"int {HOSTILE}(int a)", "new": "int f(`x` | y)", "detail": "<b>bold</b> | pipe"}]}
    page = diff_html.render(doc)
    p = self_contained(page)
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert HOSTILE + "|x" in "".join(p.text)
    md = diff_markdown.render(doc)
    md_table_ok(md)
    assert "<script>" not in outside_code(md) and "<b>" not in outside_code(md)
    assert f"`int {HOSTILE}(int a)`" in md                      # literal inside a code span


# ------------------------------------------------------------------------------ timeline
@pytest.fixture(scope="module")
def timeline_doc():
    return timeline([kernels.resolve_kernel(v) for v in ("7.2", "6.1", "6.12")])


def test_timeline_renderers(timeline_doc):
    doc = timeline_doc
    assert [k["release"][:4] for k in doc["kernels"]] == ["6.1.", "6.12", "7.2."]
    text = timeline_text.render(doc)
    assert "bpf_session_cookie: 6.12.107+deb13-amd64 .. 7.2.13+deb14-amd64 (in 2/3)" in text

    md = timeline_markdown.render(doc)
    md_table_ok(md)
    steps = [l for l in md.splitlines() if l.startswith("| 6.")]
    assert len(steps) == 2
    # the step counts add up to the per-kfunc changes (a rename counted once, not under both names)
    per_step = {}
    seen = set()
    for e in doc["kfuncs"]:
        for s in e["changes"]:
            key = (s["from"], s.get("renamed_from") or e["name"], s["change"])
            if key not in seen:
                seen.add(key)
                per_step[s["from"]] = per_step.get(s["from"], 0) + 1
    counts = [sum(int(n) for n in re.findall(r"[a-z]+ (\d+)", l.split("|")[2])) for l in steps]
    assert counts == [per_step[k["id"]] for k in doc["kernels"][:2]]
    assert md.index("<details>") > md.index(steps[-1])

    page = timeline_html.render(doc)
    p = self_contained(page)
    row = re.search(r'<tr><th scope="row" class="mono">bpf_session_cookie</th>(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td class="cell (\w+)">(?:<a href="#(t-\d+)">)?([^<]*)', row)
    assert [(c[0], c[2].split(",")[0]) for c in cells] == [("absent", "\u2013"), ("changed", "added"),
                                                           ("breaking", "prototype")]
    anchor = cells[1][1]
    assert anchor == cells[2][1] and anchor in p.ids
    block = page[page.index(f'id="{anchor}"'):]
    block = block[:block.index("</div>")]
    assert "__u64 *bpf_session_cookie(void *ctx)" in block and "BREAKING" in block
    # a rename shows on both names
    assert re.search(r"cgroup_rstat_flush</th>.*?breaking\"><a href=\"#t-\d+\">renamed to<", page, re.S)
    assert re.search(r"css_rstat_flush</th>.*?<a href=\"#t-\d+\">renamed from<", page, re.S)


def test_timeline_one_kfunc_and_hostile_name():
    doc = timeline([kernels.resolve_kernel("6.1"), kernels.resolve_kernel("6.12")], "bpf_task_acquire")
    assert len(doc["kfuncs"]) == 1
    page = timeline_html.render(doc)
    self_contained(page)
    doc["kfuncs"][0]["name"] = HOSTILE
    page = timeline_html.render(doc)
    assert "<script>" not in page and HOSTILE in "".join(Page(page).text)
    md = timeline_markdown.render(doc)
    assert "<script>" not in outside_code(md) and "&lt;script&gt;" in md


# ------------------------------------------------------------------------------ kfuncs
def test_kfuncs_without_facts_say_unknown():
    snap = fresh("6.12")
    doc = kfuncs_document(snap)
    assert doc["hooks_known"] is False and doc["facts"] == []
    assert all(r["hooks"] is None and r["hooks_origin"] is None for r in doc["kfuncs"])
    assert "hooks: unknown" in kfuncs_text.render(doc)
    page = kfuncs_html.render(doc)
    self_contained(page)
    assert page.count('<td class="unknown">unknown</td>') == doc["count"]
    doc = kfuncs_document(snap, hook="xdp")
    assert doc["hook"] == {"query": "xdp", "prog_type": "BPF_PROG_TYPE_XDP", "may_call": 0,
                           "unknown": doc["count"], "excluded": 0}
    assert all(r["hook_allowed"] is None for r in doc["kfuncs"])


def with_facts(snap):
    snap.set_facts(KernelFacts("source", detail="linux-source-6.12 (test)", kfunc_prog_types={
        "bpf_dynptr_from_xdp": ["BPF_PROG_TYPE_XDP"],
        "bpf_dynptr_from_skb": ["BPF_PROG_TYPE_SCHED_ACT", "BPF_PROG_TYPE_SCHED_CLS", "BPF_PROG_TYPE_XDP"],
        "bpf_task_acquire": ["BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_TRACING"],
        "bpf_rcu_read_lock": [ALL_PROG_TYPES]}))
    return snap


def test_kfuncs_hook_filter_and_program_types_column():
    snap = with_facts(fresh("6.12"))
    full = kfuncs_document(snap)
    assert full["hooks_known"] is True and full["facts"][0]["detail"] == "linux-source-6.12 (test)"
    by = {r["name"]: r for r in full["kfuncs"]}
    assert by["bpf_task_acquire"]["hooks"] == ["BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_TRACING"]
    assert by["bpf_task_acquire"]["hooks_origin"] == "source"
    assert by["bpf_cgroup_acquire"]["hooks"] is None

    doc = kfuncs_document(snap, hook="tc")
    names = {r["name"]: r["hook_allowed"] for r in doc["kfuncs"]}
    assert doc["hook"]["prog_type"] == "BPF_PROG_TYPE_SCHED_CLS"
    assert names["bpf_dynptr_from_skb"] is True and names["bpf_rcu_read_lock"] is True
    assert "bpf_dynptr_from_xdp" not in names and "bpf_task_acquire" not in names
    assert names["bpf_cgroup_acquire"] is None                  # no fact: kept, marked unknown
    assert doc["hook"]["may_call"] == 2 and doc["hook"]["excluded"] == 2
    assert doc["hook"]["unknown"] == full["count"] - 4 == doc["count"] - 2
    assert kfuncs_document(snap, hook="BPF_PROG_TYPE_SCHED_CLS")["kfuncs"] == doc["kfuncs"]

    text = kfuncs_text.render(doc)
    assert text.splitlines()[0].endswith(f": {doc['count']} of {full['count']} kfuncs")
    assert "hooks: sched_act, sched_cls, xdp [source]" in text
    assert "hooks: all program types [source]" in text
    assert "--hook tc (BPF_PROG_TYPE_SCHED_CLS): 2 may be called" in text
    md = kfuncs_markdown.render(doc)
    md_table_ok(md)
    assert "| bpf\\_dynptr\\_from\\_skb |" in md and "| sched\\_act, sched\\_cls, xdp |" in md
    page = kfuncs_html.render(doc)
    self_contained(page)
    assert "sched_act, sched_cls, xdp <span class=\"detail\">(source)</span>" in page
    assert "linux-source-6.12 (test)" in page


def test_kfuncs_hostile_fact_and_prototype_escaped():
    snap = fresh("6.1")
    doc = kfuncs_document(snap)
    doc["kfuncs"][0]["proto"] = f"int {HOSTILE}(int | x)"
    doc["kfuncs"][0]["hooks"] = [HOSTILE]
    page = kfuncs_html.render(doc)
    assert "<script>" not in page and HOSTILE in "".join(Page(page).text)
    md = kfuncs_markdown.render(doc)
    md_table_ok(md)
    assert "<script>" not in outside_code(md)
    assert f"`int {HOSTILE}(int \\| x)`" in md


# ------------------------------------------------------------------------------ CLI
def cli(capsys, *args):
    """bpfstab in this process (the snapshots stay loaded): (exit code, stdout, stderr)."""
    from analyzer.cli.main import main
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json"])
def test_cli_format_and_output_file(fmt, tmp_path, capsys):
    out = tmp_path / f"diff.{fmt}"
    code, stdout, err = cli(capsys, "diff", "6.12", "7.2", "--only", "kfuncs", "--format", fmt, "-o", str(out))
    assert code == 0 and stdout == "", err
    text = out.read_text()
    assert "bpf_session_cookie" in text.replace("\\_", "_")
    if fmt == "json":
        assert json.loads(text)["schema"] == "bpfstab.diff/1"
    elif fmt == "html":
        self_contained(text)
    code, stdout, _ = cli(capsys, "timeline", "6.12", "7.2", "--kfunc", "bpf_session_cookie", "--format", fmt)
    assert code == 0 and "bpf_session_cookie" in stdout.replace("\\_", "_")
    code, _, _ = cli(capsys, "kfuncs", "6.1", "--format", fmt, "-o", str(out))
    assert code == 0 and "bpf_key_put" in out.read_text().replace("\\_", "_")


def test_cli_hook_uses_the_snapshots_facts(monkeypatch, capsys):
    snap = with_facts(fresh("6.12"))          # (facts surviving a snapshot file: tests/kernel/test_facts.py)
    monkeypatch.setattr(kernels, "resolve_kernel", lambda spec, quiet=False: snap)
    code, stdout, err = cli(capsys, "kfuncs", "6.12", "--hook", "xdp", "--format", "json")
    assert code == 0, err
    doc = json.loads(stdout)
    allowed = {x["name"] for x in doc["kfuncs"] if x["hook_allowed"]}
    assert allowed == {"bpf_dynptr_from_xdp", "bpf_dynptr_from_skb", "bpf_rcu_read_lock"}


def test_cli_bad_hook_and_output_exit_2():
    def run(*args):
        return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
    r = run("kfuncs", "6.1", "--hook", "nosuchtype")
    assert r.returncode == 2 and r.stdout == "" and len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith("bpfstab: error: nosuchtype: not a program type of kernel")
    r = run("diff", "6.1", "6.12", "--format", "html", "-o", "/nonexistent-dir/x/diff.html")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "diff.html" in r.stderr


def test_markdown_cut_to_a_limit_keeps_summary_and_breaking(diff_doc, timeline_doc):
    full = diff_markdown.render(diff_doc, limit=None)
    md = diff_markdown.render(diff_doc, limit=20000)
    assert len(full) > 20000 >= len(md)
    head, _, note = md.rpartition("\n**Shortened to fit a pull-request comment (20000 characters):** ")
    kept = head.rstrip("\n").removesuffix("</details>").rstrip("\n")
    assert full.startswith(kept)
    left = int(re.search(r"left out the last (\d+) lines", note).group(1))
    assert len(kept.splitlines()) + left == len(full.splitlines())
    assert md.count("<details>") == md.count("</details>")
    for c in diff_doc["changes"]:
        if c["breaking"]:
            assert f"| {c['kind']} | " + c["name"].replace("_", "\\_") + " |" in md
    md_table_ok(md)
    tl = timeline_markdown.render(timeline_doc, limit=5000)
    assert len(tl) <= 5000 and tl.startswith("**bpfstab timeline:**") and "Shortened" in tl
    assert "Shortened" not in timeline_markdown.render(timeline_doc, limit=None)
