"""Markdown report of `bpfstab kfuncs`: summary first, the full table folded."""
from .check_html import environment
from .check_markdown import LIMIT, md, shorten
from .kfuncs_text import count_label, facts_line, flags_label, hook_line, hooks_label


def code(text):
    """An inline code span that survives a Markdown table (pipes escaped, backticks replaced)."""
    if text is None:
        return ""
    return "`" + " ".join(str(text).replace("`", "'").replace("|", "\\|").splitlines()) + "`"


def render(doc, limit=LIMIT):
    env = environment(autoescape=False)
    env.filters.update(md=md, code=code, hooks=hooks_label, flags=flags_label)
    return shorten(env.get_template("kfuncs.md.j2").render(doc=doc, facts=facts_line(doc), hook=hook_line(doc),
                                                           count=count_label(doc)), limit)
