"""Kernel source tree -> the LSM attach-point policy sets held in `.BTF_ids` (BTF_SET_START ... BTF_SET_END).

* sleepable LSM hooks: 5.10 keeps `btf_sleepable_lsm_hooks` in kernel/bpf/verifier.c (one entry,
  bpf_lsm_bprm_committed_creds); 5.11+ keep `sleepable_lsm_hooks` in kernel/bpf/bpf_lsm.c, read by
  bpf_lsm_is_sleepable_hook().
* disabled LSM hooks: `bpf_lsm_disabled_hooks` in kernel/bpf/bpf_lsm.c (6.8+), read by
  bpf_lsm_verify_prog().
Each entry keeps the CONFIG_ option of the `#ifdef CONFIG_X` block it sits in (None outside any), so a
rule can leave out entries the kernel's config compiles out. `#else` branches (BTF_ID_UNUSED) hold no
names. A token-level reader like analyzer.kernel_source_gpl.

`python3 -m analyzer.kernel_source_lsm TREE=ORIGIN...` prints analyzer/rules/lsm_hook_sets.json.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SETS = {"sleepable": ("sleepable_lsm_hooks", "btf_sleepable_lsm_hooks"),
        "disabled": ("bpf_lsm_disabled_hooks",)}
FILES = ("kernel/bpf/bpf_lsm.c", "kernel/bpf/verifier.c")


def read_set(text, set_name):
    """[(func, guard)] of BTF_ID(func, NAME) lines between BTF_SET_START(set) and BTF_SET_END(set), or
    None when the set is not in the text."""
    m = re.search(r"BTF_SET_START\(\s*%s\s*\)(.*?)BTF_SET_END\(\s*%s\s*\)" % (set_name, set_name), text, re.S)
    if not m:
        return None
    out, guards = [], []
    for line in m.group(1).splitlines():
        line = line.strip()
        g = re.match(r"#\s*if(n?)def\s+(CONFIG_\w+)", line) or re.match(r"#\s*if\s+(!?)defined\((CONFIG_\w+)\)", line)
        if g:
            guards.append(("!" if g.group(1) else "") + g.group(2))
            continue
        if re.match(r"#\s*else", line) and guards:
            guards[-1] = guards[-1][1:] if guards[-1].startswith("!") else "!" + guards[-1]
            continue
        if re.match(r"#\s*endif", line) and guards:
            guards.pop()
            continue
        b = re.match(r"BTF_ID\(\s*func\s*,\s*(\w+)\s*\)", line)
        if b:
            out.append([b.group(1), list(guards)])
    return out


def read_tree(tree) -> dict:
    tree = Path(tree)
    texts = [(tree / f).read_text(errors="replace") for f in FILES if (tree / f).exists()]
    out = {}
    for key, names in SETS.items():
        for text in texts:
            for n in names:
                got = read_set(text, n)
                if got is not None:
                    out[key] = {"set": n, "entries": got}
                    break
            if key in out:
                break
    return out


def main(argv):
    from analyzer.kernel_source import tree_version
    doc = {}
    for spec in argv:
        tree, _, origin = spec.partition("=")
        doc[tree_version(Path(tree))] = {"origin": origin or tree, **read_tree(tree)}
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
