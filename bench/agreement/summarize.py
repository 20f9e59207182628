#!/usr/bin/env python3
"""Summarize real-load ground truth: bench/agreement/results/*.jsonl -> markdown.

usage: summarize.py RESULTS_DIR [--agreement [--objects DIR]...]

--agreement adds, first, bpfstab check's agreement with these real loads (compare.py, --fixup-maps
results): per kernel, per real outcome class, and every disagreement with its cause.
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


def agreement_section(object_dirs) -> str:
    import io
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import compare  # noqa: E402
    table, classes, disagreements = compare.agreement("fixup-maps", object_dirs)
    buf = io.StringIO()
    buf.write("## Agreement with `bpfstab check` (fixup-maps runs; `compare.py --markdown`)\n\n")
    compare.write_markdown(buf, table, classes, disagreements)
    if any(row[-1] != "none" for row in table):
        before, _, _ = compare.agreement("fixup-maps", object_dirs, without_facts=True)
        buf.write("\nThe same without the snapshots' kernel-source/probe facts (BTF only; "
                  "`compare.py --without-facts`):\n\n| kernel | agree | agreement | with facts |\n|---|---|---|---|\n")
        after = {row[0]: row for row in table}
        for rel, n, judged, agree, *_ in before:
            a = after.get(rel)
            now = f"{100.0 * a[3] / a[2]:.1f} %" if a and a[2] else "-"
            buf.write(f"| {rel} | {agree}/{judged} | {100.0 * agree / judged if judged else 0:.1f} % | {now} |\n")
    return buf.getvalue()


def main() -> int:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="?", default="bench/agreement/results")
    ap.add_argument("--agreement", action="store_true")
    ap.add_argument("--objects", action="append")
    args = ap.parse_args()
    d = Path(args.results)
    if args.agreement:
        root = Path(__file__).resolve().parents[2]
        dirs = args.objects or [str(root / "tests/realload/build/objects"), str(root / "corpus/programs")]
        print(agreement_section(dirs))
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
