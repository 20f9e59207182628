"""`bpfstab deps`, `bpfstab impact`, `bpfstab audit`: the dependency graph and what it answers.

    deps INPUT... [-k KERNEL]... [--format json|graphml|dot] [-o FILE]
    deps --who-uses NAME INPUT... [--format text|json]
    impact --kfunc NAME --kernel NEW [--old OLD] INPUT...     (OLD: the newest bundled kernel before NEW)
    impact --diff OLD NEW INPUT...
    audit INPUT... [-k KERNEL]... [--format text|json|md|html] [-o FILE]

Exit codes: 0 ok; impact exits 1 when some program that loads on OLD fails on NEW; 2 bad input.
"""
import json
import sys

from btf.inert import inert
from btf.errors import InputError

from analyzer.cli.progress import Progress
from analyzer.cli.commands._common import add_input_args, read_inputs, write_output

KERNEL_HELP = ("snapshot file, bundled name or version (e.g. 6.1), 'running', 'all', or any kernel source "
               "'kernel import' accepts (default: bundled kernels + running)")


def register(sub):
    p = sub.add_parser("deps", help="dependency graph of programs on kernel items (json/graphml/dot), "
                                    "or who uses a kfunc/helper/type/field",
                       description="Build the dependency graph (programs -> kfuncs, helpers, CO-RE types and "
                                   "fields, program/attach types, attach targets, struct_ops, kconfig; kernels "
                                   "-> what they provide; items -> the kernels where they changed).")
    add_input_args(p)
    p.add_argument("-k", "--kernel", action="append", default=[], metavar="KERNEL", help=KERNEL_HELP)
    p.add_argument("--who-uses", metavar="NAME",
                   help="list objects/programs depending on this kfunc, helper, type or field, and how")
    p.add_argument("--format", choices=("json", "graphml", "dot", "text"), default=None,
                   help="graph: json (networkx node-link, default), graphml, dot; --who-uses: text (default) "
                        "or json")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.set_defaults(func=run_deps)

    p = sub.add_parser("impact", help="programs that load on OLD and fail on NEW (for one kfunc or a kernel diff)",
                       description="Programs that load on the old kernel and fail on the new one, with the "
                                   "finding each gets (computed by the check engine). Exit 1 when there are any.")
    add_input_args(p)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--kfunc", metavar="NAME", help="only programs that use this kfunc")
    g.add_argument("--diff", nargs=2, metavar=("OLD", "NEW"), help="every program, OLD -> NEW")
    p.add_argument("--kernel", metavar="NEW", help="with --kfunc: the kernel with the change")
    p.add_argument("--old", metavar="OLD", help="with --kfunc: the kernel programs load on today "
                                                "(default: the newest bundled kernel older than NEW)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.set_defaults(func=run_impact)

    p = sub.add_parser("audit", help="every kfunc shipped programs use, ranked, with its history and guards",
                       description="The kfunc audit: every kfunc used, ranked by packages and programs depending "
                                   "on it, with its history across the kernels and whether users guard it.")
    add_input_args(p)
    p.add_argument("-k", "--kernel", action="append", default=[], metavar="KERNEL", help=KERNEL_HELP)
    p.add_argument("--format", choices=("text", "json", "md", "html"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report here instead of stdout")
    p.set_defaults(func=run_audit)


def _objects(args):
    objects, warnings = read_inputs(args)
    for w in warnings:
        print(f"bpfstab: warning: {inert(w)}", file=sys.stderr)
    return objects


def _kernels(specs, quiet):
    from analyzer.views.diff import sort_kernels
    from analyzer.kernel.snapshot import resolve_kernels
    return sort_kernels(resolve_kernels(specs, quiet=quiet))


# ------------------------------------------------------------------------------ deps
def run_deps(args):
    from analyzer.views.graph import build_graph, to_dot, to_graphml, to_json, who_uses
    objects = _objects(args)
    if args.who_uses is not None:
        fmt = args.format or "text"
        if fmt not in ("text", "json"):
            raise InputError("--format", f"--who-uses writes text or json, not {fmt}")
        kernels = _kernels(args.kernel, args.quiet) if args.kernel else []
        g = build_graph(objects, kernels, changes=False)
        rows = who_uses(g, args.who_uses)
        if fmt == "json":
            text = json.dumps({"schema": "bpfstab.who-uses/1", "name": args.who_uses, "uses": rows},
                              indent=2) + "\n"
        else:
            text = who_uses_text(args.who_uses, rows)
        write_output(args.output, text)
        return 0
    fmt = args.format or "json"
    if fmt == "text":
        raise InputError("--format", "the graph is written as json, graphml or dot (text is for --who-uses)")
    kernels = _kernels(args.kernel, args.quiet)
    with Progress(len(objects), "graph", quiet=args.quiet) as bar:
        g = build_graph(objects, kernels, progress=bar)
    text = {"json": to_json, "graphml": to_graphml, "dot": to_dot}[fmt](g)
    write_output(args.output, text)
    return 0


def who_uses_text(name, rows):
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


# ------------------------------------------------------------------------------ impact
def _older_bundled(new):
    """The newest bundled kernel released before NEW."""
    from analyzer.kernel.snapshot import bundled_kernels, load_snapshot
    from analyzer.kernel.versions import release_key
    older = [s for s in (load_snapshot(p) for p in bundled_kernels())
             if release_key(s.release) < release_key(new.release)]
    if not older:
        raise InputError(new.id, "no bundled kernel is older than this one; give --old")
    return max(older, key=lambda s: release_key(s.release))


def run_impact(args):
    from analyzer.views.impact import impact, render_text
    from analyzer.kernel.snapshot import resolve_kernel
    if args.kfunc is not None:
        if not args.kernel:
            raise InputError("--kfunc", "needs --kernel NEW (the kernel with the change)")
        new = resolve_kernel(args.kernel, quiet=args.quiet)
        old = resolve_kernel(args.old, quiet=args.quiet) if args.old else _older_bundled(new)
    else:
        if args.kernel or args.old:
            raise InputError("--diff", "takes OLD and NEW itself; --kernel/--old go with --kfunc")
        old = resolve_kernel(args.diff[0], quiet=args.quiet)
        new = resolve_kernel(args.diff[1], quiet=args.quiet)
    objects = _objects(args)
    doc = impact(objects, old, new, kfunc=args.kfunc)
    text = json.dumps(doc, indent=2) + "\n" if args.format == "json" else render_text(doc)
    write_output(args.output, text)
    return 1 if doc["programs"] else 0


# ------------------------------------------------------------------------------ audit
RENDERERS = {"text": "audit_text", "json": "audit_json", "md": "audit_markdown", "html": "audit_html"}


def run_audit(args):
    import importlib

    from analyzer.views.audit import audit
    objects = _objects(args)
    kernels = _kernels(args.kernel, args.quiet)
    doc = audit(objects, kernels)
    text = importlib.import_module(f"reports.{RENDERERS[args.format]}").render(doc)
    write_output(args.output, text)
    return 0
