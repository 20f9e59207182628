"""Licences: GPL-only helpers called from a program whose license is not GPL-compatible.

Kernel rule (kernel/bpf/verifier.c check_helper_call, every release since 4.x, unchanged in 5.10,
6.1, 6.12 and 7.2): after `fn = env->ops->get_func_proto(func_id, env->prog)` returned a proto (a NULL
one is "unknown func"/"program of this type cannot use helper", HELPER_NOT_ALLOWED),
    if (!env->prog->gpl_compatible && fn->gpl_only) {
        verbose(env, "cannot call GPL-restricted function from non-GPL compatible program\\n");
        return -EINVAL;
    }
`gpl_compatible` is license_is_gpl_compatible() of the object's `license` section
(include/linux/license.h: "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL",
"Dual MIT/GPL", "Dual MPL/GPL"; analyzer.objects.GPL_COMPATIBLE). The check runs in do_check, so only
for calls the verifier reaches (analyzer/reach.py decides that per kernel).

`gpl_only` is a field of each helper's `struct bpf_func_proto` initialiser (kernel/bpf/helpers.c,
kernel/trace/bpf_trace.c, net/core/filter.c, kernel/bpf/stackmap.c, drivers/media/rc/bpf-lirc.c, ...).
BTF does not carry it and the bundled snapshots have no symbol table to read the protos from
`.rodata`, so the facts are a versioned table derived from the Debian linux-source trees
(analyzer/kernel/source_gpl.py over linux-source-5.10 5.10.223-1, 6.1 6.1.192-2, 6.12 6.12.107-1,
7.2 7.2.13-1; origins recorded in helper_proto_facts.json). A helper whose get_func_proto arms return
protos that disagree (bpf_get_stackid: gpl_only except the perf_event variant; bpf_get_func_ip:
kprobe_multi/uprobe_multi variants are not) is not in the table and not judged. A kernel is judged
by the table of the newest tree not newer than its major.minor (6.18 by 6.12's); a kernel older than
every tree is not judged.
"""
import json
import os
from functools import lru_cache

from analyzer.check.findings import Finding
from analyzer.kernel.versions import newest_not_after

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helper_proto_facts.json")


@lru_cache(maxsize=1)
def _tables():
    with open(TABLE) as f:
        return json.load(f)


def table_for(release):
    """(tree version, {"origin", "gpl_only", "not_gpl_only"}) for a kernel release, or (None, None)."""
    return newest_not_after(_tables(), release)


def gpl_only(release, helper):
    """True/False when the table for this release knows the helper (BPF_FUNC_x), else None."""
    ver, t = table_for(release)
    if t is None:
        return None
    if helper in t["gpl_only"]:
        return True
    if helper in t["not_gpl_only"]:
        return False
    return None


def helper_finding(obj, kernel, helper, hid, loc):
    """HELPER_GPL_ONLY for a reachable call of a gpl_only helper from a non-GPL-compatible object."""
    if getattr(obj, "gpl_compatible", True) or not gpl_only(kernel.release, helper):
        return None
    short = helper[len("BPF_FUNC_"):] if helper.startswith("BPF_FUNC_") else helper
    ver, t = table_for(kernel.release)
    return Finding("HELPER_GPL_ONLY", f"helper bpf_{short}#{hid} is GPL-only on kernel {kernel.release} and "
                   f"the program's license {obj.license!r} is not GPL-compatible: cannot call GPL-restricted "
                   "function from non-GPL compatible program", location=loc,
                   hint="use a GPL-compatible license (e.g. char LICENSE[] SEC(\"license\") = \"Dual BSD/GPL\") "
                        f"or avoid bpf_{short}",
                   detail={"helper": helper, "license": obj.license, "facts": t["origin"]})
