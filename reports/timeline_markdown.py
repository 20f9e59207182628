"""Markdown report of `bpfstab timeline`: changes per kernel step first, the per-kfunc table folded."""
from .check_html import environment
from .check_markdown import LIMIT, md, shorten
from .kfuncs_markdown import code
from .timeline_text import releases, span, step_counts


def render(doc, limit=LIMIT):
    env = environment(autoescape=False)
    env.filters.update(md=md, code=code)
    rel = releases(doc)
    changed = [e for e in doc["kfuncs"] if e["changes"]]
    return shorten(env.get_template("timeline.md.j2").render(doc=doc, rel=rel, steps=step_counts(doc),
                                                             changed=changed, span=lambda e: span(doc, e)), limit)
