"""Benchmark: rendering reports of a large check (issue 8 target: HTML for 800 programs x 5 kernels
in <= 5 s and <= 5 MB).

    python3 bench/report_bench.py [--programs N] [--kernels K]

Checks the real corpus (corpus/programs) on the bundled kernels plus the running one (or a copy of
a bundled one under another name when the running kernel's BTF is unreadable), then repeats those
real results under renamed objects until N distinct programs exist, and times every check renderer
on the N x K results (--min-kernel rows included). Run on demand; figures go in the README.
"""
import argparse
import dataclasses
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from analyzer.check.min_kernel import min_kernels                 # noqa: E402
from analyzer.check.engine import check_objects                       # noqa: E402
from analyzer.kernel.snapshot import bundled_kernels, load_snapshot, resolve_kernel  # noqa: E402
from analyzer.objects.model import load_objects                       # noqa: E402
from analyzer.objects.sections import parse_prog_type_overrides         # noqa: E402
from analyzer.kernel.versions import release_key                       # noqa: E402
from analyzer.views.artifacts import artifacts                        # noqa: E402
from reports import check_html, check_json, check_junit, check_markdown, check_sarif, check_text  # noqa: E402


def kernels_for(n):
    ks = [load_snapshot(p) for p in bundled_kernels()]
    if len(ks) < n:
        try:
            ks.append(resolve_kernel("running", quiet=True))
        except Exception as e:                  # no readable /sys/kernel/btf/vmlinux
            print(f"(running kernel unavailable: {e}; using a renamed copy of a bundled one)")
    while len(ks) < n:                          # same BTF, another id: still a distinct matrix column
        k = load_snapshot(bundled_kernels()[len(ks) % len(bundled_kernels())])
        k.id = f"{k.id}-copy{len(ks)}"
        ks.append(k)
    return sorted(ks[:n], key=lambda k: release_key(k.release))


def synthesize(results, nprog):
    """Real results repeated under renamed objects until `nprog` distinct (object, program) pairs."""
    by_prog = {}
    for r in results:
        by_prog.setdefault((r.object, r.program), []).append(r)
    progs = list(by_prog.values())
    out, count, copy = [], 0, 0
    while True:
        for rs in progs:
            if count == nprog:
                return out
            out.extend(dataclasses.replace(r, object=f"copy{copy}/{r.object}") for r in rs)
            count += 1
        copy += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--programs", type=int, default=800)
    ap.add_argument("--kernels", type=int, default=5)
    args = ap.parse_args()
    os.chdir(ROOT)
    kernels = kernels_for(args.kernels)
    objs, _ = load_objects(["corpus/programs"],
                           prog_type_overrides=parse_prog_type_overrides(["tun_rss_steering=socket_filter"]))
    t = time.perf_counter()
    real = check_objects(objs, kernels)
    print(f"real corpus: {len({(r.object, r.program) for r in real})} programs x {len(kernels)} kernels "
          f"checked in {time.perf_counter() - t:.2f} s")
    results = synthesize(real, args.programs)
    nprog = len({(r.object, r.program) for r in results})
    nfind = sum(len(r.findings) for r in results)
    print(f"synthesized: {nprog} programs x {len(kernels)} kernels = {len(results)} results, {nfind} findings, "
          f"{sum(r.verdict == 'fails' for r in results)} fail")
    mk = min_kernels(results, kernels)
    renderers = [("html", lambda: check_html.render(results, kernels)),
                 ("html --min-kernel", lambda: check_html.render(results, kernels, mk)),
                 ("md", lambda: check_markdown.render(results, kernels)),
                 ("json", lambda: check_json.render(results, kernels)),
                 ("sarif", lambda: check_sarif.render(results, kernels, artifacts=artifacts(results))),
                 ("junit", lambda: check_junit.render(results, kernels)),
                 ("text", lambda: check_text.render(results, kernels))]
    for name, fn in renderers:
        best = None
        for _ in range(3):
            t = time.perf_counter()
            text = fn()
            dt = time.perf_counter() - t
            best = dt if best is None else min(best, dt)
        size = len(text.encode())
        print(f"{name:18} {best:6.2f} s  {size / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()
