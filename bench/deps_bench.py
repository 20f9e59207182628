"""Benchmark: dependency graph build and who-uses (issue 7 targets: graph of ~130 objects x 5
kernels <= 10 s, --who-uses on it <= 1 s).

    python3 bench/deps_bench.py [INPUT...]

Defaults to /tmp/deps7/debs (Debian packages fetched with /work/shared/tools/debian-get: qemu-system-x86,
libbpf-tools, xdp-tools, bpftool from sid) when present, plus corpus/programs. Kernels: every bundled
snapshot plus the running kernel when its BTF is readable. Prints the parse time, the kernel load
time, the graph build time (with kernels loaded but their lazy indexes cold, i.e. what `bpfstab deps`
pays after reading snapshots), its size, serialisation times and who-uses times. Run on demand;
figures go in the README.
"""
import os
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from analyzer.views.graph import build_graph, who_uses                                 # noqa: E402
from analyzer.kernel.snapshot import bundled_kernels, load_snapshot, resolve_kernel     # noqa: E402
from analyzer.objects.model import load_objects                                        # noqa: E402
from reports.deps_graph import to_dot, to_graphml, to_json                             # noqa: E402
from analyzer.objects.sections import parse_prog_type_overrides                          # noqa: E402


def main():
    inputs = sys.argv[1:] or [d for d in ("/tmp/deps7/debs", os.path.join(ROOT, "corpus/programs"))
                              if os.path.isdir(d)]
    overrides = parse_prog_type_overrides(["tun_rss_steering=socket_filter"])
    t = time.perf_counter()
    objs, _ = load_objects(inputs, prog_type_overrides=overrides)
    distinct = len({o.duplicate_of or o.name for o in objs})
    print(f"inputs: {', '.join(inputs)}")
    print(f"parse {len(objs)} objects ({distinct} distinct, {sum(len(o.programs) for o in objs)} programs): "
          f"{time.perf_counter() - t:.2f} s")

    t = time.perf_counter()
    kernels = [load_snapshot(p) for p in bundled_kernels()]
    try:
        kernels.append(resolve_kernel("running", quiet=True))
    except Exception as e:           # noqa: BLE001 - no readable /sys/kernel/btf/vmlinux
        print(f"(running kernel skipped: {e})")
    print(f"open {len(kernels)} kernel snapshots: {time.perf_counter() - t:.2f} s")

    t0, c0 = time.perf_counter(), time.process_time()
    g = build_graph(objs, kernels)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"graph of {len(objs)} objects x {len(kernels)} kernels: {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"({g.number_of_nodes()} nodes, {g.number_of_edges()} edges)")
    for name, fn in (("json", to_json), ("graphml", to_graphml), ("dot", to_dot)):
        t = time.perf_counter()
        n = len(fn(g))
        print(f"  {name}: {n / 1e6:.1f} MB in {time.perf_counter() - t:.2f} s")
    for q in ("bpf_task_from_pid", "bpf_map_lookup_elem", "task_struct", "task_struct->__state"):
        t = time.perf_counter()
        rows = who_uses(g, q)
        print(f"who-uses {q}: {len(rows)} rows in {(time.perf_counter() - t) * 1000:.1f} ms")
    t = time.perf_counter()
    g0 = build_graph(objs)
    rows = who_uses(g0, "bpf_task_from_pid")
    print(f"who-uses without kernels (program side only, what `deps --who-uses` builds): "
          f"{time.perf_counter() - t:.2f} s")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
