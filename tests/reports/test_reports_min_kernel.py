"""`check --min-kernel` in every report format: the renderers take the rows of
analyzer.check.min_kernel.min_kernels and show the oldest loading kernel per program."""
import json
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from analyzer.check.min_kernel import min_kernels
from analyzer.check.engine import check_objects
from analyzer.kernel.snapshot import bundled_kernels, resolve_kernels
from analyzer.objects.model import load_objects
from analyzer.views.artifacts import artifacts
from reports import check_html, check_json, check_junit, check_markdown, check_sarif, check_text
from tests.support import paths

ROOT = paths.ROOT
CORE = "corpus/programs/tracing/tp_state_unguarded.bpf.o"          # fails on 5.10 only
WEAK = "corpus/programs/kfuncs/task_from_pid_weak_unguarded.bpf.o"  # fails on 5.10 and 6.1
pytestmark = pytest.mark.skipif(len(bundled_kernels()) < 4, reason="needs the 4 bundled kernel snapshots")


@pytest.fixture(scope="module")
def checked():
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        kernels = resolve_kernels(["all"])
        objs, _ = load_objects([CORE, WEAK])
        results = check_objects(objs, kernels)
    finally:
        os.chdir(cwd)
    return results, kernels, min_kernels(results, kernels)


def release(kernels, prefix):
    (k,) = [k for k in kernels if k.release.startswith(prefix)]
    return k


def test_min_kernel_rows(checked):
    results, kernels, mk = checked
    by = {m["object"]: m for m in mk}
    assert by[CORE]["min_release"] == release(kernels, "6.1.").release
    assert by[WEAK]["min_release"] == release(kernels, "6.12").release
    assert [o["kernel"] for o in by[WEAK]["older"]] == [release(kernels, v).id for v in ("5.10", "6.1.")]


def test_text_and_markdown_column(checked):
    results, kernels, mk = checked
    text = check_text.render(results, kernels, min_kernel=mk)
    header, _, row1, row2 = text.splitlines()[:4]
    assert header.endswith("  loads from")
    assert row1.startswith(CORE) and row1.endswith("  " + release(kernels, "6.1.").release)
    assert row2.startswith(WEAK) and row2.endswith("  " + release(kernels, "6.12").release)
    assert "loads from" not in check_text.render(results, kernels)

    md = check_markdown.render(results, kernels, mk)
    table = [l for l in md.splitlines() if l.startswith("|")]
    assert table[0].endswith(" loads from |") and all(l.count("|") == 2 + len(kernels) + 1 for l in table)
    assert table[3].endswith(" | " + release(kernels, "6.12").release + " |")
    assert "loads from" not in check_markdown.render(results, kernels)


class _Links(HTMLParser):
    def __init__(self, page):
        super().__init__()
        self.ids, self.hrefs = set(), []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a":
            self.hrefs.append(a["href"])


def test_html_column_and_section_link_to_findings(checked):
    results, kernels, mk = checked
    page = check_html.render(results, kernels, mk)
    p = _Links(page)
    assert all(h[1:] in p.ids for h in p.hrefs)
    assert page.count('<td class="minkernel">') == 2
    assert f'<td class="minkernel">{release(kernels, "6.12").release}</td>' in page
    section = page[page.index('<ul id="min-kernel">'):page.index("</ul>", page.index('<ul id="min-kernel">'))]
    item = re.search(r"<li><span class=\"mono\">" + re.escape(WEAK) + r":on_fork</span>(.*?)</li>", section, re.S)
    links = re.findall(r'<a href="#(f-\d+-\d+)">([^<]+)</a> \(fails: ([A-Z_, ]+)\)', item.group(1))
    assert [l[1] for l in links] == [release(kernels, "5.10").release, release(kernels, "6.1.").release]
    assert all(l[0] in p.ids and "KFUNC" in l[2] for l in links)
    assert "loads from" not in check_html.render(results, kernels)


def test_json_sarif_junit(checked):
    results, kernels, mk = checked
    doc = json.loads(check_json.render(results, kernels, mk))
    assert doc["schema"] == "bpfstab.check/1" and doc["min_kernel"] == mk and len(doc["results"]) == 8
    assert "min_kernel" not in json.loads(check_json.render(results, kernels))

    sarif = json.loads(check_sarif.render(results, kernels, mk, artifacts=artifacts(results)))
    run = sarif["runs"][0]
    assert {m["object"]: m["minRelease"] for m in run["properties"]["minKernels"]} == {
        CORE: release(kernels, "6.1.").release, WEAK: release(kernels, "6.12").release}
    weak = [r for r in run["results"] if r["properties"]["object"] == WEAK]
    assert weak and all(r["properties"]["minKernel"] == release(kernels, "6.12").id for r in weak)
    assert all(r["message"]["text"].endswith(f"(loads from kernel {release(kernels, '6.12').release})") for r in weak)
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(ROOT, "tests", "data", "sarif-2.1.0.json")) as f:
        schema = json.load(f)
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)

    root = ET.fromstring(check_junit.render(results, kernels, mk))
    cases = root.findall(f"testsuite/testcase[@classname='{WEAK}']")
    assert len(cases) == 4
    assert {c.find("properties/property[@name='min_kernel']").get("value") for c in cases} == \
        {release(kernels, "6.12").release}
    fail = root.find(f"testsuite/testcase[@classname='{WEAK}']/failure")
    assert fail.get("message").endswith(f"(loads from {release(kernels, '6.12').release})")
