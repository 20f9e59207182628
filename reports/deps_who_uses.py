"""`deps --who-uses NAME`: the objects and programs depending on a kfunc, helper, type or field, and how,
as text or "bpfstab.who-uses/1" JSON. Takes the rows of analyzer.views.graph.who_uses."""
import json


def render_json(name, rows):
    return json.dumps({"schema": "bpfstab.who-uses/1", "name": name, "uses": rows}, indent=2) + "\n"


def render_text(name, rows):
    if not rows:
        return f"nothing in the inputs depends on '{name}'\n"
    out = []
    last = None
    for r in rows:
        head = (r["item_type"], r["item"])
        if head != last:
            n = sum(1 for x in rows if (x["item_type"], x["item"]) == head)
            out.append(f"{r['item_type']} {r['item']}: {n} dependent{'s' if n != 1 else ''}")
            last = head
        who = f"{r['object']}:{r['program']}" if r["program"] else r["object"]
        how = ", ".join(r["how"])
        if r["weak"] is not None:
            how += ", weak" if r["weak"] else ", strong"
        if r["guarded"] is not None:
            how += ", guarded" if r["guarded"] else ", not guarded"
        via = f" via {r['via']}" if r["via"] else ""
        rel = f" [{', '.join(r['reloc'])}]" if r["reloc"] else ""
        at = f" at {', '.join(r['lines'][:4])}" + (f" +{len(r['lines']) - 4}" if len(r["lines"]) > 4 else "") \
            if r["lines"] else ""
        out.append(f"  {who}: {how}{rel}{via}{at}")
    return "\n".join(out) + "\n"
