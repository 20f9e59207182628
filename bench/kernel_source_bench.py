#!/usr/bin/env python3
"""Benchmark: kernel source -> facts (analyzer.kernel.source) over whole Debian linux-source packages.

For each package: extraction (first run only; the cache keeps the needed files), the byte search for
candidate files, the libclang parse of each candidate, and the combination into KernelFacts. Prints one
line per tree and, with --json, the per-file parse times. The target is <= 10 min per tree on a 2-core
machine (issue 6).

    python3 bench/kernel_source_bench.py /tmp/src/linux-source-6.12_*.deb --config /boot/config-6.12...
    python3 bench/kernel_source_bench.py TREE_OR_DEB [--config FILE] [--fresh] [--json OUT]

--fresh drops the tree's cached extraction first (measures extraction too); the parse is always redone.
"""
import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.kernel import source as ks          # noqa: E402


def bench_one(src, config_text, fresh):
    base = ks._source_cache(src)
    if fresh and base.exists() and not os.path.isdir(src):
        shutil.rmtree(base)
    t0 = time.monotonic()
    tree = Path(src) if os.path.isdir(src) else ks.extract_tree(src)
    t_extract = time.monotonic() - t0
    t0 = time.monotonic()
    files = ks.candidate_files(tree)
    t_search = time.monotonic() - t0
    per_file = {}

    class Timer:
        total = 0
        label = ""
        last = time.monotonic()
        current = None

        def advance(self, n=1, note=""):
            now = time.monotonic()
            if self.current is not None:
                per_file[self.current] = round(now - self.last, 2)
            self.current, self.last = note, now

    timer = Timer()
    t0 = time.monotonic()
    raw = ks.analyze_tree(tree, config_text, base / "shim-bench", timer, files=files)
    t_parse = time.monotonic() - t0
    t0 = time.monotonic()
    kf = ks.combine(raw)
    t_combine = time.monotonic() - t0
    return {"source": str(src), "version": raw["version"], "files": len(files), "extract_s": round(t_extract, 1),
            "search_s": round(t_search, 1), "parse_s": round(t_parse, 1), "parse_cpu_s": raw["cpu_seconds"], "combine_s": round(t_combine, 2),
            "kfuncs": len(kf.kfunc_prog_types), "prog_types_with_helpers": len(kf.helper_prog_types),
            "warnings": len(kf.warnings), "per_file_s": per_file}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="+", metavar="TREE_OR_DEB")
    ap.add_argument("--config", action="append", default=[], metavar="FILE",
                    help="kernel .config, once per source in order (default: none)")
    ap.add_argument("--fresh", action="store_true", help="re-extract packages (measures extraction)")
    ap.add_argument("--json", metavar="OUT", help="write all measurements here")
    args = ap.parse_args()
    rows = []
    for i, src in enumerate(args.sources):
        cfg = args.config[i] if i < len(args.config) else None
        text = Path(cfg).read_text() if cfg else ""
        r = bench_one(src, text, args.fresh)
        rows.append(r)
        print(f"{Path(src).name}: {r['version']}: {r['files']} files; extract {r['extract_s']} s, search "
              f"{r['search_s']} s, parse {r['parse_s']} s ({r['parse_cpu_s']} s CPU), combine {r['combine_s']} s; {r['kfuncs']} kfuncs, "
              f"helpers for {r['prog_types_with_helpers']} prog types, {r['warnings']} warnings", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
