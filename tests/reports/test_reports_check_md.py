"""The Markdown check report stays within a pull-request comment: programs that load everywhere are
folded into one list, and over the limit matrix rows, detail blocks and names are cut from the end
with a note saying exactly what was left out."""
import dataclasses
import os
import re

import pytest

from analyzer.check.engine import check_objects
from analyzer.kernel.snapshot import bundled_kernels, resolve_kernels
from analyzer.objects.model import load_objects
from analyzer.objects.sections import parse_prog_type_overrides
from reports import check_markdown
from tests.support import paths

ROOT = paths.ROOT
pytestmark = pytest.mark.skipif(len(bundled_kernels()) < 4, reason="needs the 4 bundled kernel snapshots")


@pytest.fixture(scope="module")
def corpus():
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        kernels = resolve_kernels(["5.10", "7.2"])
        objs, _ = load_objects(["corpus/programs"],
                               prog_type_overrides=parse_prog_type_overrides(["tun_rss_steering=socket_filter"]))
        return check_objects(objs, kernels), kernels
    finally:
        os.chdir(cwd)


def programs(results):
    by = {}
    for r in results:
        by.setdefault(f"{r.object}:{r.program}", []).append(r)
    return by


def test_clean_programs_folded_everything_else_in_full(corpus):
    results, kernels = corpus
    md = check_markdown.render(results, kernels, limit=None)
    by = programs(results)
    clean = [n for n, rs in by.items() if all(r.verdict == "loads" and not any(f.severity == "warning"
                                                                              for f in r.findings) for r in rs)]
    failing = [n for n, rs in by.items() if any(r.verdict != "loads" for r in rs)]
    assert clean and failing
    rows = [l for l in md.splitlines() if l.startswith("| corpus/")]
    assert len(rows) == len(by) - len(clean)
    assert f"{len(clean)} programs load on every kernel without warnings</summary>" in md
    assert len(re.findall(r"^- corpus/", md, re.M)) == len(clean)
    assert md.count("<details><summary>\u274c") + md.count("<details><summary>\u2754") == len(failing)
    assert "Shortened" not in md
    if len(md) <= check_markdown.LIMIT:                          # small enough for the default limit
        assert md == check_markdown.render(results, kernels)
    else:                                                        # the corpus outgrew one comment
        assert "Shortened" in check_markdown.render(results, kernels)


def test_large_report_is_cut_to_the_limit_and_says_what_was_cut(corpus):
    results, kernels = corpus
    big = [dataclasses.replace(r, object=f"copy{i}/{r.object}") for i in range(12) for r in results]
    by = programs(big)
    n_fail = sum(1 for rs in by.values() if any(r.verdict != "loads" for r in rs))
    full = check_markdown.render(big, kernels, limit=None)
    assert len(full) > check_markdown.LIMIT
    md = check_markdown.render(big, kernels)
    assert len(md) <= check_markdown.LIMIT
    first = md.splitlines()[0]
    assert first == full.splitlines()[0] and f"({len(big)} checks)" in first     # totals are never cut
    note = re.search(r"left out (.*)\. The html", md).group(1)
    cut = {m.group(3): (int(m.group(1)), int(m.group(2))) for m in
           re.finditer(r"(\d+) of (\d+) (matrix rows|detail blocks|names)", note)}
    blocks = md.count("<details><summary>\u274c") + md.count("<details><summary>\u2754")
    left, total = cut["detail blocks"]
    assert total == n_fail and blocks == total - left > 0
    rows = len([l for l in md.splitlines() if l.startswith("| copy")])
    left_rows, total_rows = cut.get("matrix rows", (0, rows))
    assert rows == total_rows - left_rows
    assert md.count("<details>") == md.count("</details>")                 # no block cut in half
