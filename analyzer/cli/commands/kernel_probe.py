"""`bpfstab kernel probe`: confirm on the running kernel, by loading minimal programs, which program and
map types it has and which helpers and kfuncs each program type may call; attach those facts
(origin "probe") to the running kernel's snapshot and report where they differ from source facts.

The probing lives in analyzer/probe.py; this module parses arguments, saves and prints.
"""
import json
import os
import sys

from btf.errors import InputError

from analyzer.objects.sections import short_prog_type

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


def summary_lines(snap, facts, stats):
    """Human summary of one probe: counts per category, warnings, disagreements with source facts."""
    out = []
    s = stats.seconds
    out.append(f"probed {facts.version} (running) in {s.get('total', 0):.1f} s, {stats.loads} bpf() calls")
    if facts.prog_types is not None:
        known = [n for n in snap.prog_types if n != "BPF_PROG_TYPE_UNSPEC"]
        no = [short_prog_type(n) for n in known if n not in facts.prog_types]
        out.append(f"prog types   {len(facts.prog_types)}/{len(known)} load"
                   + (f" (not: {', '.join(no)})" if no else ""))
    if facts.map_types is not None:
        vals = {v for n, v in snap.map_types.items() if v != 0}
        got = {snap.map_types[n] for n in facts.map_types if n in snap.map_types}
        no = sorted({n[len("BPF_MAP_TYPE_"):].lower() for n, v in snap.map_types.items()
                     if v != 0 and v not in got and not n.endswith("_DEPRECATED")})
        out.append(f"map types    {len(got)}/{len(vals)} create" + (f" (not: {', '.join(no)})" if no else ""))
    if facts.helper_prog_types:
        sizes = sorted(len(v) for v in facts.helper_prog_types.values())
        total = len([n for n, v in snap.helpers.items() if v != 0])
        pairs = sum(sizes)
        out.append(f"helpers      {len(sizes)} prog types x {total} helpers: {pairs} offered pairs, "
                   f"{sizes[0]}-{sizes[-1]} per prog type")
    if facts.kfunc_prog_types:
        from analyzer.kernel.facts import ALL_PROG_TYPES
        every = sum(1 for v in facts.kfunc_prog_types.values() if ALL_PROG_TYPES in v)
        none = sum(1 for v in facts.kfunc_prog_types.values() if not v)
        some = len(facts.kfunc_prog_types) - every - none
        probed = facts.methods.get("kfunc_probed_prog_types") or []
        out.append(f"kfuncs       {len(facts.kfunc_prog_types)} kfuncs x {len(probed)} prog types: "
                   f"{every} for every type, {some} for some, {none} for none probed")
    for w in facts.warnings:
        out.append(f"warning: {w}")
    return out


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
        json.dump(doc, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    w = sys.stdout.write
    for line in summary_lines(snap, facts, stats):
        w(line + "\n")
    if "source" in snap.facts:
        src = snap.facts["source"]
        w(f"source facts ({src.detail or 'kernel source'}): {len(disagreements)} disagreement(s); "
          "the probe wins\n")
        for d in disagreements:
            w(f"  {d}\n")
    w(f"wrote {out}\n")
    return 0

