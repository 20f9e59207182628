"""Text report of `check`: a program × kernel matrix, then every reason. Colour only on a TTY."""
from analyzer.check import summary

MARK = {"loads": "ok", "fails": "FAIL", "unknown": "?"}
COLOR = {"loads": "\033[32m", "fails": "\033[31m", "unknown": "\033[33m", "warn": "\033[33m"}
RESET = "\033[0m"

from . import safe  # noqa: E402


def _cell(result, color):
    mark = MARK[result.verdict]
    warn = summary.state(result) == "warn"
    if warn:
        mark = "ok*"
    if color:
        return COLOR["warn" if warn else result.verdict] + mark + RESET, len(mark)
    return mark, len(mark)


def render(results, kernels, *, color=False, min_kernel=None):
    """`min_kernel`: rows of analyzer.check.min_kernel.min_kernels (check --min-kernel) or None; adds a
    "loads from" column."""
    results, kernels, min_kernel = safe.check_inputs(results, kernels, min_kernel)
    lines = []
    mins = None
    if min_kernel is not None:
        from .check_html import min_kernel_by_program, min_kernel_label
        by = min_kernel_by_program(min_kernel)
        mins = {key: min_kernel_label(by.get(key[:2])) for key in
                dict.fromkeys((r.object, r.program, r.section) for r in results)}
    kids = [k.id for k in kernels]
    by_prog = {}
    for r in results:
        by_prog.setdefault((r.object, r.program, r.section), {})[r.kernel] = r
    names = [f"{obj}:{prog}" for obj, prog, _ in by_prog]
    w0 = max([len(n) for n in names] + [len("program")])
    widths = [max(len(k), 4) for k in kids]
    header = "program".ljust(w0) + "  " + "  ".join(k.ljust(w) for k, w in zip(kids, widths))
    if mins is not None:
        header += "  loads from"
    lines.append(header)
    lines.append("-" * len(header))
    for (obj, prog, sec), row in by_prog.items():
        cells = []
        for k, w in zip(kids, widths):
            r = row.get(k)
            if r is None:
                cells.append("-".ljust(w))
                continue
            text, n = _cell(r, color)
            cells.append(text + " " * (w - n))
        line = f"{obj}:{prog}".ljust(w0) + "  " + "  ".join(cells)
        if mins is not None:
            line += "  " + mins[(obj, prog, sec)]
        lines.append(line)
    lines.append("")
    lines.append("legend: ok loads · ok* loads with warnings · FAIL fails · ? cannot tell offline")
    for k in kernels:
        kf = (getattr(k, "facts", None) or {}).get("borrowed")
        if kf is not None and len(k.facts) == 1:
            lines.append(f"kernel facts: borrowed from {kf.borrowed_from} source on {k.id} (same major.minor)")
        if not getattr(k, "facts", None):
            marked = sum(1 for r in results if r.kernel == k.id and any(f.code == "FACTS_MISSING" for f in r.findings))
            lines.append(f"kernel facts: none on {k.id}: helper/kfunc access per program type unverified "
                         f"({marked} results marked FACTS_MISSING)")
    reasons = []
    for (obj, prog, sec), row in by_prog.items():
        for k in kids:
            r = row.get(k)
            if r is None:
                continue
            shown = [f for f in r.findings if f.severity in ("error", "warning", "unknown")]
            if not shown:
                continue
            reasons.append(f"{obj}:{prog} [{sec}] on {k}: {r.verdict}")
            for f in shown:
                loc = f" ({f.location})" if f.location else ""
                reasons.append(f"  {f.severity:7} {f.code}: {f.message}{loc}")
                if f.hint:
                    reasons.append(f"          hint: {f.hint}")
    if reasons:
        lines.append("")
        lines.append("reasons:")
        lines.extend(reasons)
    counts = summary.counts(results)
    lines.append("")
    lines.append(f"{len(results)} checks: {counts['loads']} load, {counts['fails']} fail, "
                 f"{counts['unknown']} unknown")
    return "\n".join(lines) + "\n"
