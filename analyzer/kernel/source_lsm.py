"""Kernel source tree -> the attach-point policy sets held in `.BTF_ids` (BTF_SET_START ... BTF_SET_END).

* sleepable LSM hooks: 5.10 keeps `btf_sleepable_lsm_hooks` in kernel/bpf/verifier.c (one entry,
  bpf_lsm_bprm_committed_creds); 5.11+ keep `sleepable_lsm_hooks` in kernel/bpf/bpf_lsm.c, read by
  bpf_lsm_is_sleepable_hook().
* disabled LSM hooks: `bpf_lsm_disabled_hooks` in kernel/bpf/bpf_lsm.c (6.8+), read by
  bpf_lsm_verify_prog().
* fmod_ret sets: functions of the BTF_SET8/BTF_KFUNCS sets passed to register_btf_fmodret_id_set()
  (net/bpf/test_run.c bpf_modify_return_test*, net/mptcp/bpf.c update_socket_protocol, ...), which
  fmod_ret may attach to whatever the error-injection list says (btf_kfunc_is_modify_return, 6.2+).
* "syscall_prefix": whether verifier.c has the !CONFIG_FUNCTION_ERROR_INJECTION fallback
  has_arch_syscall_prefix() (fmod_ret and sleepable attach to `__x64_sys_*` without error injection).
Each entry keeps the CONFIG_ option of the `#ifdef CONFIG_X` block it sits in (None outside any), so a
rule can leave out entries the kernel's config compiles out. `#else` branches (BTF_ID_UNUSED) hold no
names. A token-level reader like analyzer.kernel.source_gpl.

`python3 -m analyzer.kernel.source_lsm TREE=ORIGIN...` prints analyzer/check/rules/attach_policy_sets.json.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SETS = {"sleepable": ("sleepable_lsm_hooks", "btf_sleepable_lsm_hooks"),
        "disabled": ("bpf_lsm_disabled_hooks",)}
FILES = ("kernel/bpf/bpf_lsm.c", "kernel/bpf/verifier.c")
FMODRET_DIRS = ("net", "kernel", "drivers/hid", "fs", "mm")


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


def fmodret_functions(tree):
    """[[func, flags]] of every set registered with register_btf_fmodret_id_set(&desc)."""
    out = []
    for d in FMODRET_DIRS:
        for path in sorted((tree / d).rglob("*.c")) if (tree / d).is_dir() else ():
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            if "register_btf_fmodret_id_set(&" not in text:
                continue
            for desc in re.findall(r"register_btf_fmodret_id_set\(\s*&(\w+)\s*\)", text):
                m = re.search(r"\b%s\s*=\s*\{[^}]*\.set\s*=\s*&(\w+)" % desc, text, re.S)
                if not m:
                    continue
                body = re.search(r"BTF_(?:KFUNCS|SET8)_START\(\s*%s\s*\)(.*?)BTF_(?:KFUNCS|SET8)_END\(\s*%s\s*\)"
                                 % (m.group(1), m.group(1)), text, re.S)
                if not body:
                    continue
                for fn, flags in re.findall(r"BTF_ID_FLAGS\(\s*func\s*,\s*(\w+)\s*(?:,\s*([^)]*))?\)", body.group(1)):
                    out.append([fn, [f.strip() for f in flags.split("|") if f.strip()]])
    return out


def read_tree(tree) -> dict:
    tree = Path(tree)
    texts = [(tree / f).read_text(errors="replace") for f in FILES if (tree / f).exists()]
    out = {"fmodret": fmodret_functions(tree),
           "syscall_prefix": any("has_arch_syscall_prefix" in t for t in texts)}
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
    from analyzer.kernel.source import tree_version
    doc = {}
    for spec in argv:
        tree, _, origin = spec.partition("=")
        doc[tree_version(Path(tree))] = {"origin": origin or tree, **read_tree(tree)}
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    from btf.errors import InputError
    try:
        main(sys.argv[1:])
    except (InputError, OSError) as e:        # one line naming the file, exit 2 (no traceback)
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
