"""`bpfstab kernel probe`: confirm on the running kernel, by loading minimal programs, which program and
map types it has and which helpers and kfuncs each program type may call; attach those facts
(origin "probe") to the running kernel's snapshot and report where they differ from source facts.

The probing lives in analyzer/probe.py; this module parses arguments and saves; reports/kernel_probe.py
writes the summary.
"""
import os
import sys

from btf.errors import InputError

from reports.registry import renderer

SCHEMA = "bpfstab.probe/1"


def add_parser(sub):
    """Add `probe` to the `kernel` subcommand's subparsers."""
    p = sub.add_parser("probe", help="load minimal programs on the running kernel (root) to confirm program "
                                     "and map types, helpers and kfuncs per program type")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the snapshot with the probe facts here (default: the cache entry of 'running')")
    p.add_argument("--only", metavar="LIST",
                   help="comma-separated subset of: prog-types,map-types,helpers,kfuncs (default: all)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bar (there is none either when stderr is not a terminal)")
    p.set_defaults(func=cmd_probe)
    return p


def parse_only(text):
    from analyzer.kernel.probe import CATEGORIES
    if text is None:
        return CATEGORIES
    got = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in got if t not in CATEGORIES]
    if bad or not got:
        raise InputError("--only", f"unknown category {', '.join(bad) or '(empty)'} "
                                   f"(choose from {','.join(CATEGORIES)})")
    return tuple(c for c in CATEGORIES if c in got)


def _carry_over(new, old, only):
    """Categories not probed this time keep the values of an earlier probe of the same kernel."""
    if old is None or old.version != new.version:
        return
    if "prog-types" not in only and new.prog_types is None:
        new.prog_types = old.prog_types
    if "map-types" not in only and new.map_types is None:
        new.map_types = old.map_types
    if "helpers" not in only and not new.helper_prog_types:
        new.helper_prog_types = old.helper_prog_types
    if "kfuncs" not in only and not new.kfunc_prog_types:
        new.kfunc_prog_types = old.kfunc_prog_types
        if "kfunc_probed_prog_types" in old.methods:
            new.methods.setdefault("kfunc_probed_prog_types", old.methods["kfunc_probed_prog_types"])
    for key, val in old.methods.items():
        new.methods.setdefault(key, val)


def cmd_probe(args):
    from analyzer.kernel import snapshot as kernels
    from analyzer.kernel import probe
    from analyzer.cli.progress import Progress
    only = parse_only(args.only)
    try:
        bpf = probe.open_bpf()
    except probe.ProbeUnavailable as e:
        raise InputError("bpf()", str(e)) from None
    if not kernels.running_available():
        raise InputError(kernels.RUNNING_BTF, "not readable: the running kernel's BTF is needed to probe")
    snap = kernels.resolve_kernel("running", quiet=args.quiet or args.json)
    old = snap.facts.get("probe")
    with Progress(0, "probe", quiet=args.quiet or args.json) as pr:
        facts, stats = probe.probe_running(snap, only=only, progress=pr, bpf=bpf)
    _carry_over(facts, old, only)
    snap.set_facts(facts)
    if args.output:
        out = kernels.save_snapshot(snap, args.output)
    else:
        cached = snap.path if snap.path and str(snap.path).startswith(str(kernels.cache_dir())) else None
        out = kernels.save_snapshot(snap, cached or kernels.cache_path_for("running", snap.release))
    disagreements = list(snap.merged_facts.disagreements) if "source" in snap.facts else []
    if args.json:
        doc = {"schema": SCHEMA, "kernel": snap.id, "release": snap.release, "file": str(out),
               "categories": list(only), "seconds": {k: round(v, 3) for k, v in stats.seconds.items()},
               "bpf_calls": stats.loads, "facts": facts.to_json(), "disagreements": disagreements}
        sys.stdout.write(renderer("kernel probe", "json")(doc))
    else:
        sys.stdout.write(renderer("kernel probe", "text")(snap, facts, stats, disagreements, out))
    return 0

