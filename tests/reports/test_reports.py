"""Renderers of `check` (html, md, sarif, junit) on real check results of the corpus programs."""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from analyzer.check.engine import Result, check_objects
from analyzer.check.findings import CODES, Finding
from analyzer.kernel.snapshot import bundled_kernels, resolve_kernel
from analyzer.objects.model import load_objects
from analyzer.views.artifacts import artifacts
from reports import check_html, check_junit, check_markdown, check_sarif
from tests.support import paths

ROOT = paths.ROOT
PROGS = os.path.join(ROOT, "corpus", "programs")
UNGUARDED = "corpus/programs/tracing/tp_state_unguarded.bpf.o"
SCHEMA = os.path.join(ROOT, "tests", "data", "sarif-2.1.0.json")
HOSTILE = "<script>alert(1)</script>"

needs_kernels = pytest.mark.skipif(len(bundled_kernels()) < 4, reason="bundled kernel snapshots missing")


@pytest.fixture(scope="module")
def kernels():
    return [resolve_kernel(v) for v in ("5.10", "6.1")]


@pytest.fixture(scope="module")
def results(kernels):
    cwd = os.getcwd()
    os.chdir(ROOT)                  # object names relative to the repository, as a CI run has them
    try:
        objs, _ = load_objects([UNGUARDED, "corpus/programs/basic/arena_map.bpf.o"])
        return check_objects(objs, kernels)
    finally:
        os.chdir(cwd)


def unguarded(results, kernel):
    (r,) = [r for r in results if r.object == UNGUARDED and r.kernel == kernel.id]
    return r


def hostile_results():
    k = SimpleNamespace(id="k<1>|x", release="6.1|<b>", arch="x86_64", source="a & b <i>src</i>")
    bad = Result(object="evil|<o>.bpf.o", program=HOSTILE, section="xdp|<s>", prog_type=None,
                 attach_type=None, kernel=k.id, verdict="fails",
                 findings=[Finding("HELPER_UNKNOWN", f"message {HOSTILE} | pipe", location="<x>.c:3",
                                   hint=f"hint {HOSTILE}")])
    unknown = Result(object="evil|<o>.bpf.o", program="maybe", section="tun_rss_steering", prog_type=None,
                     attach_type=None, kernel=k.id, verdict="unknown",
                     findings=[Finding("PROG_TYPE_UNKNOWN", "section 'tun_rss_steering' is unknown")])
    return [bad, unknown], [k]


# ---------------------------------------------------------------------------------------------
# HTML

class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.ids, self.hrefs, self.text = [], set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a":
            self.hrefs.append(a.get("href"))

    def handle_data(self, data):
        self.text.append(data)


@needs_kernels
def test_html_matrix_links_failing_cells_to_findings(results, kernels):
    page = check_html.render(results, kernels)
    p = _Collect()
    p.feed(page)
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags
    assert not re.search(r"(src|href)=\"(https?:)?//", page)        # self-contained: no network
    # every link goes to an anchor on the page; the 5.10 failure of the unguarded program is one
    assert p.hrefs and all(h.startswith(("#f-", "#kf-")) and h[1:] in p.ids for h in p.hrefs)
    r = unguarded(results, kernels[0])
    assert r.verdict == "fails"
    m = re.search(r'<div class="findings fail" id="(f-[0-9-]+)">\s*<h3><span class="mono">'
                  + re.escape(UNGUARDED + ":" + r.program), page)
    assert m and f'href="#{m.group(1)}"' in page
    block = page[m.start():page.index("</div>", m.start())]
    assert "CORE_RELO_POISONED" in block and "tp_state_unguarded.bpf.c:13" in block and "hint:" in block
    # 6.1 loads: a pass mark, no link
    assert unguarded(results, kernels[1]).verdict == "loads"
    assert page.count('class="cell pass"') >= 1
    text = "".join(p.text)
    for k in kernels:
        assert k.release in text and k.arch in text and k.source in text


def test_html_escapes_everything_from_input():
    results, kernels = hostile_results()
    page = check_html.render(results, kernels)
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page and "<o>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    p = _Collect()
    p.feed(page)
    assert "script" not in p.tags
    assert HOSTILE in "".join(p.text)                  # shown as text
    assert 'class="cell unknown"' in page and 'class="cell fail"' in page


# ---------------------------------------------------------------------------------------------
# Markdown

@needs_kernels
def test_markdown_summary_matrix_and_details(results, kernels):
    md = check_markdown.render(results, kernels)
    lines = md.splitlines()
    n = {v: sum(r.verdict == v for r in results) for v in ("loads", "fails", "unknown")}
    assert lines[0] == (f"**bpfstab check:** {n['loads']} load / {n['fails']} fail / {n['unknown']} unknown "
                        f"across 2 kernels ({len(results)} checks)")
    table = [l for l in lines if l.startswith("|")]
    assert len(table) == 2 + 2                        # header, rule, two programs
    assert all(l.count("|") == 2 + len(kernels) for l in table)
    row = next(l for l in table if "tp\\_state\\_unguarded" in l)
    assert row.split("|")[2].strip() == check_markdown.MD_MARK["fail"]
    assert row.split("|")[3].strip() == check_markdown.MD_MARK["pass"]
    assert md.count("<details>") == md.count("</details>") == 2     # both programs fail somewhere
    assert "CORE\\_RELO\\_POISONED" in md and "tp\\_state\\_unguarded.bpf.c:13" in md


def test_markdown_escapes_pipes_and_html():
    results, kernels = hostile_results()
    md = check_markdown.render(results, kernels)
    assert "<script>" not in md and "<b>" not in md and "<o>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    table = [l for l in md.splitlines() if l.startswith("|")]
    # escaped pipes do not add columns
    assert all(len(re.split(r"(?<!\\)\|", l)) == 2 + 1 + len(kernels) for l in table)
    assert "evil\\|&lt;o&gt;.bpf.o" in md


# ---------------------------------------------------------------------------------------------
# SARIF

def _sarif(results, kernels):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return json.loads(check_sarif.render(results, kernels, artifacts=artifacts(results)))
    finally:
        os.chdir(cwd)


@needs_kernels
def test_sarif_rules_results_and_source_location(results, kernels):
    doc = _sarif(results, kernels)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "bpfstab"
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    reported = {f.code for r in results for f in r.findings if f.severity in ("error", "warning", "unknown")}
    assert set(ids) == reported == {res["ruleId"] for res in run["results"]}
    for rule in rules:
        assert rule["fullDescription"]["text"] == CODES[rule["id"]][2] == rule["help"]["text"]
        assert rule["properties"]["consequence"] == CODES[rule["id"]][1]
        assert rule["shortDescription"]["text"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
    core = [res for res in run["results"] if res["ruleId"] == "CORE_RELO_POISONED"]
    assert len(core) == 1
    (loc,) = core[0]["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "corpus/programs/tracing/tp_state_unguarded.bpf.c"
    assert loc["physicalLocation"]["region"]["startLine"] == 13
    assert core[0]["level"] == "error"
    assert "on_switch" in core[0]["message"]["text"] and kernels[0].id in core[0]["message"]["text"]
    # a finding without a location points at the object
    arena = next(res for res in run["results"] if res["ruleId"] == "MAP_TYPE_MISSING")
    assert arena["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "corpus/programs/basic/arena_map.bpf.o"
    assert "region" not in arena["locations"][0]["physicalLocation"]


def _validate(doc):
    jsonschema = pytest.importorskip("jsonschema")
    with open(SCHEMA) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    cls(schema).validate(doc)
    return cls(schema)


@needs_kernels
def test_sarif_validates_against_the_2_1_0_schema(results, kernels):
    validator = _validate(_sarif(results, kernels))
    # the schema is strict enough to reject a broken log
    broken = _sarif(results, kernels)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator.is_valid(broken)


def test_sarif_of_hostile_input_validates():
    results, kernels = hostile_results()
    doc = json.loads(check_sarif.render(results, kernels, artifacts=artifacts(results)))
    _validate(doc)
    levels = sorted(r["level"] for r in doc["runs"][0]["results"])
    assert levels == ["error", "note"]


# ---------------------------------------------------------------------------------------------
# JUnit

@needs_kernels
def test_junit_suite_per_kernel_and_failures(results, kernels):
    root = ET.fromstring(check_junit.render(results, kernels))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [k.id for k in kernels]
    for s, k in zip(suites, kernels):
        mine = [r for r in results if r.kernel == k.id]
        cases = s.findall("testcase")
        assert len(cases) == int(s.get("tests")) == len(mine)
        assert len(s.findall("testcase/failure")) == int(s.get("failures")) == \
            sum(r.verdict == "fails" for r in mine)
        props = {p.get("name"): p.get("value") for p in s.findall("properties/property")}
        assert props == {"release": k.release, "arch": k.arch, "source": k.source}
    assert int(root.get("failures")) == sum(r.verdict == "fails" for r in results)
    case = suites[0].find(f"testcase[@classname='{UNGUARDED}'][@name='on_switch']")
    fail = case.find("failure")
    assert fail.get("type") == "CORE_RELO_POISONED" and "tp_state_unguarded.bpf.c:13" in fail.text
    assert suites[1].find(f"testcase[@classname='{UNGUARDED}'][@name='on_switch']/failure") is None


def test_junit_unknown_is_skipped_and_hostile_text_parses():
    results, kernels = hostile_results()
    root = ET.fromstring(check_junit.render(results, kernels))
    (suite,) = root.findall("testsuite")
    assert suite.get("skipped") == "1" and suite.get("failures") == "1"
    skipped = suite.find("testcase[@name='maybe']/skipped")
    assert "PROG_TYPE_UNKNOWN" in skipped.get("message")
    fail = suite.find("testcase/failure")
    assert suite.find("testcase/failure/..").get("name") == HOSTILE and HOSTILE in fail.text


# ---------------------------------------------------------------------------------------------
# CLI

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "analyzer", "check", *args, "-q"], cwd=ROOT,
                          capture_output=True, text=True)


@needs_kernels
@pytest.mark.parametrize("fmt", ["html", "md", "sarif", "junit"])
def test_cli_formats_write_file_and_keep_exit_codes(fmt, tmp_path):
    out = tmp_path / f"report.{fmt}"
    p = _cli(UNGUARDED, "-k", "5.10", "-k", "6.1", "--format", fmt, "-o", str(out))
    assert p.returncode == 1, p.stderr                 # fails on 5.10
    assert p.stdout == ""
    text = out.read_text()
    assert "on_switch" in text.replace("\\_", "_")
    if fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and 'href="#f-' in text
    elif fmt == "sarif":
        assert json.loads(text)["version"] == "2.1.0"
    elif fmt == "junit":
        assert ET.fromstring(text).get("failures") == "1"
    p = _cli(UNGUARDED, "-k", "5.10", "--format", fmt, "--fail-on", "never", "-o", str(out))
    assert p.returncode == 0, p.stderr
    p = _cli(UNGUARDED, "-k", "6.1", "--format", fmt)
    assert p.returncode == 0, p.stderr                 # loads on 6.1; report on stdout
    if fmt == "sarif":
        assert json.loads(p.stdout)["runs"][0]["results"] == []
    else:
        assert "on_switch" in p.stdout.replace("\\_", "_")
