"""SARIF 2.1.0 report of `check`, for code-scanning uploads.

One rule per finding code reported (help text and consequence from analyzer.check.findings.CODES); one
result per error, warning or unknown finding of each (program, kernel), located at the BPF C source
line when the finding has one, else at the object file (the paths come resolved, see
analyzer/views/artifacts.py)."""
import json
import os
from urllib.parse import quote

from analyzer.check.findings import CODES

from . import safe

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "unknown": "note"}


def _version():
    try:
        from importlib.metadata import version
        return version("bpfstab")
    except Exception:               # running from a source tree that is not installed
        return None


def _uri(path):
    """A relative URI when the path is under the working directory, else a file: URI."""
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            path = rel
        else:
            return "file://" + quote(path)
    return quote(os.path.normpath(path).replace(os.sep, "/"))


def location(artifact):
    """A SARIF location of one finding from its (path, line) artifact (analyzer.views.artifacts)."""
    path, line = artifact
    phys = {"artifactLocation": {"uri": _uri(path)}}
    if line is not None:
        phys["region"] = {"startLine": max(line, 1)}
    return {"physicalLocation": phys}


def rule(code):
    severity, consequence, help_text = CODES[code]
    return {"id": code, "name": "".join(w.capitalize() for w in code.split("_")),
            "shortDescription": {"text": f"{code}: program {consequence}"},
            "fullDescription": {"text": help_text},
            "help": {"text": help_text},
            "defaultConfiguration": {"level": LEVEL.get(severity, "note")},
            "properties": {"consequence": consequence, "severity": severity}}


def document(results, kernels, min_kernel=None, *, artifacts):
    """`artifacts`: {(object, finding location or None): (path, line)} (analyzer.views.artifacts.artifacts),
    where each finding is located. `min_kernel`: rows of analyzer.check.min_kernel.min_kernels (check
    --min-kernel) or None; each result then carries the program's oldest loading kernel ("minKernel"),
    the run all of them."""
    results, kernels, min_kernel = safe.check_inputs(results, kernels, min_kernel)
    release = {k.id: k.release for k in kernels}
    mins = {(m["object"], m["program"]): m for m in min_kernel} if min_kernel is not None else None
    rules, index, out = [], {}, []
    for r in results:
        for f in r.findings:
            if f.severity not in LEVEL:
                continue
            if f.code not in index:
                index[f.code] = len(rules)
                rules.append(rule(f.code))
            kernel = r.kernel if release.get(r.kernel) in (None, r.kernel) else f"{r.kernel} ({release[r.kernel]})"
            text = f"{r.object}:{r.program} [{r.section}] on kernel {kernel}: {f.message}"
            if f.hint:
                text += f". Hint: {f.hint}"
            props = {"object": r.object, "program": r.program, "section": r.section, "kernel": r.kernel,
                     "verdict": r.verdict, "consequence": f.consequence}
            if f.location:
                props["sourceLocation"] = f.location
            if mins is not None:
                m = mins.get((r.object, r.program))
                props["minKernel"] = m["min_kernel"] if m else None
                if m and m["min_kernel"]:
                    text += f" (loads from kernel {m['min_release']})"
                elif m:
                    text += " (loads on none of the given kernels)"
            out.append({"ruleId": f.code, "ruleIndex": index[f.code], "level": LEVEL[f.severity],
                        "message": {"text": text},
                        "locations": [location(artifacts[(r.object, f.location or None)])],
                        "properties": props})
    driver = {"name": "bpfstab", "rules": rules}
    version = _version()
    if version:
        driver["version"] = version
    run_props = {"kernels": [{"id": k.id, "release": k.release, "arch": k.arch, "source": k.source}
                             for k in kernels]}
    if min_kernel is not None:
        run_props["minKernels"] = [{"object": m["object"], "program": m["program"], "minKernel": m["min_kernel"],
                                    "minRelease": m["min_release"]} for m in min_kernel]
    return {"$schema": SCHEMA_URI, "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "results": out,
                      "columnKind": "unicodeCodePoints", "properties": run_props}]}


def render(results, kernels, min_kernel=None, *, artifacts):
    return json.dumps(document(results, kernels, min_kernel, artifacts=artifacts), indent=2) + "\n"
