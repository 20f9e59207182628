"""The `bpfstab` command line: parses arguments, wires the pieces, maps errors to exit codes.

Each subcommand lives in its own module under analyzer/cli/commands/ and exposes
`register(subparsers)`; that function adds its parser and sets `func` to a callable taking the
parsed args and returning the exit code. Exit codes: 0 ok, 1 something fails (per --fail-on),
2 bad input or usage.
"""
import argparse
import importlib
import importlib.metadata
import os
import sys

from btf import limits
from btf.errors import InputError
from btf.inert import inert

COMMAND_MODULES = (
    "analyzer.cli.commands.kernel",    # kernel import/show/list/probe
    "analyzer.cli.commands.btfdump",   # btf dump (C rendering of types)
    "analyzer.cli.commands.scan",      # scan (embedded objects in binaries, headers, packages)
    "analyzer.cli.commands.inspect",   # inspect
    "analyzer.cli.commands.check",     # check
    "analyzer.cli.commands.kfuncs",    # kfuncs, diff, timeline
    "analyzer.cli.commands.deps",      # deps, impact, audit
)


class UsageError(InputError):
    def __init__(self, problem):
        super().__init__("bpfstab", problem)


class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus error over two lines; we promise one line and exit 2."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def version():
    """The installed distribution's version (package metadata); a checkout run without installing has
    none, and says so."""
    try:
        return importlib.metadata.version("bpfstab")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def build_parser():
    parser = _Parser(prog="bpfstab", description="Will this prebuilt eBPF program load on that kernel?")
    parser.add_argument("--version", action="version", version=f"bpfstab {version()}")
    parser.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                        help="raise or lower one resource limit for this run (e.g. MAX_DECOMPRESSED=2G; "
                             "SECURITY.md lists them; BPFSTAB_<NAME> in the environment does the same)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:      # a module that does not import is a broken install: let it raise
        importlib.import_module(name).register(sub)
    return parser


def main(argv=None):
    from analyzer.cli.progress import Progress
    from analyzer.kernel import snapshot
    snapshot.set_progress_factory(Progress)     # kernels imported on the fly show the CLI's bar
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        for spec in args.limit:
            try:
                limits.set_override(spec)
            except ValueError as e:
                raise UsageError(f"--limit: {e}") from None
        return args.func(args) or 0
    except UsageError as e:
        print(f"bpfstab: error: {e.problem}", file=sys.stderr)
        return 2
    except InputError as e:
        print(f"bpfstab: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bpfstab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except (OSError, ValueError, MemoryError, RecursionError) as e:
        if os.environ.get("BPFSTAB_DEBUG"):
            raise
        print(f"bpfstab: error: {type(e).__name__}: {inert(e)}", file=sys.stderr)
        return 2
    except Exception as e:      # a bug: still one line and exit 2 in a CI log, the traceback on request
        if os.environ.get("BPFSTAB_DEBUG"):
            raise
        print(f"bpfstab: internal error: {type(e).__name__}: {inert(e)} (BPFSTAB_DEBUG=1 shows the traceback; "
              f"please report it)", file=sys.stderr)
        return 2
    finally:
        limits.clear_overrides()


if __name__ == "__main__":
    sys.exit(main())
