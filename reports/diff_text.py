"""Text report of `bpfstab diff`: changes grouped by kind, breaking ones marked, old/new C text.

Every diff renderer takes the "bpfstab.diff/1" document (analyzer.views.diff.diff_json)."""

from btf.inert import inert_doc

MULTILINE = frozenset(("old", "new"))    # C text we rendered: keeps its newlines and tabs
KINDS = ("kfunc", "prog_type", "attach_type", "map_type", "helper", "context", "struct_ops")
KIND_TITLES = {
    "kfunc": "kfuncs", "prog_type": "program types", "attach_type": "attach types", "map_type": "map types",
    "helper": "helpers", "context": "program contexts", "struct_ops": "struct_ops types",
}


def groups(doc):
    """[(kind, title, changes, breaking count)] in KINDS order, only kinds with changes."""
    out = []
    for kind in KINDS:
        cs = [c for c in doc["changes"] if c["kind"] == kind]
        if cs:
            out.append((kind, KIND_TITLES[kind], cs, sum(1 for c in cs if c["breaking"])))
    return out


def lines_of(c):
    """The -/+ lines worth showing for one change: both sides when they differ, else the one present."""
    old, new = c["old"], c["new"]
    if old is not None and new is not None and old != new:
        return [("-", old), ("+", new)]
    if c["change"] in ("added", "member_added") and new is not None:
        return [("+", new)]
    if c["change"] in ("removed", "member_removed") and old is not None:
        return [("-", old)]
    return []


def headline(doc):
    o, n = doc["old"], doc["new"]
    return (f"{o['id']} ({o['release']}) -> {n['id']} ({n['release']}): {len(doc['changes'])} changes, "
            f"{sum(1 for c in doc['changes'] if c['breaking'])} breaking")


def render(doc):
    doc = inert_doc(doc, MULTILINE)
    out = [headline(doc)]
    for kind, title, cs, nbreak in groups(doc):
        out.append("")
        out.append(f"{title} ({len(cs)}, {nbreak} breaking)")
        for c in cs:
            out.append(f"  [{'BREAKING' if c['breaking'] else 'ok'}] {c['change']:<14} {c['name']}")
            out.extend(f"      {sign} {text}" for sign, text in lines_of(c))
            if c["detail"]:
                out.append(f"      {c['detail']}")
    for gap in doc.get("not_compared") or ():
        out.append(f"not compared: {gap}")
    return "\n".join(out) + "\n"
