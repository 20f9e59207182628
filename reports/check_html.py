"""HTML report of `check`: one self-contained page (inline CSS, no script, no network).

A program × kernel matrix whose non-passing cells link to anchored findings blocks, then the
kernels' provenance. Everything taken from the input is escaped (jinja2 autoescape)."""
from analyzer.check import summary

from .environment import template

SHOWN = ("error", "warning", "unknown")
MARK = {"pass": "\u2713", "warn": "!", "fail": "\u2717", "unknown": "?", "none": "\u2013"}
LABEL = {"pass": "loads", "warn": "loads, with warnings", "fail": "fails", "unknown": "unknown",
         "none": "not checked"}


def matrix(results, kernels):
    """Rows in first-seen order: {object, program, section, name, cells: [{kernel, result, status,
    anchor, findings}]}; anchor is set for every cell with something to show."""
    by_prog = {}
    for r in results:
        by_prog.setdefault((r.object, r.program, r.section), {})[r.kernel] = r
    rows = []
    for i, ((obj, prog, sec), row) in enumerate(by_prog.items()):
        cells = []
        for j, k in enumerate(kernels):
            r = row.get(k.id)
            st = summary.state(r)
            shown = [f for f in r.findings if f.severity in SHOWN] if r is not None else []
            cells.append({"kernel": k, "result": r, "status": st, "mark": MARK[st], "label": LABEL[st],
                          "findings": shown, "anchor": f"f-{i}-{j}" if shown else None})
        statuses = {c["status"] for c in cells}
        rows.append({"object": obj, "program": prog, "section": sec, "name": f"{obj}:{prog}",
                     "cells": cells, "failing": bool(statuses & {"fail", "unknown"})})
    return rows


def min_kernel_by_program(min_kernel):
    """{(object, program): row} of analyzer.check.min_kernel.min_kernels rows (None -> None)."""
    if min_kernel is None:
        return None
    return {(m["object"], m["program"]): m for m in min_kernel}


def min_kernel_label(row):
    """'6.1.0-56-amd64' or 'none of the given kernels' for one min_kernels row."""
    if row is None:
        return "not checked"
    return row["min_release"] if row["min_kernel"] else "none of the given kernels"


def attach_min_kernel(rows, min_kernel):
    """Adds "min" (the min_kernels row or None) and "min_label" to each matrix row; False when
    --min-kernel was not asked."""
    by = min_kernel_by_program(min_kernel)
    if by is None:
        return False
    for row in rows:
        m = by.get((row["object"], row["program"]))
        row["min"] = m
        row["min_label"] = min_kernel_label(m)
    return True


def kfunc_table(rows, kernels):
    """The kfuncs that findings name (detail["kfunc"]), each with its C prototype on every kernel
    (None where the kernel has no such kfunc): [{name, anchor, protos: [str|None]}], and
    {name: anchor} for the findings to link to."""
    names = []
    for row in rows:
        for c in row["cells"]:
            for f in c["findings"]:
                name = (f.detail or {}).get("kfunc")
                if name and name not in names:
                    names.append(name)
    table, anchors = [], {}
    for i, name in enumerate(names):
        protos = []
        for k in kernels:
            kf = (getattr(k, "kfuncs", None) or {}).get(name)
            protos.append(kf.proto if kf is not None else None)
        anchors[name] = f"kf-{i}"
        table.append({"name": name, "anchor": anchors[name], "protos": protos})
    return table, anchors


def render(results, kernels, min_kernel=None):
    """`min_kernel`: rows of analyzer.check.min_kernel.min_kernels (check --min-kernel) or None."""
    tpl = template("check.html.j2")
    rows = matrix(results, kernels)
    with_min = attach_min_kernel(rows, min_kernel)
    kfuncs, kfunc_anchor = kfunc_table(rows, kernels)
    return tpl.render(rows=rows, kernels=list(kernels), counts=summary.counts(results), with_min=with_min,
                      kfuncs=kfuncs, kfunc_anchor=kfunc_anchor,
                      total=len(results), mark=MARK, label=LABEL)
