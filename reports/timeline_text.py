"""Text report of `bpfstab timeline`: per kfunc its first and last kernel and every change between.

Every timeline renderer takes the "bpfstab.timeline/1" document (analyzer.views.diff.timeline)."""
from btf.inert import inert_doc


def releases(doc):
    return {k["id"]: k["release"] for k in doc["kernels"]}


def span(doc, e):
    rel = releases(doc)
    return f"{rel.get(e['first'])} .. {rel.get(e['last'])}" if e["first"] else "never"


def step_counts(doc):
    """Per consecutive kernel pair: {from, to, counts: {change: n}, breaking: n}, each kfunc step once
    (a rename is attached to both names in the document)."""
    pairs = [(a["id"], b["id"]) for a, b in zip(doc["kernels"], doc["kernels"][1:])]
    out = {p: {"from": p[0], "to": p[1], "counts": {}, "breaking": 0, "seen": set()} for p in pairs}
    for e in doc["kfuncs"]:
        for s in e["changes"]:
            row = out.get((s["from"], s["to"]))
            key = (s.get("renamed_from") or e["name"], s["change"])
            if row is None or key in row["seen"]:
                continue
            row["seen"].add(key)
            row["counts"][s["change"]] = row["counts"].get(s["change"], 0) + 1
            row["breaking"] += bool(s["breaking"])
    for row in out.values():
        del row["seen"]
    return [out[p] for p in pairs]


def render(doc):
    doc = inert_doc(doc)
    rel = releases(doc)
    out = ["kernels: " + " < ".join(k["release"] for k in doc["kernels"]), ""]
    for e in doc["kfuncs"]:
        out.append(f"{e['name']}: {span(doc, e)} (in {len(e['present'])}/{len(doc['kernels'])})")
        for s in e["changes"]:
            out.append(f"  {rel.get(s['from'])} -> {rel.get(s['to'])}: {s['change']}"
                       f"{' BREAKING' if s['breaking'] else ''}")
            if s["old"] is not None and s["new"] is not None and s["old"] != s["new"]:
                out.append(f"      - {s['old']}")
                out.append(f"      + {s['new']}")
            if s["detail"]:
                out.append(f"      {s['detail']}")
    for g in doc.get("not_compared") or ():
        out.append(f"not compared: {rel.get(g['from'])} -> {rel.get(g['to'])}: {g['what']}")
    return "\n".join(out) + "\n"
