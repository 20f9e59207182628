"""Text report of `impact`: the programs that load on OLD and fail on NEW, with their findings and
the breaking changes they use. Takes the "bpfstab.impact/1" document (analyzer.views.impact.impact)."""


def render(doc):
    o, n = doc["old"], doc["new"]
    lines = []
    what = f"users of kfunc {doc['kfunc']}" if doc["kfunc"] else "programs"
    lines.append(f"{o['id']} -> {n['id']}: {len(doc['programs'])} of {doc['users']} {what} load on "
                 f"{o['release']} and fail on {n['release']}")
    for c in doc["kfunc_change"]:
        lines.append(f"  {doc['kfunc']}: {c['change']}{' BREAKING' if c['breaking'] else ''}: {c['detail']}")
        if c.get("old"):
            lines.append(f"      - {c['old']}")
        if c.get("new"):
            lines.append(f"      + {c['new']}")
    if doc["kfunc"] and not doc["kfunc_change"]:
        lines.append(f"  {doc['kfunc']}: no change between these kernels in the diff engine's view")
    for p in doc["programs"]:
        lines.append(f"{p['object']}:{p['program']} [{p['section']}]")
        for f in p["findings"]:
            mark = " (this kfunc)" if f["about_kfunc"] else ""
            loc = f" ({f['location']})" if f.get("location") else ""
            lines.append(f"  {f['severity']:7} {f['code']}{mark}: {f['message']}{loc}")
        for c in p["changes"]:
            if c["breaking"]:
                g = " (its use here is guarded)" if c.get("guarded") else ""
                lines.append(f"  uses changed {c['item_type']} {c['name']}{g}: {c['change']}: {c['detail']}")
    return "\n".join(lines) + "\n"
