"""Time and peak memory of the worst crafted inputs (tests/support/hostile.py), each run through
the CLI in a child under RLIMIT_AS = 1 GiB, like tests/hostile/test_hostile.py does.

    python bench/hostile_bench.py [--big] [--dir DIR] [CASE-SUBSTRING ...]

--big builds the larger variants (the issue's 2 GB zip-member bomb, 200 kernel-image candidates,
a 30-member .deb, 65,536 fake EM_BPF headers; building takes a minute or two). Prints one row per
case: exit code, CPU and wall seconds and peak RSS of the child, and the first line of stderr."""
import argparse
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.support import hostile as H  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", action="store_true")
    ap.add_argument("--dir")
    ap.add_argument("only", nargs="*")
    a = ap.parse_args()
    d = a.dir or tempfile.mkdtemp(prefix="bpfstab-hostile-")
    cases = H.build_all(d, big=a.big, cache=d)
    print(f"{'case':44} {'exit':>4} {'CPU s':>6} {'wall s':>6} {'peak MiB':>8}  first line of stderr")
    worst_t = worst_m = 0
    for c in cases:
        if a.only and not any(o in c.name for o in a.only):
            continue
        t = time.monotonic()
        code, out, err, secs, peak = H.run(c, wall=300)
        wall = time.monotonic() - t
        worst_t, worst_m = max(worst_t, secs), max(worst_m, peak)
        line = (err.strip().splitlines() or [""])[0][:90]
        print(f"{c.name:44} {str(code):>4} {secs:6.2f} {wall:6.2f} {peak / 2**20:8.0f}  {line}", flush=True)
    print(f"worst: {worst_t:.2f} s CPU, {worst_m / 2**20:.0f} MiB (limits: 10 s, 1024 MiB)")


if __name__ == "__main__":
    main()
