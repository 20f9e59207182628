"""Raw BTF parsing: header, string section, type index, lazily decoded types, split BTF.

One pass over the type section records where each type starts and its kind; everything else
(names, members, parameters) is decoded on first use and cached, so opening a 5 MB vmlinux BTF
costs one tight loop, not 127k objects.
"""
import sys
from array import array
from typing import NamedTuple, Optional

from . import kinds as K
from .errors import BtfError
from .inert import inert

MAX_RESOLVE_DEPTH = 32   # libbpf MAX_RESOLVE_DEPTH / __bpf_core_types_are_compat level


class Member(NamedTuple):
    name: str
    type: int
    bit_offset: int
    bitfield_size: int      # 0 when not a bitfield


class EnumValue(NamedTuple):
    name: str
    value: int


class Param(NamedTuple):
    name: str
    type: int


class SecInfo(NamedTuple):
    type: int
    offset: int
    size: int


class BtfType:
    """One decoded BTF type. Fields that do not apply to the kind are None or empty."""

    __slots__ = ("id", "kind", "name", "name_off", "kflag", "vlen", "size", "type",
                 "encoding", "int_offset", "bits", "elem_type", "index_type", "nelems",
                 "members", "values", "params", "secinfo", "linkage", "component_idx")

    def __init__(self, tid, kind, name, name_off, kflag, vlen):
        self.id = tid
        self.kind = kind
        self.name = name
        self.name_off = name_off
        self.kflag = kflag
        self.vlen = vlen
        self.size = None
        self.type = None
        self.encoding = self.int_offset = self.bits = None
        self.elem_type = self.index_type = self.nelems = None
        self.members = self.values = self.params = self.secinfo = ()
        self.linkage = None
        self.component_idx = None

    @property
    def kind_name(self):
        return K.kind_name(self.kind)

    @property
    def is_signed(self):
        """INT with the SIGNED encoding, or ENUM/ENUM64 with kflag (libbpf btf_is_signed semantics)."""
        if self.kind == K.INT:
            return bool(self.encoding & K.INT_SIGNED)
        if self.kind in (K.ENUM, K.ENUM64):
            return bool(self.kflag)
        return False

    def __repr__(self):
        return f"<BtfType [{self.id}] {self.kind_name} '{self.name}'>"


def _layout_tables(layout_words=None):
    """Per-kind (info words, words per vlen element); None marks an unknown kind."""
    info = [None] * 128
    elem = [None] * 128
    for k, (isz, esz) in K.TRAILING.items():
        info[k] = isz // 4
        elem[k] = esz // 4
    if layout_words is not None:
        for k, (isz, esz) in enumerate(layout_words):
            if k < 128 and info[k] is None:
                info[k] = isz // 4
                elem[k] = esz // 4
    return info, elem


class Btf:
    """A parsed BTF blob, optionally split on top of a base BTF (module BTF over vmlinux)."""

    def __init__(self, data, *, base=None, path=None):
        self.path = path or "<btf>"
        self.base = base
        self.data = bytes(data)
        self._parse_header()
        self.start_id = base.type_count if base is not None else 1
        self.start_str_off = (base.start_str_off + base.str_len) if base is not None else 0
        self._parse_strings()
        self._parse_layout()
        self._index_types()
        self._cache = [None] * len(self._offsets)
        self._str_cache = {}
        self._name_index = None

    # ------------------------------------------------------------------ parsing
    def _err(self, problem):
        return BtfError(self.path, problem)

    def _parse_header(self):
        d = self.data
        if len(d) < K.HDR_LEN_CLASSIC:
            raise self._err(f"BTF too short ({len(d)} bytes) for a header")
        magic = int.from_bytes(d[0:2], "little")
        if magic == K.MAGIC:
            self.byteorder = "little"
        elif magic == 0x9FEB:
            self.byteorder = "big"
        else:
            raise self._err(f"bad BTF magic 0x{magic:04x} (expected 0xeb9f)")
        bo = self.byteorder
        u32 = lambda off: int.from_bytes(d[off:off + 4], bo)  # noqa: E731
        version, flags = d[2], d[3]
        if version != 1:
            raise self._err(f"unsupported BTF version {version}")
        if flags != 0:
            raise self._err(f"BTF header flags 0x{flags:x} are not zero")
        hdr_len = u32(4)
        if hdr_len < K.HDR_LEN_CLASSIC or hdr_len > len(d):
            raise self._err(f"BTF header length {hdr_len} is invalid for {len(d)} bytes of data")
        self.hdr_len = hdr_len
        self.type_off, self.type_len, self.str_off, self.str_len = (u32(8), u32(12), u32(16), u32(20))
        self.layout_off = self.layout_len = 0
        if hdr_len >= K.HDR_LEN_LAYOUT:
            self.layout_off, self.layout_len = u32(24), u32(28)
        body = len(d) - hdr_len
        if self.type_off % 4:
            raise self._err("type section is not 4-byte aligned")
        if self.type_off + self.type_len > body or self.str_off + self.str_len > body:
            raise self._err(f"BTF sections extend past the end of the data ({len(d)} bytes; "
                            f"types {self.type_off}+{self.type_len}, strings {self.str_off}+{self.str_len})")
        if self.type_off + self.type_len > self.str_off:
            raise self._err("type section overlaps the string section")
        if self.layout_len:
            if self.layout_off % 4 or self.layout_len % 4:
                raise self._err("layout section is not 4-byte aligned")
            if (self.layout_off < self.type_off + self.type_len
                    or self.layout_off + self.layout_len > self.str_off):
                raise self._err("layout section is not between the type and string sections")

    def _parse_strings(self):
        start = self.hdr_len + self.str_off
        self._strs = self.data[start:start + self.str_len]
        s = self._strs
        if self.base is None:
            if not s or s[0] != 0:
                raise self._err("string section must start with an empty string")
        if s and s[-1] != 0:
            raise self._err("string section is not NUL-terminated")
        if self.str_len and self.str_len - 1 > K.MAX_NAME_OFFSET:
            raise self._err("string section is too large")

    def _parse_layout(self):
        self.layout = None
        if not self.layout_len:
            return
        start = self.hdr_len + self.layout_off
        raw = self.data[start:start + self.layout_len]
        out = []
        for i in range(0, len(raw), 4):
            info_sz, elem_sz = raw[i], raw[i + 1]
            if info_sz % 4 or elem_sz % 4:
                raise self._err(f"layout entry for kind {i // 4} has sizes that are not multiples of 4")
            out.append((info_sz, elem_sz))
        self.layout = out

    def _words(self):
        start = self.hdr_len + self.type_off
        raw = self.data[start:start + self.type_len]
        if len(raw) % 4:
            raise self._err("type section is truncated (length is not a multiple of 4)")
        if self.byteorder == sys.byteorder:
            return memoryview(raw).cast("I") if raw else array("I")
        a = array("I")
        a.frombytes(raw)
        a.byteswap()
        return a

    def _index_types(self):
        w = self._words()
        self._w = w
        layout = self.layout if self.layout is not None else (
            self.base.layout if self.base is not None else None)
        info_w, elem_w = _layout_tables(layout)
        n = len(w)
        offsets = array("I")
        kinds = bytearray()
        append_off, append_kind = offsets.append, kinds.append
        p = 0
        try:
            while p < n:
                info = w[p + 1]
                k = (info >> 24) & 0x7F
                e = elem_w[k]
                if e is None:
                    raise self._err(f"type [{self._id_at(len(offsets))}] has unknown BTF kind {k}")
                nxt = p + 3 + info_w[k] + (info & 0xFFFFFF) * e
                if nxt > n:
                    raise self._err(f"type [{self._id_at(len(offsets))}] ({K.kind_name(k)}, vlen "
                                    f"{info & 0xFFFFFF}) extends past the end of the type section")
                append_off(p)
                append_kind(k)
                p = nxt
        except IndexError:
            raise self._err(f"type [{self._id_at(len(offsets))}] is truncated") from None
        if self.start_id + len(offsets) - 1 > K.MAX_TYPE:
            raise self._err(f"too many types ({len(offsets)})")
        self._offsets = offsets
        self._kinds = kinds

    def _id_at(self, idx):
        return (self.base.type_count if self.base is not None else 1) + idx

    # ------------------------------------------------------------------ strings
    def str_at(self, off):
        """The NUL-terminated string at a string-section offset (split offsets continue from the base)."""
        if off < self.start_str_off:
            return self.base.str_at(off)
        got = self._str_cache.get(off)
        if got is not None:
            return got
        local = off - self.start_str_off
        s = self._strs
        if local >= len(s):
            raise self._err(f"string offset {off} is past the end of the string section")
        end = s.find(b"\0", local)
        # names are printed everywhere: made inert once here (the kernel refuses BTF whose names
        # hold control characters, so real BTF is unchanged by this)
        val = inert(s[local:end].decode("utf-8", "replace"))
        self._str_cache[off] = val
        return val

    # ------------------------------------------------------------------ types
    @property
    def type_count(self):
        """Like btf__type_cnt(): number of type IDs including void and the base's types."""
        return self.start_id + len(self._offsets)

    @property
    def own_type_count(self):
        return len(self._offsets)

    def own_ids(self):
        return range(self.start_id, self.type_count)

    def kind_of(self, tid):
        if tid < self.start_id:
            return self.base.kind_of(tid) if self.base is not None else K.UNKN
        idx = tid - self.start_id
        if idx >= len(self._kinds):
            raise self._err(f"type id {tid} is out of range (max {self.type_count - 1})")
        return self._kinds[idx]

    def name_of(self, tid):
        if tid < self.start_id:
            return self.base.name_of(tid) if self.base is not None else ""
        idx = tid - self.start_id
        if idx >= len(self._offsets):
            raise self._err(f"type id {tid} is out of range (max {self.type_count - 1})")
        return self.str_at(self._w[self._offsets[idx]])

    def ids_of_kind(self, kind, own_only=False):
        out = [] if own_only or self.base is None else self.base.ids_of_kind(kind)
        ks = self._kinds
        b = bytes((kind,))
        i = ks.find(b)
        start = self.start_id
        while i >= 0:
            out.append(start + i)
            i = ks.find(b, i + 1)
        return out

    def type(self, tid) -> BtfType:
        """The decoded type with this ID (void is a BtfType of kind UNKN)."""
        if tid < self.start_id:
            if self.base is not None:
                return self.base.type(tid)
            if tid == 0:
                return _VOID
            raise self._err(f"type id {tid} is out of range")
        idx = tid - self.start_id
        if idx >= len(self._offsets):
            raise self._err(f"type id {tid} is out of range (max {self.type_count - 1})")
        t = self._cache[idx]
        if t is None:
            t = self._decode(tid, idx)
            self._cache[idx] = t
        return t

    def __getitem__(self, tid):
        return self.type(tid)

    def types(self, own_only=False):
        """Iterate over decoded types (base first for split BTF unless own_only)."""
        if not own_only and self.base is not None:
            yield from self.base.types()
        for tid in self.own_ids():
            yield self.type(tid)

    def _ref(self, tid, ref, what="type"):
        if ref >= self.type_count:
            raise self._err(f"type [{tid}] refers to {what} id {ref}, past the last type "
                            f"({self.type_count - 1})")
        return ref

    def _decode(self, tid, idx):
        w = self._w
        p = self._offsets[idx]
        name_off, info, st = w[p], w[p + 1], w[p + 2]
        kind = (info >> 24) & 0x7F
        vlen = info & 0xFFFFFF
        kflag = info >> 31
        name = self.str_at(name_off) if name_off else ""
        t = BtfType(tid, kind, name, name_off, kflag, vlen)
        q = p + 3
        ref = self._ref
        if kind == K.INT:
            t.size = st
            v = w[q]
            t.encoding, t.int_offset, t.bits = (v >> 24) & 0x0F, (v >> 16) & 0xFF, v & 0xFF
            if t.bits > 128 or t.int_offset + t.bits > st * 8:
                raise self._err(f"type [{tid}] INT '{name}' has invalid bits {t.bits}/offset {t.int_offset}")
        elif kind in (K.PTR, K.TYPEDEF, K.VOLATILE, K.CONST, K.RESTRICT, K.TYPE_TAG):
            t.type = ref(tid, st)
        elif kind == K.ARRAY:
            t.elem_type, t.index_type, t.nelems = ref(tid, w[q]), ref(tid, w[q + 1]), w[q + 2]
            t.type = t.elem_type
        elif kind in (K.STRUCT, K.UNION):
            t.size = st
            ms = []
            for i in range(vlen):
                mn, mt, mo = w[q], w[q + 1], w[q + 2]
                q += 3
                if kflag:
                    bsz, boff = mo >> 24, mo & 0xFFFFFF
                else:
                    bsz, boff = 0, mo
                ms.append(Member(self.str_at(mn) if mn else "", ref(tid, mt, "member type"), boff, bsz))
            t.members = tuple(ms)
        elif kind == K.ENUM:
            t.size = st
            vals = []
            signed = bool(kflag)
            for i in range(vlen):
                v = w[q + 1]
                if signed and v & 0x80000000:      # kflag=1: signed s32 values; kflag=0: unsigned u32
                    v -= 1 << 32
                vals.append(EnumValue(self.str_at(w[q]), v))
                q += 2
            t.values = tuple(vals)
        elif kind == K.ENUM64:
            t.size = st
            vals = []
            for i in range(vlen):
                v = w[q + 1] | (w[q + 2] << 32)
                if kflag and v & (1 << 63):
                    v -= 1 << 64
                vals.append(EnumValue(self.str_at(w[q]), v))
                q += 3
            t.values = tuple(vals)
        elif kind == K.FWD:
            pass
        elif kind == K.FUNC:
            t.type = ref(tid, st)
            t.linkage = vlen
        elif kind == K.FUNC_PROTO:
            t.type = ref(tid, st, "return type")
            ps = []
            for i in range(vlen):
                pn, pt = w[q], w[q + 1]
                q += 2
                ps.append(Param(self.str_at(pn) if pn else "", ref(tid, pt, "parameter type")))
            t.params = tuple(ps)
        elif kind == K.VAR:
            t.type = ref(tid, st)
            t.linkage = w[q]
        elif kind == K.DATASEC:
            t.size = st
            si = []
            for i in range(vlen):
                si.append(SecInfo(ref(tid, w[q]), w[q + 1], w[q + 2]))
                q += 3
            t.secinfo = tuple(si)
        elif kind == K.FLOAT:
            t.size = st
        elif kind == K.DECL_TAG:
            t.type = ref(tid, st)
            c = w[q]
            t.component_idx = c - (1 << 32) if c & 0x80000000 else c
        else:
            # a kind known only through the layout section: keep what the generic header says
            t.size = st
        return t

    # ------------------------------------------------------------------ lookups
    def _build_name_index(self):
        idx = {}
        w, offs, start = self._w, self._offsets, self.start_id
        str_at = self.str_at
        for i in range(len(offs)):
            no = w[offs[i]]
            if no:
                nm = str_at(no)
                lst = idx.get(nm)
                if lst is None:
                    idx[nm] = [start + i]
                else:
                    lst.append(start + i)
        self._name_index = idx
        return idx

    def find_own(self, name, kind=None):
        """IDs of this BTF's own types with this name (and kind), in ID order."""
        idx = self._name_index or self._build_name_index()
        ids = idx.get(name, ())
        if kind is None:
            return list(ids)
        return [i for i in ids if self._kinds[i - self.start_id] == kind]

    def find_all(self, name, kind=None):
        out = self.base.find_all(name, kind) if self.base is not None else []
        return out + self.find_own(name, kind)

    def find(self, name, kind=None):
        """The first type with this name (and kind), base first, like btf__find_by_name_kind(); 0 if none."""
        if self.base is not None:
            got = self.base.find(name, kind)
            if got:
                return got
        ids = self.find_own(name, kind)
        return ids[0] if ids else 0

    def names(self):
        idx = self._name_index or self._build_name_index()
        return idx.keys()

    # ------------------------------------------------------------------ walking
    def skip_mods(self, tid, typedefs=True):
        """Strip const/volatile/restrict/type_tag (and typedefs unless typedefs=False)."""
        mods = K.MODIFIERS if typedefs else K.CV_MODIFIERS
        start = tid
        for _ in range(MAX_RESOLVE_DEPTH + 1):
            if self.kind_of(tid) not in mods:
                return tid
            tid = self.type(tid).type
        raise self.too_deep(start, MAX_RESOLVE_DEPTH, "resolving modifiers")

    def resolve_size(self, tid):
        """Byte size of a type (kernel btf_resolve_size); errors on void, functions, and loops."""
        nelems = 1
        start = tid
        for _ in range(MAX_RESOLVE_DEPTH + 1):
            t = self.type(tid)
            k = t.kind
            if k in (K.INT, K.STRUCT, K.UNION, K.ENUM, K.ENUM64, K.DATASEC, K.FLOAT):
                return nelems * t.size
            if k == K.PTR:
                return nelems * self.pointer_size
            if k in K.MODIFIERS or k == K.VAR:
                tid = t.type
                continue
            if k == K.ARRAY:
                nelems *= t.nelems
                tid = t.elem_type
                continue
            raise self._err(f"type [{tid}] ({t.kind_name}) has no size")
        raise self.too_deep(start, MAX_RESOLVE_DEPTH, "sizing")

    # ------------------------------------------------------------------ loops
    def _value_edges(self, tid):
        """Type IDs `tid` depends on by value (what the kernel must resolve first): PTR has none
        (a pointer ends the resolution at a struct; pointer-only loops are found separately)."""
        k = self.kind_of(tid)
        if k == K.PTR or tid == 0:
            return ()
        t = self.type(tid)
        if k in (K.STRUCT, K.UNION):
            return [m.type for m in t.members]
        if k == K.FUNC_PROTO:
            return [t.type] + [p.type for p in t.params]
        if k == K.DATASEC:
            return [si.type for si in t.secinfo]
        if k == K.ARRAY:
            return (t.elem_type,)
        if t.type is not None:
            return (t.type,)
        return ()

    def loop_at(self, start=None):
        """A type ID on a type loop reachable from `start` (anywhere when None), or None.

        A loop is what the kernel's BTF verifier rejects ("Loop detected"): a cycle of by-value
        dependencies (a struct holding itself, a typedef/modifier chain back to itself), or a chain
        of pointers and modifiers that comes back to itself without ever reaching a struct.
        A struct reaching itself through a pointer is normal C and no loop. Linear in the number
        of types and edges walked; a long but finite chain is not a loop."""
        own = self.own_ids() if start is None else (start,)
        # a split BTF's base was checked on its own: its types end every walk from the split part
        floor = self.start_id if start is None else 0
        # 1. pointer/modifier chains: a functional graph (one successor each)
        chain_kinds = K.MODIFIERS | {K.PTR}
        state = {}
        for s in own:
            path, t = [], s
            while t >= floor and t and t not in state and self.kind_of(t) in chain_kinds:
                state[t] = 1            # on the current path
                path.append(t)
                t = self.type(t).type
            if t and state.get(t) == 1:
                return t
            for p in path:
                state[p] = 2
        # 2. by-value dependencies: iterative DFS with colours
        colour = {}
        for s in own:
            if s in colour:
                continue
            colour[s] = 1
            stack = [(s, iter(self._value_edges(s)))]
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    colour[node] = 2
                    stack.pop()
                    continue
                if not nxt or nxt < floor:
                    continue
                c = colour.get(nxt)
                if c == 1:
                    return nxt
                if c is None:
                    colour[nxt] = 1
                    stack.append((nxt, iter(self._value_edges(nxt))))
        return None

    def too_deep(self, tid, depth, doing):
        """The error for a walk from `tid` that went past `depth` steps: a loop when there is one,
        else a chain that is merely too deep (they are different problems)."""
        try:
            at = self.loop_at(tid)
        except BtfError:
            at = None
        if at is not None:
            return self._err(f"type loop at [{at}] while {doing} [{tid}]")
        return self._err(f"type chain deeper than {depth} while {doing} [{tid}] (no loop)")

    @property
    def pointer_size(self):
        return getattr(self, "_ptr_size", None) or 8

    def decl_tags(self, name=None):
        """(tag name, target id, component_idx) for every DECL_TAG, optionally only those named `name`."""
        out = []
        for tid in self.ids_of_kind(K.DECL_TAG):
            if name is not None and self.name_of(tid) != name:
                continue
            t = self.type(tid)
            out.append((t.name, t.type, t.component_idx))
        return out

    def validate(self):
        """Decode every own type once, so any bad reference or string offset surfaces now."""
        for tid in self.own_ids():
            self.type(tid)
        return self


_VOID = BtfType(0, K.UNKN, "void", 0, 0, 0)


def parse_btf(data, *, base: Optional[Btf] = None, path=None) -> Btf:
    return Btf(data, base=base, path=path)
