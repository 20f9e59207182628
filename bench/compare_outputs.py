"""Do two checkouts of bpfstab print the same bytes? The proof that a restructuring changed no behaviour.

    python3 bench/compare_outputs.py --before /path/to/old/checkout [--after .] [--debs DIR] [--python PY]

Each checkout runs as `PY -m analyzer ...` with PYTHONPATH set to it (so neither needs installing),
both from the *before* checkout's directory with the same relative inputs (its corpus/programs, and
every .deb in --debs), on the four bundled kernels by name. Checkout paths in the output are
replaced by <ROOT>. Prints one line per command (identical / DIFFERENT, with the first differing
line) and exits 1 when anything differs, 2 on bad arguments.
"""
import argparse
import difflib
import glob
import os
import subprocess
import sys

KERNELS = ["-k", "5.10", "-k", "6.1", "-k", "6.12", "-k", "7.2"]
PT = ["--prog-type", "tun_rss_steering=socket_filter"]


def commands(debs):
    corpus = ["corpus/programs"]
    out = [
        ("check json corpus", ["check", *corpus, *PT, *KERNELS, "--format", "json", "--fail-on", "never"]),
        ("check text corpus", ["check", *corpus, *PT, *KERNELS, "--fail-on", "never"]),
        ("check md corpus", ["check", *corpus, *PT, *KERNELS, "--format", "md", "--fail-on", "never"]),
        ("check html corpus", ["check", *corpus, *PT, *KERNELS, "--format", "html", "--fail-on", "never"]),
        ("check sarif corpus", ["check", *corpus, *PT, *KERNELS, "--format", "sarif", "--fail-on", "never"]),
        ("check junit corpus", ["check", *corpus, *PT, *KERNELS, "--format", "junit", "--fail-on", "never"]),
        ("check min-kernel json", ["check", *corpus, *PT, *KERNELS, "--min-kernel", "--format", "json"]),
        ("check min-kernel text", ["check", *corpus, *PT, *KERNELS, "--min-kernel"]),
        ("check exit code", ["check", "corpus/programs/tracing", *KERNELS]),
        ("inspect json corpus", ["inspect", *corpus, *PT, "--json"]),
        ("inspect text corpus", ["inspect", *corpus, *PT]),
        ("diff json 6.12 7.2", ["diff", "6.12", "7.2", "--format", "json"]),
        ("diff text 5.10 6.1", ["diff", "5.10", "6.1"]),
        ("timeline json", ["timeline", "5.10", "6.1", "6.12", "7.2", "--format", "json"]),
        ("kfuncs json 7.2", ["kfuncs", "7.2", "--format", "json"]),
        ("kernel show 6.12 json", ["kernel", "show", "6.12", "--json"]),
        ("kernel show 7.2 text", ["kernel", "show", "7.2"]),
        ("deps json corpus", ["deps", *corpus, *PT, "-k", "6.12", "-k", "7.2", "--format", "json"]),
        ("deps who-uses", ["deps", "--who-uses", "bpf_task_from_pid", *corpus, *PT, "-k", "6.12"]),
        ("impact diff 6.12 7.2", ["impact", "--diff", "6.12", "7.2", *corpus, *PT]),
        ("audit json corpus", ["audit", *corpus, *PT, *KERNELS, "--format", "json"]),
        ("audit md corpus", ["audit", *corpus, *PT, *KERNELS, "--format", "md"]),
    ]
    for deb in debs:
        name = os.path.basename(deb)
        out.append((f"check json {name}", ["check", deb, *KERNELS, "--format", "json", "--fail-on", "never"]))
        out.append((f"scan json {name}", ["scan", deb, "--json"]))
        out.append((f"inspect json {name}", ["inspect", deb, "--json"]))
    if debs:
        out.append(("audit json debs", ["audit", *debs, *KERNELS, "--format", "json"]))
        out.append(("impact diff 5.10 6.1 debs", ["impact", "--diff", "5.10", "6.1", *debs]))
    return out


def run(python, checkout, cwd, args):
    # PYTHONSAFEPATH: `-m` must not put the working directory (the before checkout) ahead of PYTHONPATH;
    # PYTHONHASHSEED: the same hash seed in both runs, so an order left to set iteration cannot differ
    env = dict(os.environ, PYTHONPATH=checkout, PYTHONSAFEPATH="1", PYTHONHASHSEED="0",
               BPFSTAB_CACHE=os.path.join(cwd, ".compare-cache"))
    env.pop("BPFSTAB_DEBUG", None)
    p = subprocess.run([python, "-m", "analyzer", *args, "-q"] if args[0] in ("check", "inspect", "deps", "audit",
                                                                               "impact", "scan")
                       else [python, "-m", "analyzer", *args],
                       cwd=cwd, env=env, capture_output=True, timeout=1800)
    text = p.stdout.decode("utf-8", "replace")
    for root in {os.path.realpath(checkout), checkout.rstrip("/"), os.path.realpath(cwd)}:
        text = text.replace(root, "<ROOT>")
    return p.returncode, text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", required=True, help="the old checkout (inputs are read relative to it)")
    ap.add_argument("--after", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--debs", default=None, help="a directory of real .deb packages to check too")
    ap.add_argument("--python", default=sys.executable, help="interpreter with the dependencies installed")
    ap.add_argument("--only", default=None, help="only commands whose label contains this")
    a = ap.parse_args(argv)
    if sys.version_info < (3, 11):
        print("compare_outputs: needs Python 3.11 (PYTHONSAFEPATH)", file=sys.stderr)
        return 2
    for d in (a.before, a.after):
        if not os.path.isfile(os.path.join(d, "analyzer", "__main__.py")):
            print(f"compare_outputs: {d}: not a bpfstab checkout", file=sys.stderr)
            return 2
    debs = sorted(glob.glob(os.path.join(os.path.abspath(a.debs), "*.deb"))) if a.debs else []
    before, after = os.path.abspath(a.before), os.path.abspath(a.after)
    differ = 0
    for label, args in commands(debs):
        if a.only and a.only not in label:
            continue
        rb, ob = run(a.python, before, before, args)
        ra, oa = run(a.python, after, before, args)
        if (rb, ob) == (ra, oa):
            print(f"identical  {label} (exit {ra}, {len(oa)} bytes)")
            continue
        differ += 1
        first = next(difflib.unified_diff(ob.splitlines(), oa.splitlines(), lineterm="", n=0), None)
        diff = [ln for ln in difflib.unified_diff(ob.splitlines(), oa.splitlines(), lineterm="", n=0)][2:6]
        print(f"DIFFERENT  {label}: exit {rb} -> {ra}; {len(ob)} -> {len(oa)} bytes; first lines: {diff if first else ''}")
    print(f"{differ} of {len(commands(debs)) if not a.only else 'selected'} commands differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
