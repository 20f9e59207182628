"""What changed between two kernel snapshots, and whether it can break a program.

`diff_kernels(old, new, only=None)` compares kfuncs, program/attach/map types, helpers, program-type
contexts and struct_ops types of two `KernelSnapshot`s and returns a list of `Change`s.
`timeline(kernels, kfunc=None)` orders kernels by release and follows each kfunc across them.

`Change.breaking` means precisely: a program that loads on OLD and uses this item may fail on NEW.

* kfunc prototypes: libbpf's check (btf.compat.types_are_compat) with the OLD kernel's FUNC_PROTO as
  the "local" type (what a program built against OLD carries) and the NEW kernel's as the target.
* kfunc renames: one removed and one added kfunc in the same step, prototypes identical or
  compatible, names similar (difflib ratio >= 0.6, or shared leading and trailing name tokens).
  Breaking: the old name is gone.
* kfunc flags: gaining a flag that narrows callers (see NARROWING_FLAGS) is breaking; losing one is
  not; flags unknown (None) on either side are not compared.
* kfunc flags unknown in the kernel's .BTF_ids (None) are taken from the snapshot's source/probe
  facts (BTF_ID_FLAGS in the kernel source) when it has them; the detail names where they came from.
* kfunc hooks: the program types that may call a kfunc (facts: kfunc sets and their registrations),
  compared only when both kernels know the kfunc's program types. Losing a program type is breaking.
* helper hooks: per helper, the program types whose get_func_proto offers it (facts), over the
  program types both kernels know. Losing a program type is breaking.
* enums (prog/attach/map types, helpers): added not breaking, removed breaking.
* contexts: members of the UAPI ctx struct (struct __sk_buff, ...) and of the kernel-side struct
  (struct sk_buff, ...), anonymous struct/union members flattened with their offsets.
* struct_ops: members of the kernel struct_ops type (struct tcp_congestion_ops, ...).
"""
import difflib
from dataclasses import dataclass, asdict
from typing import Optional

from btf import compat, render
from btf import kinds as K
from btf.btf_ids import KF_FLAGS
from btf.errors import InputError
from analyzer.kernel.facts import ALL_PROG_TYPES, HELPERS_NOT_OWN, KFUNC_HOOK_NOT_OWN
from analyzer.objects.sections import short_prog_type
from analyzer.kernel.versions import release_key

KINDS = ("kfunc", "prog_type", "attach_type", "map_type", "helper", "context", "struct_ops")
# --only names -> Change.kind
ONLY = {
    "kfuncs": "kfunc", "prog-types": "prog_type", "attach-types": "attach_type", "contexts": "context",
    "helpers": "helper", "map-types": "map_type", "struct-ops": "struct_ops",
}

# Flags whose gain restricts what a caller may do (or must do) -> breaking when gained.
NARROWING_FLAGS = frozenset((
    "KF_ACQUIRE", "KF_RELEASE", "KF_RET_NULL", "KF_KPTR_GET", "KF_TRUSTED_ARGS", "KF_SLEEPABLE",
    "KF_DESTRUCTIVE", "KF_RCU", "KF_ITER_NEW", "KF_ITER_NEXT", "KF_ITER_DESTROY", "KF_RCU_PROTECTED",
))
# Flags that do not restrict callers: KF_FASTCALL (a calling-convention optimisation), KF_ARENA_*
# (arena pointer typing of arguments/return the program already passed), KF_IMPLICIT_ARGS (the
# prototype change it brings is judged by the prototype check).
INFORMATIONAL_FLAGS = frozenset(("KF_FASTCALL", "KF_ARENA_RET", "KF_ARENA_ARG1", "KF_ARENA_ARG2",
                                 "KF_IMPLICIT_ARGS"))


@dataclass
class Change:
    kind: str
    name: str
    change: str
    breaking: bool
    old: Optional[str] = None
    new: Optional[str] = None
    detail: str = ""
    renamed_to: Optional[str] = None      # the new name of a "renamed" kfunc (not in the JSON contract)
    # a "hooks" change: the program types (BPF_PROG_TYPE_*) that can no longer call the helper/kfunc,
    # ALL_PROG_TYPES standing for "every type but the new side's" (not in the JSON contract)
    lost_types: Optional[frozenset] = None
    new_types: Optional[frozenset] = None   # the new side's types of a "hooks" change (same contract)

    def to_json(self):
        d = asdict(self)
        for k in ("renamed_to", "lost_types", "new_types"):
            d.pop(k)
        return d

    def loses(self, prog_type):
        """True when this "hooks" change takes the helper/kfunc away from programs of `prog_type`."""
        if self.lost_types is None:
            return False
        if ALL_PROG_TYPES in self.lost_types:
            return prog_type not in self.new_types
        return prog_type in self.lost_types


def kernel_info(snap) -> dict:
    return {"id": snap.id, "release": snap.release, "arch": snap.arch, "source": snap.source}


def parse_only(text) -> Optional[set]:
    """"kfuncs,prog-types" -> {"kfunc", "prog_type"}; None/"" -> None (everything)."""
    if not text:
        return None
    out = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if part in ONLY:
            out.add(ONLY[part])
        elif part in KINDS:
            out.add(part)
        else:
            raise InputError("--only", f"unknown category '{part}' (choose from {', '.join(ONLY)})")
    if not out:
        raise InputError("--only", "no category given")
    return out


# ------------------------------------------------------------------------------ kfuncs
def _kfunc_btf(snap, k):
    if k.module:
        mods = snap.modules
        if k.module in mods:
            return mods[k.module]
    return snap.btf


def _proto_id(btf, fid):
    t = btf.type(fid)
    return t.type if t.kind == K.FUNC else fid


def _params(btf, proto_id):
    t = btf.type(proto_id)
    return t.type, list(t.params)


def _proto_detail(ob, oid, nb, nid) -> str:
    """What differs between two FUNC_PROTOs, in words: 'parameter 2 renamed (a -> b)', ..."""
    oret, ops = _params(ob, oid)
    nret, nps = _params(nb, nid)
    parts = []
    if render.type_name(ob, oret) != render.type_name(nb, nret):
        parts.append(f"return type '{render.type_name(ob, oret)}' -> '{render.type_name(nb, nret)}'")
    for i in range(max(len(ops), len(nps))):
        n = i + 1
        if i >= len(ops):
            parts.append(f"parameter {n} added ('{render.decl(nb, nps[i].type, nps[i].name)}')")
            continue
        if i >= len(nps):
            parts.append(f"parameter {n} removed ('{render.decl(ob, ops[i].type, ops[i].name)}')")
            continue
        ot, nt = render.type_name(ob, ops[i].type), render.type_name(nb, nps[i].type)
        what = []
        if ops[i].name != nps[i].name:
            what.append(f"renamed '{ops[i].name}' -> '{nps[i].name}'")
        if ot != nt:
            what.append(f"retyped '{ot}' -> '{nt}'")
        if what:
            parts.append(f"parameter {n} " + " and ".join(what))
    return "; ".join(parts) or "same C text"


def _compare_protos(old, ko, new, kn):
    """(compatible, detail) for kfunc ko on old vs kn on new, libbpf's rule with old as local."""
    ob, nb = _kfunc_btf(old, ko), _kfunc_btf(new, kn)
    oid, nid = _proto_id(ob, ko.btf_id), _proto_id(nb, kn.btf_id)
    detail = _proto_detail(ob, oid, nb, nid)
    if compat.types_are_compat(ob, oid, nb, nid):
        return True, detail
    return False, compat.explain_incompat(ob, oid, nb, nid) or "incompatible"


def _tokens(name):
    return [t for t in name.split("_") if t]


_COMMON_PREFIXES = ("scx_bpf_", "bpf_", "__")


def _core(name):
    """The name without the namespace prefix every kfunc shares ("bpf_", "scx_bpf_"), so two names are
    not called similar merely for both starting with "bpf_"."""
    for p in _COMMON_PREFIXES:
        if name.startswith(p) and len(name) > len(p):
            return name[len(p):]
    return name


def name_ratio(a, b):
    return difflib.SequenceMatcher(None, _core(a), _core(b)).ratio()


def names_similar(a: str, b: str):
    """Evidence string when two kfunc names look like a rename, else None."""
    ratio = name_ratio(a, b)
    if ratio >= 0.6:
        return f"name similarity {ratio:.2f}"
    ta, tb = _tokens(_core(a)), _tokens(_core(b))
    pre = 0
    while pre < min(len(ta), len(tb)) and ta[pre] == tb[pre]:
        pre += 1
    suf = 0
    while suf < min(len(ta), len(tb)) - pre and ta[-1 - suf] == tb[-1 - suf]:
        suf += 1
    if pre >= 2 and suf >= 1:
        return f"shared name tokens '{'_'.join(ta[:pre])}_…_{'_'.join(ta[len(ta) - suf:])}'"
    return None


def _facts(snap):
    """The snapshot's merged source/probe facts, or None when it has none."""
    return snap.merged_facts if getattr(snap, "facts", None) else None


_ORIGIN_WORDS = {".BTF_ids": "the kernel's .BTF_ids", "source": "kernel source", "probe": "probe"}


def _origin_words(snap, origin):
    what = _ORIGIN_WORDS.get(origin, str(origin))
    kf = getattr(snap, "facts", {}).get(origin) if origin in ("source", "probe", "borrowed") else None
    if origin == "borrowed" and kf is not None:
        return f"kernel source facts borrowed from {kf.borrowed_from} ({kf.detail})"
    label = kf and (kf.detail or kf.version)
    return f"{what} ({label})" if label else what


def _flag_set(snap, k):
    """(set of KF_ names or None, origin): .BTF_ids pairs first, else the snapshot's facts."""
    if k.flags is not None:
        return set(k.flag_names), ".BTF_ids"
    facts = _facts(snap)
    got = facts.kfunc_flags.get(k.name) if facts is not None else None
    if got is None:
        return None, None
    return set(got[0]), got[1]


def _flag_change(ko, kn, old=None, new=None):
    """Change fields for a KF_ flag difference, or None. `old`/`new` (snapshots) supply flags from their
    source/probe facts when the .BTF_ids pairs do not have them."""
    if old is None or new is None:
        if ko.flags is None or kn.flags is None or ko.flags == kn.flags:
            return None
        of, nf, oo, no = set(ko.flag_names), set(kn.flag_names), ".BTF_ids", ".BTF_ids"
    else:
        (of, oo), (nf, no) = _flag_set(old, ko), _flag_set(new, kn)
        if of is None or nf is None or of == nf:
            return None
    gained, lost = sorted(nf - of, key=_flag_order), sorted(of - nf, key=_flag_order)
    narrowing = [f for f in gained if f in NARROWING_FLAGS or f not in INFORMATIONAL_FLAGS]
    parts = []
    if gained:
        parts.append("gained " + ", ".join(gained))
    if lost:
        parts.append("lost " + ", ".join(lost))
    if narrowing:
        why = "callers must now null-check the result" if narrowing == ["KF_RET_NULL"] else \
            "narrows which programs/arguments may call it"
        parts.append(f"{', '.join(narrowing)} {why}")
    elif gained:
        parts.append("gained flags do not restrict callers")
    if old is not None and (oo, no) != (".BTF_ids", ".BTF_ids"):
        parts.append(f"flags per {_origin_words(old, oo)} on {old.release}; "
                     f"{_origin_words(new, no)} on {new.release}")
    return bool(narrowing), "; ".join(parts), _names_text(of), _names_text(nf)


def _names_text(names):
    return "|".join(sorted(names, key=_flag_order)) if names else "0"


def _types_text(types):
    if ALL_PROG_TYPES in types:
        return "every program type"
    return ", ".join(short_prog_type(t) for t in sorted(types)) or "none"


def _hook_change(kind, name, ot, oo, nt, no, old, new):
    """One 'hooks' Change from program-type sets on each side, or None when equal."""
    not_own = HELPERS_NOT_OWN if kind == "helper" else KFUNC_HOOK_NOT_OWN
    ot, nt = set(ot) - not_own, set(nt) - not_own
    if ot == nt:
        return None
    if ALL_PROG_TYPES in ot and ALL_PROG_TYPES in nt:
        return None
    if ALL_PROG_TYPES in nt:
        gained, lost = ["every program type"], []
    elif ALL_PROG_TYPES in ot:
        gained, lost = [], [f"every program type except {_types_text(nt)}"]
    else:
        gained = [short_prog_type(t) for t in sorted(nt - ot)]
        lost = [short_prog_type(t) for t in sorted(ot - nt)]
    parts = []
    if lost:
        parts.append("no longer callable from " + ", ".join(lost))
    if gained:
        parts.append("newly callable from " + ", ".join(gained))
    parts.append(f"per {_origin_words(old, oo)} on {old.release}; {_origin_words(new, no)} on {new.release}")
    lost_types = frozenset() if ALL_PROG_TYPES in nt else frozenset((ALL_PROG_TYPES,)) if ALL_PROG_TYPES in ot \
        else frozenset(ot - nt)
    return Change(kind, name, "hooks", bool(lost), _types_text(ot), _types_text(nt), "; ".join(parts),
                  lost_types=lost_types, new_types=frozenset(nt))


def diff_kfunc_hooks(old, new, names) -> list:
    """Program types gaining or losing a kfunc, where both kernels' facts know its program types."""
    fo, fn = _facts(old), _facts(new)
    if fo is None or fn is None:
        return []
    out = []
    for name in names:
        go, gn = fo.kfunc_prog_types.get(name), fn.kfunc_prog_types.get(name)
        if go is None or gn is None:
            continue
        c = _hook_change("kfunc", name, go[0], go[1], gn[0], gn[1], old, new)
        if c is not None:
            out.append(c)
    return out


def diff_helper_hooks(old, new) -> list:
    """Per helper, program types gaining or losing it, over the program types both kernels' facts know."""
    fo, fn = _facts(old), _facts(new)
    if fo is None or fn is None:
        return []
    both = sorted(set(fo.helper_prog_types) & set(fn.helper_prog_types))
    if not both:
        return []
    per_helper = {}         # helper -> [old types, new types, old origins, new origins]
    for pt in both:
        (oh, oo), (nh, no) = fo.helper_prog_types[pt], fn.helper_prog_types[pt]
        for h in oh | nh:
            if h not in old.helpers or h not in new.helpers:
                continue        # a helper new to the enum is reported as "added"
            e = per_helper.setdefault(h, [set(), set(), oo, no])
            if h in oh:
                e[0].add(pt)
            if h in nh:
                e[1].add(pt)
    out = []
    for h in sorted(per_helper, key=lambda n: (new.helpers.get(n, old.helpers.get(n, 1 << 20)), n)):
        ot, nt, oo, no = per_helper[h]
        c = _hook_change("helper", h, ot, oo, nt, no, old, new)
        if c is not None:
            c.detail += f" (over the {len(both)} program types both kernels' facts cover)"
            out.append(c)
    return out


def _flag_order(name):
    return KF_FLAGS.get(name, 1 << 40)


def _flags_text(k):
    if k.flags is None:
        return None
    return "|".join(k.flag_names) if k.flag_names else "0"


def _kfunc_note(k):
    if k.is_impl:
        return f" (implementation of {k.impl_of}, KF_IMPLICIT_ARGS)"
    return ""


def diff_kfuncs(old, new) -> list:
    out = []
    ok, nk = old.kfuncs, new.kfuncs
    removed = sorted(set(ok) - set(nk))
    added = sorted(set(nk) - set(ok))
    # renames: best similar-name candidate among added kfuncs with identical or compatible prototypes
    renamed = {}
    used = set()
    for r in removed:
        best = None
        for a in added:
            if a in used:
                continue
            ev = names_similar(r, a)
            if ev is None:
                continue
            same = ok[r].proto.replace(r + "(", "(", 1) == nk[a].proto.replace(a + "(", "(", 1)
            if not same:
                good, _ = _compare_protos(old, ok[r], new, nk[a])
                if not good:
                    continue
            score = name_ratio(r, a)
            if best is None or score > best[0]:
                best = (score, a, ev, same)
        if best:
            _, a, ev, same = best
            used.add(a)
            renamed[r] = a
            out.append(Change("kfunc", r, "renamed", True, ok[r].proto, nk[a].proto,
                              f"{r} -> {a}: removed and added in the same step; "
                              f"{'identical prototype' if same else 'compatible prototype'}; {ev}; "
                              f"programs calling {r} must be rebuilt", renamed_to=a))
    for r in removed:
        if r not in renamed:
            out.append(Change("kfunc", r, "removed", True, ok[r].proto, None,
                              f"no longer a kfunc{_kfunc_note(ok[r])}"))
    for a in added:
        if a not in used:
            fl = _flags_text(nk[a])
            out.append(Change("kfunc", a, "added", False, None, nk[a].proto,
                              f"flags {fl if fl is not None else 'unknown'}{_kfunc_note(nk[a])}"))
    for name in sorted(set(ok) & set(nk)):
        ko, kn = ok[name], nk[name]
        if ko.proto != kn.proto:
            good, why = _compare_protos(old, ko, new, kn)
            if good:
                out.append(Change("kfunc", name, "prototype", False, ko.proto, kn.proto,
                                  f"{why}, but compatible (libbpf types_are_compat)"))
            else:
                out.append(Change("kfunc", name, "prototype", True, ko.proto, kn.proto,
                                  f"incompatible for programs built against the old prototype: {why}"))
        fc = _flag_change(ko, kn, old, new)
        if fc is not None:
            out.append(Change("kfunc", name, "flags", fc[0], fc[2], fc[3], fc[1]))
    out += diff_kfunc_hooks(old, new, sorted(set(ok) & set(nk)))
    return out


# ------------------------------------------------------------------------------ enums
def _diff_enum(kind, olds: dict, news: dict, enum_name: str) -> list:
    out = []
    for n in sorted(set(olds) - set(news), key=lambda x: (olds[x], x)):
        out.append(Change(kind, n, "removed", True, f"{n} = {olds[n]}", None, f"gone from enum {enum_name}"))
    for n in sorted(set(news) - set(olds), key=lambda x: (news[x], x)):
        out.append(Change(kind, n, "added", False, None, f"{n} = {news[n]}", f"new in enum {enum_name}"))
    return out


# ------------------------------------------------------------------------------ struct members
def _flat_members(btf, sid, base=0, prefix="", depth=0):
    """{name: (decl C text, type id, bit offset, bitfield size)}; anonymous struct/union members are
    flattened into their parent with their offset added."""
    out = {}
    t = btf.type(sid)
    for m in t.members:
        off = base + m.bit_offset
        if not m.name and depth < 8:
            inner = btf.skip_mods(m.type)
            if btf.kind_of(inner) in (K.STRUCT, K.UNION):
                for k, v in _flat_members(btf, inner, off, prefix, depth + 1).items():
                    out.setdefault(k, v)
                continue
        name = prefix + (m.name or f"<anon@{off}>")
        text = render.decl(btf, m.type, m.name)
        if m.bitfield_size:
            text += f" : {m.bitfield_size}"
        out.setdefault(name, (text, m.type, off, m.bitfield_size))
    return out


def _size(btf, tid):
    try:
        return btf.resolve_size(tid)
    except Exception:
        return None


def _diff_members(kind, label, ob, oid, nb, nid, *, mode, users=""):
    """member_added / member_removed / member_changed for one struct in two kernels.
    mode "uapi": a ctx struct programs access at fixed offsets (moved or incompatibly retyped breaks);
    "kernel": a kernel-side struct (changes informational); "struct_ops": libbpf matches members by
    name, so moves are not reported and only an incompatible retype breaks."""
    out = []
    om, nm = _flat_members(ob, oid), _flat_members(nb, nid)
    for n in sorted(set(om) - set(nm), key=lambda x: (om[x][2], x)):
        out.append(Change(kind, f"{label}.{n}", "member_removed", True, om[n][0], None,
                          f"member '{n}' removed from {label}{users}"))
    for n in sorted(set(nm) - set(om), key=lambda x: (nm[x][2], x)):
        out.append(Change(kind, f"{label}.{n}", "member_added", False, None, nm[n][0],
                          f"member '{n}' added at bit {nm[n][2]}{users}"))
    for n in sorted(set(om) & set(nm), key=lambda x: (om[x][2], x)):
        (otext, otid, ooff, obits), (ntext, ntid, noff, nbits) = om[n], nm[n]
        moved = ooff != noff
        retyped = otext != ntext or obits != nbits
        if not retyped and (not moved or mode == "struct_ops"):
            continue
        why = []
        if moved:
            why.append(f"moved from bit {ooff} to {noff}")
        incompatible = False
        if retyped:
            same_size = _size(ob, otid) == _size(nb, ntid)
            incompatible = not compat.types_are_compat(ob, otid, nb, ntid) or not same_size or obits != nbits
            why.append("retyped, " + ("incompatible" if incompatible else "compatible")
                       + ("" if same_size else " (size changed)"))
        if mode == "uapi":
            breaking = moved or incompatible
            note = ""
        elif mode == "struct_ops":
            breaking = incompatible
            note = ""
            why = [w for w in why if not w.startswith("moved")] or why
        else:
            breaking = False
            note = " (kernel-side struct: informational, CO-RE relocates field accesses)"
        out.append(Change(kind, f"{label}.{n}", "member_changed", breaking, otext, ntext,
                          f"member '{n}' " + ", ".join(why) + note + users))
    return out


def _ctx_ids(snap) -> dict:
    """"BPF_PROG_TYPE_XDP" -> (uapi struct id, kernel struct id), types with typedefs skipped."""
    btf = snap.btf
    ids = snap._named("bpf_ctx_convert", (K.STRUCT,))
    out = {}
    if not ids:
        return out
    members = btf.type(ids[0]).members
    prog = {m.name[:-5]: btf.skip_mods(m.type) for m in members if m.name.endswith("_prog")}
    kern = {m.name[:-5]: btf.skip_mods(m.type) for m in members if m.name.endswith("_kern")}
    for pt, pid in prog.items():
        out[pt] = (pid, kern.get(pt))
    return out


def _is_composite(btf, tid):
    return tid is not None and btf.kind_of(tid) in (K.STRUCT, K.UNION)


def diff_contexts(old, new) -> list:
    out = []
    oc, nc = _ctx_ids(old), _ctx_ids(new)
    ob, nb = old.btf, new.btf
    # one comparison per (uapi?, old struct name, new struct name); the detail lists the program types
    groups = {}
    for pt in sorted(set(oc) & set(nc)):
        for slot, uapi in ((0, True), (1, False)):
            oid, nid = oc[pt][slot], nc[pt][slot]
            if not _is_composite(ob, oid) or not _is_composite(nb, nid):
                continue
            label = render.type_name(ob, oid)
            if label != render.type_name(nb, nid):
                continue
            if not uapi and (True, label) in groups:
                continue        # the same struct on both sides (kprobe: struct pt_regs): judged as UAPI
            groups.setdefault((uapi, label), [oid, nid, []])[2].append(pt)
    for (uapi, label), (oid, nid, pts) in sorted(groups.items(), key=lambda x: (not x[0][0], x[0][1])):
        users = f" (ctx of {', '.join(pts)})" if uapi else f" (kernel ctx of {', '.join(pts)})"
        out.extend(_diff_members("context", label, ob, oid, nb, nid, mode="uapi" if uapi else "kernel",
                                 users=users))
    return out


def diff_struct_ops(old, new) -> list:
    out = []
    os_, ns = old.struct_ops, new.struct_ops
    for n in sorted(set(os_) - set(ns)):
        out.append(Change("struct_ops", n, "removed", True, f"struct {n}", None,
                          f"no struct bpf_struct_ops_{n}: struct_ops maps of this type cannot be created"))
    for n in sorted(set(ns) - set(os_)):
        cnt = len(new.btf.type(ns[n]).members)
        out.append(Change("struct_ops", n, "added", False, None, f"struct {n}", f"new struct_ops type ({cnt} members)"))
    for n in sorted(set(os_) & set(ns)):
        out.extend(_diff_members("struct_ops", n, old.btf, os_[n], new.btf, ns[n], mode="struct_ops"))
    return out


# ------------------------------------------------------------------------------ entry points
def diff_kernels(old, new, only=None) -> list:
    """Every change from `old` to `new` (KernelSnapshots); `only` = set of Change.kind values."""
    want = set(KINDS) if not only else set(only)
    out = []
    if "kfunc" in want:
        out += diff_kfuncs(old, new)
    if "prog_type" in want:
        out += _diff_enum("prog_type", old.prog_types, new.prog_types, "bpf_prog_type")
    if "attach_type" in want:
        out += _diff_enum("attach_type", old.attach_types, new.attach_types, "bpf_attach_type")
    if "map_type" in want:
        out += _diff_enum("map_type", old.map_types, new.map_types, "bpf_map_type")
    if "helper" in want:
        out += _diff_enum("helper", old.helpers, new.helpers, "bpf_func_id")
        out += diff_helper_hooks(old, new)
    if "context" in want:
        out += diff_contexts(old, new)
    if "struct_ops" in want:
        out += diff_struct_ops(old, new)
    return out


def not_compared(old, new, only=None) -> list:
    """What `diff_kernels` could not compare for lack of kernel facts, one sentence each: kfunc and
    helper hooks need facts on both sides; KF_ flags of kfuncs outside .BTF_ids come only from facts."""
    want = set(KINDS) if not only else set(only)
    missing = [s.id for s in (old, new) if _facts(s) is None]
    if not missing:
        return []
    who = " and ".join(missing) + (" have" if len(missing) > 1 else " has") + " no kernel facts"
    out = []
    if "kfunc" in want:
        out.append(f"kfunc hooks (which program types may call each kfunc): {who}")
        both = [n for n in old.kfuncs if n in new.kfuncs]
        unflagged = sum(1 for n in both if _flag_set(old, old.kfuncs[n])[0] is None
                        or _flag_set(new, new.kfuncs[n])[0] is None)
        if unflagged:
            out.append(f"KF_ flags of {unflagged} of the {len(both)} kfuncs on both kernels (not in .BTF_ids "
                       f"pairs; only kernel facts have them): {who}")
    if "helper" in want:
        out.append(f"helper hooks (which program types each helper is offered to): {who}")
    return out


def diff_json(old, new, changes, only=None) -> dict:
    """The "bpfstab.diff/1" document; "not_compared" lists what could not be compared (no facts)."""
    return {"schema": "bpfstab.diff/1", "old": kernel_info(old), "new": kernel_info(new),
            "changes": [c.to_json() for c in changes], "not_compared": not_compared(old, new, only)}


def sort_kernels(kernels) -> list:
    return sorted(kernels, key=lambda s: release_key(s.release))


def timeline(kernels, kfunc=None) -> dict:
    """Follow kfuncs across kernels sorted by release. Returns the "bpfstab.timeline/1" document:
    {"schema", "kernels": [{kernel}], "kfuncs": [{"name", "first", "last", "present": [ids],
     "changes": [{"from", "to", "change", "breaking", "old", "new", "detail"}]}]}."""
    ks = sort_kernels(kernels)
    names = set()
    for s in ks:
        names.update(s.kfuncs)
    if kfunc is not None:
        if kfunc not in names:
            raise InputError(kfunc, f"no kernel among {', '.join(s.id for s in ks)} has kfunc '{kfunc}'")
        names = {kfunc}
    entries = {}
    for n in sorted(names):
        present = [s.id for s in ks if n in s.kfuncs]
        entries[n] = {"name": n, "first": present[0] if present else None,
                      "last": present[-1] if present else None, "present": present, "changes": []}
    for a, b in zip(ks, ks[1:]):
        for c in diff_kfuncs(a, b):
            step = {"from": a.id, "to": b.id, "change": c.change, "breaking": c.breaking,
                    "old": c.old, "new": c.new, "detail": c.detail}
            targets = [c.name]
            if c.change == "renamed":
                new_name = c.renamed_to
                targets.append(new_name)
                step["renamed_to"] = new_name
                step["renamed_from"] = c.name
            for t in targets:
                if t in entries:
                    entries[t]["changes"].append(dict(step))
    gaps = [{"from": a.id, "to": b.id, "what": w} for a, b in zip(ks, ks[1:])
            for w in not_compared(a, b, {"kfunc"}) if w.startswith("KF_")]
    return {"schema": "bpfstab.timeline/1", "kernels": [kernel_info(s) for s in ks],
            "kfuncs": list(entries.values()), "not_compared": gaps}
