"""Kernel facts that BTF cannot tell, with where each came from.

BTF says a kfunc or helper exists; it does not say which program types may call it. Those facts come
from the kernel's C source (analyzer.kernel.source, libclang) or from probing a running kernel
(analyzer.kernel.probe). A snapshot keeps one KernelFacts per origin; `merged()` combines them so that a probed
fact wins over a source fact, and the differences are reported, never hidden.

Names are the kernel's enum names: "BPF_PROG_TYPE_XDP", "BPF_FUNC_map_lookup_elem", "KF_ACQUIRE".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, asdict
from typing import Optional

from analyzer.objects.sections import full_prog_type

FACTS_SCHEMA = "bpfstab.facts/1"
ORIGINS = ("source", "probe", "borrowed")
# "borrowed": the source facts of another kernel of the same major.minor, attached to a kernel imported
# without --source (analyzer.facts_reference.borrow); lowest priority, always labelled with borrowed_from.
ALL_PROG_TYPES = "*"     # a kfunc set registered for BPF_PROG_TYPE_UNSPEC (the common hook): every type
# Program types whose helper / kfunc facts are not their own, so facts keyed by them do not describe what
# the verifier applies to a program (kernel/bpf/verifier.c): EXT verifies as its target's type, for helpers
# (check_attach_btf_id: env->ops = bpf_verifier_ops[tgt_prog->type]) and for the kfunc hook
# (resolve_prog_type() in btf_kfunc_id_set_contains); STRUCT_OPS helpers come from each struct_ops type's own
# verifier_ops (check_struct_ops_btf_id: env->ops = st_ops->verifier_ops), while its kfunc hook is its own
# (bpf_prog_type_to_kfunc_hook: BTF_KFUNC_HOOK_STRUCT_OPS). Used by check (rules/hooks), diff and the
# kernel-source extraction alike.
HELPERS_NOT_OWN = frozenset(("BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_STRUCT_OPS"))
KFUNC_HOOK_NOT_OWN = frozenset(("BPF_PROG_TYPE_EXT",))


@dataclass
class KernelFacts:
    origin: str                                   # "source" | "probe" | "borrowed"
    detail: str = ""                              # "linux-source-6.12 6.12.117", "probe on 6.18.44 (root)"
    version: Optional[str] = None                 # kernel version of the tree, or release of the probed kernel
    # kfunc name -> KF_ flag names, from BTF_ID_FLAGS(func, name, KF_...) in the source
    kfunc_flags: dict = field(default_factory=dict)
    # kfunc name -> sorted prog type names that may call it (ALL_PROG_TYPES for the common hook);
    # an upper bound: a registration's .filter callback may still refuse some attach types
    kfunc_prog_types: dict = field(default_factory=dict)
    # prog type name -> sorted helper names (BPF_FUNC_*) its get_func_proto may return non-NULL;
    # an upper bound over attach type, capabilities and sleepability
    helper_prog_types: dict = field(default_factory=dict)
    # probe only: prog types / map types the kernel accepted (None when not probed)
    prog_types: Optional[list] = None
    map_types: Optional[list] = None
    # where each kind of fact came from inside the origin, e.g. {"kfunc_prog_types": "register_btf_kfunc_id_set"}
    methods: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    borrowed_from: Optional[str] = None           # "borrowed" only: the release whose source facts these are
    # probe only: what the kernel refused whatever the program, one record each (see refusal()):
    # {"prog_type": "BPF_PROG_TYPE_TRACING", "variant": "tracing/trace_fentry (sleepable)" or None for
    #  the whole type, "errno": "EPERM" or None}. None for a source origin; facts written before the
    # probe recorded them carry only the English warnings and methods["variants_refused"]: those are
    # read once here (legacy_refusals), so rules read these fields only.
    refusals: Optional[list] = None

    def __post_init__(self):
        if self.refusals is None and self.origin == "probe":
            self.refusals = legacy_refusals(self.warnings, self.methods)

    def to_json(self) -> dict:
        d = asdict(self)
        if d["refusals"] is None:
            d.pop("refusals")
        d["schema"] = FACTS_SCHEMA
        return d

    def variant_refusal(self, prog_type: str, variant: str):
        """The refusal record of one load variant label ('tracing/trace_fentry'), or None."""
        return next((r for r in self.refusals or () if r["prog_type"] == prog_type and r["variant"] == variant), None)

    def type_refusal(self, prog_type: str):
        """The refusal record saying no program of `prog_type` loads at all, or None."""
        return next((r for r in self.refusals or () if r["prog_type"] == prog_type and r["variant"] is None), None)

    @classmethod
    def from_json(cls, d: dict) -> "KernelFacts":
        if not isinstance(d, dict) or d.get("schema") != FACTS_SCHEMA:
            raise ValueError(f"not a {FACTS_SCHEMA} record")
        if d.get("origin") not in ORIGINS:
            raise ValueError(f"unknown facts origin {d.get('origin')!r}")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})

    def is_empty(self) -> bool:
        return not (self.kfunc_flags or self.kfunc_prog_types or self.helper_prog_types
                    or self.prog_types or self.map_types)


def refusal(prog_type: str, variant: Optional[str], errno: Optional[str]) -> dict:
    return {"prog_type": prog_type, "variant": variant, "errno": errno or None}


# the English the probe wrote before it recorded refusals (analyzer.kernel.probe Prober.probe_prog_types
# and _probe_ext); only this module reads it
_LEGACY_NO_TYPE = re.compile(r"([a-z0-9_]+): no program of this type loads \(\d+ variants; .*?: ([A-Z0-9]+): ")
_LEGACY_NO_EXT = re.compile(r"(ext): freplace of an XDP program does not load \(([A-Z0-9]+)")


def _legacy_variant(entry):
    """'tracing/trace_fentry:bpf_lsm_file_open (sleepable): EPERM' -> ('tracing/trace_fentry (sleepable)',
    'EPERM'): the variant label without its attach target, and the error the probe saw."""
    label, _, err = entry.rpartition(": ")
    if not label:
        label, err = entry, ""
    sleepable = label.endswith(" (sleepable)")
    if sleepable:
        label = label[:-len(" (sleepable)")]
    label = label.split(":", 1)[0]
    return label + (" (sleepable)" if sleepable else ""), err


def legacy_refusals(warnings, methods) -> list:
    """Refusal records from probe facts that only have the strings: methods["variants_refused"]
    ({short type: ["label: ERRNO", ...]}) and the warnings for types where no variant loads."""
    out = []
    for w in warnings or ():
        m = _LEGACY_NO_TYPE.match(w) or _LEGACY_NO_EXT.match(w)
        if m:
            out.append(refusal(full_prog_type(m.group(1)), None, m.group(2)))
    for short, entries in ((methods or {}).get("variants_refused") or {}).items():
        for entry in entries:
            label, err = _legacy_variant(entry)
            out.append(refusal(full_prog_type(short), label, err))
    return out


@dataclass
class MergedFacts:
    """What a rule asks: may prog type P call kfunc K / helper H? None means "not known"."""
    kfunc_prog_types: dict = field(default_factory=dict)   # name -> (frozenset, origin)
    helper_prog_types: dict = field(default_factory=dict)  # prog type -> (frozenset, origin)
    kfunc_flags: dict = field(default_factory=dict)         # name -> (tuple, origin)
    disagreements: list = field(default_factory=list)       # one line each: where probe and source differ
    # origin -> prog types whose kfunc access that origin really examined (None: all it names).
    # A probe cannot load some types on some kernels (EPERM trampolines, lirc); for those its
    # kfunc answer means nothing and the next origin answers instead.
    kfunc_coverage: dict = field(default_factory=dict)
    by_origin: dict = field(default_factory=dict)           # origin -> {kfunc: frozenset}

    def kfunc_allowed(self, kfunc: str, prog_type: str):
        """(True|False|None, origin). None when no origin knows the kfunc's program types."""
        for origin in ("probe", "source", "borrowed"):
            types = self.by_origin.get(origin, {}).get(kfunc)
            if types is None:
                continue
            covered = self.kfunc_coverage.get(origin)
            if covered is not None and prog_type not in covered:
                continue
            return (ALL_PROG_TYPES in types or prog_type in types), origin
        return None, None

    def helper_allowed(self, helper: str, prog_type: str):
        """(True|False|None, origin). None when no origin knows that prog type's helpers."""
        got = self.helper_prog_types.get(prog_type)
        if got is None:
            return None, None
        helpers, origin = got
        return helper in helpers, origin

    def kfunc_prog_type_list(self, kfunc: str):
        got = self.kfunc_prog_types.get(kfunc)
        return (sorted(got[0]), got[1]) if got else (None, None)


def merged(facts) -> MergedFacts:
    """Combine facts of several origins: probe wins over source, each difference is recorded."""
    by_origin = {f.origin: f for f in facts}
    out = MergedFacts()
    for origin in ("borrowed", "source", "probe"):          # later origins overwrite earlier ones
        f = by_origin.get(origin)
        if f is None:
            continue
        for attr, target in (("kfunc_prog_types", out.kfunc_prog_types),
                             ("helper_prog_types", out.helper_prog_types),
                             ("kfunc_flags", out.kfunc_flags)):
            for key, values in getattr(f, attr).items():
                new = frozenset(values) if attr != "kfunc_flags" else tuple(values)
                old = target.get(key)
                if old is not None and old[1] != origin and set(old[0]) != set(new):
                    gone = sorted(set(old[0]) - set(new))
                    extra = sorted(set(new) - set(old[0]))
                    out.disagreements.append(
                        f"{attr} {key}: {origin} differs from {old[1]}"
                        + (f"; only {old[1]}: {', '.join(gone)}" if gone else "")
                        + (f"; only {origin}: {', '.join(extra)}" if extra else ""))
                target[key] = (new, origin)
        out.by_origin[origin] = {k: frozenset(v) for k, v in f.kfunc_prog_types.items()}
        covered = (f.methods or {}).get("kfunc_probed_prog_types")
        if isinstance(covered, list):
            out.kfunc_coverage[origin] = frozenset(covered)
    return out
