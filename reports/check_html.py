"""HTML report of `check`: one self-contained page (inline CSS, no script, no network).

A program × kernel matrix whose non-passing cells link to anchored findings blocks, then the
kernels' provenance. Everything taken from the input is escaped (jinja2 autoescape)."""
import os

import jinja2

from analyzer.findings import CODES

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
SHOWN = ("error", "warning", "unknown")
MARK = {"pass": "\u2713", "warn": "!", "fail": "\u2717", "unknown": "?", "none": "\u2013"}
LABEL = {"pass": "loads", "warn": "loads, with warnings", "fail": "fails", "unknown": "unknown",
         "none": "not checked"}


def environment(autoescape):
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=autoescape,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined)


def status(result):
    """The cell status of one result: pass, warn, fail, unknown (or none when absent)."""
    if result is None:
        return "none"
    if result.verdict == "fails":
        return "fail"
    if result.verdict == "unknown":
        return "unknown"
    if any(f.severity == "warning" for f in result.findings):
        return "warn"
    return "pass"


def counts(results):
    c = {"loads": 0, "fails": 0, "unknown": 0}
    for r in results:
        c[r.verdict] = c.get(r.verdict, 0) + 1
    return c


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
            st = status(r)
            shown = [f for f in r.findings if f.severity in SHOWN] if r is not None else []
            cells.append({"kernel": k, "result": r, "status": st, "mark": MARK[st], "label": LABEL[st],
                          "findings": shown, "anchor": f"f-{i}-{j}" if shown else None})
        statuses = {c["status"] for c in cells}
        rows.append({"object": obj, "program": prog, "section": sec, "name": f"{obj}:{prog}",
                     "cells": cells, "failing": bool(statuses & {"fail", "unknown"})})
    return rows


def consequence(code):
    return CODES[code][1] if code in CODES else ""


def render(results, kernels):
    env = environment(autoescape=True)
    env.filters["consequence"] = consequence
    tpl = env.get_template("check.html.j2")
    return tpl.render(rows=matrix(results, kernels), kernels=list(kernels), counts=counts(results),
                      total=len(results), mark=MARK, label=LABEL)
