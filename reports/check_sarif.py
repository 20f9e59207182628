"""SARIF 2.1.0 report of `check`, for code-scanning uploads.

One rule per finding code reported (help text and consequence from analyzer.check.findings.CODES); one
result per error, warning or unknown finding of each (program, kernel), located at the BPF C source
line when the finding has one, else at the object file."""
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


def _object_file(name):
    """The file an object came from: objects found inside a binary or package are named
    'container:member' or 'path#label'."""
    if os.path.exists(name):
        return name
    for sep in ("#", ":"):
        head = name.split(sep, 1)[0]
        if head != name and os.path.exists(head):
            return head
    return name.split("#", 1)[0]


def split_location(location):
    """'file.c:12' (or 'file.c:12:5') → ('file.c', 12); None when there is no line number."""
    parts = location.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1])
    if len(parts) >= 2 and parts[-1].isdigit():
        return location.rsplit(":", 1)[0], int(parts[-1])
    return None


def _source_path(obj_file, src):
    """Where the C source of a finding is: beside the object when it is there, else as recorded."""
    if os.path.isabs(src):
        return src
    beside = os.path.join(os.path.dirname(obj_file), src)
    if os.path.exists(beside) or not os.path.exists(src):
        return beside
    return src


def location(result, finding):
    obj_file = _object_file(result.object)
    loc = split_location(finding.location) if finding.location else None
    if loc is not None:
        src, line = loc
        phys = {"artifactLocation": {"uri": _uri(_source_path(obj_file, src))},
                "region": {"startLine": max(line, 1)}}
    else:
        phys = {"artifactLocation": {"uri": _uri(obj_file)}}
    return {"physicalLocation": phys}


def rule(code):
    severity, consequence, help_text = CODES[code]
    return {"id": code, "name": "".join(w.capitalize() for w in code.split("_")),
            "shortDescription": {"text": f"{code}: program {consequence}"},
            "fullDescription": {"text": help_text},
            "help": {"text": help_text},
            "defaultConfiguration": {"level": LEVEL.get(severity, "note")},
            "properties": {"consequence": consequence, "severity": severity}}


def document(results, kernels, min_kernel=None):
    """`min_kernel`: rows of analyzer.check.min_kernel.min_kernels (check --min-kernel) or None; each
    result then carries the program's oldest loading kernel ("minKernel"), the run all of them."""
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
                        "message": {"text": text}, "locations": [location(r, f)],
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


def render(results, kernels, min_kernel=None):
    return json.dumps(document(results, kernels, min_kernel), indent=2) + "\n"
