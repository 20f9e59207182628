"""Markdown report of `bpfstab diff`, sized for a PR comment: counts per kind, the breaking changes
in full, every change folded per kind."""
from btf.inert import inert_doc

from .check_markdown import LIMIT, shorten
from .diff_text import MULTILINE, groups
from .environment import template


def render(doc, limit=LIMIT):
    """`limit`: most characters (None: no limit); the summary and breaking changes come first, so a
    cut takes folded rows from the end."""
    doc = inert_doc(doc, MULTILINE)
    return shorten(template("diff.md.j2").render(
        doc=doc, groups=groups(doc), breaking=[c for c in doc["changes"] if c["breaking"]]), limit)
