"""libbpf's type-compatibility rules, in one place.

Every function mirrors a libbpf function (src/relo_core.c, src/libbpf.c, src/btf.h) exactly; the two
types may come from two different `Btf` objects (program BTF vs kernel or module BTF).

* `essential_name_len` / `essential_name`   -- libbpf.c `bpf_core_essential_name_len`
* `kinds_core_compat`                       -- btf.h `btf_kind_core_compat`
* `types_are_compat` / `explain_incompat`   -- relo_core.c `__bpf_core_types_are_compat` (level 32):
  kfunc prototypes, typed `__ksym` variables, and CO-RE type-based relocations
* `types_match`                             -- relo_core.c `__bpf_core_types_match` (TYPE_MATCHES)
* `fields_are_compat`                       -- relo_core.c `bpf_core_fields_are_compat`

The `*_raw` variants return libbpf's int convention (1 compatible, 0 not, negative errno on error);
CO-RE treats a negative result during candidate matching as a hard error, kfunc/ksym resolution as
"incompatible". The boolean wrappers treat an error as incompatible.
"""
from typing import Optional

from . import kinds as K
from .errors import BtfError

EINVAL = 22
E2BIG = 7

COMPAT_LEVEL = 32        # bpf_core_types_are_compat / bpf_core_types_match pass level=32
COMPAT_DEPTH = 32        # "int depth = 32; /* max recursion depth */" in both functions
_SKIP_LIMIT = 1000       # libbpf's skip_mods_and_typedefs has no limit; we stop loops here


# ---------------------------------------------------------------------------- names
def _is_flavor_sep(s: str, i: int) -> bool:
    """libbpf.c `bpf_core_is_flavor_sep`: X___Y at s[i:], X and Y not underscores."""
    n = len(s)
    c0 = s[i]
    c4 = s[i + 4] if i + 4 < n else "\0"
    return c0 != "_" and s[i + 1:i + 4] == "___" and c4 != "_"


def essential_name_len(name: str) -> int:
    """libbpf.c `bpf_core_essential_name_len`: length of the name before its last `___flavor` suffix.

    Scans i from len-5 down to 0 for `X___Y` (X, Y not '_') and returns i+1; otherwise len(name).
    `foo___v2` -> 3, `a___b___c` -> 5 (`a___b`), `x____y` -> 6 (no flavor).
    """
    n = len(name)
    for i in range(n - 5, -1, -1):
        if _is_flavor_sep(name, i):
            return i + 1
    return n


def essential_name(name: str) -> str:
    """The name without its `___flavor` suffix (what CO-RE and kfunc lookups compare)."""
    return name[:essential_name_len(name)]


def _name(btf, tid) -> str:
    """btf__name_by_offset(t->name_off): void and anonymous types have the empty name."""
    return btf.name_of(tid) if tid else ""


def names_match(local_name: str, targ_name: str) -> bool:
    """relo_core.c `bpf_core_names_match` on two names: an anonymous target matches only an
    anonymous local; otherwise the essential names must be equal."""
    if not targ_name:
        return not local_name
    tl = essential_name_len(targ_name)
    ll = essential_name_len(local_name)
    return tl == ll and local_name[:ll] == targ_name[:tl]


# ---------------------------------------------------------------------------- helpers
def _is_any_enum(kind) -> bool:
    return kind == K.ENUM or kind == K.ENUM64


def _kinds_compat(ka, kb) -> bool:
    return ka == kb or (_is_any_enum(ka) and _is_any_enum(kb))


def kinds_core_compat(a_btf, a_id, b_btf, b_id) -> bool:
    """btf.h `btf_kind_core_compat`: same kind, or an ENUM/ENUM64 mix (types are NOT skipped)."""
    return _kinds_compat(a_btf.kind_of(a_id), b_btf.kind_of(b_id))


class BadType(Exception):
    """A type id out of range or a modifier loop: libbpf gets NULL back and returns -EINVAL."""


def skip_mods_and_typedefs(btf, tid) -> int:
    """libbpf.c `skip_mods_and_typedefs`: follow TYPEDEF/CONST/VOLATILE/RESTRICT/TYPE_TAG."""
    try:
        for _ in range(_SKIP_LIMIT):
            k = btf.kind_of(tid)
            if k not in K.MODIFIERS:
                return tid
            tid = btf.type(tid).type
    except BtfError as e:
        raise BadType(str(e)) from None
    raise BadType(f"modifier loop at [{tid}]")


def _kind(btf, tid):
    try:
        return btf.kind_of(tid)
    except BtfError as e:
        raise BadType(str(e)) from None


def _t(btf, tid):
    try:
        return btf.type(tid)
    except BtfError as e:
        raise BadType(str(e)) from None


# ---------------------------------------------------------------------------- C-ish type names
def type_str(btf, tid) -> str:
    """A short C spelling of a type for messages: 'struct sock *', 'void *', 'int (*)(int, long)'."""
    try:
        return _decl(btf, tid, "", 0)
    except (BtfError, RecursionError):
        return f"[{tid}]"


def _join(base, inner):
    if not inner:
        return base
    if inner.startswith("["):
        return base + inner
    return base + " " + inner


def _decl(btf, tid, inner, depth):
    if depth > 24:
        return _join("...", inner)
    if tid == 0:
        return _join("void", inner)
    t = btf.type(tid)
    k = t.kind
    if k in (K.STRUCT, K.UNION, K.ENUM, K.ENUM64, K.FWD):
        kw = {K.STRUCT: "struct", K.UNION: "union", K.ENUM: "enum", K.ENUM64: "enum"}.get(k)
        if k == K.FWD:
            kw = "union" if t.kflag else "struct"
        return _join(f"{kw} {t.name}" if t.name else f"{kw} {{...}}", inner)
    if k in (K.INT, K.FLOAT, K.TYPEDEF):
        return _join(t.name or "<anon>", inner)
    if k in (K.CONST, K.VOLATILE, K.RESTRICT):
        q = {K.CONST: "const", K.VOLATILE: "volatile", K.RESTRICT: "restrict"}[k]
        if btf.kind_of(t.type) == K.PTR:
            return _decl(btf, t.type, (q + " " + inner).strip(), depth + 1)
        return q + " " + _decl(btf, t.type, inner, depth + 1)
    if k == K.TYPE_TAG:
        return _decl(btf, t.type, inner, depth + 1)
    if k == K.PTR:
        pk = btf.kind_of(btf.skip_mods(t.type, typedefs=False)) if t.type else K.UNKN
        if pk in (K.ARRAY, K.FUNC_PROTO):
            return _decl(btf, t.type, "(*" + inner + ")", depth + 1)
        return _decl(btf, t.type, "*" + inner, depth + 1)
    if k == K.ARRAY:
        return _decl(btf, t.elem_type, f"{inner}[{t.nelems}]", depth + 1)
    if k == K.FUNC_PROTO:
        ps = []
        for p in t.params:
            ps.append("..." if p.type == 0 and not p.name else _decl(btf, p.type, "", depth + 1))
        return _decl(btf, t.type, f"{inner}({', '.join(ps) or 'void'})", depth + 1)
    if k in (K.FUNC, K.VAR):
        return _join(t.name, inner)
    return _join(f"<{t.kind_name} {t.name}>".replace(" >", ">"), inner)


# ---------------------------------------------------------------------------- types_are_compat
def _say(why, text):
    if why is not None and not why:
        why.append(text)


def _types_are_compat(lb, lid, tb, tid, level, why):
    """relo_core.c `__bpf_core_types_are_compat`. Returns 1/0/-EINVAL; on 0 or error puts one
    human reason into `why` (when it is a list)."""
    # entry: root-level kind check on the UNSKIPPED types ("caller made sure that names match")
    try:
        lk0, tk0 = _kind(lb, lid), _kind(tb, tid)
    except BadType as e:
        _say(why, f"bad type: {e}")
        return -EINVAL
    if not _kinds_compat(lk0, tk0):
        _say(why, f"kinds differ: {K.kind_name(lk0)} vs {K.kind_name(tk0)}")
        return 0

    depth = COMPAT_DEPTH
    ret_ctx = None              # set once we tail-recurse into a FUNC_PROTO's return type
    inner = [] if why is not None else None

    def fail(res):
        if why is not None:
            r = inner[0] if inner else "incompatible"
            if ret_ctx is not None:
                r = f"return type: '{ret_ctx[0]}' vs '{ret_ctx[1]}' ({r})"
            _say(why, r)
        return res

    while True:                                         # recur:
        depth -= 1
        if depth < 0:
            _say(inner, f"type chain deeper than {COMPAT_DEPTH} levels")
            return fail(-EINVAL)
        try:
            lid = skip_mods_and_typedefs(lb, lid)
            tid = skip_mods_and_typedefs(tb, tid)
            lt, tt = _t(lb, lid), _t(tb, tid)
        except BadType as e:
            _say(inner, f"bad type: {e}")
            return fail(-EINVAL)
        if not _kinds_compat(lt.kind, tt.kind):
            _say(inner, f"kinds differ: {lt.kind_name} vs {tt.kind_name}")
            return fail(0)
        k = lt.kind
        if k in (K.UNKN, K.STRUCT, K.UNION, K.ENUM, K.FWD, K.ENUM64):
            return 1                                    # names and members are not compared
        if k == K.INT:
            if lt.int_offset == 0 and tt.int_offset == 0:
                return 1                                # size and signedness are ignored
            _say(inner, f"bitfield-like INT (bit offset {lt.int_offset} vs {tt.int_offset})")
            return fail(0)
        if k == K.PTR:
            lid, tid = lt.type, tt.type
            continue
        if k == K.ARRAY:
            lid, tid = lt.elem_type, tt.elem_type       # nelems and index type are ignored
            continue
        if k == K.FUNC_PROTO:
            lv, tv = len(lt.params), len(tt.params)
            if lv != tv:
                lvar = bool(lv) and lt.params[-1].type == 0 and not lt.params[-1].name
                tvar = bool(tv) and tt.params[-1].type == 0 and not tt.params[-1].name
                extra = ""
                if lvar != tvar:
                    extra = " (local is variadic)" if lvar else " (target is variadic)"
                _say(inner, f"parameter count {lv} vs {tv}{extra}")
                return fail(0)
            for i, (lp, tp) in enumerate(zip(lt.params, tt.params)):
                if level <= 0:
                    _say(inner, f"function prototypes nested deeper than {COMPAT_LEVEL} levels")
                    return fail(-EINVAL)
                try:
                    lpid = skip_mods_and_typedefs(lb, lp.type)
                    tpid = skip_mods_and_typedefs(tb, tp.type)
                except BadType as e:
                    _say(inner, f"bad type: {e}")
                    return fail(-EINVAL)
                sub = [] if why is not None else None
                err = _types_are_compat(lb, lpid, tb, tpid, level - 1, sub)
                if err <= 0:
                    _say(inner, f"parameter {i + 1}: '{type_str(lb, lp.type)}' vs "
                                f"'{type_str(tb, tp.type)}' ({sub[0] if sub else 'incompatible'})")
                    return fail(err)
            # tail recurse for the return type check (same depth budget, no entry check)
            if ret_ctx is None and why is not None:
                ret_ctx = (type_str(lb, lt.type), type_str(tb, tt.type))
            try:
                lid = skip_mods_and_typedefs(lb, lt.type)
                tid = skip_mods_and_typedefs(tb, tt.type)
            except BadType as e:
                _say(inner, f"bad type: {e}")
                return fail(-EINVAL)
            continue
        _say(inner, f"unexpected kind {lt.kind_name}")
        return fail(0)


def types_are_compat_raw(local_btf, local_id, targ_btf, targ_id, level=COMPAT_LEVEL) -> int:
    """relo_core.c `__bpf_core_types_are_compat` with libbpf's return convention (1/0/-EINVAL)."""
    return _types_are_compat(local_btf, local_id, targ_btf, targ_id, level, None)


def types_are_compat(local_btf, local_id, targ_btf, targ_id) -> bool:
    """libbpf.c `bpf_core_types_are_compat` (level 32), as used for kfunc prototypes, typed ksyms
    and CO-RE type relocations. An error (depth limit, bad type) counts as incompatible, as
    `bpf_object__resolve_ksym_func_btf_id` does with its `<= 0` test."""
    return _types_are_compat(local_btf, local_id, targ_btf, targ_id, COMPAT_LEVEL, None) > 0


def explain_incompat(local_btf, local_id, targ_btf, targ_id) -> Optional[str]:
    """None when `types_are_compat` holds, else one short human reason, e.g.
    "parameter 2: 'struct sock *' vs 'void *' (kinds differ: STRUCT vs UNKN)"."""
    why = []
    res = _types_are_compat(local_btf, local_id, targ_btf, targ_id, COMPAT_LEVEL, why)
    if res > 0:
        return None
    return why[0] if why else "incompatible"


# ---------------------------------------------------------------------------- types_match
def _types_match(lb, lid, tb, tid, behind_ptr, level):
    """relo_core.c `__bpf_core_types_match`: 1/0/-EINVAL."""
    if level <= 0:
        return -EINVAL
    depth = COMPAT_DEPTH
    while True:
        depth -= 1
        if depth < 0:
            return -EINVAL
        try:
            lid = skip_mods_and_typedefs(lb, lid)
            tid = skip_mods_and_typedefs(tb, tid)
            lt, tt = _t(lb, lid), _t(tb, tid)
        except BadType:
            return -EINVAL
        # names of the skipped types must match (root-level typedefs were matched by the caller)
        if not names_match(_name(lb, lid), _name(tb, tid)):
            return 0
        lk, tk = lt.kind, tt.kind
        if lk == K.UNKN:
            return int(lk == tk)
        if lk == K.FWD:
            lf = lt.kflag
            if behind_ptr:
                if lk == tk:
                    return int(lf == tt.kflag)
                # kflag says whether the FWD is for a struct (0) or a union (1)
                return int((tk == K.STRUCT and not lf) or (tk == K.UNION and lf))
            if lk != tk:
                return 0
            return int(lf == tt.kflag)
        if lk in (K.ENUM, K.ENUM64):
            if not _is_any_enum(tk):
                return 0
            return _enums_match(lb, lt, tb, tt)
        if lk in (K.STRUCT, K.UNION):
            if behind_ptr:
                if lk == tk:
                    return 1
                if tk != K.FWD:
                    return 0
                return int((lk == K.UNION) == bool(tt.kflag))
            if lk != tk:
                return 0
            return _composites_match(lb, lt, tb, tt, behind_ptr, level)
        if lk == K.INT:
            if lk != tk:
                return 0
            return int(lt.size == tt.size
                       and (lt.encoding & K.INT_SIGNED) == (tt.encoding & K.INT_SIGNED))
        if lk == K.PTR:
            if lk != tk:
                return 0
            behind_ptr = True
            lid, tid = lt.type, tt.type
            continue
        if lk == K.ARRAY:
            if lk != tk:
                return 0
            if lt.nelems != tt.nelems:
                return 0
            lid, tid = lt.elem_type, tt.elem_type
            continue
        if lk == K.FUNC_PROTO:
            if lk != tk:
                return 0
            if len(lt.params) != len(tt.params):
                return 0
            for lp, tp in zip(lt.params, tt.params):
                err = _types_match(lb, lp.type, tb, tp.type, behind_ptr, level - 1)
                if err <= 0:
                    return err
            lid, tid = lt.type, tt.type
            continue
        return 0                                        # "unexpected kind": FLOAT, VAR, ...


def _enums_match(lb, lt, tb, tt):
    """relo_core.c `bpf_core_enums_match`: equal size; every local enumerator name (essential)
    exists in the target; values are ignored."""
    if lt.size != tt.size:
        return 0
    if len(lt.values) > len(tt.values):
        return 0
    tnames = [v.name for v in tt.values]
    for lv in lt.values:
        if not any(names_match(lv.name, tn) for tn in tnames):
            return 0
    return 1


def _composites_match(lb, lt, tb, tt, behind_ptr, level):
    """relo_core.c `bpf_core_composites_match`."""
    if len(lt.members) > len(tt.members):
        return 0
    for lm in lt.members:
        matched = False
        for tm in tt.members:
            if not names_match(lm.name, tm.name):
                continue
            err = _types_match(lb, lm.type, tb, tm.type, behind_ptr, level - 1)
            if err < 0:
                return err
            if err > 0:
                matched = True
                break
        if not matched:
            return 0
    return 1


def types_match_raw(local_btf, local_id, targ_btf, targ_id) -> int:
    """libbpf.c `bpf_core_types_match` (behind_ptr=false, level 32): 1/0/-EINVAL."""
    return _types_match(local_btf, local_id, targ_btf, targ_id, False, COMPAT_LEVEL)


def types_match(local_btf, local_id, targ_btf, targ_id) -> bool:
    """TYPE_MATCHES (`bpf_core_types_match`); an error counts as no match."""
    return types_match_raw(local_btf, local_id, targ_btf, targ_id) > 0


# ---------------------------------------------------------------------------- fields_are_compat
def fields_are_compat_raw(local_btf, local_id, targ_btf, targ_id) -> int:
    """relo_core.c `bpf_core_fields_are_compat`: 1/0/-EINVAL."""
    lb, tb = local_btf, targ_btf
    for _ in range(_SKIP_LIMIT):                        # recur: (ARRAY element types)
        try:
            local_id = skip_mods_and_typedefs(lb, local_id)
            targ_id = skip_mods_and_typedefs(tb, targ_id)
            lt, tt = _t(lb, local_id), _t(tb, targ_id)
        except BadType:
            return -EINVAL
        lk, tk = lt.kind, tt.kind
        if lk in (K.STRUCT, K.UNION) and tk in (K.STRUCT, K.UNION):
            return 1
        if not _kinds_compat(lk, tk):
            return 0
        if lk in (K.PTR, K.FLOAT):
            return 1
        if lk in (K.FWD, K.ENUM, K.ENUM64):
            ln, tn = _name(lb, local_id), _name(tb, targ_id)
            ll, tl = essential_name_len(ln), essential_name_len(tn)
            # one of them is anonymous, or both have the same flavor-less name
            return int(ll == 0 or tl == 0 or (ll == tl and ln[:ll] == tn[:tl]))
        if lk == K.INT:
            return int(lt.int_offset == 0 and tt.int_offset == 0)
        if lk == K.ARRAY:
            local_id, targ_id = lt.elem_type, tt.elem_type
            continue
        return 0
    return -EINVAL


def fields_are_compat(local_btf, local_id, targ_btf, targ_id) -> bool:
    """`bpf_core_fields_are_compat` as a boolean (an error counts as incompatible)."""
    return fields_are_compat_raw(local_btf, local_id, targ_btf, targ_id) > 0
