"""The HTML check report's kfunc table: every finding naming a kfunc links to that kfunc's C
prototype on each kernel (or "absent"), taken from the kernel snapshots."""
import os
import re
from types import SimpleNamespace

import pytest

from analyzer.check.engine import Result, check_objects
from analyzer.check.findings import Finding
from analyzer.kernel.snapshot import bundled_kernels, resolve_kernels
from analyzer.objects.model import load_objects
from reports import check_html
from tests.support import paths

ROOT = paths.ROOT
OBJ = "corpus/programs/kfuncs/kfunc_bad_proto_argcount.bpf.o"


@pytest.mark.skipif(len(bundled_kernels()) < 4, reason="needs the 4 bundled kernel snapshots")
def test_findings_link_to_the_kfunc_on_each_kernel():
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        kernels = resolve_kernels(["all"])
        results = check_objects(load_objects([OBJ])[0], kernels)
    finally:
        os.chdir(cwd)
    named = {f.detail["kfunc"] for r in results for f in r.findings if f.detail.get("kfunc")}
    assert named
    page = check_html.render(results, kernels)
    for name in named:
        row = re.search(r'<tr id="(kf-\d+)"><th scope="row" class="mono">' + re.escape(name) + r"</th>(.*?)</tr>",
                        page)
        assert row, name
        cells = re.findall(r"<td>(.*?)</td>", row.group(2))
        assert len(cells) == len(kernels)
        for k, cell in zip(kernels, cells):
            kf = k.kfuncs.get(name)
            if kf is None:
                assert cell == '<span class="absent">absent</span>'
            else:
                assert cell == f"<code>{kf.proto}</code>"
        links = page.count(f'<a href="#{row.group(1)}">the prototype of <code>{name}</code> on each kernel</a>')
        assert links == sum(1 for r in results for f in r.findings
                            if f.detail.get("kfunc") == name and f.severity in check_html.SHOWN)


def test_hostile_kfunc_name_is_escaped():
    k = SimpleNamespace(id="k", release="6.1", arch="x86_64", source="s", kfuncs={})
    r = Result(object="o.bpf.o", program="p", section="xdp", prog_type=None, attach_type=None, kernel="k",
               verdict="fails", findings=[Finding("KFUNC_MISSING", "missing", detail={"kfunc": "<script>x</script>"})])
    page = check_html.render([r], [k])
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;</th>" in page
