"""Markdown report of `check`, compact enough for a pull-request comment: a summary line, a small
matrix, then one folded <details> block per program that fails or cannot be judged somewhere.

Input text is escaped for Markdown (table pipes, emphasis, links) and for the HTML that GitHub
passes through (<, >, &)."""
import html

from .check_html import attach_min_kernel, counts, environment, matrix

MD_MARK = {"pass": "\u2705", "warn": "\u26a0\ufe0f", "fail": "\u274c", "unknown": "\u2754",
           "none": "\u2013"}
_MD_SPECIAL = "\\`*_[]|#~"


def md(text):
    """Plain text for Markdown, table cells included: HTML-ish characters become entities, Markdown
    punctuation is backslash-escaped, line breaks become spaces."""
    s = html.escape(str(text), quote=False)
    s = "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in s)
    return " ".join(s.splitlines())


def htmltext(text):
    """Text inside a raw HTML element (e.g. <summary>), where Markdown escapes do not apply."""
    return " ".join(html.escape(str(text), quote=True).splitlines())


def render(results, kernels, min_kernel=None):
    """`min_kernel`: rows of analyzer.commands.check.min_kernels (check --min-kernel) or None."""
    env = environment(autoescape=False)
    env.filters["md"] = md
    env.filters["htmltext"] = htmltext
    rows = matrix(results, kernels)
    with_min = attach_min_kernel(rows, min_kernel)
    for row in rows:
        for c in row["cells"]:
            c["md_mark"] = MD_MARK[c["status"]]
        row["bad_kernels"] = [c["kernel"].release for c in row["cells"] if c["status"] in ("fail", "unknown")]
    return env.get_template("check.md.j2").render(rows=rows, kernels=list(kernels), counts=counts(results),
                                                  total=len(results), mark=MD_MARK, with_min=with_min)
