"""Call rules of one program: kfunc calls (resolution of weak kfuncs, device-bound XDP metadata kfuncs,
GPL, "a kernel function but not a kfunc", the kfunc's hook/facts rules), bpf_ksym_exists() of a kfunc on
kernels before 6.4, and helper calls (ids past the kernel's last helper, helpers the facts withhold, GPL-only
helpers, PREEMPT_RT); on a kernel without facts, what was left unverified (FACTS_MISSING[_RISK]).

Both the compiled program (its linked instructions) and the C source (its call sites) are judged here:
`linked` is a list indexed by position whose entries carry .pos, .line, .reloc and .func (None for a
position that is not an instruction), `reach` the positions the verifier can reach on this kernel.
"""
from btf.compat import essential_name

from analyzer.check.findings import INFO, Finding
from analyzer.check.rules import hooks as hook_rules
from analyzer.check.rules import license as license_rules
from analyzer.check.rules import preempt_rt as preempt_rt_rules
from analyzer.kernel.versions import at_least
from analyzer.objects.sections import short_prog_type

# kernel xdp_metadata_kfunc_ids (net/core/xdp.c XDP_METADATA_KFUNC list): every member is named
# bpf_xdp_metadata_*, and add_kfunc_call() rejects them for programs not bound to a device.
DEV_BOUND_PREFIX = "bpf_xdp_metadata_"


def check(obj, prog, state, kfunc_calls, reach, linked, ext, prior):
    """kfunc and helper call checks of one program. `prior`: the program's findings so far. A variant
    the kernel refuses (probed) never reaches the verifier; the helper/kfunc facts describe the
    variants that load, so they say nothing about it."""
    use_facts = not any(f.code == "PROG_TYPE_REFUSED" for f in prior)
    unverified = {"helpers": [], "kfuncs": []} if state.facts is None and use_facts else None
    out = (kfunc_findings(obj, prog, state, kfunc_calls, reach, linked, ext, use_facts=use_facts,
                          unverified=unverified)
           + helper_findings(prog, state, reach, linked, use_facts=use_facts, obj=obj, unverified=unverified))
    if unverified is not None and (unverified["helpers"] or unverified["kfuncs"]):
        out += facts_missing(prog, state, unverified)
    return out


def location(linked, pos):
    li = linked[pos] if 0 <= pos < len(linked) else None
    return li.line if li is not None else None


def facts_missing(prog, state, unverified):
    """No kernel facts: FACTS_MISSING_RISK (unknown) for each call a bundled kernel with facts refuses to
    this program type, then one FACTS_MISSING (info) listing every call left unverified."""
    from analyzer.kernel.facts_reference import refusals_helper, refusals_kfunc
    kernel, pt = state.kernel, prog.info.prog_type
    refs = state.reference_facts
    out = []
    for kind, names, refuse in (("helper", unverified["helpers"], refusals_helper),
                                ("kfunc", unverified["kfuncs"], refusals_kfunc)):
        for name, loc in names:
            no = refuse(refs, name, pt)
            if not no:
                continue
            short = "bpf_" + name[len("BPF_FUNC_"):] if kind == "helper" else name
            out.append(Finding("FACTS_MISSING_RISK",
                               f"{kind} {short} from {short_prog_type(pt)}: kernel {kernel.release} has no kernel "
                               f"facts, and the nearest kernel with facts, {no[0]}, does not offer it to this program type",
                               location=loc,
                               hint="add this kernel's facts (`bpfstab kernel facts K --source linux-source-*.deb "
                                    "--config ...`) to decide it",
                               detail={kind: name, "refused_on": no, "facts": "none"}))
    helpers = sorted({n for n, _ in unverified["helpers"]})
    kfuncs = sorted({n for n, _ in unverified["kfuncs"]})
    what = ", ".join(p for p in (f"{len(helpers)} helpers" if helpers else "",
                                 f"{len(kfuncs)} kfuncs" if kfuncs else "") if p)
    out.append(Finding("FACTS_MISSING", f"kernel {kernel.release} has no kernel facts: whether "
                       f"{short_prog_type(pt)} programs may call these {what} is unverified",
                       hint="import with --source (or `bpfstab kernel facts`) to check helper and kfunc access",
                       detail={"facts": "none", "unverified_helpers": helpers, "unverified_kfuncs": kfuncs}))
    return out


def kfunc_findings(obj, prog, state, kfunc_calls, reach, linked, ext, use_facts=True, unverified=None):
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
        if unverified is not None and prog.info.prog_type not in hook_rules.KFUNC_HOOK_NOT_OWN:
            unverified["kfuncs"].append((kf.name, loc))
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


def helper_findings(prog, state, reach, linked, use_facts=True, obj=None, unverified=None):
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
        if facts is None and unverified is not None and prog_type not in hook_rules.HELPERS_NOT_OWN:
            name = state.helper_names.get(hid)
            if name is not None:
                unverified["helpers"].append((name, li.line))
        name = state.helper_names.get(hid)
        if name is None:
            continue
        f = (hook_rules.helper_finding(state.kernel, facts, name, hid, prog_type, li.line)
             if facts is not None and use_facts else None)
        if f is None and obj is not None:
            # offered to the program type: then the proto's gpl_only (rules/license.py)
            f = license_rules.helper_finding(obj, state.kernel, name, hid, li.line)
        if f is None:
            f = preempt_rt_rules.helper_finding(state.kernel, name, hid, li.line)
        if f is not None:
            out.append(f)
    return out
