"""Run fuzz harnesses on demand with a time budget:

    python -m tests.fuzz.run --seconds 600            # every harness, 10 minutes each
    python -m tests.fuzz.run --seconds 120 btf_reader render

Hypothesis draws (and shrinks) inputs; failures are printed with the smallest input found and
kept in .hypothesis/ for the next run. Exit 1 when any harness found something."""
import argparse
import importlib
import sys
import time
import traceback

from hypothesis import HealthCheck, Phase, given, settings

HARNESSES = ("btf_reader", "render", "btf_ext", "objects", "containers", "skeleton", "snapshot_meta", "reports")


def run_one(name, seconds, seed=None, examples=None):
    mod = importlib.import_module(f"{__package__ or 'tests.fuzz'}.fuzz_{name}")
    found = []
    deadline = time.monotonic() + seconds
    rounds = 0
    total = 0
    while time.monotonic() < deadline or (examples and total < examples):
        n = examples or 200

        @settings(max_examples=n, deadline=None, derandomize=seed is not None, database=None if seed else None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
        @given(mod.strategy)
        def prop(x):
            mod.target(x)

        try:
            prop()
        except Exception as e:   # a finding: report it and stop this harness
            found.append("".join(traceback.format_exception_only(type(e), e)).strip())
            traceback.print_exc()
            break
        rounds += 1
        total += n
        if examples:
            break
    return found, total


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("names", nargs="*", default=list(HARNESSES))
    a = ap.parse_args(argv)
    bad = 0
    for name in a.names:
        t = time.monotonic()
        found, total = run_one(name, a.seconds)
        print(f"{name}: {total} examples in {time.monotonic() - t:.0f} s, "
              f"{'FOUND: ' + found[0] if found else 'nothing found'}", flush=True)
        bad += bool(found)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
