"""`bpfstab deps`, `bpfstab impact`, `bpfstab audit`: the dependency graph and what it answers.

    deps INPUT... [-k KERNEL]... [--format json|graphml|dot] [-o FILE]
    deps --who-uses NAME INPUT... [--format text|json]
    impact --kfunc NAME --kernel NEW [--old OLD] INPUT...     (OLD: the newest bundled kernel before NEW)
    impact --diff OLD NEW INPUT...
    audit INPUT... [-k KERNEL]... [--format text|json|md|html] [-o FILE]

Exit codes: 0 ok; impact exits 1 when some program that loads on OLD fails on NEW; 2 bad input.
"""
import sys

from btf.inert import inert
from btf.errors import InputError

from analyzer.cli.progress import Progress
from analyzer.cli.commands._common import add_input_args, read_inputs, write_output
from reports.registry import renderer

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
    from analyzer.views.graph import build_graph, who_uses
    objects = _objects(args)
    if args.who_uses is not None:
        fmt = args.format or "text"
        if fmt not in ("text", "json"):
            raise InputError("--format", f"--who-uses writes text or json, not {fmt}")
        kernels = _kernels(args.kernel, args.quiet) if args.kernel else []
        g = build_graph(objects, kernels, changes=False)
        rows = who_uses(g, args.who_uses)
        write_output(args.output, renderer("who-uses", fmt)(args.who_uses, rows))
        return 0
    fmt = args.format or "json"
    if fmt == "text":
        raise InputError("--format", "the graph is written as json, graphml or dot (text is for --who-uses)")
    kernels = _kernels(args.kernel, args.quiet)
    with Progress(len(objects), "graph", quiet=args.quiet) as bar:
        g = build_graph(objects, kernels, progress=bar)
    write_output(args.output, renderer("deps", fmt)(g))
    return 0


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
    from analyzer.views.impact import impact
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
    write_output(args.output, renderer("impact", args.format)(doc))
    return 1 if doc["programs"] else 0


# ------------------------------------------------------------------------------ audit
def run_audit(args):
    from analyzer.views.audit import audit
    objects = _objects(args)
    kernels = _kernels(args.kernel, args.quiet)
    doc = audit(objects, kernels)
    write_output(args.output, renderer("audit", args.format)(doc))
    return 0
