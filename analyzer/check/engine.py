"""The load verdict engine: (program, kernel) → findings → verdict.

Order mirrors a libbpf ≥ 1.0 load: object-level steps first (legacy maps, extern resolution, map
creation, struct_ops types), then per program: section → program/attach type, attach target,
CO-RE relocation (hard errors vs poisoned instructions), kfunc call rewriting, and finally what the
verifier decides, which for poisoned or per-instruction checks depends on what it can reach on this
kernel (analyzer/reach.py).
"""
from dataclasses import dataclass, field
from typing import Optional

from btf import core as btf_core

from analyzer.check.findings import ERROR, Finding, verdict_of
from analyzer.check.reach import NONZERO, MapPtr, reachable
from analyzer.check.rules import calls as call_rules
from analyzer.check.rules import core as core_rules
from analyzer.check.rules import attach_policy as attach_policy_rules
from analyzer.check.rules import btf_args as btf_arg_rules
from analyzer.check.rules import context as context_rules
from analyzer.check.rules import externs as extern_rules
from analyzer.check.rules import isa as isa_rules
from analyzer.check.rules import maps as map_rules
from analyzer.check.rules import openable as open_rules
from analyzer.check.rules import progtype as progtype_rules
from analyzer.objects.sections import short_attach_type, short_prog_type

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
        self.core_cache = btf_core.shared_cache(kernel.btf, list(kernel.modules.values()))
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


def locate(findings, where):
    """Give the findings that have no location this one (None leaves them as they are)."""
    if where is not None:
        for f in findings:
            if f.location is None:
                f.location = where
    return findings


def program_prologue(prog, kernel, location=None):
    """The first steps of every program, compiled or C source (analyzer.check.source_check): autoload,
    program type (libbpf's section rule, the kernel's types), attach target; `location` for findings
    that have none. Returns (findings, go_on): go_on is False when the program type is missing on this
    kernel, after which nothing more can be judged."""
    info = prog.info
    findings = []
    if not info.autoload:
        findings.append(Finding("NOT_AUTOLOADED", f"program '{prog.name}' is in '?{info.section.lstrip('?')}' "
                                "and is not loaded unless its loader enables it", location=location))
    findings += locate(progtype_rules.check_prog_type(info, kernel), location)
    if info.prog_type is None or any(f.code == "PROG_TYPE_MISSING" for f in findings):
        return findings, False
    findings += locate(progtype_rules.check_attach_target(info, kernel), location)
    return findings, True


def check_program(obj, prog, state, ext, pruned=None):
    kernel = state.kernel
    findings, go_on = program_prologue(prog, kernel)
    if not go_on:
        return findings
    findings += attach_policy_rules.check(obj, prog.info, kernel)
    findings += isa_rules.check(prog, kernel)

    linked = prog.linked
    insns = [li.insn if li is not None else None for li in linked]
    bad = next((li for li in linked if li is not None and (li.insn.dst > 10 or li.insn.src > 10)), None)
    if bad is not None:
        # the verifier stops at it ("R12 is invalid"); nothing after it can be judged
        reg = bad.insn.dst if bad.insn.dst > 10 else bad.insn.src
        findings.append(Finding("ISA_UNSUPPORTED", f"instruction {bad.pos} uses register r{reg}: BPF has "
                                f"only r0-r10, no kernel's verifier accepts it", location=call_rules.location(linked, bad.pos)))
        return findings
    overrides, poison_core, core_findings = core_rules.relocate_program(obj, prog, state, pruned)
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

    for pos, (desc, reason) in poison_core.items():
        findings.append(core_rules.poison_finding(desc, reason, kernel, call_rules.location(linked, pos),
                                                  pos in reach))
    findings += context_rules.check(prog, kernel, reach)
    findings += btf_arg_rules.check(prog, kernel, reach)
    findings += call_rules.check(obj, prog, state, kfunc_calls, reach, linked, ext, findings)
    return findings


def _is_frozen(map_name):
    return map_name.startswith(".rodata") or map_name == ".kconfig"


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


__all__ = ["Result", "KernelState", "check_objects", "check_object", "ERROR"]
