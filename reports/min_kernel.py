"""`check --min-kernel` in text and JSON (bpfstab.min-kernel/1); md/html/sarif/junit carry it inside the check report.

Both take the min-kernel rows (analyzer.check.min_kernel.min_kernels)."""
import json


def render_json(rows):
    return json.dumps({"schema": "bpfstab.min-kernel/1", "programs": rows}, indent=2) + "\n"


def render_text(rows):
    lines = []
    for row in rows:
        mk = f"{row['min_kernel']} ({row['min_release']})" if row["min_kernel"] else "none of the given kernels"
        lines.append(f"{row['object']}:{row['program']}: loads from {mk}")
        for o in row["older"]:
            why = "; ".join(f"{x['code']}: {x['message']}" for x in o["reasons"]) or o["verdict"]
            lines.append(f"  {o['kernel']}: {why}")
    return "\n".join(lines) + "\n"
