"""Verdicts for BPF C source (analyzer.source.program.SourceModel) per program and kernel, before it is built.

The rules are the engine's: program/attach type and attach target (rules/progtype), maps (rules/maps),
extern resolution with libbpf's prototype rule (rules/externs, on the source's local BTF), kfunc and
helper call checks (rules/calls, fed with source call sites), CO-RE relocations
(rules/core, on the source's local BTF). What source cannot show is left out: the ISA level and
anything the optimiser decides (dead code the compiler drops, what gets inlined). Of the ISA rules only
the one visible in C is applied: a callback passed by address (bpf_loop and the like) needs 5.13.

Reachability comes from the guards the source states: a site is unreachable on a kernel when one of
its guard literals is false there (bpf_ksym_exists of an unresolved weak ksym, an existence check the
kernel's BTF denies, a `const volatile` flag whose initial value is 0) — what libbpf and the verifier make of the same guard after compilation. Every
finding carries a file.c:LINE location: it comes from source analysis.
"""
from __future__ import annotations

from typing import NamedTuple

from analyzer.check import engine
from analyzer.check.engine import KernelState, Result, locate
from analyzer.check.findings import verdict_of
from analyzer.objects.model import HelperCall
from analyzer.check.rules import calls as call_rules
from analyzer.check.rules import core as core_rules
from analyzer.check.rules import externs as extern_rules
from analyzer.check.rules import isa as isa_rules
from analyzer.check.rules import maps as map_rules
from analyzer.check.rules import attach_policy as attach_policy_rules
from analyzer.check.rules import progtype as progtype_rules


class _Site(NamedTuple):
    """A source call site in the shape the engine's call checks read of objects.LinkedInsn: its position
    among the program's sites, FILE:LINE, the relocation it stands for (None for a helper call), and the
    function it runs in (the program, or the callback it is in)."""
    pos: int
    line: str
    reloc: object
    func: str


class _ProgramView:
    """The parts of objects.Program the engine's call checks read."""

    def __init__(self, sp):
        self.name = sp.name
        self.section = sp.section
        self.info = sp.info
        self.helper_calls = []
        self.isa_features = set()     # instruction-level features: not visible in source
        self.linked = []


def used_externs(model):
    """The __ksym externs some program uses (the compiler emits only those)."""
    used = {s.name for p in model.programs for s in p.kfunc_calls + p.ksym_refs}
    return [e for e in model.externs if e.name in used]


def check_sources(models, kernels, *, progress=None):
    states = [KernelState(k) for k in kernels]
    out = []
    for m in models:
        for st in states:
            out.extend(check_source(m, st))
            if progress is not None:
                progress.advance(1, m.path)
    return out


def check_source(model, state):
    """Results (engine.Result, object = the .c path) of every program of the source on one kernel."""
    kernel = state.kernel
    obj_findings = []
    for m in model.maps:        # one map at a time, so each finding gets the definition's line
        obj_findings += locate(map_rules.check_maps([m], m.legacy, kernel), model.location(m.line))
    ext = extern_rules.ExternResolution()
    for e in used_externs(model):   # one extern at a time, for the same reason
        r = extern_rules.resolve(model, kernel, externs=[e])
        ext.by_name.update(r.by_name)
        ext.findings += locate(r.findings, model.location(model.extern(e.name).line))
    obj_findings += ext.findings
    if model.struct_ops:        # the struct_ops variables are in the local BTF's .struct_ops DATASECs
        obj_findings += locate(progtype_rules.check_struct_ops(model, kernel),
                               model.location(model.struct_ops[0][3]))
    out = []
    atoms = _AtomValues(model, state, ext)
    for sp in model.programs:
        findings = list(obj_findings) + _check_program(model, sp, state, ext, atoms)
        out.append(Result(model.path, sp.name, sp.section, sp.info.prog_type, sp.info.attach_type,
                          kernel.id, verdict_of(findings), engine.dedupe(findings)))
    return out


class _AtomValues:
    """Guard atoms evaluated on one kernel: True / False, or None when it cannot be told."""

    def __init__(self, model, state, ext):
        self.model, self.state, self.ext = model, state, ext
        self.memo = {}

    def value(self, atom):
        if atom not in self.memo:
            self.memo[atom] = self._eval(atom)
        return self.memo[atom]

    def _eval(self, atom):
        if atom[0] == "ksym":
            r = self.ext.by_name.get(atom[1])
            return None if r is None else bool(r.resolved)
        if atom[0] == "const":      # .rodata as loaded: the initial value (the object engine's view too)
            return bool(atom[2])
        acc = atom[1]
        res = core_rules.calc(self.model.btf, acc.type_id, acc.access_str, acc.kind, self.state)
        if res.status != "ok" or res.target_value is None:
            return None
        return bool(res.target_value)

    def reachable(self, site):
        return all(self.value(a) in (None, pol) for a, pol in site.guards)


def _check_program(model, sp, state, ext, atoms):
    kernel = state.kernel
    where = model.location(sp.line)
    findings, go_on = engine.program_prologue(sp, kernel, where)
    if not go_on:
        return findings
    findings += locate(attach_policy_rules.check(model, sp.info, kernel), where)
    findings += _core_findings(model, sp, state, atoms)

    # the engine's call checks, on the source's call sites
    prog = _ProgramView(sp)
    linked, reach, kfunc_calls = [], set(), {}

    def add(site, reloc):
        pos = len(linked)
        linked.append(_Site(pos, site.where, reloc, site.function or sp.name))
        if atoms.reachable(site):
            reach.add(pos)
        return pos

    for s in sp.helper_calls:
        pos = add(s, None)
        prog.helper_calls.append(HelperCall(pos, s.helper_id, s.name, s.where))
    for s in sp.kfunc_calls:
        pos = add(s, ("kfunc", s.name))
        kfunc_calls[pos] = ext.by_name.get(s.name)
    for s in sp.ksym_refs:
        add(s, ("ksym", s.name))
    for s in sp.callbacks:          # the callback's address: ld_imm64 src_reg BPF_PSEUDO_FUNC
        add(s, ("func", s.name))
    prog.linked = linked
    findings += locate(isa_rules.check(prog, kernel),
                         sp.callbacks[0].where if sp.callbacks else where)
    findings += call_rules.check(model, prog, state, kfunc_calls, reach, linked, ext, findings)
    return findings


def _core_findings(model, sp, state, atoms):
    """libbpf's CO-RE step for each access the program makes: hard errors fail the program, a failed
    (poisoned) relocation fails it when reachable."""
    kernel = state.kernel
    out = []
    seen = set()
    for s in sp.core_relos:
        acc = s.core
        key = (acc, s.where, s.guards)
        if key in seen:
            continue
        seen.add(key)
        res = core_rules.calc(model.btf, acc.type_id, acc.access_str, acc.kind, state)
        desc = acc.description
        if res.status == "error":
            out.append(core_rules.error_finding(desc, res, kernel, s.where))
        elif res.status == "poison":
            out.append(core_rules.poison_finding(desc, core_rules.poison_reason(res), kernel, s.where,
                                                 atoms.reachable(s)))
    return out
