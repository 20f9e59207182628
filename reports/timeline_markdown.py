"""Markdown report of `bpfstab timeline`: changes per kernel step first, the per-kfunc table folded."""
from btf.inert import inert_doc

from .check_markdown import LIMIT, shorten
from .environment import template
from .timeline_text import releases, span, step_counts


def render(doc, limit=LIMIT):
    doc = inert_doc(doc)
    rel = releases(doc)
    changed = [e for e in doc["kfuncs"] if e["changes"]]
    return shorten(template("timeline.md.j2").render(doc=doc, rel=rel, steps=step_counts(doc),
                                                             changed=changed, span=lambda e: span(doc, e)), limit)
