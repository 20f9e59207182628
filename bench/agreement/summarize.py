#!/usr/bin/env python3
"""Summarize real-load ground truth: bench/agreement/results/*.jsonl -> markdown.

usage: summarize.py RESULTS_DIR [--agreement [--objects DIR]... [--kernel-snapshot RELEASE=SNAPSHOT]...]

--agreement adds, first, bpfstab check's agreement with these real loads (compare.py, --fixup-maps
results): per kernel, per real outcome class, every disagreement with its cause, and per kernel the
agreement from BTF alone, with the kernel-source facts and with the probe facts its snapshot carries.
"""
from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "realload"))
import realload_common as rc  # noqa: E402


def load(p: Path) -> list[dict]:
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()]


def origin(r: dict) -> str:
    o = r.get("object", "")
    return "corpus" if "corpus/programs" in o else "shipped"


def _pct(row):
    return f"{row[3]}/{row[2]} = {100.0 * row[3] / row[2]:.1f} %" if row and row[2] else "-"


def agreement_section(object_dirs, snapshots=None) -> str:
    import io
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import compare  # noqa: E402
    carried, codes = {}, {}
    table, classes, disagreements = compare.agreement("fixup-maps", object_dirs, snapshots=snapshots,
                                                      kernels_out=carried, codes_out=codes)
    buf = io.StringIO()
    buf.write("## Agreement with `bpfstab check` (fixup-maps runs; `compare.py --markdown`)\n\n")
    compare.write_markdown(buf, table, classes, disagreements)
    origins = set().union(*carried.values()) if carried else set()
    if origins:
        btf_only = compare.agreement("fixup-maps", object_dirs, snapshots=snapshots, origins=())
        runs = {"btf": btf_only[0]}
        if "source" in origins:
            runs["source"] = compare.agreement("fixup-maps", object_dirs, snapshots=snapshots,
                                               origins=("source",))[0]
        if "probe" in origins:
            runs["probe"] = table            # every origin: a probed fact wins over a source fact
        by = {k: {row[0]: row for row in rows} for k, rows in runs.items()}
        buf.write("\nThe same per kind of kernel facts the snapshot carries (`compare.py --without-facts`, "
                  "`--facts source`; the probe column uses every origin, the probe winning): BTF only, "
                  "with the kernel-source facts (helpers per program type, kfunc hooks, KF_ flags; "
                  "`kernel import --source`), with the probe facts (the same learnt by loading minimal "
                  "programs, plus the program variants the kernel refuses; `bpfstab kernel probe`).\n\n"
                  "| kernel | facts in the snapshot | BTF only | with source facts | with probe facts |\n"
                  "|---|---|---|---|---|\n")
        for row in table:
            rel = row[0]
            have = carried.get(rel, [])
            cells = [_pct(by["btf"].get(rel)),
                     _pct(by["source"].get(rel)) if "source" in have else "-",
                     _pct(by["probe"].get(rel)) if "probe" in have else "-"]
            buf.write(f"| {rel} | {'+'.join(have) or 'none'} | " + " | ".join(cells) + " |\n")
        # the BTF-only disagreements the facts resolve, by the finding (with facts) that resolves them
        now = {(d[0], d[1], d[2]) for d in disagreements}
        fixed = collections.Counter()
        for d in btf_only[2]:
            key = (d[0], d[1], d[2])
            if key not in now:
                for code in codes.get(key) or ["(no error finding)"]:
                    fixed[(d[0], code)] += 1
        if fixed:
            buf.write("\nBTF-only disagreements the facts resolve, by the finding that now predicts the "
                      "real outcome:\n\n| kernel | finding | programs |\n|---|---|---|\n")
            for (rel, code), n in sorted(fixed.items()):
                buf.write(f"| {rel} | {code} | {n} |\n")
    return buf.getvalue()


def main() -> int:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="?", default="bench/agreement/results")
    ap.add_argument("--agreement", action="store_true")
    ap.add_argument("--objects", action="append")
    ap.add_argument("--kernel-snapshot", action="append", metavar="RELEASE=SNAPSHOT",
                    help="as compare.py: compare RELEASE's results against this snapshot")
    args = ap.parse_args()
    d = Path(args.results)
    if args.agreement:
        root = Path(__file__).resolve().parents[2]
        dirs = args.objects or [str(root / "tests/realload/build/objects"), str(root / "corpus/programs")]
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import compare  # noqa: E402
        try:
            for o in args.objects or ():
                if not Path(o).is_dir():
                    raise compare.InputError(o, "not a directory (--objects)")
            print(agreement_section(dirs, compare.parse_snapshots(args.kernel_snapshot)))
        except compare.InputError as e:
            print(f"summarize.py: {e}", file=sys.stderr)
            return 2
        print("## Real loads\n")
    files = sorted(d.glob("*.jsonl"))
    out = []
    out.append("| results file | kernel | programs | loaded | failed | shipped loaded/total "
               "| corpus loaded/total | objects not opened | boot+load s |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    details = []
    verdicts: dict[str, dict[tuple, bool]] = {}
    for f in files:
        rs = load(f)
        meta_p = f.with_name(f.name[:-len(".jsonl")] + ".meta.json")
        meta = json.loads(meta_p.read_text()) if meta_p.exists() else {}
        progs = [r for r in rs if r.get("program") is not None]
        ok = [r for r in progs if r["loaded"]]
        by = collections.Counter((origin(r), r["loaded"]) for r in progs)
        tot = collections.Counter(origin(r) for r in progs)
        noopen = [r for r in rs if r.get("program") is None]
        kernel = rs[0].get("kernel") if rs else meta.get("release", "?")
        secs = meta.get("boot_load_seconds", meta.get("seconds", ""))
        out.append(f"| {f.name} | {kernel} | {len(progs)} | {len(ok)} | {len(progs) - len(ok)} "
                   f"| {by[('shipped', True)]}/{tot['shipped']} | {by[('corpus', True)]}/{tot['corpus']} "
                   f"| {len(noopen)} | {secs} |")
        reasons = collections.Counter(rc.failure_reason(r) for r in progs if not r["loaded"])
        details.append(f"\n### {f.name} ({kernel})\n")
        for k, n in reasons.most_common(8):
            details.append(f"- {n} × {k}")
        for r in noopen:
            details.append(f"- not opened/crashed: `{Path(r['object']).name}`: {r.get('error')}"
                           f" — {(r.get('first_warn') or '').strip()}")
        verdicts[f.name] = {(Path(r["object"]).name, r["program"]): r["loaded"] for r in progs}
    print("\n".join(out))
    print("\n## Top failure reasons per run")
    print("\n".join(details))
    # programs whose verdict differs across the VM kernels (same mode)
    for suffix in ("", ".fixup-maps"):
        names = [n for n in verdicts if not n.startswith("host-")
                 and n.endswith(suffix + ".jsonl") and (suffix or ".fixup-maps" not in n)]
        if len(names) < 2:
            continue
        keys = set().union(*(verdicts[n].keys() for n in names))
        diff = [k for k in sorted(keys) if len({verdicts[n].get(k) for n in names}) > 1]
        print(f"\n## Programs whose verdict differs across VM kernels ({suffix or 'as shipped'}): {len(diff)}\n")
        print("| object | program | " + " | ".join(n[:-len('.jsonl')] for n in names) + " |")
        print("|---|---|" + "---|" * len(names))
        for k in diff[:80]:
            cells = ["✓" if verdicts[n].get(k) else ("✗" if k in verdicts[n] else "–") for n in names]
            print(f"| {k[0]} | {k[1]} | " + " | ".join(cells) + " |")
        if len(diff) > 80:
            print(f"\n… {len(diff) - 80} more")
    return 0


if __name__ == "__main__":
    sys.exit(main())
