"""`bpfstab check`: will each program load on each kernel? Exit 0 all load, 1 something fails
(per --fail-on), 2 bad input or usage.

A BPF C source among the inputs (FILE.c, optionally --cflags) is judged before it is built: libclang
reads it (analyzer/source_program.py) and analyzer/source_check.py applies the same rules; its results
carry the .c path as "object" and FILE:LINE locations. What only the compiled code shows (ISA level,
code the optimiser drops) is not judged for sources."""
import sys

from btf.errors import InputError
from btf.inert import inert

from analyzer.check import summary
from analyzer.check.engine import check_objects
from analyzer.cli.progress import Progress
from analyzer.kernel.versions import release_key
from analyzer.check.min_kernel import min_kernels
from analyzer.views.artifacts import artifacts
from analyzer.cli.commands._common import add_input_args, read_inputs, read_sources, write_output
from reports.registry import renderer


def register(sub):
    p = sub.add_parser("check", help="predict whether programs load on kernels",
                       description="Predict, per program and kernel, whether a libbpf ≥ 1.0 load succeeds, "
                                   "with every reason. Exit codes: 0 everything passes --fail-on, 1 something "
                                   "fails it, 2 bad input or usage (also: nothing was checked).")
    add_input_args(p)
    p.add_argument("-k", "--kernel", action="append", default=[], metavar="KERNEL",
                   help="snapshot file, bundled name or version (e.g. 6.1), 'running', 'all', or any "
                        "kernel source 'kernel import' accepts (default: bundled kernels + running)")
    p.add_argument("--format", choices=("text", "json", "html", "md", "sarif", "junit"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report here instead of stdout")
    p.add_argument("--fail-on", choices=summary.FAIL_ON, default="fails",
                   help="what makes the exit code 1, each level including the ones before it: fails (a "
                        "program fails to load), unknown (also: cannot be told offline), feature-off (also: "
                        "loads with a feature off), warnings (also: any warning); never (default: fails)")
    p.add_argument("--min-kernel", action="store_true",
                   help="report the oldest given kernel each program loads on, and why older ones fail")
    p.set_defaults(func=run)


def load_inputs(args, *, allow_none=False):
    objects, warnings = read_inputs(args, allow_none=allow_none)
    for w in warnings:
        print(f"bpfstab: warning: {inert(w)}", file=sys.stderr)
    return objects


def run(args):
    from analyzer.kernel.snapshot import resolve_kernels
    from analyzer.check.source_check import check_sources
    sources = read_sources(args)           # C sources: verdicts from source analysis (libclang)
    for m in sources:
        for w in m.warnings:
            print(f"bpfstab: warning: {inert(m.path)}: {inert(w)}", file=sys.stderr)
    objects = load_inputs(args, allow_none=bool(sources))
    kernels = resolve_kernels(args.kernel)
    kernels = sorted(kernels, key=lambda k: release_key(k.release))
    with Progress((len(objects) + len(sources)) * len(kernels), "checking", quiet=args.quiet) as bar:
        results = check_objects(objects, kernels, progress=bar)
        results += check_sources(sources, kernels, progress=bar)
    if not results:     # a gate that checked nothing must not pass
        what = "no kernels" if not kernels else "no BPF programs in the inputs"
        raise InputError(" ".join(args.inputs), f"nothing to check: {what}")
    mk = min_kernels(results, kernels) if args.min_kernel else None
    if args.min_kernel and args.format in ("text", "json"):
        text = renderer("min-kernel", args.format)(mk)        # its own listing / bpfstab.min-kernel/1
    elif args.format == "json":
        text = renderer("check", "json")(results, kernels)
    elif args.format == "text":
        text = renderer("check", "text")(results, kernels, color=args.output is None and sys.stdout.isatty())
    elif args.format == "sarif":            # SARIF locates findings in files: resolved here, not in reports/
        text = renderer("check", "sarif")(results, kernels, min_kernel=mk, artifacts=artifacts(results))
    else:
        text = renderer("check", args.format)(results, kernels, min_kernel=mk)
    write_output(args.output, text)
    return summary.exit_code(results, args.fail_on)
