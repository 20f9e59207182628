"""HTML report of `bpfstab diff`: one self-contained page (inline CSS, no script, no network): counts
per kind linking to one table per kind, breaking changes marked, old and new C text side by side,
both kernels' provenance. Everything from the input is escaped (jinja2 autoescape)."""
from .environment import template
from .diff_text import groups


def render(doc):
    return template("diff.html.j2").render(
        doc=doc, groups=groups(doc), nbreak=sum(1 for c in doc["changes"] if c["breaking"]))
