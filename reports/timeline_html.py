"""HTML report of `bpfstab timeline`: one self-contained page (inline CSS, no script, no network): a
kfunc × kernel table (present, added, changed, removed; breaking in red) whose changed cells link to
the kfunc's changes with old and new prototypes, then the kernels' provenance. Everything from the
input is escaped (jinja2 autoescape)."""
from .environment import template
from .timeline_text import releases, span, step_counts

REMOVING = ("removed", "renamed")


def cell(entry, kernel_id, present, steps):
    """Status and label of one (kfunc, kernel) cell from the steps that end at this kernel."""
    here = kernel_id in present
    if not steps:
        return ("present", "\u2713") if here else ("absent", "\u2013")
    names = []
    for s in steps:
        if s["change"] == "renamed":
            names.append("renamed to" if s.get("renamed_from") == entry["name"] else "renamed from")
        else:
            names.append(s["change"])
    label = ", ".join(dict.fromkeys(names))
    if any(s["breaking"] for s in steps):
        return "breaking", label
    return ("changed" if here else "absent"), label


def rows(doc):
    out = []
    for i, e in enumerate(doc["kfuncs"]):
        present = set(e["present"])
        cells = []
        for k in doc["kernels"]:
            steps = [s for s in e["changes"] if s["to"] == k["id"]]
            status, label = cell(e, k["id"], present, steps)
            cells.append({"status": status, "label": label, "link": bool(steps)})
        out.append({"entry": e, "anchor": f"t-{i}", "cells": cells})
    return out


def render(doc):
    rs = rows(doc)
    return template("timeline.html.j2").render(
        doc=doc, rows=rs, rel=releases(doc), steps=step_counts(doc), span=lambda e: span(doc, e),
        changed=sum(1 for r in rs if r["entry"]["changes"]))
