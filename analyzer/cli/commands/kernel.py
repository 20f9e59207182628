"""`bpfstab kernel import|facts|show|list`: make, annotate, inspect and enumerate kernel snapshots."""
import os
import sys
from pathlib import Path

from btf.inert import inert
from btf.errors import InputError

from reports.registry import renderer


def register(subparsers):
    p = subparsers.add_parser("kernel", help="import, show and list kernel snapshots")
    sub = p.add_subparsers(dest="kernel_command", metavar="SUBCOMMAND", parser_class=type(p))
    sub.required = True

    imp = sub.add_parser("import", help="make a snapshot from a kernel file, a Debian package or 'running'")
    imp.add_argument("src", metavar="SRC", nargs="+",
                     help="'running', raw BTF, vmlinux, vmlinuz/bzImage, or one kernel's Debian packages "
                          "(image/binary, base, modules, -dbg; missing siblings are looked for next to them)")
    imp.add_argument("--config", metavar="FILE", help="the kernel's .config (when SRC does not carry it)")
    imp.add_argument("--system-map", metavar="FILE", dest="system_map",
                     help="the kernel's System.map (symbols for typeless ksyms, fentry and kprobe targets)")
    imp.add_argument("--name", metavar="NAME", help="name of the snapshot (default: the file name or release)")
    imp.add_argument("--modules", action="store_true", help="also import module BTF (larger snapshot)")
    imp.add_argument("-o", "--output", metavar="FILE", help="where to write the snapshot (default: the cache)")
    imp.add_argument("--source", metavar="TREE",
                     help="kernel source (directory, linux-source .deb or .tar.xz): attach kfunc/helper access "
                          "per program type read from it with libclang")
    imp.add_argument("--no-borrow", action="store_true", dest="no_borrow",
                     help="without --source, do not borrow the source facts of a bundled kernel of the same "
                          "major.minor")
    imp.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    imp.set_defaults(func=cmd_import)

    fac = sub.add_parser("facts", help="attach facts read from a kernel source tree to an existing snapshot")
    fac.add_argument("kernel", metavar="FILE|NAME", help="snapshot file, bundled name or version")
    fac.add_argument("--source", metavar="TREE", required=True,
                     help="kernel source: a directory, a Debian linux-source .deb or a linux-source .tar.xz")
    fac.add_argument("--config", metavar="FILE",
                     help="the kernel's full .config (default: the BPF-relevant subset the snapshot keeps)")
    fac.add_argument("-o", "--output", metavar="FILE",
                     help="write the snapshot here (default: in place, only for bundled and cached snapshots)")
    fac.add_argument("--no-cache", action="store_true", help="re-parse the tree even when its results are cached")
    fac.add_argument("--quiet", "-q", action="store_true", help="no progress bar, no summary")
    fac.set_defaults(func=cmd_facts)

    show = sub.add_parser("show", help="what a kernel snapshot holds")
    show.add_argument("kernel", metavar="FILE|NAME", help="snapshot file, bundled name, version, 'running' or a kernel file")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.add_argument("--quiet", "-q", action="store_true", help="no progress bar when importing on the fly")
    show.set_defaults(func=cmd_show)

    lst = sub.add_parser("list", help="bundled and cached kernel snapshots")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=cmd_list)

    import importlib.util                       # `kernel probe`, when its module is present
    if importlib.util.find_spec("analyzer.cli.commands.kernel_probe") is not None:
        from analyzer.cli.commands import kernel_probe
        kernel_probe.add_parser(sub)


def cmd_import(args):
    from analyzer.kernel import snapshot as kernels
    from analyzer.cli.progress import Progress
    for src in args.src:
        if src != "running" and not os.path.exists(src):
            raise InputError(src, "no such file")
    for flag in (args.config, args.system_map):
        if flag is not None and not os.path.isfile(flag):
            raise InputError(flag, "no such file")
    src = args.src if len(args.src) > 1 else args.src[0]
    if args.source is not None and not os.path.exists(args.source):
        raise InputError(args.source, "no such file or directory")
    with Progress(0, "import", quiet=args.quiet) as pr:
        if args.output:
            snap = kernels.import_kernel(src, config_path=args.config, name=args.name,
                                         with_modules=args.modules, progress=pr, system_map=args.system_map)
            out = args.output
        else:
            snap, out = kernels.import_to_cache(src, config_path=args.config, name=args.name,
                                                with_modules=args.modules, progress=pr, system_map=args.system_map)
        if args.source is not None:
            _attach_source_facts(snap, args.source, args.config, pr, use_cache=True)
        elif not args.no_borrow:
            from analyzer.kernel.facts_reference import borrow
            kf = borrow(snap)
            if kf is not None:
                snap.set_facts(kf)
        if args.output or args.source is not None or snap.facts:
            out = kernels.save_snapshot(snap, out)
    # what was found and what was not, on every import (kept in the snapshot too: `kernel show`)
    if not args.quiet:
        sys.stderr.write(renderer("kernel import", "text")(snap))
        c = snap.kfunc_counts()
        print(f"{snap.release} {snap.arch}: {snap.btf.type_count - 1} types, {c['total']} kfuncs, "
              f"{len(snap.module_names)} modules", file=sys.stderr)
    print(out)
    return 0


def _config_text(snap, config_path):
    """(config text, label): the --config file, else the snapshot's BPF-relevant subset."""
    if config_path is not None:
        try:
            with open(config_path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError as e:
            raise InputError(config_path, e.strerror or str(e)) from None
        if "CONFIG_" not in text:
            raise InputError(config_path, "not a kernel .config (no CONFIG_ lines)")
        return text, os.path.basename(config_path)
    full = getattr(snap, "full_config_text", None)
    if full and "CONFIG_" in full:
        return full, f"the full config of {snap.source}"
    lines = [f"{k}={v}" for k, v in sorted(snap.config.items()) if v != "n"]
    return "\n".join(lines) + "\n", f"the snapshot's {len(lines)}-option BPF subset"


def _attach_source_facts(snap, source, config_path, progress, use_cache=True):
    from analyzer.kernel import source as kernel_source
    text, label = _config_text(snap, config_path)
    if config_path is None and not label.startswith("the full config"):
        n = sum(1 for v in snap.config.values() if v != "n")
        loud = ("WARNING: no kernel config: the source is parsed with every CONFIG_ option unset, so "
                "#ifdef'd kfunc sets and helpers are missing from the facts" if n == 0 else
                f"WARNING: no full kernel config: the source is parsed with only {label}; #ifdef CONFIG_ "
                "blocks outside it are skipped")
        print(f"{loud}; pass --config with the kernel's .config", file=sys.stderr)
    kf = kernel_source.source_facts(source, text, config_label=label, progress=progress, use_cache=use_cache)
    if config_path is None and not label.startswith("the full config"):
        kf.warnings = [f"parsed with the snapshot's config subset ({label}); pass --config with the full "
                       f".config for #ifdef CONFIG_ blocks outside it"] + list(kf.warnings)
    built = _built_version(snap)
    if kf.version and built and kf.version != built:
        kf.warnings = [f"source version {kf.version} differs from the kernel's {built} (release {snap.release}): "
                       f"facts of a neighbouring tree"] + list(kf.warnings)
    snap.set_facts(kf)
    return kf


def _built_version(snap):
    """The upstream version a kernel was built from: "Debian 6.12.107-1" in its banner, else the leading
    x.y.z of its release (Debian's ABI names such as 6.1.0-56 carry no sublevel: then None)."""
    import re
    found = re.findall(r"Debian (\d+\.\d+(?:\.\d+)?)[-+~][^ ]* \(", snap.version_banner or "")
    if found:
        return found[-1]             # the kernel's own package version (the compiler's comes first)
    m = re.match(r"(\d+\.\d+\.\d+)", snap.release or "")
    if m and not re.match(r"\d+\.\d+\.0-\d+", snap.release):
        return m.group(1)
    return None


def cmd_facts(args):
    from analyzer.kernel import snapshot as kernels
    from analyzer.cli.progress import Progress
    if not os.path.exists(args.source):
        raise InputError(args.source, "no such file or directory")
    if args.config is not None and not os.path.isfile(args.config):
        raise InputError(args.config, "no such file")
    snap = kernels.resolve_kernel(args.kernel, quiet=args.quiet)
    if args.output:
        out = Path(args.output)
    else:
        owned = [*(d.resolve() for d in kernels.BUNDLED_PLACES), kernels.cache_dir().resolve()]
        where = snap.path.resolve().parent if snap.path else None
        if where is None or where not in owned:
            raise InputError(args.kernel, "not a bundled or cached snapshot: give -o FILE to write the "
                                          "snapshot with facts (the input file is left as it is)")
        out = snap.path
    snap.btf_bytes                          # read the BTF before the file may be replaced
    with Progress(0, "source facts", quiet=args.quiet) as pr:
        kf = _attach_source_facts(snap, args.source, args.config, pr, use_cache=not args.no_cache)
    kernels.save_snapshot(snap, out)
    if not args.quiet:
        print(renderer("kernel facts", "text")(snap, kf), file=sys.stderr)
    print(out)
    return 0


def cmd_show(args):
    from analyzer.kernel import snapshot as kernels
    snap = kernels.resolve_kernel(args.kernel, quiet=args.quiet)
    sys.stdout.write(renderer("kernel show", "json" if args.json else "text")(snap))
    return 0


def cmd_list(args):
    from analyzer.kernel import snapshot as kernels
    rows = []
    for where, paths in (("bundled", kernels.bundled_kernels()), ("cached", kernels.cached_kernels())):
        for p in paths:
            try:
                s = kernels.snapshot_summary(p)
            except InputError as e:
                s = {"id": Path(p).name, "release": None, "arch": None, "source": None, "kfuncs": None,
                     "modules": None, "file": str(p), "error": e.problem}
            s["where"] = where
            rows.append(s)
    if args.json:
        sys.stdout.write(renderer("kernel list", "json")(rows))
    else:
        sys.stdout.write(renderer("kernel list", "text")(rows, bundled=kernels.bundled_dir(),
                                                          cache=kernels.cache_dir()))
    return 0
