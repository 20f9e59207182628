#!/usr/bin/env python3
"""BTF engine benchmark: parsing + indexing a vmlinux BTF versus `bpftool btf dump`, peak memory,
and kernel snapshot load time.

    python3 bench/btf_bench.py [--btf FILE] [--snapshot FILE|NAME] [--runs N]

Wall times are the best of N runs in this one process run (so machine load affects both sides alike).
"parse+index" = Btf(data) (header, strings, one-pass type index) + the name index built by the first
find(). Peak memory: tracemalloc peak of one parse+index, and the max RSS of a fresh child process
doing only parse+index (interpreter baseline shown for comparison).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from btf.reader import Btf  # noqa: E402
from btf import kinds as K  # noqa: E402


def best_of(n, fn):
    best = None
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best


def parse_index(path):
    with open(path, "rb") as f:
        data = f.read()
    b = Btf(data, path=path)
    b.find("task_struct", K.STRUCT)          # builds the name index
    return b


# VmHWM (peak RSS of this process image) rather than ru_maxrss, which Linux carries over from the
# parent across fork+exec and would report the benchmark process's own peak.
_CHILD = """
import sys
sys.path.insert(0, {root!r})
def hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
base = hwm()
from btf.reader import Btf
from btf import kinds as K
imported = hwm()
if {do!r}:
    b = Btf(open({path!r}, 'rb').read())
    b.find('task_struct', K.STRUCT)
print(base, imported, hwm())
"""


def child_rss(path, do=True):
    out = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), path=str(path), do=do)],
                         capture_output=True, text=True, check=True).stdout.split()
    return [int(x) for x in out]       # KiB


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--btf", default="/sys/kernel/btf/vmlinux")
    ap.add_argument("--snapshot", default="6.12", help="snapshot file or bundled name/version (default 6.12)")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args(argv)
    if not os.access(a.btf, os.R_OK):
        print(f"btf_bench: {a.btf} is not readable", file=sys.stderr)
        return 2
    rows = []
    size = os.path.getsize(a.btf) if not a.btf.startswith("/sys/") else len(open(a.btf, "rb").read())
    b = parse_index(a.btf)
    rows.append(("input", f"{a.btf}: {size / 1e6:.2f} MB, {b.type_count - 1} types, {len(b.names())} names"))

    t_parse = best_of(a.runs, lambda: Btf(open(a.btf, "rb").read()))
    t_pi = best_of(a.runs, lambda: parse_index(a.btf))
    rows.append(("parse (header+strings+type index)", f"{t_parse * 1000:8.1f} ms"))
    rows.append(("parse + name index", f"{t_pi * 1000:8.1f} ms"))
    t_val = best_of(max(1, a.runs // 2), lambda: parse_index(a.btf).validate())
    rows.append(("parse + index + decode every type", f"{t_val * 1000:8.1f} ms"))

    bpftool = shutil.which("bpftool")
    if bpftool:
        def dump():
            with open(os.devnull, "wb") as devnull:
                subprocess.run([bpftool, "btf", "dump", "file", a.btf], stdout=devnull, stderr=devnull, check=True)
        try:
            t_bt = best_of(a.runs, dump)
            rows.append(("bpftool btf dump file (raw) > /dev/null", f"{t_bt * 1000:8.1f} ms"
                         f"   (bpftool time / parse+index time = {t_bt / t_pi:.2f})"))
            def dump_c():
                with open(os.devnull, "wb") as devnull:
                    subprocess.run([bpftool, "btf", "dump", "file", a.btf, "format", "c"], stdout=devnull,
                                   stderr=devnull, check=True)
            rows.append(("bpftool btf dump file format c > /dev/null", f"{best_of(a.runs, dump_c) * 1000:8.1f} ms"))
        except subprocess.CalledProcessError as e:
            rows.append(("bpftool btf dump", f"failed: {e}"))
    else:
        rows.append(("bpftool btf dump", "bpftool not installed"))

    tracemalloc.start()
    parse_index(a.btf)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows.append(("peak Python allocations, parse+index (tracemalloc)", f"{peak / 1e6:8.1f} MB"))
    base, imported, after = child_rss(a.btf)
    rows.append(("peak RSS (VmHWM) of a child doing parse+index", f"{after / 1024:8.1f} MB   "
                 f"(interpreter + imports alone: {imported / 1024:.1f} MB)"))

    from analyzer.kernel import snapshot as kernels
    from btf.errors import InputError
    try:
        snap0 = kernels.resolve_kernel(a.snapshot, quiet=True)
    except InputError as e:
        rows.append(("snapshot load", f"skipped: {e}"))
        snap0 = None
    if snap0 is not None and snap0.path is not None:
        path = snap0.path

        def load():
            s = kernels.load_snapshot(path)
            assert s.kfuncs is not None
            s.prog_types, s.attach_types, s.map_types, s.helpers

        def load_all():
            s = kernels.load_snapshot(path)
            s.contexts, s.struct_ops, s.functions, s.tracepoints, s.lsm_hooks, s.iterators

        rows.append((f"snapshot load + kfuncs + enums ({path.name}, {path.stat().st_size // 1024} KiB)",
                     f"{best_of(a.runs, load) * 1000:8.1f} ms"))
        rows.append(("  ... + contexts, struct_ops, attach targets", f"{best_of(a.runs, load_all) * 1000:8.1f} ms"))
        rows.append(("snapshot meta only (kernel list)",
                     f"{best_of(a.runs, lambda: kernels.snapshot_summary(path)) * 1000:8.1f} ms"))

    w = max(len(r[0]) for r in rows)
    print(f"btf_bench (best of {a.runs}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
          f"load avg {os.getloadavg()[0]:.2f})")
    for k, v in rows:
        print(f"  {k:<{w}}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
