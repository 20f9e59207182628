"""The load verdict engine: (program, kernel) → findings → verdict.

Order mirrors a libbpf ≥ 1.0 load: object-level steps first (legacy maps, extern resolution, map
creation, struct_ops types), then per program: section → program/attach type, attach target,
CO-RE relocation (hard errors vs poisoned instructions), kfunc call rewriting, and finally what the
verifier decides, which for poisoned or per-instruction checks depends on what it can reach on this
kernel (analyzer/reach.py).
"""
from dataclasses import dataclass, field
from typing import Optional

from btf import core as core_rules
from btf.compat import essential_name

from analyzer.check.findings import ERROR, INFO, Finding, verdict_of
from analyzer.check.reach import NONZERO, MapPtr, reachable
from analyzer.check.rules import attach_policy as attach_policy_rules
from analyzer.check.rules import btf_args as btf_arg_rules
from analyzer.check.rules import context as context_rules
from analyzer.check.rules import externs as extern_rules
from analyzer.check.rules import hooks as hook_rules
from analyzer.check.rules import isa as isa_rules
from analyzer.check.rules import license as license_rules
from analyzer.check.rules import maps as map_rules
from analyzer.check.rules import openable as open_rules
from analyzer.check.rules import preempt_rt as preempt_rt_rules
from analyzer.check.rules import progtype as progtype_rules
from analyzer.objects.sections import short_attach_type, short_prog_type
from analyzer.kernel.versions import at_least

POISON_KFUNC_BASE = 2002000000
# kernel xdp_metadata_kfunc_ids (net/core/xdp.c XDP_METADATA_KFUNC list): every member is named
# bpf_xdp_metadata_*, and add_kfunc_call() rejects them for programs not bound to a device.
DEV_BOUND_PREFIX = "bpf_xdp_metadata_"


@dataclass
class Result:
    object: str
    program: str
    section: str
    prog_type: Optional[str]
    attach_type: Optional[str]
    kernel: str
    verdict: str
    findings: list = field(default_factory=list)

    def to_json(self):
        return {"object": self.object, "program": self.program, "section": self.section,
                "prog_type": short_prog_type(self.prog_type) if self.prog_type else None,
                "attach_type": short_attach_type(self.attach_type) if self.attach_type else None,
                "kernel": self.kernel, "verdict": self.verdict,
                "findings": [f.to_json() for f in self.findings]}


class KernelState:
    """Per-kernel caches shared by every object checked against it."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.core_cache = core_rules.shared_cache(kernel.btf, list(kernel.modules.values()))
        max_id = kernel.helpers.get("__BPF_FUNC_MAX_ID")
        self.max_helper_id = max_id if max_id is not None else (
            max(kernel.helpers.values()) + 1 if kernel.helpers else None)
        self.helper_names = {v: n for n, v in kernel.helpers.items() if n.startswith("BPF_FUNC_")}
        # kernel-source / probe facts (analyzer/facts.py): None when the snapshot has none
        self.facts = kernel.merged_facts if getattr(kernel, "facts", None) else None
        self._refs = None

    @property
    def reference_facts(self):
        """Facts of the nearest bundled kernels, when this one has none (analyzer.kernel.facts_reference)."""
        if self._refs is None:
            from ..kernel.facts_reference import reference_facts
            self._refs = reference_facts(self.kernel) if self.facts is None else []
        return self._refs


def check_objects(objects, kernels, *, progress=None):
    states = [KernelState(k) for k in kernels]
    results = []
    for obj in objects:
        for st in states:
            results.extend(check_object(obj, st))
            if progress is not None:
                progress.advance(1, obj.name)
    return results


def check_object(obj, state):
    kernel = state.kernel
    # libbpf refuses the object while opening it: nothing else is evaluated (rules/openable.py)
    refused = open_rules.check(obj)
    if refused:
        return [Result(obj.name, prog.name, prog.section, prog.info.prog_type, prog.info.attach_type,
                       kernel.id, verdict_of(refused), list(refused)) for prog in obj.programs]
    obj_findings = []
    if obj.btf is None:
        obj_findings.append(Finding("NO_BTF", f"object {obj.name} carries no BTF"))
    obj_findings += map_rules.check(obj, kernel)
    ext = extern_rules.resolve(obj, kernel) if obj.btf is not None else extern_rules.ExternResolution()
    obj_findings += ext.findings
    obj_findings += progtype_rules.check_struct_ops(obj, kernel)
    out = []
    pruned = {}     # libbpf keeps one candidate cache per object, shrunk to the matches as it goes
    for prog in obj.programs:
        findings = list(obj_findings)
        findings += check_program(obj, prog, state, ext, pruned)
        out.append(Result(obj.name, prog.name, prog.section, prog.info.prog_type, prog.info.attach_type,
                          kernel.id, verdict_of(findings), dedupe(findings)))
    return out


def dedupe(findings):
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.message, f.location)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def check_program(obj, prog, state, ext, pruned=None):
    kernel = state.kernel
    info = prog.info
    findings = []
    if not info.autoload:
        findings.append(Finding("NOT_AUTOLOADED", f"program '{prog.name}' is in '?{info.section.lstrip('?')}' "
                                "and is not loaded unless its loader enables it"))
    findings += progtype_rules.check_prog_type(info, kernel)
    if info.prog_type is None or any(f.code == "PROG_TYPE_MISSING" for f in findings):
        return findings
    findings += progtype_rules.check_attach_target(info, kernel)
    findings += attach_policy_rules.check(obj, info, kernel)
    findings += isa_rules.check(prog, kernel)

    linked = prog.linked
    insns = [li.insn if li is not None else None for li in linked]
    bad = next((li for li in linked if li is not None and (li.insn.dst > 10 or li.insn.src > 10)), None)
    if bad is not None:
        # the verifier stops at it ("R12 is invalid"); nothing after it can be judged
        reg = bad.insn.dst if bad.insn.dst > 10 else bad.insn.src
        findings.append(Finding("ISA_UNSUPPORTED", f"instruction {bad.pos} uses register r{reg}: BPF has "
                                f"only r0-r10, no kernel's verifier accepts it", location=_loc(linked, bad.pos)))
        return findings
    overrides, poison_core, core_findings = _core_relocate(obj, prog, state, pruned)
    findings += core_findings
    call_targets = {li.pos: li.call_target for li in linked
                    if li is not None and li.call_target is not None}
    kfunc_calls = {}            # pos -> Resolved
    for li in linked:
        if li is None or li.reloc is None:
            continue
        kind = li.reloc[0]
        if kind == "kfunc":
            kfunc_calls[li.pos] = ext.by_name.get(li.reloc[1])
        elif kind == "ksym":
            r = ext.by_name.get(li.reloc[1])
            overrides[li.pos] = NONZERO if (r is not None and r.resolved) else 0
        elif kind == "kconfig":
            overrides[li.pos] = MapPtr(".kconfig", li.reloc[2] if len(li.reloc) > 2 else 0)
        elif kind == "map_value" and _is_frozen(li.reloc[1]):
            overrides[li.pos] = MapPtr(li.reloc[1], li.reloc[2] if len(li.reloc) > 2 else 0)
    reach = reachable(insns, call_targets=call_targets, overrides=overrides,
                      read_const=_const_reader(obj, ext))

    for pos, (relo, desc, reason) in poison_core.items():
        loc = _loc(linked, pos)
        if pos in reach:
            findings.append(Finding("CORE_RELO_POISONED", f"CO-RE relocation {desc} failed on kernel "
                                    f"{kernel.release}: {reason}", location=loc,
                                    hint="guard the access with bpf_core_field_exists()/bpf_core_type_exists() "
                                         "or provide a ___flavor type for this kernel"))
        else:
            findings.append(Finding("CORE_RELO_GUARDED", f"CO-RE relocation {desc} does not resolve on kernel "
                                    f"{kernel.release} but is unreachable there ({reason})", location=loc))
    findings += context_rules.check(prog, kernel, reach)
    findings += btf_arg_rules.check(prog, kernel, reach)
    findings += call_findings(obj, prog, state, kfunc_calls, reach, linked, ext, findings)
    return findings


def call_findings(obj, prog, state, kfunc_calls, reach, linked, ext, prior):
    """kfunc and helper call checks of one program (compiled or C source, analyzer.check.source_check).
    `prior`: the program's findings so far. A variant the kernel refuses (probed) never reaches the
    verifier; the helper/kfunc facts describe the variants that load, so they say nothing about it."""
    use_facts = not any(f.code == "PROG_TYPE_REFUSED" for f in prior)
    unverified = {"helpers": [], "kfuncs": []} if state.facts is None and use_facts else None
    out = (_kfunc_call_findings(obj, prog, state, kfunc_calls, reach, linked, ext, use_facts=use_facts,
                                unverified=unverified)
           + _helper_findings(prog, state, reach, linked, use_facts=use_facts, obj=obj, unverified=unverified))
    if unverified is not None and (unverified["helpers"] or unverified["kfuncs"]):
        out += _facts_missing(prog, state, unverified)
    return out


def _facts_missing(prog, state, unverified):
    """No kernel facts: FACTS_MISSING_RISK (unknown) for each call a bundled kernel with facts refuses to
    this program type, then one FACTS_MISSING (info) listing every call left unverified."""
    from ..kernel.facts_reference import refusals_helper, refusals_kfunc
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


def _is_frozen(map_name):
    return map_name.startswith(".rodata") or map_name == ".kconfig"


def _loc(linked, pos):
    li = linked[pos] if 0 <= pos < len(linked) else None
    return li.line if li is not None else None


def _core_relocate(obj, prog, state, pruned=None):
    """Apply every CO-RE relocation of the linked program to this kernel: constant values for the
    instructions whose result they fix, poisoned positions, and hard errors."""
    overrides, poison, findings = {}, {}, []
    kernel = state.kernel
    for li in prog.linked:
        if li is None or li.reloc is None or li.reloc[0] != "core":
            continue
        relo = li.reloc[1]
        res = core_rules.calc_relo(obj.btf, relo.type_id, relo.access_str, relo.kind, kernel.btf,
                                   module_btfs=list(kernel.modules.values()), cache=state.core_cache,
                                   pruned=pruned)
        desc = core_rules.describe(obj.btf, relo.type_id, relo.access_str, relo.kind)
        if res.status == "error":
            findings.append(Finding("CORE_RELO_ERROR", f"CO-RE relocation {desc} cannot be applied on kernel "
                                    f"{kernel.release}: {res.reason}", location=li.line))
        elif res.status == "poison":
            poison[li.pos] = (relo, desc, res.reason or "no matching target")
        else:
            code = li.insn.code
            is_mov_k = (code & 0x07) in (0x04, 0x07) and (code & 0xF0) == 0xB0 and not code & 0x08
            if code == 0x18 or is_mov_k:
                overrides[li.pos] = res.target_value
    return overrides, poison, findings


def _const_reader(obj, ext):
    """Reads of frozen maps: .kconfig values resolved for this kernel, .rodata initial bytes."""
    kconfig_layout = obj.kconfig_layout() if hasattr(obj, "kconfig_layout") else {}

    def read(map_name, offset, size):
        if map_name == ".kconfig":
            for name, (off, sz) in kconfig_layout.items():
                if off == offset:
                    r = ext.by_name.get(name)
                    return r.value if r is not None else None
            return None
        data = obj.map_initial_data(map_name) if hasattr(obj, "map_initial_data") else None
        if data is None or offset < 0 or offset + size > len(data):
            return None
        return int.from_bytes(data[offset:offset + size], obj.byteorder)
    return read


def _kfunc_call_findings(obj, prog, state, kfunc_calls, reach, linked, ext, use_facts=True, unverified=None):
    out = []
    kernel = state.kernel
    wq_callbacks = any(r is not None and essential_name(r.name) in hook_rules.WQ_CALLBACK_KFUNCS
                       for r in kfunc_calls.values())
    for pos, r in sorted(kfunc_calls.items()):
        loc = _loc(linked, pos)
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


def _helper_findings(prog, state, reach, linked, use_facts=True, obj=None, unverified=None):
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


__all__ = ["Result", "KernelState", "check_objects", "check_object", "ERROR"]
