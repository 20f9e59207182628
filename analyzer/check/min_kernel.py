"""`check --min-kernel`: per program, the oldest given kernel from which it loads on every newer one."""


def min_kernels(results, kernels):
    """Per program: the oldest kernel from which it loads on every newer given kernel, and the
    blocking findings of each older kernel."""
    order = [k.id for k in kernels]
    rel = {k.id: k.release for k in kernels}
    by_prog = {}
    for r in results:
        by_prog.setdefault((r.object, r.program), {})[r.kernel] = r
    out = []
    for (obj, prog), row in by_prog.items():
        minimum = None
        for kid in reversed(order):
            if row.get(kid) is not None and row[kid].verdict == "loads":
                minimum = kid
            else:
                break
        older = []
        for kid in order:
            if kid == minimum:
                break
            r = row.get(kid)
            if r is not None:
                older.append({"kernel": kid, "release": rel[kid], "verdict": r.verdict,
                              "reasons": [f.to_json() for f in r.findings if f.severity in ("error", "unknown")]})
        out.append({"object": obj, "program": prog, "min_kernel": minimum,
                    "min_release": rel.get(minimum), "older": older})
    return out
