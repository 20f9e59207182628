"""Markdown report of `bpfstab kfuncs`: summary first, the full table folded."""
from btf.inert import inert_doc

from .check_markdown import LIMIT, shorten
from .environment import template
from .kfuncs_text import count_label, facts_line, hook_line


def render(doc, limit=LIMIT):
    doc = inert_doc(doc)
    return shorten(template("kfuncs.md.j2").render(doc=doc, facts=facts_line(doc), hook=hook_line(doc),
                                                           count=count_label(doc)), limit)
