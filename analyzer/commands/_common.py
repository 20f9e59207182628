"""What every object-reading subcommand shares: input arguments, reading them, writing -o."""
import sys

from btf.errors import InputError

from ..progress import Progress

INPUT_HELP = "BPF objects, binaries, skeleton headers, .deb packages or directories"


def add_input_args(p):
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=INPUT_HELP)
    p.add_argument("--prog-type", action="append", default=[], metavar="SEC=TYPE",
                   help="program type for a section libbpf does not know (e.g. tun_rss_steering=socket_filter)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def read_inputs(args):
    """(objects, input warnings) for args.inputs; finding no object at all is bad input."""
    from ..objects import load_objects
    from ..sections import parse_prog_type_overrides
    overrides = parse_prog_type_overrides(args.prog_type)
    with Progress(len(args.inputs), "reading", quiet=args.quiet) as bar:
        objects, warnings = load_objects(args.inputs, prog_type_overrides=overrides, progress=bar)
    if not objects:
        if len(args.inputs) == 1 and len(warnings) == 1 and warnings[0].startswith(args.inputs[0] + ": "):
            raise InputError(args.inputs[0], warnings[0][len(args.inputs[0]) + 2:])
        raise InputError(" ".join(args.inputs), "no BPF objects found")
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
