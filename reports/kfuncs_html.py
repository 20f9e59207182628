"""HTML report of `bpfstab kfuncs`: one self-contained page (inline CSS, no script, no network) with
the kernel's provenance, where the program-type facts come from, and one table row per kfunc.
Everything from the input is escaped (jinja2 autoescape)."""
from .environment import template
from .kfuncs_text import count_label, facts_line, hook_line


def render(doc):
    return template("kfuncs.html.j2").render(doc=doc, facts=facts_line(doc), hook=hook_line(doc),
                                                     count=count_label(doc))
