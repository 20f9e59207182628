"""Call rules of one program: kfunc calls (resolution of weak kfuncs, device-bound XDP metadata kfuncs,
GPL, "a kernel function but not a kfunc", the kfunc's hook/facts rules), bpf_ksym_exists() of a kfunc on
kernels before 6.4, and helper calls (ids past the kernel's last helper, helpers the facts withhold).

Both the compiled program (its linked instructions) and the C source (its call sites) are judged here:
`linked` is a list indexed by position whose entries carry .pos, .line, .reloc and .func (None for a
position that is not an instruction), `reach` the positions the verifier can reach on this kernel.
"""
from btf.compat import essential_name

from analyzer.check.findings import INFO, Finding
from analyzer.check.rules import hooks as hook_rules
from analyzer.kernel.versions import at_least

# kernel xdp_metadata_kfunc_ids (net/core/xdp.c XDP_METADATA_KFUNC list): every member is named
# bpf_xdp_metadata_*, and add_kfunc_call() rejects them for programs not bound to a device.
DEV_BOUND_PREFIX = "bpf_xdp_metadata_"


def check(obj, prog, state, kfunc_calls, reach, linked, ext, prior):
    """kfunc and helper call checks of one program. `prior`: the program's findings so far. A variant
    the kernel refuses (probed) never reaches the verifier; the helper/kfunc facts describe the
    variants that load, so they say nothing about it."""
    use_facts = not any(f.code == "PROG_TYPE_REFUSED" for f in prior)
    return (kfunc_findings(obj, prog, state, kfunc_calls, reach, linked, ext, use_facts=use_facts)
            + helper_findings(prog, state, reach, linked, use_facts=use_facts))


def location(linked, pos):
    li = linked[pos] if 0 <= pos < len(linked) else None
    return li.line if li is not None else None


def kfunc_findings(obj, prog, state, kfunc_calls, reach, linked, ext, use_facts=True):
    out = []
    kernel = state.kernel
    wq_callbacks = any(r is not None and essential_name(r.name) in hook_rules.WQ_CALLBACK_KFUNCS
                       for r in kfunc_calls.values())
    for pos, r in sorted(kfunc_calls.items()):
        loc = location(linked, pos)
        if r is None:
            continue
        name = r.name
        if not r.resolved:
            if not r.weak:
                continue        # already an object-level KFUNC_MISSING / PROTO_MISMATCH
            if pos in reach:
                out.append(Finding("KFUNC_WEAK_CALL_REACHABLE",
                                   f"weak kfunc '{name}' is not resolved on kernel {kernel.release} "
                                   f"({r.reason}) and its call is reachable", location=loc,
                                   hint=f"guard the call with if (bpf_ksym_exists({name}))",
                                   detail={"kfunc": name}))
            else:
                out.append(Finding("KFUNC_WEAK_UNRESOLVED", f"weak kfunc '{name}' is not resolved on kernel "
                                   f"{kernel.release} ({r.reason}); its guarded call is skipped", location=loc,
                                   severity=INFO, detail={"kfunc": name}))
            continue
        # resolved: the call becomes a real kfunc call (src_reg=2) and the kernel checks it
        if essential_name(name).startswith(DEV_BOUND_PREFIX):
            out.append(Finding("KFUNC_DEV_BOUND", f"kfunc '{name}' is an XDP metadata kfunc: the program "
                               "must be loaded bound to a device", location=loc,
                               hint="load with bpf_program__set_ifindex() and BPF_F_XDP_DEV_BOUND_ONLY "
                                    "(xdp-tools/your loader), or verdicts assume a plain load",
                               detail={"kfunc": name}))
        if not obj.gpl_compatible:
            out.append(Finding("KFUNC_NOT_GPL", f"kfunc '{name}' called from a program with non-GPL license "
                               f"{obj.license!r}", location=loc, hint="use a GPL-compatible license",
                               detail={"kfunc": name}))
        if pos not in reach:
            continue
        kf = kernel.kfuncs.get(essential_name(name)) or kernel.kfuncs.get(name)
        if kf is None:
            out.append(Finding("KFUNC_NOT_KFUNC", f"'{essential_name(name)}' is a kernel function but not a "
                               f"kfunc on kernel {kernel.release}: calling kernel function is not allowed",
                               location=loc, detail={"kfunc": essential_name(name)}))
            continue
        in_callback = wq_callbacks and linked[pos] is not None and linked[pos].func != prog.name
        out += hook_rules.kfunc_findings(kernel, state.facts if use_facts else None, kf, prog, loc, weak=r.weak,
                                         in_wq_callback=in_callback)
    # bpf_ksym_exists() on a resolved kfunc: ld_imm64 of a FUNC btf id (kernel ≥ 6.4), all insns
    for li in linked:
        if li is None or li.reloc is None or li.reloc[0] != "ksym":
            continue
        r = ext.by_name.get(li.reloc[1])
        if r is not None and r.kind == "ksym_func" and r.resolved and at_least(kernel.release, 6, 4) is False:
            out.append(Finding("KFUNC_ADDR_LDIMM64", f"bpf_ksym_exists({r.name}) resolves to a kfunc BTF id, "
                               f"which kernel {kernel.release} rejects in ld_imm64 (needs 6.4+)",
                               location=li.line, since="6.4", detail={"kfunc": r.name}))
    return out


def helper_findings(prog, state, reach, linked, use_facts=True):
    out = []
    if state.max_helper_id is None:
        return out
    prog_type = prog.info.prog_type
    facts = state.facts
    for hc in prog.helper_calls:
        pos = hc.pos
        if pos not in reach:
            continue
        li = linked[pos]
        if li is None or li.reloc is not None:
            continue
        hid = hc.helper_id
        if hid >= state.max_helper_id or hid < 0:
            out.append(Finding("HELPER_UNKNOWN", f"helper #{hid} does not exist on kernel "
                               f"{state.kernel.release} (helpers end at #{state.max_helper_id - 1})",
                               location=li.line))
            continue
        if facts is None or not use_facts:
            continue
        name = state.helper_names.get(hid)
        if name is None:
            continue
        f = hook_rules.helper_finding(state.kernel, facts, name, hid, prog_type, li.line)
        if f is not None:
            out.append(f)
    return out
