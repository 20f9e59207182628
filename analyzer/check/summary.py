"""What a check result amounts to for whoever shows it or exits on it: its display state (pass, warn,
fail, unknown; none for a program not checked on a kernel), the verdict counts, and the exit code.
Every check renderer and the `check` command take these from here."""

STATES = ("pass", "warn", "fail", "unknown")


def has_warning(result):
    """The result carries a warning finding (whatever its verdict)."""
    return any(f.severity == "warning" for f in result.findings)


def state(result):
    """'fail', 'unknown', 'warn' (loads, with warnings), 'pass' (loads cleanly); 'none' for None."""
    if result is None:
        return "none"
    if result.verdict == "fails":
        return "fail"
    if result.verdict == "unknown":
        return "unknown"
    return "warn" if has_warning(result) else "pass"


def counts(results):
    """{"loads", "fails", "unknown": results with that verdict, "warnings": those that load with warnings}."""
    out = {"loads": 0, "fails": 0, "unknown": 0, "warnings": 0}
    for r in results:
        out[r.verdict] += 1
        out["warnings"] += state(r) == "warn"
    return out


def exit_code(results, fail_on):
    """1 when something fails (fail_on "fails"), or fails or carries a warning ("warnings"); 0 otherwise
    and always for "never"."""
    if fail_on == "never":
        return 0
    if any(r.verdict == "fails" for r in results):
        return 1
    if fail_on == "warnings" and any(has_warning(r) for r in results):
        return 1
    return 0
