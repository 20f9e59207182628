"""Text report of `audit`: the ranked kfunc table, then per kfunc its history and its users."""
from analyzer.objects.sections import short_prog_type
from btf.inert import inert_doc


def history_text(row, releases, vmlinux_only=False):
    """One line: 'added in 6.12; prototype 6.12 → 7.2 (BREAKING); removed in 7.2'. vmlinux_only: no
    given snapshot carries module BTF, so a module kfunc cannot be seen."""
    parts = []
    if not row["present"]:
        parts.append("in none of the given kernels" + (" (vmlinux BTF only: a module kfunc is not seen)"
                                                        if vmlinux_only else ""))
    else:
        parts.append(f"added in {releases[row['added_in']]}" if row["added_in"]
                     else f"present from {releases[row['first']]}")
        if row["removed_in"]:
            parts.append(f"removed in {releases[row['removed_in']]}")
    for c in row["changes"]:
        if c["change"] in ("added", "removed"):
            continue
        parts.append(f"{c['change']} {releases.get(c['from'], c['from'])} → {releases.get(c['to'], c['to'])}"
                     + (" (BREAKING)" if c["breaking"] else ""))
    return "; ".join(parts)


def guard_text(calls):
    out = []
    if calls["strong"]:
        out.append(f"{calls['strong']} strong")
    if calls["weak_guarded"]:
        out.append(f"{calls['weak_guarded']} weak+guarded")
    if calls["weak_unguarded"]:
        out.append(f"{calls['weak_unguarded']} weak unguarded")
    return ", ".join(out) or "-"


def _table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = []
    for r in [header] + rows:
        out.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    return out


def render(doc):
    doc = inert_doc(doc)
    ks = doc["kernels"]
    vmlinux_only = not any(k.get("modules") for k in doc["kernels"])
    rel = {k["id"]: k["release"] for k in ks}
    t = doc["totals"]
    out = [f"kfunc audit: {t['kfuncs']} kfuncs used by {t['kfunc_users']} of {t['programs']} programs "
           f"({t['objects']} objects, {t['packages']} packages) over {len(ks)} kernel"
           f"{'s' if len(ks) != 1 else ''}: {', '.join(k['release'] for k in ks) or 'none'}", ""]
    header = ["rank", "kfunc", "packages", "programs", "calls", "prog types", "history"]
    rows = [[r["rank"], r["name"], r["package_count"], r["program_count"], guard_text(r["calls"]),
             ",".join(r["prog_types"]) or "-", history_text(r, rel, vmlinux_only)] for r in doc["kfuncs"]]
    out += _table(rows, header) if rows else ["(no kfunc is used by the inputs)"]
    for r in doc["kfuncs"]:
        out.append("")
        out.append(f"{r['rank']}. {r['name']}: {r['package_count']} package{'s' if r['package_count'] != 1 else ''}"
                   f" ({', '.join(r['packages'])}), {r['program_count']} program"
                   f"{'s' if r['program_count'] != 1 else ''}; {guard_text(r['calls'])}")
        out.append(f"   history: {history_text(r, rel, vmlinux_only)}")
        protos = {}
        for kid, pk in r["per_kernel"].items():
            if pk["proto"]:
                protos.setdefault((pk["proto"], tuple(pk["flags"] or ())), []).append(rel[kid])
        for (proto, flags), where in protos.items():
            fl = f"  [{'|'.join(flags)}]" if flags else ""
            out.append(f"   {', '.join(where)}: {proto}{fl}")
        for kid, pk in r["per_kernel"].items():
            if pk["hooks"] is not None:
                types = ["every program type" if t == "*" else short_prog_type(t) for t in pk["hooks"]]
                out.append(f"   {rel[kid]}: callable from {', '.join(types) or 'no program type'}"
                           f" [{pk['hooks_origin']}]")
        for c in r["changes"]:
            if c["change"] in ("added",):
                continue
            out.append(f"   {rel.get(c['from'], c['from'])} -> {rel.get(c['to'], c['to'])}: {c['change']}"
                       f"{' BREAKING' if c['breaking'] else ''}: {c['detail']}")
        for u in r["users"]:
            g = "strong" if not u["weak"] else ("weak, guarded" if u["guarded"] else "weak, NOT guarded")
            if u["weak"] and u.get("unguarded_on"):
                g += " (call reachable on " + ", ".join(rel.get(k, k) for k in u["unguarded_on"]) + ")"
            at = f" at {', '.join(u['lines'][:3])}" if u["lines"] else ""
            out.append(f"   - {u['object']}:{u['program']} ({u['prog_type'] or '?'}; {g}){at}")
    return "\n".join(out) + "\n"
