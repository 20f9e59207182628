"""Markdown report of `bpfstab diff`, sized for a PR comment: counts per kind, the breaking changes
in full, every change folded per kind."""
from .check_html import environment
from .check_markdown import md
from .diff_text import groups
from .kfuncs_markdown import code


def render(doc):
    env = environment(autoescape=False)
    env.filters.update(md=md, code=code)
    return env.get_template("diff.md.j2").render(
        doc=doc, groups=groups(doc), breaking=[c for c in doc["changes"] if c["breaking"]])
