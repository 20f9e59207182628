"""Markdown report of `bpfstab kfuncs`: summary first, the full table folded."""
from btf.inert import inert_doc

from .check_markdown import LIMIT, shorten
from .kfuncs_text import count_label, facts_line, flags_label, hook_line, hooks_label
from .markdown import code, md_environment  # noqa: F401  (code: used by other renderers)


def render(doc, limit=LIMIT):
    doc = inert_doc(doc)
    env = md_environment()
    env.filters.update(hooks=hooks_label, flags=flags_label)
    return shorten(env.get_template("kfuncs.md.j2").render(doc=doc, facts=facts_line(doc), hook=hook_line(doc),
                                                           count=count_label(doc)), limit)
