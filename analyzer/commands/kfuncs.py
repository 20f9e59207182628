"""`bpfstab kfuncs KERNEL`, `bpfstab diff OLD NEW`, `bpfstab timeline KERNEL...`.

Parsing and rendering only; the comparisons live in analyzer/diff.py.
"""
import json
import sys

FORMATS = ("text", "json", "md")


def register(subparsers):
    p = subparsers.add_parser("kfuncs", help="every kfunc of a kernel with prototype, flags and provenance")
    p.add_argument("kernel", metavar="KERNEL", help="snapshot file, bundled name, version or 'running'")
    p.add_argument("--all", action="store_true", help="also list foo_impl entries of KF_IMPLICIT_ARGS kfuncs")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar when importing on the fly")
    p.set_defaults(func=cmd_kfuncs)

    d = subparsers.add_parser("diff", help="what changed between two kernels and whether it can break programs")
    d.add_argument("old", metavar="OLD")
    d.add_argument("new", metavar="NEW")
    d.add_argument("--only", metavar="LIST",
                   help="comma-separated: kfuncs,prog-types,attach-types,contexts,helpers,map-types,struct-ops")
    d.add_argument("--format", choices=FORMATS, default="text")
    d.add_argument("--quiet", "-q", action="store_true")
    d.set_defaults(func=cmd_diff)

    t = subparsers.add_parser("timeline", help="each kfunc across kernels: first, last and every change")
    t.add_argument("kernels", metavar="KERNEL", nargs="+")
    t.add_argument("--kfunc", metavar="NAME", help="only this kfunc")
    t.add_argument("--format", choices=FORMATS, default="text")
    t.add_argument("--quiet", "-q", action="store_true")
    t.set_defaults(func=cmd_timeline)


def _dump(doc):
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


def _md(text):
    return "" if text is None else str(text).replace("|", "\\|").replace("\n", " ")


def _code(text):
    return "" if text is None else "`" + str(text).replace("`", "'").replace("|", "\\|") + "`"


# ------------------------------------------------------------------------------ kfuncs
def _flags(k):
    if k.flags is None:
        return None
    return k.flag_names


def kfunc_rows(snap, include_impl=False):
    rows = []
    for k in snap.kfuncs.values():
        if k.is_impl and not include_impl:
            continue
        rows.append({
            "name": k.name, "proto": k.proto, "btf_id": k.btf_id,
            "flags": k.flags, "flag_names": _flags(k),
            "found_by": list(k.found_by), "sets": list(k.sets), "module": k.module,
            "fastcall": k.fastcall, "impl_of": k.impl_of, "impl": k.impl,
            "hooks": None,          # which program types may call it is not derived yet
        })
    return rows


def cmd_kfuncs(args):
    from analyzer import kernels
    from analyzer.diff import kernel_info
    snap = kernels.resolve_kernel(args.kernel, quiet=args.quiet)
    rows = kfunc_rows(snap, args.all)
    skipped = sum(1 for k in snap.kfuncs.values() if k.is_impl) if not args.all else 0
    w = sys.stdout.write
    if args.format == "json":
        _dump({"schema": "bpfstab.kfuncs/1", "kernel": kernel_info(snap), "count": len(rows),
               "impl_skipped": skipped, "hooks_known": False, "kfuncs": rows})
        return 0
    if args.format == "md":
        w(f"## kfuncs of {snap.id} ({snap.release}, {snap.arch}): {len(rows)}\n\n")
        w("| kfunc | prototype | flags | found by | hooks |\n|---|---|---|---|---|\n")
        for r in rows:
            fl = "unknown" if r["flag_names"] is None else (", ".join(r["flag_names"]) or "none")
            w(f"| {_md(r['name'])} | {_code(r['proto'])} | {_md(fl)} | {_md(', '.join(r['found_by']))} | unknown |\n")
        if skipped:
            w(f"\n{skipped} `_impl` entries not shown (--all)\n")
        return 0
    w(f"{snap.id} ({snap.release}, {snap.arch}): {len(rows)} kfuncs"
      + (f", {skipped} _impl entries not shown (--all)" if skipped else "") + "\n")
    w("program types/hooks that may call each kfunc: unknown (not derived yet)\n\n")
    for r in rows:
        fl = "unknown" if r["flag_names"] is None else ("|".join(r["flag_names"]) or "none")
        extra = []
        if r["module"]:
            extra.append(f"module {r['module']}")
        if r["impl"]:
            extra.append(f"implicit args via {r['impl']}")
        if r["impl_of"]:
            extra.append(f"implementation of {r['impl_of']}")
        w(f"{r['proto']};\n    flags: {fl}   found by: {', '.join(r['found_by'])}   hooks: unknown"
          + (f"   ({'; '.join(extra)})" if extra else "") + "\n")
    return 0


# ------------------------------------------------------------------------------ diff
_KIND_TITLES = {
    "kfunc": "kfuncs", "prog_type": "program types", "attach_type": "attach types", "map_type": "map types",
    "helper": "helpers", "context": "program contexts", "struct_ops": "struct_ops types",
}


def _mark(c):
    return "BREAKING" if c.breaking else "ok"


def render_diff_text(old, new, changes):
    out = [f"{old.id} ({old.release}) -> {new.id} ({new.release}): {len(changes)} changes, "
           f"{sum(1 for c in changes if c.breaking)} breaking"]
    from analyzer.diff import KINDS
    for kind in KINDS:
        cs = [c for c in changes if c.kind == kind]
        if not cs:
            continue
        out.append("")
        out.append(f"{_KIND_TITLES[kind]} ({len(cs)}, {sum(1 for c in cs if c.breaking)} breaking)")
        for c in cs:
            out.append(f"  [{_mark(c)}] {c.change:<14} {c.name}")
            if c.old is not None and c.new is not None and c.old != c.new:
                out.append(f"      - {c.old}")
                out.append(f"      + {c.new}")
            elif c.change in ("added", "member_added") and c.new is not None:
                out.append(f"      + {c.new}")
            elif c.change in ("removed", "member_removed") and c.old is not None:
                out.append(f"      - {c.old}")
            if c.detail:
                out.append(f"      {c.detail}")
    return "\n".join(out) + "\n"


def render_diff_md(old, new, changes):
    out = [f"## {old.id} → {new.id}", "",
           f"{len(changes)} changes, {sum(1 for c in changes if c.breaking)} breaking", "",
           "| kind | name | change | breaking | old | new | detail |", "|---|---|---|---|---|---|---|"]
    for c in changes:
        out.append(f"| {c.kind} | {_md(c.name)} | {c.change} | {'yes' if c.breaking else 'no'} | "
                   f"{_code(c.old)} | {_code(c.new)} | {_md(c.detail)} |")
    return "\n".join(out) + "\n"


def cmd_diff(args):
    from analyzer import kernels
    from analyzer.diff import diff_kernels, diff_json, parse_only
    only = parse_only(args.only)
    old = kernels.resolve_kernel(args.old, quiet=args.quiet)
    new = kernels.resolve_kernel(args.new, quiet=args.quiet)
    changes = diff_kernels(old, new, only)
    if args.format == "json":
        _dump(diff_json(old, new, changes))
    elif args.format == "md":
        sys.stdout.write(render_diff_md(old, new, changes))
    else:
        sys.stdout.write(render_diff_text(old, new, changes))
    return 0


# ------------------------------------------------------------------------------ timeline
def _short(kinfo_by_id, kid):
    return kinfo_by_id.get(kid, kid)


def render_timeline_text(doc):
    rel = {k["id"]: k["release"] for k in doc["kernels"]}
    out = ["kernels: " + " < ".join(f"{k['release']}" for k in doc["kernels"]), ""]
    for e in doc["kfuncs"]:
        span = f"{rel.get(e['first'])} .. {rel.get(e['last'])}" if e["first"] else "never"
        out.append(f"{e['name']}: {span} (in {len(e['present'])}/{len(doc['kernels'])})")
        for s in e["changes"]:
            out.append(f"  {rel.get(s['from'])} -> {rel.get(s['to'])}: {s['change']}"
                       f"{' BREAKING' if s['breaking'] else ''}")
            if s["old"] is not None and s["new"] is not None and s["old"] != s["new"]:
                out.append(f"      - {s['old']}")
                out.append(f"      + {s['new']}")
            if s["detail"]:
                out.append(f"      {s['detail']}")
    return "\n".join(out) + "\n"


def render_timeline_md(doc):
    rel = {k["id"]: k["release"] for k in doc["kernels"]}
    out = ["| kfunc | first | last | changes |", "|---|---|---|---|"]
    for e in doc["kfuncs"]:
        steps = "; ".join(f"{rel.get(s['from'])}→{rel.get(s['to'])} {s['change']}"
                          f"{' (breaking)' if s['breaking'] else ''}" for s in e["changes"])
        out.append(f"| {_md(e['name'])} | {_md(rel.get(e['first']))} | {_md(rel.get(e['last']))} | {_md(steps)} |")
    return "\n".join(out) + "\n"


def cmd_timeline(args):
    from analyzer import kernels
    from analyzer.diff import timeline
    snaps = kernels.resolve_kernels(args.kernels, quiet=args.quiet)
    doc = timeline(snaps, args.kfunc)
    if args.format == "json":
        _dump(doc)
    elif args.format == "md":
        sys.stdout.write(render_timeline_md(doc))
    else:
        sys.stdout.write(render_timeline_text(doc))
    return 0
