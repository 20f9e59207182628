"""`bpfstab kernel import|facts|show|list`: make, annotate, inspect and enumerate kernel snapshots."""
import json
import os
import sys
from pathlib import Path

from btf.errors import InputError

from analyzer.kernel.facts import ALL_PROG_TYPES
from analyzer.objects.sections import short_prog_type


def register(subparsers):
    p = subparsers.add_parser("kernel", help="import, show and list kernel snapshots")
    sub = p.add_subparsers(dest="kernel_command", metavar="SUBCOMMAND", parser_class=type(p))
    sub.required = True

    imp = sub.add_parser("import", help="make a snapshot from a kernel file, a Debian package or 'running'")
    imp.add_argument("src", metavar="SRC", help="'running', raw BTF, vmlinux, vmlinuz/bzImage or a .deb")
    imp.add_argument("--config", metavar="FILE", help="the kernel's .config (when SRC does not carry it)")
    imp.add_argument("--name", metavar="NAME", help="name of the snapshot (default: the file name or release)")
    imp.add_argument("--modules", action="store_true", help="also import module BTF (larger snapshot)")
    imp.add_argument("-o", "--output", metavar="FILE", help="where to write the snapshot (default: the cache)")
    imp.add_argument("--source", metavar="TREE",
                     help="kernel source (directory, linux-source .deb or .tar.xz): attach kfunc/helper access "
                          "per program type read from it with libclang")
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
    if args.src != "running" and not os.path.exists(args.src):
        raise InputError(args.src, "no such file")
    if args.config is not None and not os.path.isfile(args.config):
        raise InputError(args.config, "no such file")
    if args.source is not None and not os.path.exists(args.source):
        raise InputError(args.source, "no such file or directory")
    with Progress(0, "import", quiet=args.quiet) as pr:
        if args.output:
            snap = kernels.import_kernel(args.src, config_path=args.config, name=args.name,
                                         with_modules=args.modules, progress=pr)
            out = args.output
        else:
            snap, out = kernels.import_to_cache(args.src, config_path=args.config, name=args.name,
                                                with_modules=args.modules, progress=pr)
        if args.source is not None:
            _attach_source_facts(snap, args.source, args.config, pr, use_cache=True)
        if args.output or args.source is not None:
            out = kernels.save_snapshot(snap, out)
    if not args.quiet:
        c = snap.kfunc_counts()
        print(f"{snap.release} {snap.arch}: {snap.btf.type_count - 1} types, {c['total']} kfuncs, "
              f"{len(snap.module_names)} modules", file=sys.stderr)
        if args.source is not None:
            print(_facts_line(snap, snap.facts["source"]), file=sys.stderr)
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


def _facts_line(snap, kf):
    from analyzer.kernel.source import kfunc_coverage
    cov = kfunc_coverage(snap, kf)
    return (f"facts from {kf.origin}: {kf.detail or '-'}: {len(kf.kfunc_prog_types)} kfuncs with program types "
            f"({cov['known']}/{cov['total']} of the snapshot's kfuncs), helpers for "
            f"{len(kf.helper_prog_types)} program types, {len(kf.warnings)} warnings")


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
        print(_facts_line(snap, kf), file=sys.stderr)
    print(out)
    return 0


def _flags_text(k):
    if k.flags is None:
        return ""
    return "|".join(k.flag_names) if k.flag_names else f"0x{k.flags:x}"


def cmd_show(args):
    from analyzer.kernel import snapshot as kernels
    snap = kernels.resolve_kernel(args.kernel, quiet=args.quiet)
    if args.json:
        json.dump(snap.to_json(), sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    c = snap.counts()
    kc = snap.kfunc_counts()
    w = sys.stdout.write
    w(f"kernel   {snap.id}\n")
    w(f"release  {snap.release}\n")
    w(f"arch     {snap.arch}\n")
    w(f"source   {snap.source}\n")
    if snap.path:
        w(f"file     {snap.path}\n")
    by = ", ".join(f"{m} {n}" for m, n in kc.items() if m not in ("total", "impl") and n)
    w(f"types {c['types']}  kfuncs {c['kfuncs']} ({by or 'none'}"
      f"{', _impl ' + str(kc['impl']) if kc['impl'] else ''})\n")
    w(f"prog types {c['prog_types']}  attach types {c['attach_types']}  map types {c['map_types']}  "
      f"helpers {c['helpers']}  contexts {c['contexts']}  struct_ops {c['struct_ops']}\n")
    syms = c["function_symbols"]
    w(f"functions {c['functions']}  tracepoints {c['tracepoints']}  lsm hooks {c['lsm_hooks']}  "
      f"iterators {c['iterators']}  symtab functions {syms if syms is not None else '-'}  modules {c['modules']}\n")
    if snap.struct_ops:
        w(f"struct_ops: {' '.join(snap.struct_ops)}\n")
    if snap.config:
        hl = [f"{k[7:]}={snap.config[k]}" for k in kernels.CONFIG_HIGHLIGHTS if k in snap.config]
        w(f"config ({len(snap.config)} BPF-relevant options): {' '.join(hl)}\n")
    else:
        w("config: not available\n")
    for n in snap.notes:
        w(f"note: {n}\n")
    for origin, kf in sorted(snap.facts.items()):
        w(_facts_line(snap, kf) + "\n")
        for k, v in sorted(kf.methods.items()):
            w(f"  {k}: {v}\n")
    if not snap.facts:
        w("facts: none (program-type access of kfuncs and helpers unknown; `bpfstab kernel facts` adds them)\n")
    w(f"\nkfuncs ({len(snap.kfuncs)}):\n")
    for k in snap.kfuncs.values():
        extra = []
        fl = _flags_text(k)
        if fl:
            extra.append(fl)
        if k.fastcall:
            extra.append("fastcall")
        if k.impl_of:
            extra.append(f"impl of {k.impl_of}")
        if k.module:
            extra.append(f"module {k.module}")
        types, origin = snap.merged_facts.kfunc_prog_type_list(k.impl_of if k.impl_of and k.found_by ==
                                                               ["kf_implicit_args"] else k.name)
        if types is not None:
            short = [short_prog_type(t) if t != ALL_PROG_TYPES else "all" for t in types]
            extra.append(f"prog types ({origin}): {' '.join(short) or 'none'}")
        extra.append("found by " + ",".join(k.found_by))
        w(f"  {k.proto};  /* {'; '.join(extra)} */\n")
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
        json.dump(rows, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print(f"no kernel snapshots (bundled: {kernels.bundled_dir() or 'none'}, cache: {kernels.cache_dir()})")
        return 0
    hdr = ("ID", "RELEASE", "ARCH", "KFUNCS", "WHERE", "SOURCE", "FILE")
    table = [hdr] + [(r["id"], r["release"] or "-", r["arch"] or "-",
                      "-" if r["kfuncs"] is None else str(r["kfuncs"]), r["where"],
                      (r["source"] or r.get("error") or "-")[:60], r["file"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(hdr) - 1)]
    for row in table:
        print("  ".join(v.ljust(widths[i]) for i, v in enumerate(row[:-1])) + "  " + row[-1])
    return 0
