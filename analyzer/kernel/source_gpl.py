"""Kernel source tree -> which helpers are GPL-only (`.gpl_only = true` in their struct bpf_func_proto).

The verifier refuses a call to a helper whose proto has gpl_only set from a program whose license is
not GPL-compatible (kernel/bpf/verifier.c check_helper_call: "cannot call GPL-restricted function
from non-GPL compatible program"). Which proto a helper id stands for is decided by each program
type's get_func_proto switch (`case BPF_FUNC_x: return &bpf_x_proto;`, sometimes through a function
such as bpf_get_trace_printk_proto() or a conditional `... ? NULL : &proto`).

This reader works on the source text, not on libclang's AST: proto initialisers and switch arms are
regular enough that a token-level reading gets them (every `const struct bpf_func_proto NAME = {`
initialiser's `.gpl_only` value; every `case BPF_FUNC_x:` arm's `&NAME` references and the
`NAME()` functions it returns, followed one level to their own `&NAME` returns). A helper is recorded
GPL-only when every proto any arm returns for it has gpl_only = true, not GPL-only when none has,
and is left out when the arms disagree (the answer then depends on the program type).

`python3 -m analyzer.kernel.source_gpl TREE...` prints the JSON table analyzer/check/rules/license.py uses
(analyzer/check/rules/helper_proto_facts.json, with the origin of each tree), plus the helpers that take a
struct bpf_timer (`ARG_PTR_TO_TIMER`), which rules/preempt_rt.py uses.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

DIRS = ("kernel", "net", "security", "drivers/media/rc", "fs", "mm", "block", "drivers/hid")
PROTO_INIT = re.compile(r"\bstruct\s+bpf_func_proto\s+(\w+)\s*=\s*\{(.*?)\n\};", re.S)
GPL_FIELD = re.compile(r"\.gpl_only\s*=\s*(true|false|1|0)\b")
FUNC_DEF = re.compile(r"\n(?:static\s+)?(?:const\s+)?struct\s+bpf_func_proto\s*\*\s*\n?(\w+)\s*\(([^)]*)\)\s*\{", re.S)
CASE = re.compile(r"\bcase\s+(BPF_FUNC_\w+)\s*:")
ARM_END = re.compile(r"\bcase\s+\w+\s*:|\bdefault\s*:|\n\}")


def _c_files(tree: Path):
    for d in DIRS:
        base = tree / d
        if not base.is_dir():
            continue
        for root, _dirs, files in os.walk(base):
            for f in files:
                if f.endswith(".c"):
                    yield Path(root) / f


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def _function_bodies(text: str):
    """name -> body of each function returning `const struct bpf_func_proto *`."""
    out = {}
    for m in FUNC_DEF.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out[m.group(1)] = (m.group(2), text[m.end():i])
    return out


def read_tree(tree) -> dict:
    """{"protos": {name: gpl_only}, "timer_protos": [names with an ARG_PTR_TO_TIMER argument],
    "helpers": {BPF_FUNC_x: sorted proto names}}."""
    tree = Path(tree)
    protos, arms, funcs, timer = {}, {}, {}, set()
    texts = []
    for path in _c_files(tree):
        try:
            raw = path.read_text(errors="replace")
        except OSError:
            continue
        if "bpf_func_proto" not in raw:
            continue
        text = _strip_comments(raw)
        texts.append(text)
        for m in PROTO_INIT.finditer(text):
            g = GPL_FIELD.search(m.group(2))
            protos[m.group(1)] = bool(g) and g.group(1) in ("true", "1")
            if re.search(r"\.arg\d_type\s*=\s*ARG_PTR_TO_TIMER\b", m.group(2)):
                timer.add(m.group(1))
        funcs.update(_function_bodies(text))
    # a function returning a proto without taking the helper id (bpf_get_trace_printk_proto(void)):
    # the protos it can return
    returned = {}
    for name, (params, body) in funcs.items():
        if "bpf_func_id" in params:
            continue
        returned[name] = set(re.findall(r"&\s*(\w+)", body)) & set(protos)
    for text in texts:
        for m in CASE.finditer(text):
            end = ARM_END.search(text, m.end())
            arm = text[m.end():end.start() if end else len(text)]
            if not re.search(r"\breturn\b", arm):
                continue            # falls through to the next label: that arm's return counts for it
            names = set(re.findall(r"&\s*(\w+)", arm)) & set(protos)
            for call in re.findall(r"\b(\w+)\s*\(", arm):
                names |= returned.get(call, set())
            if names:
                arms.setdefault(m.group(1), set()).update(names)
        # fall-through labels: `case A: case B: return &p;` gives both A and B the arm
        for m in re.finditer(r"((?:\bcase\s+BPF_FUNC_\w+\s*:\s*){2,})", text):
            labels = CASE.findall(m.group(1))
            last = labels[-1]
            for lab in labels[:-1]:
                if last in arms:
                    arms.setdefault(lab, set()).update(arms[last])
    return {"protos": protos, "timer_protos": sorted(timer),
            "helpers": {h: sorted(v) for h, v in sorted(arms.items())}}


def timer_helpers(r) -> list:
    """Helpers any of whose protos takes a struct bpf_timer (ARG_PTR_TO_TIMER): the verifier's
    process_timer_func refuses them on PREEMPT_RT kernels."""
    return sorted(h for h, names in r["helpers"].items() if set(names) & set(r["timer_protos"]))


def gpl_table(tree, r=None) -> dict:
    """BPF_FUNC_x -> True (every proto it maps to is gpl_only) / False (none is); mixed ones left out."""
    r = r or read_tree(tree)
    out = {}
    for helper, names in r["helpers"].items():
        vals = {r["protos"][n] for n in names}
        if len(vals) == 1:
            out[helper] = vals.pop()
    return out


def main(argv):
    from analyzer.kernel.source import tree_version
    doc = {}
    for spec in argv:
        tree, _, origin = spec.partition("=")
        version = tree_version(Path(tree))
        r = read_tree(tree)
        table = gpl_table(tree, r)
        doc[version] = {"origin": origin or str(tree),
                        "gpl_only": sorted(h for h, v in table.items() if v),
                        "not_gpl_only": sorted(h for h, v in table.items() if not v),
                        "timer_arg": timer_helpers(r)}
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    from btf.errors import InputError
    try:
        main(sys.argv[1:])
    except (InputError, OSError) as e:        # one line naming the file, exit 2 (no traceback)
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
