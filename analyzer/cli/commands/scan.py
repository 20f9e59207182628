"""`bpfstab scan`: list the BPF objects inside files, packages and directories (and extract them)."""
import os
import re
import sys

from btf.inert import inert
from analyzer.objects.embedded import find_objects, program_sections
from analyzer.cli.progress import Progress
from btf.errors import InputError

from reports.registry import renderer

HELP = """\
Find eBPF objects: plain .bpf.o files, objects embedded in ELF executables and libraries
(libbpf skeletons), skeleton headers (*.skel.h), Debian packages (.deb) and directories.
For each object prints its name, where it was found, its size and its program sections.

Exit status: 0 when every FILE could be scanned (also when nothing was found, and when some
members of a package or directory could not be read: those are reported as warnings on stderr);
2 when a FILE itself is missing, unreadable, of an unsupported kind, or a corrupt BPF object."""


def register(subparsers):
    p = subparsers.add_parser("scan", help="find BPF objects in binaries, skeleton headers, packages",
                              description=HELP, formatter_class=_raw_formatter())
    p.add_argument("files", nargs="+", metavar="FILE", help="file, package or directory to scan")
    p.add_argument("--json", action="store_true", help="print a JSON document instead of text")
    p.add_argument("-o", "--output", metavar="DIR", help="directory for --extract (default: .)")
    p.add_argument("--extract", action="store_true",
                   help="write every object found to -o DIR as <sanitised name>.bpf.o")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _raw_formatter():
    import argparse
    return argparse.RawDescriptionHelpFormatter


_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def sanitize(name):
    """A file name made from an object name: path separators and odd characters become '_'."""
    s = _UNSAFE.sub("_", name.replace(os.sep, "_").replace("#", "__")).strip("._")
    return (s or "object")[:200]


def run(args):
    out_dir = (args.output or ".") if args.extract else None
    if args.output and not args.extract:
        raise InputError("-o", "an output directory only makes sense with --extract")
    results = []
    warnings = []
    with Progress(len(args.files), "scan", quiet=args.quiet) as prog:
        for path in args.files:
            objs, warns = find_objects(path, progress=prog)
            prog.advance(1, note=os.path.basename(path))
            results.extend(objs)
            warnings.extend(warns)
    for w in warnings:
        print(f"bpfstab: warning: {inert(w)}", file=sys.stderr)

    rows = []
    for o in results:
        try:
            secs = program_sections(o.data)
        except Exception as e:          # validated already; keep listing the rest
            secs = []
            print(f"bpfstab: warning: {inert(o.name)}: cannot list sections: {inert(e)}", file=sys.stderr)
        rows.append({"name": o.name, "container": o.container, "member": o.member,
                     "offset": o.offset, "size": o.size, "duplicate_of": o.duplicate_of,
                     "program_sections": secs})

    if out_dir is not None:
        try:
            os.makedirs(out_dir, exist_ok=True)
        except OSError as e:
            raise InputError(out_dir, f"cannot create output directory: {e.strerror or e}") from None
        used = set()
        for o, row in zip(results, rows):
            prefix = os.path.dirname(o.container.rstrip(os.sep))
            short = o.name[len(prefix):].lstrip(os.sep) if prefix and o.name.startswith(prefix) else o.name
            base = sanitize(short)
            fn, n = base + ".bpf.o", 1
            while fn in used:
                n += 1
                fn = f"{base}.{n}.bpf.o"
            used.add(fn)
            dest = os.path.join(out_dir, fn)
            try:
                with open(dest, "wb") as f:
                    f.write(o.data)
            except OSError as e:
                raise InputError(dest, f"cannot write: {e.strerror or e}") from None
            row["extracted_to"] = dest

    if args.json:
        sys.stdout.write(renderer("scan", "json")(rows, warnings))
    else:
        sys.stdout.write(renderer("scan", "text")(rows, warnings))
    return 0
