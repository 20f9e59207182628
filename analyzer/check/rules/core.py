"""CO-RE rules: libbpf's relocation step on one kernel (btf.core.calc_relo against the kernel's BTF and
its modules) and what its outcome means for the load: a hard error fails the program, a failed
(poisoned) relocation fails it only when the verifier can reach the poisoned instruction.

The compiled program's relocations (its linked instructions) and the C source's accesses (their
local BTF root and access string) go through the same calc and the same findings.
"""
from btf import core as core_rules

from analyzer.check.findings import Finding

POISON_HINT = ("guard the access with bpf_core_field_exists()/bpf_core_type_exists() "
               "or provide a ___flavor type for this kernel")


def calc(btf, type_id, access_str, kind, state, pruned=None):
    """The relocation's outcome on the state's kernel (btf.core result: status ok/poison/error)."""
    kernel = state.kernel
    return core_rules.calc_relo(btf, type_id, access_str, kind, kernel.btf,
                                module_btfs=list(kernel.modules.values()), cache=state.core_cache,
                                pruned=pruned)


def error_finding(desc, res, kernel, location):
    return Finding("CORE_RELO_ERROR", f"CO-RE relocation {desc} cannot be applied on kernel "
                   f"{kernel.release}: {res.reason}", location=location)


def poison_reason(res):
    return res.reason or "no matching target"


def poison_finding(desc, reason, kernel, location, reachable):
    """A poisoned relocation: fails the load when reachable, else only said."""
    if reachable:
        return Finding("CORE_RELO_POISONED", f"CO-RE relocation {desc} failed on kernel "
                       f"{kernel.release}: {reason}", location=location, hint=POISON_HINT)
    return Finding("CORE_RELO_GUARDED", f"CO-RE relocation {desc} does not resolve on kernel "
                   f"{kernel.release} but is unreachable there ({reason})", location=location)


def relocate_program(obj, prog, state, pruned=None):
    """Apply every CO-RE relocation of the linked program to this kernel: constant values for the
    instructions whose result they fix ({pos: value}), poisoned positions ({pos: (desc, reason)}),
    and the hard errors' findings."""
    overrides, poison, findings = {}, {}, []
    for li in prog.linked:
        if li is None or li.reloc is None or li.reloc[0] != "core":
            continue
        relo = li.reloc[1]
        res = calc(obj.btf, relo.type_id, relo.access_str, relo.kind, state, pruned)
        desc = core_rules.describe(obj.btf, relo.type_id, relo.access_str, relo.kind)
        if res.status == "error":
            findings.append(error_finding(desc, res, state.kernel, li.line))
        elif res.status == "poison":
            poison[li.pos] = (desc, poison_reason(res))
        else:
            code = li.insn.code
            is_mov_k = (code & 0x07) in (0x04, 0x07) and (code & 0xF0) == 0xB0 and not code & 0x08
            if code == 0x18 or is_mov_k:
                overrides[li.pos] = res.target_value
    return overrides, poison, findings
