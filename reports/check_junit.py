"""JUnit XML report of `check`: one testsuite per kernel, one testcase per (object, program).

A program that fails carries a <failure> with its findings; one we cannot judge offline is
<skipped> with the reason; warnings of a program that loads go to <system-out>."""
import xml.etree.ElementTree as ET

from btf.inert import xml_safe

from . import safe

SHOWN = ("error", "warning", "unknown")


def _finding_line(f):
    line = f"{f.severity} {f.code}: {f.message}"
    if f.location:
        line += f" ({f.location})"
    if f.hint:
        line += f"\n  hint: {f.hint}"
    return line


def _codes(findings, severities):
    seen = []
    for f in findings:
        if f.severity in severities and f.code not in seen:
            seen.append(f.code)
    return seen


def document(results, kernels, min_kernel=None):
    """`min_kernel`: rows of analyzer.check.min_kernel.min_kernels (check --min-kernel) or None; each
    testcase then has a "min_kernel" property and a failure names the oldest kernel that loads it."""
    results, kernels, min_kernel = safe.check_inputs(results, kernels, min_kernel)
    mins = {(m["object"], m["program"]): m for m in min_kernel} if min_kernel is not None else None
    root = ET.Element("testsuites", name="bpfstab check")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for k in kernels:
        mine = [r for r in results if r.kernel == k.id]
        suite = ET.SubElement(root, "testsuite", name=k.id)
        props = ET.SubElement(suite, "properties")
        for key in ("release", "arch", "source"):
            ET.SubElement(props, "property", name=key, value=str(getattr(k, key) or ""))
        failures = skipped = 0
        for r in mine:
            case = ET.SubElement(suite, "testcase", classname=r.object, name=r.program)
            case.set("file", r.object)
            text = "\n".join(_finding_line(f) for f in r.findings if f.severity in SHOWN)
            loads_from = ""
            if mins is not None:
                m = mins.get((r.object, r.program))
                value = (m["min_release"] if m["min_kernel"] else "none of the given kernels") if m else "not checked"
                ET.SubElement(ET.SubElement(case, "properties"), "property", name="min_kernel", value=value)
                loads_from = f" (loads from {value})"
            if r.verdict == "fails":
                failures += 1
                codes = _codes(r.findings, ("error",))
                el = ET.SubElement(case, "failure", type=codes[0] if codes else "fails",
                                   message=f"{r.program} [{r.section}] fails to load on {k.id}: "
                                           + ", ".join(codes) + loads_from)
                el.text = text
            elif r.verdict == "unknown":
                skipped += 1
                reason = "; ".join(f"{f.code}: {f.message}" for f in r.findings if f.severity == "unknown")
                ET.SubElement(case, "skipped", message=f"cannot tell offline: {reason or 'unknown'}")
            elif text:
                ET.SubElement(case, "system-out").text = text
        suite.set("tests", str(len(mine)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        totals["tests"] += len(mine)
        totals["failures"] += failures
        totals["skipped"] += skipped
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    return root


def render(results, kernels, min_kernel=None):
    root = document(results, kernels, min_kernel)
    for el in root.iter():      # XML 1.0 cannot carry most control characters, even escaped
        if el.text:
            el.text = xml_safe(el.text)
        for key, value in el.attrib.items():
            el.set(key, xml_safe(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
