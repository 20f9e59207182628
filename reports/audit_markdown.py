"""Markdown report of `audit`: the ranked table (citable as is), then one folded block per kfunc
with its prototypes across kernels, its changes and its users. Input text is escaped like the
check report's Markdown."""
from btf.inert import inert_doc

from .audit_html import protos
from .audit_text import guard_text, history_text
from .environment import template


def render(doc):
    doc = inert_doc(doc)
    vmlinux_only = not any(k.get("modules") for k in doc["kernels"])
    rel = {k["id"]: k["release"] for k in doc["kernels"]}
    rows = [dict(r, history=history_text(r, rel, vmlinux_only), guards=guard_text(r["calls"]), protos=protos(r, rel))
            for r in doc["kfuncs"]]
    return template("audit.md.j2").render(doc=doc, rows=rows, kernels=doc["kernels"], rel=rel,
                                                  totals=doc["totals"])
