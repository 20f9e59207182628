"""HTML report of `audit`: one self-contained page (inline CSS, a small inline script that sorts the
ranking table by a clicked column; without script the table is already in rank order). Everything
taken from the input is escaped (jinja2 autoescape)."""
from .audit_text import guard_text, history_text
from .environment import template


def render(doc):
    vmlinux_only = not any(k.get("modules") for k in doc["kernels"])
    rel = {k["id"]: k["release"] for k in doc["kernels"]}
    rows = []
    for r in doc["kfuncs"]:
        rows.append(dict(r, history=history_text(r, rel, vmlinux_only), guards=guard_text(r["calls"]),
                         protos=protos(r, rel)))
    return template("audit.html.j2").render(doc=doc, rows=rows, kernels=doc["kernels"], rel=rel,
                                                    totals=doc["totals"])


def protos(row, rel):
    """[(releases, prototype, flags)] grouping kernels that share a prototype and flags."""
    out = {}
    for kid, pk in row["per_kernel"].items():
        if pk["proto"]:
            out.setdefault((pk["proto"], "|".join(pk["flags"] or ())), []).append(rel[kid])
    return [(", ".join(w), p, f) for (p, f), w in out.items()]
