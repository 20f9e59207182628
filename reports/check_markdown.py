"""Markdown report of `check`, compact enough for a pull-request comment: a summary line, a matrix of
the programs with something to report (fails, unknown or warnings on some kernel), the programs that
load cleanly everywhere folded into one list, then one folded <details> block per program that fails
or cannot be judged somewhere.

Input text is escaped for Markdown (table pipes, emphasis, links) and for the HTML that GitHub
passes through (<, >, &)."""
from analyzer.check import summary

from . import safe
from .check_html import attach_min_kernel, matrix
from .environment import template

MD_MARK = {"pass": "\u2705", "warn": "\u26a0\ufe0f", "fail": "\u274c", "unknown": "\u2754",
           "none": "\u2013"}
LIMIT = 65000          # GitHub refuses pull-request comments over 65,536 characters


def shorten(text, limit=LIMIT):
    """Markdown cut at a line boundary to at most `limit` characters (None: no limit): open
    <details> blocks are closed and a last line says how many lines and table rows were left out.
    For reports whose bulk is one-line table rows (diff, timeline, kfuncs)."""
    if limit is None or len(text) <= limit:
        return text
    lines = text.splitlines(keepends=True)
    room = limit - 400                          # the closing tags and the note
    size = depth = n = 0
    for n, line in enumerate(lines):
        if size + len(line) > room:
            break
        size += len(line)
        depth += line.count("<details>") - line.count("</details>")
    left = lines[n:]
    rows = sum(1 for i, l in enumerate(left) if l.startswith("|") and not l.startswith("|--")
               and not (i + 1 < len(left) and left[i + 1].startswith("|--")))
    return ("".join(lines[:n]) + "\n</details>\n" * depth
            + f"\n**Shortened to fit a pull-request comment ({limit} characters):** left out the last "
              f"{len(left)} lines ({rows} table rows). The html and json formats have everything.\n")


def _fit(sizes, budget):
    """How many leading items of `sizes` fit in `budget` characters."""
    n = 0
    for size in sizes:
        if size > budget:
            break
        budget -= size
        n += 1
    return n


def render(results, kernels, min_kernel=None, limit=LIMIT):
    """`min_kernel`: rows of analyzer.check.min_kernel.min_kernels (check --min-kernel) or None.
    `limit`: most characters of output (None: no limit); over it, matrix rows, then detail blocks,
    then the list of clean programs are cut from the end and the cut is stated."""
    results, kernels, min_kernel = safe.check_inputs(results, kernels, min_kernel)
    rows = matrix(results, kernels)
    with_min = attach_min_kernel(rows, min_kernel)
    for row in rows:
        for c in row["cells"]:
            c["md_mark"] = MD_MARK[c["status"]]
        row["bad_kernels"] = [c["kernel"].release for c in row["cells"] if c["status"] in ("fail", "unknown")]
    shown = [row for row in rows if any(c["status"] != "pass" for c in row["cells"])]
    clean = [row for row in rows if all(c["status"] == "pass" for c in row["cells"])]
    failing = [row for row in rows if row["failing"]]
    tpl = template("check.md.j2")
    ctx = dict(kernels=list(kernels), counts=summary.counts(results), total=len(results), mark=MD_MARK,
               with_min=with_min, nclean=len(clean), limit=limit)
    text = tpl.render(shown=shown, clean=clean, failing=failing, omitted=None, **ctx)
    if limit is None or len(text) <= limit:
        return text
    # cut to the limit: the summary line always, then as many matrix rows, detail blocks and clean
    # names as fit (in that order of priority), with room kept for the note saying what was cut
    macros = tpl.make_module(dict(ctx, shown=[], clean=[], failing=[], omitted=None))
    budget = limit - len(tpl.render(shown=shown[:1], clean=clean[:1], failing=[], omitted="x" * 300, **ctx))
    n_shown = _fit([len(str(macros.matrix_row(r))) for r in shown[1:]], budget) + 1
    budget -= sum(len(str(macros.matrix_row(r))) for r in shown[1:n_shown])
    n_failing = _fit([len(str(macros.details(r))) for r in failing], budget)
    budget -= sum(len(str(macros.details(r))) for r in failing[:n_failing])
    n_clean = _fit([len(str(macros.clean_item(r))) for r in clean[1:]], budget) + 1 if clean else 0
    cut = []
    if n_shown < len(shown):
        cut.append(f"{len(shown) - n_shown} of {len(shown)} matrix rows")
    if n_failing < len(failing):
        cut.append(f"{len(failing) - n_failing} of {len(failing)} detail blocks")
    if n_clean < len(clean):
        cut.append(f"{len(clean) - n_clean} of {len(clean)} names of programs that load everywhere")
    return tpl.render(shown=shown[:n_shown], clean=clean[:n_clean], failing=failing[:n_failing],
                      omitted="left out " + ", ".join(cut), **ctx)
