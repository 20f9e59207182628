"""`bpfstab kernel import|show|list`: make, inspect and enumerate kernel snapshots."""
import json
import os
import sys
from pathlib import Path

from btf.errors import InputError


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
    imp.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    imp.set_defaults(func=cmd_import)

    show = sub.add_parser("show", help="what a kernel snapshot holds")
    show.add_argument("kernel", metavar="FILE|NAME", help="snapshot file, bundled name, version, 'running' or a kernel file")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.add_argument("--quiet", "-q", action="store_true", help="no progress bar when importing on the fly")
    show.set_defaults(func=cmd_show)

    lst = sub.add_parser("list", help="bundled and cached kernel snapshots")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=cmd_list)


def cmd_import(args):
    from analyzer import kernels
    from analyzer.progress import Progress
    if args.src != "running" and not os.path.exists(args.src):
        raise InputError(args.src, "no such file")
    if args.config is not None and not os.path.isfile(args.config):
        raise InputError(args.config, "no such file")
    with Progress(0, "import", quiet=args.quiet) as pr:
        if args.output:
            snap = kernels.import_kernel(args.src, config_path=args.config, name=args.name,
                                         with_modules=args.modules, progress=pr)
            out = kernels.save_snapshot(snap, args.output)
        else:
            snap, out = kernels.import_to_cache(args.src, config_path=args.config, name=args.name,
                                                with_modules=args.modules, progress=pr)
    if not args.quiet:
        c = snap.kfunc_counts()
        print(f"{snap.release} {snap.arch}: {snap.btf.type_count - 1} types, {c['total']} kfuncs, "
              f"{len(snap.module_names)} modules", file=sys.stderr)
    print(out)
    return 0


def _flags_text(k):
    if k.flags is None:
        return ""
    return "|".join(k.flag_names) if k.flag_names else f"0x{k.flags:x}"


def cmd_show(args):
    from analyzer import kernels
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
        extra.append("found by " + ",".join(k.found_by))
        w(f"  {k.proto};  /* {'; '.join(extra)} */\n")
    return 0


def cmd_list(args):
    from analyzer import kernels
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
        print(f"no kernel snapshots (bundled: {kernels.BUNDLED_DIR}, cache: {kernels.cache_dir()})")
        return 0
    hdr = ("ID", "RELEASE", "ARCH", "KFUNCS", "WHERE", "SOURCE", "FILE")
    table = [hdr] + [(r["id"], r["release"] or "-", r["arch"] or "-",
                      "-" if r["kfuncs"] is None else str(r["kfuncs"]), r["where"],
                      (r["source"] or r.get("error") or "-")[:60], r["file"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(hdr) - 1)]
    for row in table:
        print("  ".join(v.ljust(widths[i]) for i, v in enumerate(row[:-1])) + "  " + row[-1])
    return 0
