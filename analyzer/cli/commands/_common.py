"""What every object-reading subcommand shares: input arguments, reading them, writing -o."""
import sys

from btf.errors import InputError

from analyzer.cli.progress import Progress

INPUT_HELP = ("BPF objects, binaries, skeleton headers, .deb packages or directories; BPF C sources (*.c) are "
              "analysed with libclang before they are built")


def add_input_args(p):
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=INPUT_HELP)
    p.add_argument("--prog-type", action="append", default=[], metavar="SEC=TYPE",
                   help="program type for a section libbpf does not know (e.g. tun_rss_steering=socket_filter)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--cflags", default="", metavar="FLAGS",
                   help="extra clang flags for C sources, e.g. --cflags=\"-I include -DFOO\" (the defaults are "
                        "build.sh's: -target bpf -O2 -D__TARGET_ARCH_x86 -I<dir of the file>)")


def source_paths(inputs):
    """The inputs that are BPF C sources (a .c file given by name; directories are scanned for objects)."""
    import os
    return [p for p in inputs if p.endswith(".c") and not os.path.isdir(p)]


def read_sources(args):
    """analyzer.source.program.SourceModel for each C source among args.inputs (InputError on the first
    that does not parse)."""
    paths = source_paths(args.inputs)
    if not paths:
        return []
    from analyzer.objects.sections import parse_prog_type_overrides
    from analyzer.source.program import parse_source
    overrides = parse_prog_type_overrides(args.prog_type)
    out = []
    with Progress(len(paths), "parsing", quiet=args.quiet) as bar:
        for p in paths:
            out.append(parse_source(p, args.cflags, prog_type_overrides=overrides))
            bar.advance(1, p)
    return out


def read_inputs(args, *, allow_none=False):
    """(objects, input warnings) for the inputs that are not C sources; finding no object in them is bad
    input. allow_none: there may be no such inputs (C sources only)."""
    from analyzer.objects.model import load_objects
    from analyzer.objects.sections import parse_prog_type_overrides
    sources = set(source_paths(args.inputs))
    inputs = [p for p in args.inputs if p not in sources]
    if not inputs and allow_none:
        return [], []
    overrides = parse_prog_type_overrides(args.prog_type)
    with Progress(len(inputs), "reading", quiet=args.quiet) as bar:
        objects, warnings = load_objects(inputs, prog_type_overrides=overrides, progress=bar)
    if not objects:
        if len(inputs) == 1 and len(warnings) == 1 and warnings[0].startswith(inputs[0] + ": "):
            raise InputError(inputs[0], warnings[0][len(inputs[0]) + 2:])
        raise InputError(" ".join(inputs), "no BPF objects found")
    return objects, warnings


def write_output(path, text):
    """The report to -o FILE, or stdout."""
    if not path:
        sys.stdout.write(text)
        return
    try:
        with open(path, "w") as fh:
            fh.write(text)
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None
