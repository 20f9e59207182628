"""HTML report of `bpfstab kfuncs`: one self-contained page (inline CSS, no script, no network) with
the kernel's provenance, where the program-type facts come from, and one table row per kfunc.
Everything from the input is escaped (jinja2 autoescape)."""
from .check_html import environment
from .kfuncs_text import count_label, facts_line, flags_label, hook_line, hooks_label


def render(doc):
    env = environment(autoescape=True)
    env.filters.update(hooks=hooks_label, flags=flags_label)
    return env.get_template("kfuncs.html.j2").render(doc=doc, facts=facts_line(doc), hook=hook_line(doc),
                                                     count=count_label(doc))
