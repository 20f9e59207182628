"""The one set of Markdown escaping filters every Markdown template uses (registered in reports/environment.py).

* `md`: plain text for Markdown, table cells included: line breaks become spaces, other control
  characters are escaped visibly (btf.inert), HTML-ish characters become entities and Markdown
  punctuation is backslash-escaped, so no name can open a link, raw HTML or a new table row;
* `code`: an inline code span that survives a table: backticks (which would close the span and let
  the rest be read as Markdown/HTML) become `'`, pipes are escaped, line breaks become spaces;
* `htmltext`: text inside a raw HTML element (e.g. <summary>), where Markdown escapes do not apply.

Text from normal inputs (no control characters) comes out exactly as before the filters moved here.
"""
import html

from btf.inert import inert

_MD_SPECIAL = "\\`*_[]|#~"


def _one_line(text):
    return inert(" ".join(str(text).splitlines()))


def md(text):
    s = html.escape(_one_line(text), quote=False)
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in s)


def code(text):
    if text is None:
        return ""
    return "`" + _one_line(text).replace("`", "'").replace("|", "\\|") + "`"


def htmltext(text):
    return html.escape(_one_line(text), quote=True)
