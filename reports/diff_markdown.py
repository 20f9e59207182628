"""Markdown report of `bpfstab diff`, sized for a PR comment: counts per kind, the breaking changes
in full, every change folded per kind."""
from .check_html import environment
from .check_markdown import LIMIT, md, shorten
from .diff_text import groups
from .kfuncs_markdown import code


def render(doc, limit=LIMIT):
    """`limit`: most characters (None: no limit); the summary and breaking changes come first, so a
    cut takes folded rows from the end."""
    env = environment(autoescape=False)
    env.filters.update(md=md, code=code)
    return shorten(env.get_template("diff.md.j2").render(
        doc=doc, groups=groups(doc), breaking=[c for c in doc["changes"] if c["breaking"]]), limit)
