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


# --fail-on levels, each including the ones before it
FAIL_ON = ("fails", "unknown", "feature-off", "warnings", "never")
FEATURE_OFF = "loads with a feature off"          # findings.CODES consequence


def exit_code(results, fail_on):
    """1 when some result meets the --fail-on level (or a stricter one), else 0."""
    if fail_on == "never":
        return 0
    level = FAIL_ON.index(fail_on)
    for r in results:
        if r.verdict == "fails":
            return 1
        if level >= FAIL_ON.index("unknown") and r.verdict == "unknown":
            return 1
        if level >= FAIL_ON.index("feature-off") and any(f.consequence == FEATURE_OFF for f in r.findings):
            return 1
        if level >= FAIL_ON.index("warnings") and has_warning(r):
            return 1
    return 0
