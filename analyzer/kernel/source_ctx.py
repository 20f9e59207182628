"""Kernel source tree -> context fields each program type's is_valid_access denies outright.

BTF gives the UAPI context struct and its size on a kernel; it does not say which of its fields a
program type may touch. That is C code: each `struct bpf_verifier_ops <name>_verifier_ops` names an
`.is_valid_access` function (include/linux/bpf_types.h pairs prog types with <name>), and those
functions open with a `switch (off)` whose arms `case bpf_ctx_range(struct __sk_buff, tstamp): ...
return false;` refuse a field for reads and writes alike (net/core/filter.c sk_filter_is_valid_access
denies tc_classid, data, data_meta, data_end, family..local_port, tstamp, wire_len, hwtstamp to socket
filters). Arms that return false only conditionally (`if (!bpf_capable()) return false;`) and switches
inside `if (type == BPF_WRITE)` are not read: writes are not modelled.

A token-level reader, like analyzer.kernel.source_gpl: the function bodies are regular enough.
`python3 -m analyzer.kernel.source_ctx TREE=ORIGIN...` prints analyzer/check/rules/ctx_denied_fields.json.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

FILES = ("net/core/filter.c", "kernel/bpf/cgroup.c", "kernel/trace/bpf_trace.c")
PROG_TYPE = re.compile(r"BPF_PROG_TYPE\(\s*(BPF_PROG_TYPE_\w+)\s*,\s*(\w+)\s*,")
OPS = re.compile(r"\bstruct\s+bpf_verifier_ops\s+(\w+)_verifier_ops\s*=\s*\{(.*?)\n\};", re.S)
IVA = re.compile(r"\.is_valid_access\s*=\s*(\w+)")
FUNC = re.compile(r"\n(?:static\s+)?bool\s+(\w+_is_valid_access)\s*\(([^)]*)\)\s*\{", re.S)
RANGE = re.compile(r"bpf_ctx_range(?:_ptr)?\(\s*struct\s+(\w+)\s*,\s*([\w\[\]]+)\s*\)"
                   r"|bpf_ctx_range_till\(\s*struct\s+(\w+)\s*,\s*([\w\[\]]+)\s*,\s*([\w\[\]]+)\s*\)"
                   r"|offsetof\(\s*struct\s+(\w+)\s*,\s*([\w\[\]]+)\s*\)")


def _strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def _body(text, start):
    depth, i = 1, start
    while i < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start:i - 1]


def _top_switches(body):
    """Bodies of `switch (off) {` at the function's top brace level."""
    out, depth, i = [], 0, 0
    for m in re.finditer(r"[{}]|\bswitch\s*\(\s*off\s*\)\s*\{", body):
        tok = m.group(0)
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        else:
            if depth == 0:
                out.append(_body(body, m.end()))
            depth += 1
    return out


def _denied(switch_body):
    """Field ranges of the case groups whose statement is exactly `return false;`."""
    out = []
    for grp in re.finditer(r"((?:\bcase\s+[^:]*?\)\s*:\s*)+)return\s+false\s*;", switch_body):
        for m in RANGE.finditer(grp.group(1)):
            if m.group(1):
                out.append((m.group(1), m.group(2), m.group(2)))
            elif m.group(3):
                out.append((m.group(3), m.group(4), m.group(5)))
            else:
                out.append((m.group(6), m.group(7), m.group(7)))
    return out


def read_tree(tree) -> dict:
    tree = Path(tree)
    types = PROG_TYPE.findall((tree / "include/linux/bpf_types.h").read_text(errors="replace"))
    ops, funcs = {}, {}
    for rel in FILES:
        p = tree / rel
        if not p.exists():
            continue
        text = _strip_comments(p.read_text(errors="replace"))
        for m in OPS.finditer(text):
            iva = IVA.search(m.group(2))
            if iva:
                ops[m.group(1)] = iva.group(1)
        for m in FUNC.finditer(text):
            funcs[m.group(1)] = _body(text, m.end())
    out = {}
    for pt, name in types:
        fn = ops.get(name)
        if fn is None or fn not in funcs:
            continue
        ranges = []
        for sw in _top_switches(funcs[fn]):
            ranges += _denied(sw)
        if ranges:
            out[pt] = {"is_valid_access": fn,
                       "denied": [{"struct": s, "from": a, "to": b} for s, a, b in ranges]}
    return out


def main(argv):
    from analyzer.kernel.source import tree_version
    doc = {}
    for spec in argv:
        tree, _, origin = spec.partition("=")
        doc[tree_version(Path(tree))] = {"origin": origin or tree, "prog_types": read_tree(tree)}
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    from btf.errors import InputError
    try:
        main(sys.argv[1:])
    except (InputError, OSError) as e:        # one line naming the file, exit 2 (no traceback)
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
