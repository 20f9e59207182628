"""`bpfstab kfuncs KERNEL`, `bpfstab diff OLD NEW`, `bpfstab timeline KERNEL...`.

Parsing, assembling the JSON documents ("bpfstab.kfuncs/1", "bpfstab.diff/1", "bpfstab.timeline/1")
and handing them to their renderer (reports/registry.py); the comparisons live in
analyzer/diff.py, the program-type facts in analyzer/facts.py.
"""

from btf.errors import InputError

from analyzer.cli.commands._common import write_output
from reports.registry import renderer
from analyzer.objects.sections import full_prog_type, short_prog_type

FORMATS = ("text", "json", "md", "html")
# --hook shorthands the kernel's kfunc hooks go by (BTF_KFUNC_HOOK_TC is BPF_PROG_TYPE_SCHED_CLS)
HOOK_ALIASES = {"tc": "sched_cls"}


def _common(p):
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report here instead of stdout")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar when importing on the fly")


def register(subparsers):
    p = subparsers.add_parser("kfuncs", help="every kfunc of a kernel with prototype, flags and provenance")
    p.add_argument("kernel", metavar="KERNEL", help="snapshot file, bundled name, version or 'running'")
    p.add_argument("--all", action="store_true", help="also list foo_impl entries of KF_IMPLICIT_ARGS kfuncs")
    p.add_argument("--hook", metavar="PROGTYPE",
                   help="only kfuncs this program type may call (xdp, tc, tracing, BPF_PROG_TYPE_LSM, ...); "
                        "kfuncs whose program types are unknown are kept and marked unknown")
    _common(p)
    p.set_defaults(func=cmd_kfuncs)

    d = subparsers.add_parser("diff", help="what changed between two kernels and whether it can break programs")
    d.add_argument("old", metavar="OLD")
    d.add_argument("new", metavar="NEW")
    d.add_argument("--only", metavar="LIST",
                   help="comma-separated: kfuncs,prog-types,attach-types,contexts,helpers,map-types,struct-ops")
    _common(d)
    d.set_defaults(func=cmd_diff)

    t = subparsers.add_parser("timeline", help="each kfunc across kernels: first, last and every change")
    t.add_argument("kernels", metavar="KERNEL", nargs="+")
    t.add_argument("--kfunc", metavar="NAME", help="only this kfunc")
    _common(t)
    t.set_defaults(func=cmd_timeline)


def emit(args, report, doc):
    """The document through its (report, --format) renderer, to -o FILE or stdout."""
    write_output(args.output, renderer(report, args.format)(doc))
    return 0


# ------------------------------------------------------------------------------ kfuncs
def resolve_hook(snap, query):
    """--hook value -> the kernel's prog type enum name (BPF_PROG_TYPE_...), or InputError."""
    q = query.strip()
    short = q[len("BPF_PROG_TYPE_"):] if q.upper().startswith("BPF_PROG_TYPE_") else q
    short = HOOK_ALIASES.get(short.lower(), short.lower())
    name = full_prog_type(short)
    if name not in snap.prog_types or name == "BPF_PROG_TYPE_UNSPEC":
        known = sorted(short_prog_type(n) for n in snap.prog_types if n != "BPF_PROG_TYPE_UNSPEC")
        raise InputError(query, f"not a program type of kernel {snap.id} (one of: {', '.join(known)}; "
                                f"or tc for sched_cls)")
    return name


def kfunc_rows(snap, include_impl=False):
    """One row per kfunc; "hooks" is the sorted list of prog types that may call it ("*": every
    type) from the snapshot's kernel facts, None when no facts say."""
    facts = snap.merged_facts
    rows = []
    for k in snap.kfuncs.values():
        if k.is_impl and not include_impl:
            continue
        hooks, origin = facts.kfunc_prog_type_list(k.name)
        rows.append({
            "name": k.name, "proto": k.proto, "btf_id": k.btf_id,
            "flags": k.flags, "flag_names": None if k.flags is None else k.flag_names,
            "found_by": list(k.found_by), "sets": list(k.sets), "module": k.module,
            "fastcall": k.fastcall, "impl_of": k.impl_of, "impl": k.impl,
            "hooks": hooks, "hooks_origin": origin,
        })
    return rows


def kfuncs_document(snap, include_impl=False, hook=None):
    """The "bpfstab.kfuncs/1" document; with `hook` (a --hook value) only the kfuncs that prog type
    may call, plus those whose prog types no fact knows (hook_allowed null)."""
    from analyzer.views.diff import kernel_info
    from analyzer.kernel.facts import ALL_PROG_TYPES
    rows = kfunc_rows(snap, include_impl)
    skipped = 0 if include_impl else sum(1 for k in snap.kfuncs.values() if k.is_impl)
    hook_info = None
    if hook is not None:
        prog_type = resolve_hook(snap, hook)
        kept, excluded = [], 0
        for r in rows:
            if r["hooks"] is None:
                r["hook_allowed"] = None
            elif ALL_PROG_TYPES in r["hooks"] or prog_type in r["hooks"]:
                r["hook_allowed"] = True
            else:
                excluded += 1
                continue
            kept.append(r)
        rows = kept
        hook_info = {"query": hook, "prog_type": prog_type,
                     "may_call": sum(1 for r in rows if r["hook_allowed"]),
                     "unknown": sum(1 for r in rows if r["hook_allowed"] is None), "excluded": excluded}
    facts = [{"origin": f.origin, "detail": f.detail, "version": f.version}
             for _, f in sorted(snap.facts.items()) if f.kfunc_prog_types]
    return {"schema": "bpfstab.kfuncs/1", "kernel": kernel_info(snap), "count": len(rows),
            "impl_skipped": skipped, "hooks_known": bool(facts), "facts": facts, "hook": hook_info,
            "kfuncs": rows}


def cmd_kfuncs(args):
    from analyzer.kernel import snapshot as kernels
    snap = kernels.resolve_kernel(args.kernel, quiet=args.quiet)
    return emit(args, "kfuncs", kfuncs_document(snap, args.all, args.hook))


# ------------------------------------------------------------------------------ diff
def cmd_diff(args):
    from analyzer.kernel import snapshot as kernels
    from analyzer.views.diff import diff_kernels, diff_json, parse_only
    only = parse_only(args.only)
    old = kernels.resolve_kernel(args.old, quiet=args.quiet)
    new = kernels.resolve_kernel(args.new, quiet=args.quiet)
    return emit(args, "diff", diff_json(old, new, diff_kernels(old, new, only), only))


# ------------------------------------------------------------------------------ timeline
def cmd_timeline(args):
    from analyzer.kernel import snapshot as kernels
    from analyzer.views.diff import timeline
    snaps = kernels.resolve_kernels(args.kernels, quiet=args.quiet)
    return emit(args, "timeline", timeline(snaps, args.kfunc))
