"""The one jinja2 template environment of every template-based report, with the project's filters.

Two environments over reports/templates/, built once: HTML pages autoescape everything taken from the
input; Markdown templates escape explicitly with the `md` (Markdown text, table cells included),
`htmltext` (inside raw HTML elements) and `code` (inline code spans) filters. `template(name)` picks
the environment by the template's suffix (.html.j2 or .md.j2)."""
import os

import jinja2

from analyzer.check.findings import CODES

from .kfuncs_text import flags_label, hooks_label
from .markdown import code, htmltext, md

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def consequence(code_name):
    """What a finding code means for the program ('fails to load', ...), '' for an unknown code."""
    return CODES[code_name][1] if code_name in CODES else ""


FILTERS = {"md": md, "htmltext": htmltext, "code": code, "consequence": consequence,
           "hooks": hooks_label, "flags": flags_label}


def _build(autoescape):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=autoescape,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    return env


HTML = _build(autoescape=True)
MARKDOWN = _build(autoescape=False)


def template(name):
    """The template reports/templates/NAME from the environment its suffix asks for."""
    if name.endswith(".html.j2"):
        return HTML.get_template(name)
    if name.endswith(".md.j2"):
        return MARKDOWN.get_template(name)
    raise ValueError(f"{name}: a report template is .html.j2 or .md.j2")
