"""Benchmark: verdict engine throughput and object parsing (issue 3 and 4 targets).

    python3 bench/check_bench.py [DIR...]

Defaults to the objects extracted by tests/realload/extract.py plus corpus/programs. Prints:
objects parsed (inspect cost), one program × one cached kernel, and every program × every
bundled kernel (+ running). Run on demand; figures go in the README.
"""
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from analyzer.check.engine import check_objects                       # noqa: E402
from analyzer.kernel.snapshot import bundled_kernels, load_snapshot, resolve_kernel  # noqa: E402
from analyzer.objects.model import load_objects                       # noqa: E402
from analyzer.objects.sections import parse_prog_type_overrides         # noqa: E402


def main():
    dirs = sys.argv[1:] or [d for d in (os.path.join(ROOT, "tests/realload/build/objects"),
                                        os.path.join(ROOT, "corpus/programs")) if os.path.isdir(d)]
    overrides = parse_prog_type_overrides(["tun_rss_steering=socket_filter"])
    t = time.perf_counter()
    objs, _ = load_objects(dirs, prog_type_overrides=overrides)
    t_parse = time.perf_counter() - t
    nprog = sum(len(o.programs) for o in objs)
    print(f"parse {len(objs)} objects ({nprog} programs): {t_parse:.2f} s")

    t = time.perf_counter()
    kernels = [load_snapshot(p) for p in bundled_kernels()]
    for k in kernels:
        k.btf, k.kfuncs, k.helpers    # noqa: B018  (load what the engine needs)
    try:
        kernels.append(resolve_kernel("running", quiet=True))
    except Exception as e:           # no readable /sys/kernel/btf/vmlinux
        print(f"(running kernel skipped: {e})")
    print(f"load {len(kernels)} kernels: {time.perf_counter() - t:.2f} s")

    one = next(o for o in objs if o.programs)
    t = time.perf_counter()
    check_objects([one], kernels[:1])
    print(f"first object ({len(one.programs)} programs) x 1 kernel, cold caches: "
          f"{(time.perf_counter() - t) * 1000:.0f} ms")
    t = time.perf_counter()
    check_objects([one], kernels[:1])
    print(f"same, warm: {(time.perf_counter() - t) * 1000:.1f} ms")

    t = time.perf_counter()
    results = check_objects(objs, kernels)
    dt = time.perf_counter() - t
    print(f"check {nprog} programs x {len(kernels)} kernels = {len(results)} verdicts: {dt:.2f} s "
          f"({dt / max(len(results), 1) * 1000:.2f} ms per verdict; 800 x 5 extrapolates to "
          f"{dt / max(len(results), 1) * 4000:.1f} s)")


if __name__ == "__main__":
    main()
