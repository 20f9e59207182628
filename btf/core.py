"""CO-RE relocations: what libbpf computes for one `.BTF.ext` core_relo record against a target kernel.

Mirrors libbpf `src/relo_core.c` `bpf_core_calc_relo_insn` (spec parsing `bpf_core_parse_spec`,
candidate matching `bpf_core_spec_match` / `bpf_core_match_member`, values `bpf_core_calc_relo`,
`bpf_core_calc_field_relo`, `bpf_core_calc_type_relo`, `bpf_core_calc_enumval_relo`, agreement
between candidates) and the candidate search of `src/libbpf.c` (`bpf_core_find_cands`,
`bpf_core_add_cands`). The instruction patching itself (`bpf_core_patch_insn`) is not done, but its
checks are available through `check_insn`.

Outcomes: "ok" (a value is patched in), "poison" (libbpf turns the instruction into the invalid
call 0xbad2310; harmful only if the verifier reaches it) and "error" (the whole object fails).

Values are libbpf's `__u64` (`local_value`, `target_value`), so a negative 32-bit enumerator shows
up sign-extended to 64 bits, as libbpf patches it; `as_signed()` converts.
"""
import re
import weakref
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from . import kinds as K
from .compat import (EINVAL, E2BIG, BadType, essential_name, essential_name_len, fields_are_compat_raw,
                     skip_mods_and_typedefs, type_str, types_are_compat_raw, types_match_raw)
from .errors import BtfError

# enum bpf_core_relo_kind (include/uapi/linux/bpf.h)
RELO_KINDS = {
    0: "FIELD_BYTE_OFFSET", 1: "FIELD_BYTE_SIZE", 2: "FIELD_EXISTS", 3: "FIELD_SIGNED",
    4: "FIELD_LSHIFT_U64", 5: "FIELD_RSHIFT_U64", 6: "TYPE_ID_LOCAL", 7: "TYPE_ID_TARGET",
    8: "TYPE_EXISTS", 9: "TYPE_SIZE", 10: "ENUMVAL_EXISTS", 11: "ENUMVAL_VALUE", 12: "TYPE_MATCHES",
}
RELO_KIND_BY_NAME = {v: k for k, v in RELO_KINDS.items()}
(FIELD_BYTE_OFFSET, FIELD_BYTE_SIZE, FIELD_EXISTS, FIELD_SIGNED, FIELD_LSHIFT_U64, FIELD_RSHIFT_U64,
 TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE, ENUMVAL_EXISTS, ENUMVAL_VALUE,
 TYPE_MATCHES) = range(13)
FIELD_KINDS = frozenset(range(0, 6))
TYPE_KINDS = frozenset((6, 7, 8, 9, 12))
ENUM_KINDS = frozenset((10, 11))

SPEC_MAX_LEN = 64                 # BPF_CORE_SPEC_MAX_LEN
MAX_RESOLVE_DEPTH = 32            # btf.c MAX_RESOLVE_DEPTH
POISON_IMM = 195896080            # 0xbad2310, bpf_core_poison_insn
EUCLEAN, EOPNOTSUPP, ERANGE = 117, 95, 34
ERRNO_NAMES = {EINVAL: "EINVAL", E2BIG: "E2BIG", EOPNOTSUPP: "EOPNOTSUPP", ERANGE: "ERANGE"}
U32, U64 = 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF
SHRT_MAX = 0x7FFF


def kind_name(kind) -> str:
    return RELO_KINDS.get(kind, f"KIND{kind}")


def as_signed(v: Optional[int]) -> Optional[int]:
    """A libbpf __u64 value as signed 64-bit."""
    if v is None:
        return None
    return v - (1 << 64) if v & (1 << 63) else v


class CoreError(Exception):
    """A hard CO-RE failure: libbpf aborts the whole object load. `errno` is the positive errno."""

    def __init__(self, reason, errno=EINVAL):
        super().__init__(reason)
        self.reason = reason
        self.errno = errno


# ----------------------------------------------------------------------------- spec
@dataclass
class Accessor:
    type_id: int                   # struct/union holding the member, enum, or array element type
    idx: int
    name: Optional[str]            # member/enumerator name; None for array (and root) accessors


@dataclass
class CoreSpec:
    """`struct bpf_core_spec`: root type, raw (low-level) and high-level accessors, bit offset."""
    btf: object
    root_type_id: int
    kind: int
    raw: List[int] = field(default_factory=list)
    accessors: List[Accessor] = field(default_factory=list)
    bit_offset: int = 0

    @property
    def root_name(self) -> str:
        return self.btf.name_of(self.root_type_id) if self.root_type_id else ""

    @property
    def path(self) -> str:
        """'task_struct.__state', 'enum bpf_func_id::BPF_FUNC_loop', 'struct bpf_wq'."""
        return _spec_path(self, arrow=False)

    def describe(self) -> str:
        return _spec_path(self, arrow=True)

    def format(self) -> str:
        """libbpf `bpf_core_format_spec`-like: "[id] STRUCT name.a[3].b (0:1:2:3 @ offset 12)"."""
        try:
            t = self.btf.type(self.root_type_id)
            head = f"[{self.root_type_id}] {t.kind_name} {t.name or '<anon>'}" if self.root_type_id \
                else "[0] UNKN <anon>"
        except BtfError:
            head = f"[{self.root_type_id}]"
        if self.kind in TYPE_KINDS:
            return head
        if self.kind in ENUM_KINDS:
            return head + (f"::{self.accessors[0].name}" if self.accessors else "")
        s = head
        for i, a in enumerate(self.accessors):
            if a.name:
                s += "." + a.name
            elif i > 0 or a.idx > 0:
                s += f"[{a.idx}]"
        s += " (" + ":".join(str(r) for r in self.raw)
        if self.bit_offset % 8:
            s += f" @ offset {self.bit_offset // 8}.{self.bit_offset % 8})"
        else:
            s += f" @ offset {self.bit_offset // 8})"
        return s


def _type_label(btf, tid) -> str:
    """'struct bpf_wq', 'enum e', 'pid_t' (typedefs and scalars by name)."""
    try:
        return type_str(btf, tid)
    except Exception:   # noqa: BLE001 - labels must never fail
        return f"[{tid}]"


def _spec_path(spec, arrow):
    btf = spec.btf
    if spec.kind in TYPE_KINDS:
        return _type_label(btf, spec.root_type_id)
    if spec.kind in ENUM_KINDS:
        enum_id = spec.accessors[0].type_id if spec.accessors else spec.root_type_id
        name = spec.accessors[0].name if spec.accessors else "?"
        return f"{_type_label(btf, enum_id)}::{name}"
    root = spec.root_name or "<anon>"
    s = root
    accs = spec.accessors
    for i, a in enumerate(accs):
        if i == 0:
            if a.idx > 0:
                s += f"[{a.idx}]"
            continue
        if a.name:
            sep = "->" if (arrow and i == 1 and accs[0].idx == 0) else "."
            s += sep + a.name
        else:
            s += f"[{a.idx}]"
    return s


def resolve_size(btf, tid) -> int:
    """btf.c `btf__resolve_size`: the byte size, or a negative errno (-EINVAL, -E2BIG)."""
    nelems = 1
    size = -1
    try:
        t = btf.type(tid)
        for _ in range(MAX_RESOLVE_DEPTH):
            if t.id == 0:
                break
            k = t.kind
            if k in (K.INT, K.STRUCT, K.UNION, K.ENUM, K.ENUM64, K.DATASEC, K.FLOAT):
                size = t.size
                break
            if k == K.PTR:
                size = btf.pointer_size
                break
            if k in (K.TYPEDEF, K.VOLATILE, K.CONST, K.RESTRICT, K.VAR, K.DECL_TAG, K.TYPE_TAG):
                tid = t.type
            elif k == K.ARRAY:
                if nelems and t.nelems > U32 // nelems:
                    return -E2BIG
                nelems *= t.nelems
                tid = t.elem_type
            else:
                return -EINVAL
            t = btf.type(tid)
    except BtfError:
        return -EINVAL
    if size < 0:
        return -EINVAL
    if nelems and size > U32 // nelems:
        return -E2BIG
    return nelems * size


def _skip(btf, tid):
    try:
        return skip_mods_and_typedefs(btf, tid)
    except BadType as e:
        raise CoreError(f"bad type: {e}") from None


def _is_flex_arr(btf, acc: Optional[Accessor], arr) -> bool:
    """relo_core.c `is_flex_arr`: nelems==0 and the last member of the enclosing struct."""
    if acc is None or not acc.name or arr.nelems > 0:
        return False
    return acc.idx == btf.type(acc.type_id).vlen - 1


_NUM = re.compile(r"[ \t\n\v\f\r]*([+-]?\d+)")


def _parse_raw(access_str):
    """The `while (*spec_str)` loop of bpf_core_parse_spec (sscanf "%d%n")."""
    raw = []
    s = access_str
    p = 0
    n = len(s)
    while p < n:
        if s[p] == ":":
            p += 1
        m = _NUM.match(s, p)
        if not m:
            raise CoreError(f"malformed access string '{access_str}'")
        v = int(m.group(1))
        if v < 0 or v > 0x7FFFFFFF:
            raise CoreError(f"invalid accessor {v} in access string '{access_str}'")
        if len(raw) == SPEC_MAX_LEN:
            raise CoreError(f"access string '{access_str}' is longer than {SPEC_MAX_LEN} accessors", E2BIG)
        raw.append(v)
        p = m.end()
    return raw


def parse_spec(btf, type_id, access_str, kind) -> CoreSpec:
    """relo_core.c `bpf_core_parse_spec`. Raises CoreError for malformed specs (a hard error)."""
    if not access_str or access_str[0] == ":":
        raise CoreError(f"empty or malformed access string '{access_str}'")
    spec = CoreSpec(btf, type_id, kind)
    if kind in TYPE_KINDS:
        if access_str != "0":
            raise CoreError(f"type-based relocation needs access string '0', not '{access_str}'")
        return spec
    raw = _parse_raw(access_str)
    if not raw:
        raise CoreError(f"empty access string '{access_str}'")
    spec.raw = raw
    try:
        tid = _skip(btf, type_id)
        t = btf.type(tid)
        acc = Accessor(tid, raw[0], None)
        spec.accessors.append(acc)
        if kind in ENUM_KINDS:
            if t.kind not in (K.ENUM, K.ENUM64) or len(raw) > 1 or raw[0] >= t.vlen:
                raise CoreError(f"enum relocation on {t.kind_name} [{tid}] with access string "
                                f"'{access_str}' is malformed")
            acc.name = t.values[raw[0]].name
            return spec
        if kind not in FIELD_KINDS:
            raise CoreError(f"unknown CO-RE relocation kind {kind}")
        sz = resolve_size(btf, tid)
        if sz < 0:
            raise CoreError(f"root type [{tid}] {t.kind_name} has no size", -sz)
        bit_offset = (raw[0] * sz * 8) & U32
        for i in range(1, len(raw)):
            tid = _skip(btf, tid)
            t = btf.type(tid)
            idx = raw[i]
            if t.kind in (K.STRUCT, K.UNION):
                if idx >= t.vlen:
                    raise CoreError(f"member index {idx} out of range for {t.kind_name} "
                                    f"'{t.name or '<anon>'}' ({t.vlen} members)")
                m = t.members[idx]
                bit_offset = (bit_offset + m.bit_offset) & U32
                if m.name:
                    spec.accessors.append(Accessor(tid, idx, m.name))
                tid = m.type
            elif t.kind == K.ARRAY:
                eid = _skip(btf, t.elem_type)
                flex = _is_flex_arr(btf, spec.accessors[-1], t)
                if not flex and idx >= t.nelems:
                    raise CoreError(f"array index {idx} out of range ({t.nelems} elements)")
                spec.accessors.append(Accessor(eid, idx, None))
                sz = resolve_size(btf, eid)
                if sz < 0:
                    raise CoreError(f"array element type [{eid}] has no size", -sz)
                bit_offset = (bit_offset + idx * sz * 8) & U32
                tid = eid
            else:
                raise CoreError(f"access string '{access_str}' (at idx {i}) captures type [{tid}] "
                                f"of unexpected kind {t.kind_name}")
        spec.bit_offset = bit_offset
        return spec
    except BtfError as e:
        raise CoreError(f"bad BTF: {e.problem}") from None


def describe(btf, type_id, access_str, kind) -> str:
    """A readable access path for reports, e.g. "task_struct->__state (FIELD_BYTE_OFFSET)".
    Never raises: malformed input falls back to the raw form."""
    try:
        return f"{parse_spec(btf, type_id, access_str, kind).describe()} ({kind_name(kind)})"
    except Exception:   # noqa: BLE001 - describing must never fail
        try:
            name = btf.name_of(type_id) or "<anon>"
        except Exception:   # noqa: BLE001
            name = "?"
        return f"[{type_id}] {name} + '{access_str}' ({kind_name(kind)})"


# ----------------------------------------------------------------------------- candidates
def _essential_index(btf, first_id):
    """Essential name -> [ids in ID order] for named types with id >= first_id."""
    idx = {}
    # the reader's name index covers only its own types; include a base for split BTF
    chain = []
    b = btf
    while b is not None:
        chain.append(b)
        b = b.base
    for b in reversed(chain):
        if b.type_count <= first_id:
            continue
        b.names()                                       # builds the reader's name index once
        for name, ids in b._name_index.items():
            ess = name if "___" not in name else name[:essential_name_len(name)]
            if first_id > b.start_id:
                ids = [i for i in ids if i >= first_id]
            if not ids:
                continue
            lst = idx.get(ess)
            if lst is None:
                idx[ess] = list(ids)
            else:
                lst.extend(ids)
    for ess, lst in idx.items():
        if len(lst) > 1:
            lst.sort()
    return idx


class CandidateCache:
    """Per target kernel: the essential-name index of candidate types (libbpf `bpf_core_find_cands`).

    vmlinux is indexed once (lazily, on the first relocation); module BTFs are indexed only when a
    relocation finds no candidate in vmlinux. Reuse one cache across all objects checked against the
    same kernel.
    """

    def __init__(self, target_btf, module_btfs=()):
        self.target_btf = target_btf
        self.module_btfs = list(module_btfs)
        self._vm_index = None
        self._mod_index = {}
        self._kinds_cache = {}

    def _vm(self):
        if self._vm_index is None:
            self._vm_index = _essential_index(self.target_btf, 1)
        return self._vm_index

    def _mod(self, i):
        got = self._mod_index.get(i)
        if got is None:
            m = self.module_btfs[i]
            # own types only: from btf__type_cnt(vmlinux)
            got = _essential_index(m, m.start_id)
            self._mod_index[i] = got
        return got

    def _from(self, btf, index, ess, local_kind):
        out = []
        for tid in index.get(ess, ()):
            k = btf.kind_of(tid)
            if k == local_kind or (k in (K.ENUM, K.ENUM64) and local_kind in (K.ENUM, K.ENUM64)):
                out.append((btf, tid))
        return out

    def find(self, local_btf, local_id) -> List[Tuple[object, int]]:
        """libbpf `bpf_core_find_cands`: [(btf, id)] named, core-compatible kind, same essential name;
        vmlinux first, modules only if vmlinux has none. The local type is NOT skipped."""
        name = local_btf.name_of(local_id)
        lk = local_btf.kind_of(local_id)
        ess = name[:essential_name_len(name)]
        key = (ess, lk if lk not in (K.ENUM, K.ENUM64) else K.ENUM)
        got = self._kinds_cache.get(key)
        if got is not None:
            return list(got)
        out = self._from(self.target_btf, self._vm(), ess, lk)
        if not out:
            for i, m in enumerate(self.module_btfs):
                out.extend(self._from(m, self._mod(i), ess, lk))
        self._kinds_cache[key] = out
        return list(out)

    def find_by_name(self, name, kind) -> Tuple[Optional[object], int]:
        """libbpf `find_ksym_btf_id`: exact name and kind, first match in vmlinux, else the first
        module (own types, in order) that has it. Returns (btf, id) or (None, 0)."""
        tid = self.target_btf.find(name, kind)
        if tid:
            return self.target_btf, tid
        for m in self.module_btfs:
            ids = m.find_own(name, kind)
            if ids:
                return m, ids[0]
        return None, 0


_SHARED = weakref.WeakKeyDictionary()


def shared_cache(target_btf, module_btfs=()) -> CandidateCache:
    """The CandidateCache kept for this target Btf object (and this list of module BTFs), so callers
    that pass no cache still index a 127k-type vmlinux only once."""
    mods = tuple(module_btfs)
    per_target = _SHARED.get(target_btf)
    if per_target is None:
        per_target = {}
        _SHARED[target_btf] = per_target
    key = tuple(id(m) for m in mods)
    got = per_target.get(key)
    if got is None or any(a is not b for a, b in zip(got.module_btfs, mods)):
        got = CandidateCache(target_btf, mods)
        per_target[key] = got
    return got


def find_ksym(target_btf, name, kind=K.FUNC, module_btfs=(), cache=None):
    """Resolve a kfunc / typed ksym the way `bpf_object__resolve_ksym_func_btf_id` looks it up: by the
    essential name (flavor stripped), vmlinux first, then modules. Returns (btf, id) or (None, 0)."""
    c = cache if cache is not None and cache.target_btf is target_btf else shared_cache(target_btf, module_btfs)
    return c.find_by_name(essential_name(name), kind)


# ----------------------------------------------------------------------------- matching
class _Diag:
    """Why the first non-matching candidate did not match (for poison reasons)."""
    __slots__ = ("reason",)

    def __init__(self):
        self.reason = None

    def say(self, text):
        if self.reason is None:
            self.reason = text


def _match_member(lb, local_acc, tb, targ_id, spec, diag, top):
    """relo_core.c `bpf_core_match_member`: returns (found, next_targ_id). Speculative pushes of
    raw accessors and bit offsets are kept and reverted exactly as libbpf does."""
    targ_id = _skip(tb, targ_id)
    tt = tb.type(targ_id)
    if tt.kind not in (K.STRUCT, K.UNION):
        if top and diag:
            diag.say(f"target '{_type_label(tb, targ_id)}' is not a struct or union")
        return 0, None
    lt = lb.type(local_acc.type_id)
    local_member = lt.members[local_acc.idx]
    local_name = local_member.name
    raw = spec.raw
    for i, m in enumerate(tt.members):
        if len(raw) == SPEC_MAX_LEN:                    # too deep struct/union/array nesting
            return -E2BIG, None
        mname = m.name
        if mname and mname != local_name:
            continue        # libbpf pushes and pops this member speculatively: a no-op
        bo = m.bit_offset
        spec.bit_offset = (spec.bit_offset + bo) & U32
        raw.append(i)
        if not mname:
            found, nxt = _match_member(lb, local_acc, tb, m.type, spec, diag, False)
            if found:
                return found, nxt
        else:
            spec.accessors.append(Accessor(targ_id, i, m.name))
            found = fields_are_compat_raw(lb, local_member.type, tb, m.type)
            if not found:
                spec.accessors.pop()
                if diag:
                    diag.say(f"field '{local_name}' has an incompatible type in target "
                             f"'{_type_label(tb, targ_id)}': '{_type_label(lb, local_member.type)}' "
                             f"vs '{_type_label(tb, m.type)}'")
            return found, m.type
        spec.bit_offset = (spec.bit_offset - bo) & U32
        raw.pop()
    if top and diag:
        diag.say(f"field '{local_name}' not found in target '{_type_label(tb, targ_id)}'")
    return 0, None


def spec_match(local_spec: CoreSpec, tb, targ_id, diag=None) -> Tuple[int, CoreSpec]:
    """relo_core.c `bpf_core_spec_match`: (1 matched / 0 not / -errno, target spec)."""
    ts = CoreSpec(tb, targ_id, local_spec.kind)
    kind = local_spec.kind
    lb = local_spec.btf
    if kind in TYPE_KINDS:
        if kind == TYPE_MATCHES:
            r = types_match_raw(lb, local_spec.root_type_id, tb, targ_id)
            if r == 0 and diag:
                diag.say(f"'{_type_label(tb, targ_id)}' does not match the local type")
        else:
            r = types_are_compat_raw(lb, local_spec.root_type_id, tb, targ_id)
            if r == 0 and diag:
                diag.say(f"'{_type_label(tb, targ_id)}' is not compatible with the local type")
        return r, ts
    lacc = local_spec.accessors[0]
    if kind in ENUM_KINDS:
        targ_id = _skip(tb, targ_id)
        tt = tb.type(targ_id)
        if tt.kind not in (K.ENUM, K.ENUM64):
            if diag:
                diag.say(f"target '{_type_label(tb, targ_id)}' is not an enum")
            return 0, ts
        ll = essential_name_len(lacc.name)
        for i, v in enumerate(tt.values):
            if essential_name_len(v.name) != ll:
                continue
            if lacc.name[:ll] == v.name[:ll]:
                ts.accessors.append(Accessor(targ_id, i, v.name))
                ts.raw.append(i)
                return 1, ts
        if diag:
            diag.say(f"enumerator '{lacc.name}' not found in target '{_type_label(tb, targ_id)}'")
        return 0, ts
    if kind not in FIELD_KINDS:
        return -EINVAL, ts
    for i, lacc in enumerate(local_spec.accessors):
        targ_id = _skip(tb, targ_id)
        tt = tb.type(targ_id)
        if lacc.name:
            matched, nxt = _match_member(lb, lacc, tb, targ_id, ts, diag, True)
            if matched <= 0:
                return matched, ts
            targ_id = nxt
        else:
            if i > 0:
                if tt.kind != K.ARRAY:
                    if diag:
                        diag.say(f"target '{_type_label(tb, targ_id)}' is not an array")
                    return 0, ts
                flex = _is_flex_arr(tb, ts.accessors[i - 1], tt)
                if not flex and lacc.idx >= tt.nelems:
                    if diag:
                        diag.say(f"array index {lacc.idx} out of bounds in target "
                                 f"'{_type_label(tb, targ_id)}'")
                    return 0, ts
                targ_id = _skip(tb, tt.elem_type)
            if len(ts.raw) == SPEC_MAX_LEN:
                return -E2BIG, ts
            ts.accessors.append(Accessor(targ_id, lacc.idx, None))
            ts.raw.append(lacc.idx)
            sz = resolve_size(tb, targ_id)
            if sz < 0:
                return sz, ts
            ts.bit_offset = (ts.bit_offset + lacc.idx * sz * 8) & U32
    return 1, ts


# ----------------------------------------------------------------------------- values
@dataclass
class _Val:
    val: int = 0
    size: int = 0           # field_sz (orig_sz/new_sz): memory size for load/store adjustment
    type_id: int = 0        # orig_type_id/new_type_id
    validate: bool = True


def _u32(x):
    return x & U32


def _size_field(t):
    """t->size (the size/type union) for any kind."""
    if t.size is not None:
        return t.size
    return t.type or 0


def _calc_field(kind, spec: Optional[CoreSpec], out: _Val, big_endian: bool):
    """relo_core.c `bpf_core_calc_field_relo`; raises CoreError, returns False to request poison."""
    out.size = 0
    if kind == FIELD_EXISTS:
        out.val = 1 if spec else 0
        return True
    if spec is None:
        return False                                    # -EUCLEAN: poison
    btf = spec.btf
    acc = spec.accessors[-1]
    if not acc.name:                                    # a[n] accessor at the end
        if kind == FIELD_BYTE_OFFSET:
            out.val = spec.bit_offset // 8
            eid = _skip(btf, acc.type_id)
            t = btf.type(eid)
            while t.kind == K.ARRAY:
                eid = _skip(btf, t.elem_type)
                t = btf.type(eid)
            sz = resolve_size(btf, eid)
            if sz < 0:
                raise CoreError("array element has no size")
            out.size = sz
            out.type_id = acc.type_id
        elif kind == FIELD_BYTE_SIZE:
            sz = resolve_size(btf, acc.type_id)
            if sz < 0:
                raise CoreError("array element has no size")
            out.val = sz
        else:
            raise CoreError(f"{kind_name(kind)} can't be applied to an array element access")
        out.validate = True
        return True
    t = btf.type(acc.type_id)
    m = t.members[acc.idx]
    ftid = _skip(btf, m.type)
    mt = btf.type(ftid)
    bit_off = spec.bit_offset
    bit_sz = m.bitfield_size if t.kflag else 0
    bitfield = bit_sz > 0
    if bitfield:
        byte_sz = _size_field(mt)
        if byte_sz == 0:
            raise CoreError(f"bitfield '{m.name}' has a zero-sized type")
        byte_off = bit_off // 8 // byte_sz * byte_sz
        while bit_off + bit_sz - byte_off * 8 > byte_sz * 8:
            if byte_sz >= 8:
                raise CoreError(f"bitfield '{m.name}' too large for a 64-bit load (E2BIG)", E2BIG)
            byte_sz *= 2
            byte_off = bit_off // 8 // byte_sz * byte_sz
    else:
        sz = resolve_size(btf, ftid)
        if sz < 0:
            raise CoreError(f"field '{m.name}' has no size")
        byte_sz = sz
        byte_off = spec.bit_offset // 8
        bit_sz = _u32(byte_sz * 8)
    out.validate = not bitfield
    if kind == FIELD_BYTE_OFFSET:
        out.val = byte_off
        if not bitfield:
            eid = ftid
            t2 = mt
            while t2.kind == K.ARRAY:
                eid = _skip(btf, t2.elem_type)
                t2 = btf.type(eid)
            sz = resolve_size(btf, eid)
            if sz < 0:
                raise CoreError(f"field '{m.name}' element has no size")
            out.size = sz
            out.type_id = ftid
    elif kind == FIELD_BYTE_SIZE:
        out.val = byte_sz
    elif kind == FIELD_SIGNED:
        out.val = int((mt.kind in (K.ENUM, K.ENUM64) and bool(mt.kflag))
                      or (mt.kind == K.INT and bool(mt.encoding & K.INT_SIGNED)))
        out.validate = True
    elif kind == FIELD_LSHIFT_U64:
        if big_endian:
            out.val = _u32((8 - byte_sz) * 8 + (bit_off - byte_off * 8))
        else:
            out.val = _u32(64 - (bit_off + bit_sz - byte_off * 8))
    elif kind == FIELD_RSHIFT_U64:
        out.val = _u32(64 - bit_sz)
        out.validate = True
    else:
        raise CoreError(f"unrecognized CO-RE relocation {kind_name(kind)}", EOPNOTSUPP)
    return True


def _calc_type(kind, spec: Optional[CoreSpec], out: _Val):
    """relo_core.c `bpf_core_calc_type_relo`."""
    out.validate = True
    if spec is None:
        out.val = 0
        return True
    if kind == TYPE_ID_TARGET:
        out.val = spec.root_type_id
        out.validate = False
    elif kind in (TYPE_EXISTS, TYPE_MATCHES):
        out.val = 1
    elif kind == TYPE_SIZE:
        sz = resolve_size(spec.btf, spec.root_type_id)
        if sz < 0:
            raise CoreError(f"type [{spec.root_type_id}] has no size")
        out.val = sz
    else:
        raise CoreError(f"unrecognized CO-RE relocation {kind_name(kind)}", EOPNOTSUPP)
    return True


def _enum_val(t, idx):
    v = t.values[idx].value
    if t.kind == K.ENUM:
        v &= U32                                # struct btf_enum.val is __s32, sign-extended
        if v & 0x80000000:
            v -= 1 << 32
    return v & U64


def _calc_enum(kind, spec: Optional[CoreSpec], out: _Val):
    """relo_core.c `bpf_core_calc_enumval_relo`."""
    if kind == ENUMVAL_EXISTS:
        out.val = 1 if spec else 0
    elif kind == ENUMVAL_VALUE:
        if spec is None:
            return False
        acc = spec.accessors[0]
        out.val = _enum_val(spec.btf.type(acc.type_id), acc.idx)
    else:
        raise CoreError(f"unrecognized CO-RE relocation {kind_name(kind)}", EOPNOTSUPP)
    return True


@dataclass
class _Res:
    orig_val: int = 0
    new_val: int = 0
    poison: bool = False
    validate: bool = True
    fail_memsz_adjust: bool = False
    orig_sz: int = 0
    new_sz: int = 0
    orig_type_id: int = 0
    new_type_id: int = 0


def _calc(kind, local_spec, targ_spec, big_endian) -> _Res:
    """relo_core.c `bpf_core_calc_relo`: raises CoreError on hard errors."""
    res = _Res()
    if kind in FIELD_KINDS:
        lo, tv = _Val(), _Val()
        ok = _calc_field(kind, local_spec, lo, big_endian)
        res.orig_val, res.orig_sz, res.orig_type_id, res.validate = lo.val, lo.size, lo.type_id, lo.validate
        if ok:
            ok = _calc_field(kind, targ_spec, tv, big_endian)
            res.new_val, res.new_sz, res.new_type_id = tv.val, tv.size, tv.type_id
        if not ok:
            res.poison = True
            return res
        if res.orig_sz != res.new_sz:
            ot = local_spec.btf.type(res.orig_type_id)
            nt = targ_spec.btf.type(res.new_type_id)
            if ot.kind == K.PTR and nt.kind == K.PTR:
                return res
            if (ot.kind == K.INT and nt.kind == K.INT and ot.encoding != K.INT_SIGNED
                    and nt.encoding != K.INT_SIGNED):
                return res
            res.fail_memsz_adjust = True
    elif kind in TYPE_KINDS:
        lo, tv = _Val(), _Val()
        _calc_type(kind, local_spec, lo)
        _calc_type(kind, targ_spec, tv)
        res.orig_val, res.validate, res.new_val = lo.val, lo.validate, tv.val
    elif kind in ENUM_KINDS:
        lo, tv = _Val(), _Val()
        _calc_enum(kind, local_spec, lo)
        res.orig_val = lo.val
        if not _calc_enum(kind, targ_spec, tv):
            res.poison = True
        res.new_val = tv.val
    else:
        raise CoreError(f"unrecognized CO-RE relocation kind {kind}", EOPNOTSUPP)
    return res


# ----------------------------------------------------------------------------- driver
@dataclass
class CoreResult:
    status: str                              # "ok" | "poison" | "error"
    local_value: Optional[int] = None        # orig_val (what the compiler put in the instruction)
    target_value: Optional[int] = None       # new_val (what libbpf patches in); None on poison/error
    target_spec: Optional[CoreSpec] = None
    candidates: int = 0
    matched: int = 0
    reason: Optional[str] = None
    fail_memsz_adjust: bool = False          # load/store size change not allowed (poison for LDX/ST/STX)
    validate: bool = True                    # whether libbpf checks the insn's value == local_value
    local_size: int = 0                      # orig_sz / new_sz: field memory sizes (BYTE_OFFSET only)
    target_size: int = 0
    local_type_id: int = 0                   # orig_type_id / new_type_id
    target_type_id: int = 0
    local_spec: Optional[CoreSpec] = None
    kind: int = 0
    errno: Optional[str] = None              # "EINVAL", "E2BIG", ... for errors
    target_btf: object = None                # which BTF the match came from (vmlinux or a module)

    @property
    def poison(self):
        return self.status == "poison"

    @property
    def target_path(self):
        return self.target_spec.path if self.target_spec is not None else None


def _err(reason, errno=EINVAL, **kw):
    return CoreResult(status="error", reason=reason, errno=ERRNO_NAMES.get(errno, str(errno)), **kw)


def calc_relo(local_btf, type_id, access_str, kind, target_btf, *, module_btfs=(), cache=None,
              pruned=None) -> CoreResult:
    """libbpf `bpf_core_resolve_relo` + `bpf_core_calc_relo_insn` for one relocation record.

    `cache`: a CandidateCache for `target_btf` (reuse it across relocations and objects).
    `pruned`: optional per-object dict {local type id: candidate list}; libbpf keeps one such list per
    local root type and shrinks it to the candidates that matched, so later relocations of the same
    root only see those. Pass the same dict for all relocations of one object, in record order, to
    reproduce that; leave it None to evaluate each relocation on its own.
    """
    if cache is None or cache.target_btf is not target_btf:
        cache = shared_cache(target_btf, module_btfs)
    try:
        local_name = local_btf.name_of(type_id)
        local_btf.kind_of(type_id)
    except BtfError:
        return _err(f"local type id {type_id} is out of range", kind=kind)
    cands = None
    if kind != TYPE_ID_LOCAL:
        if not local_name:
            return _err("anonymous root type (libbpf can't search candidates for anonymous types)",
                        kind=kind)
        if pruned is not None and type_id in pruned:
            cands = pruned[type_id]
        else:
            cands = cache.find(local_btf, type_id)
            if pruned is not None:
                pruned[type_id] = cands
    try:
        local_spec = parse_spec(local_btf, type_id, access_str, kind)
    except CoreError as e:
        return _err(f"parsing {describe(local_btf, type_id, access_str, kind)} failed: {e.reason}",
                    e.errno, kind=kind)
    if kind == TYPE_ID_LOCAL:
        return CoreResult("ok", local_value=type_id, target_value=type_id, validate=False,
                          local_spec=local_spec, kind=kind)
    big_endian = getattr(target_btf, "byteorder", "little") == "big"
    targ_res = targ_spec = targ_btf = None
    matched = []
    diag = _Diag()
    try:
        for i, (cbtf, cid) in enumerate(cands):
            try:
                r, cand_spec = spec_match(local_spec, cbtf, cid, diag if i == 0 else None)
            except BtfError as e:
                raise CoreError(f"bad target BTF: {e.problem}") from None
            if r < 0:
                return _err(f"error matching candidate #{i} [{cid}] {_type_label(cbtf, cid)}",
                            -r, candidates=len(cands), kind=kind, local_spec=local_spec)
            if r == 0:
                continue
            cres = _calc(kind, local_spec, cand_spec, big_endian)
            if not matched:
                targ_res, targ_spec, targ_btf = cres, cand_spec, cbtf
            elif cand_spec.bit_offset != targ_spec.bit_offset:
                return _err(f"field offset ambiguity: {cand_spec.bit_offset} != {targ_spec.bit_offset} "
                            f"(candidates {_type_label(targ_btf, targ_spec.root_type_id)} "
                            f"[{targ_spec.root_type_id}] and [{cid}])",
                            candidates=len(cands), matched=len(matched) + 1, kind=kind,
                            local_spec=local_spec)
            elif cres.poison != targ_res.poison or cres.new_val != targ_res.new_val:
                return _err(f"relocation decision ambiguity: "
                            f"{'failure' if cres.poison else 'success'} {cres.new_val} != "
                            f"{'failure' if targ_res.poison else 'success'} {targ_res.new_val}",
                            candidates=len(cands), matched=len(matched) + 1, kind=kind,
                            local_spec=local_spec)
            matched.append((cbtf, cid))
        if matched and pruned is not None:
            pruned[type_id] = matched
        if not matched:
            targ_res = _calc(kind, local_spec, None, big_endian)
            targ_spec = None
    except CoreError as e:
        return _err(e.reason, e.errno, candidates=len(cands), matched=len(matched), kind=kind,
                    local_spec=local_spec)
    except BtfError as e:
        return _err(f"bad BTF: {e.problem}", candidates=len(cands), matched=len(matched), kind=kind,
                    local_spec=local_spec)
    res = CoreResult(
        status="poison" if targ_res.poison else "ok",
        local_value=targ_res.orig_val,
        target_value=None if targ_res.poison else targ_res.new_val,
        target_spec=targ_spec, candidates=len(cands), matched=len(matched),
        fail_memsz_adjust=targ_res.fail_memsz_adjust, validate=targ_res.validate,
        local_size=targ_res.orig_sz, target_size=targ_res.new_sz,
        local_type_id=targ_res.orig_type_id, target_type_id=targ_res.new_type_id,
        local_spec=local_spec, kind=kind, target_btf=targ_btf)
    if res.status == "poison" or not matched:
        res.reason = _no_match_reason(local_btf, type_id, local_spec, cands, diag)
    return res


def _no_match_reason(local_btf, type_id, local_spec, cands, diag):
    lk = local_btf.kind_of(type_id)
    label = _type_label(local_btf, type_id)
    if not cands:
        ess = essential_name(local_btf.name_of(type_id))
        if ess != local_btf.name_of(type_id):
            return f"no {K.kind_name(lk)} named '{ess}' (essential name of '{label}') in target BTF"
        return f"'{label}' ({K.kind_name(lk)}) not found in target BTF"
    why = diag.reason or "no candidate matched"
    if len(cands) > 1:
        why += f" ({len(cands)} candidates, none matched)"
    return why


# ----------------------------------------------------------------------------- instruction checks
@dataclass
class InsnCheck:
    status: str                     # "ok" | "poison" | "error"
    reason: Optional[str] = None
    new_off: Optional[int] = None
    new_imm: Optional[int] = None
    new_size: Optional[int] = None  # bytes, when the load/store size is adjusted


_SIZE_BYTES = {0x18: 8, 0x00: 4, 0x08: 2, 0x10: 1}      # BPF_DW, BPF_W, BPF_H, BPF_B


def check_insn(res: CoreResult, code, off, imm, src_reg=0, next_insn=None) -> InsnCheck:
    """The checks of relo_core.c `bpf_core_patch_insn` for an "ok"/"poison" result on an instruction
    (code, off, imm, src_reg); `next_insn` = (code, dst_reg, src_reg, off, imm) of the second slot of
    an ld_imm64. Errors here fail the whole load; poison only if reachable."""
    if res.status == "error":
        return InsnCheck("error", res.reason)
    if res.status == "poison":
        return InsnCheck("poison", res.reason)
    orig, new = res.local_value, res.target_value
    cls = code & 0x07
    if cls in (0x04, 0x07):                                          # ALU / ALU64
        if code & 0x08:                                              # BPF_X
            return InsnCheck("error", "CO-RE relocation on an ALU instruction with a register source")
        if res.validate and (imm & U64) != orig:
            return InsnCheck("error", f"unexpected insn value: got {imm}, expected {orig} -> {new}")
        return InsnCheck("ok", new_imm=new & U32)
    if cls in (0x01, 0x02, 0x03):                                    # LDX / ST / STX
        if res.validate and (off & U64) != orig:
            return InsnCheck("error", f"unexpected insn offset: got {off}, expected {orig} -> {new}")
        if new > SHRT_MAX:
            return InsnCheck("error", f"offset too big: {new} (ERANGE)")
        if res.fail_memsz_adjust:
            return InsnCheck("poison", "field accessed with a memory size that can't be adjusted "
                                       f"({res.local_size} -> {res.target_size} bytes)")
        if res.target_size != res.local_size:
            isz = _SIZE_BYTES.get(code & 0x18)
            if isz != res.local_size:
                return InsnCheck("error", f"unexpected memory size: got {isz}, expected {res.local_size}")
            if res.target_size not in (1, 2, 4, 8):
                return InsnCheck("error", f"invalid new memory size {res.target_size}")
            return InsnCheck("ok", new_off=new, new_size=res.target_size)
        return InsnCheck("ok", new_off=new)
    if code == 0x18:                                                 # ld_imm64
        if src_reg != 0 or off != 0 or next_insn is None or any(next_insn[:4]):
            return InsnCheck("error", "ld_imm64 of unexpected form")
        full = (imm & U32) | ((next_insn[4] & U32) << 32)
        if res.validate and full != orig:
            return InsnCheck("error", f"unexpected insn value: got {full}, expected {orig} -> {new}")
        return InsnCheck("ok", new_imm=new)
    return InsnCheck("error", f"CO-RE relocation on an unsupported instruction (code 0x{code:02x})")
