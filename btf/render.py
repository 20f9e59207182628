"""C text of BTF types, declarations and function prototypes, and bpftool's raw text format.

Two renderers live here:

* C: `type_name`, `decl`, `func_proto` and `type_definition` print what libbpf's btf_dump (which
  backs `bpftool btf dump ... format c`) prints for the same type: the same declarator algorithm
  (a stack of type IDs unwound from the base type outwards, so `const char *`, `char * const`,
  `int (*)(void *, u64)`, `int *a[4]`, `int (*p)[4]` all come out right), the same bit-padding
  fillers (`long: 64;`, `int: 13;`) and the same `__attribute__((packed))` decision. Two
  differences remain, both on purpose: names are never de-duplicated with `___N` suffixes (that
  needs the whole-file view of a full dump) and type tags can be left out (`tags=False`).
  Type expressions meant for one-line messages print anonymous aggregates as `struct {...}`;
  pass `inline_anon=True` for the full inline body (definitions always inline them).

* raw: `raw_dump` prints one type exactly as `bpftool btf dump file X` (raw format) does.

Type graphs may contain loops (a struct holding itself by value, a pointer chain through
modifiers back to itself, an anonymous struct reaching itself): every walk is bounded, and a loop
raises InputError(btf.path, "type loop at [id]"); a finite nesting deeper than MAX_DEPTH says so
instead of calling it a loop.

Output is bounded too: crafted BTF can make a definition exponential (anonymous structs nesting
two copies of the next one, 64 levels deep) or huge from a few bytes (a member at bit offset 2^32
means 2^26 `long: 64;` fillers). One rendering (and, through bounded(), one whole dump) stops with an InputError naming MAX_RENDER_BYTES
(btf.limits) once its text would pass that limit; the check costs nothing on normal types.
"""
import weakref

from . import kinds as K
from . import limits
from .errors import InputError

MAX_DEPTH = 64          # nesting of declarators / inline definitions / alignment walks

_KIND_STR = {k: v for k, v in K.KIND_NAMES.items()}
_KIND_STR[K.UNKN] = "UNKNOWN"

_INT_ENC = {0: "(none)", K.INT_SIGNED: "SIGNED", K.INT_CHAR: "CHAR", K.INT_BOOL: "BOOL"}

_CV = {K.VOLATILE: "volatile", K.CONST: "const", K.RESTRICT: "restrict"}
_MODS = frozenset((K.VOLATILE, K.CONST, K.RESTRICT, K.TYPE_TAG))    # libbpf btf_is_mod()
_CHAIN_NEXT = frozenset((K.PTR, K.VOLATILE, K.CONST, K.RESTRICT, K.FUNC_PROTO, K.TYPE_TAG))
_CHAIN_END = frozenset((K.INT, K.ENUM, K.ENUM64, K.FWD, K.STRUCT, K.UNION, K.TYPEDEF, K.FLOAT))


def _render_edges(btf, tid):
    """What rendering `tid` walks into: everything it refers to, except that a named struct or
    union is printed by name (its members are not walked); anonymous ones are inlined."""
    if not tid:
        return ()
    t = btf.type(tid)
    k = t.kind
    if k in (K.STRUCT, K.UNION):
        return [m.type for m in t.members] if not t.name else ()
    if k == K.FUNC_PROTO:
        return [t.type] + [p.type for p in t.params]
    if k == K.DATASEC:
        return [si.type for si in t.secinfo]
    if t.type is not None:
        return (t.type,)
    return ()


def _render_loop_at(btf, start):
    """A type on a cycle of what the renderer walks from `start`, or None (iterative DFS)."""
    colour = {start: 1}
    first = btf.type(start)
    edges = ([m.type for m in first.members] if first.kind in (K.STRUCT, K.UNION)
             else _render_edges(btf, start))
    stack = [(start, iter(edges))]
    while stack:
        node, it = stack[-1]
        nxt = next(it, None)
        if nxt is None:
            colour[node] = 2
            stack.pop()
            continue
        if not nxt:
            continue
        c = colour.get(nxt)
        if c == 1:
            return nxt
        if c is None:
            colour[nxt] = 1
            stack.append((nxt, iter(_render_edges(btf, nxt))))
    return None


def _loop(btf, tid):
    """A walk from `tid` went past MAX_DEPTH: a loop when the graph has one there, else too deep."""
    try:
        at = _render_loop_at(btf, tid)
    except InputError:
        at = tid
    if at is not None:
        return InputError(btf.path, f"type loop at [{at}]")
    return InputError(btf.path, f"type nesting deeper than {MAX_DEPTH} at [{tid}] (no loop)")


# ---------------------------------------------------------------------------------- sizes/alignment
_ptr_sizes = weakref.WeakKeyDictionary()


def pointer_size(btf):
    """libbpf's determine_ptr_size(): the size of the first INT named like `long`, else 8."""
    got = _ptr_sizes.get(btf)
    if got is None:
        got = 8
        for nm in ("long", "long int", "int long", "unsigned long", "long unsigned",
                   "long unsigned int", "long int unsigned", "int unsigned long",
                   "int long unsigned", "unsigned long int", "unsigned int long"):
            tid = btf.find(nm, K.INT)
            if tid:
                sz = btf.type(tid).size
                if sz in (4, 8):
                    got = sz
                    break
        _ptr_sizes[btf] = got
    return got


def _resolve_size(btf, tid):
    """libbpf btf__resolve_size(); -1 where libbpf returns an error (no size, loop, overflow)."""
    nelems = 1
    for _ in range(MAX_DEPTH):
        t = btf.type(tid)
        k = t.kind
        if k in (K.INT, K.STRUCT, K.UNION, K.ENUM, K.ENUM64, K.DATASEC, K.FLOAT):
            size = t.size
            break
        if k == K.PTR:
            size = pointer_size(btf)
            break
        if k in (K.TYPEDEF, K.VOLATILE, K.CONST, K.RESTRICT, K.VAR, K.DECL_TAG, K.TYPE_TAG):
            tid = t.type
            continue
        if k == K.ARRAY:
            if t.nelems and nelems > 0xFFFFFFFF // t.nelems:
                return -1
            nelems *= t.nelems
            tid = t.elem_type
            continue
        return -1
    else:
        return -1
    if nelems and size > 0xFFFFFFFF // nelems:
        return -1
    return nelems * size


_aligns = weakref.WeakKeyDictionary()


def align_of(btf, tid, _depth=0):
    """libbpf btf__align_of(): natural alignment in bytes; 1 for a struct that must be packed,
    0 when the type has no alignment (void, FWD, functions)."""
    cache = _aligns.get(btf)
    if cache is None:
        cache = _aligns[btf] = {}
    got = cache.get(tid)
    if got is None:
        got = cache[tid] = _align_of(btf, tid, _depth)
    return got


def _align_of(btf, tid, _depth):
    if _depth > MAX_DEPTH:
        raise _loop(btf, tid)
    t = btf.type(tid)
    k = t.kind
    if k in (K.INT, K.ENUM, K.ENUM64, K.FLOAT):
        return min(pointer_size(btf), t.size)
    if k == K.PTR:
        return pointer_size(btf)
    if k in (K.TYPEDEF, K.VOLATILE, K.CONST, K.RESTRICT, K.TYPE_TAG, K.ARRAY):
        return align_of(btf, t.type, _depth + 1)
    if k in (K.STRUCT, K.UNION):
        max_align = 1
        for m in t.members:
            a = align_of(btf, m.type, _depth + 1)
            if a <= 0:
                return 0
            max_align = max(max_align, a)
            if not m.bitfield_size and m.bit_offset % (8 * a):
                return 1
        if t.size % max_align:
            return 1
        return max_align
    return 0


def _is_packed(btf, t):
    """libbpf btf_is_struct_packed(): a member off its natural alignment, or a size that is not
    a multiple of the largest member alignment."""
    max_align = 1
    for m in t.members:
        a = align_of(btf, m.type, 1)
        if a and not m.bitfield_size and m.bit_offset % (8 * a):
            return True
        max_align = max(max_align, a)
    return bool(t.size % max_align)


# ---------------------------------------------------------------------------------- C declarators
class _C:
    """One rendering: the output buffer and the options."""

    __slots__ = ("btf", "out", "tags", "inline_anon", "depth", "size", "counted", "limit", "root")

    def __init__(self, btf, tags=True, inline_anon=False, root=None):
        self.btf = btf
        self.out = []
        self.tags = tags
        self.inline_anon = inline_anon
        self.depth = 0
        self.size = 0           # characters in out[:counted]
        self.counted = 0
        self.limit = limits.get("MAX_TYPE_TEXT_BYTES")
        self.root = root

    def text(self):
        return "".join(self.out)

    def charge(self, extra=0):
        """Count what was appended since the last call (each piece once: linear overall) plus
        `extra` characters about to be appended; raise once the rendering passes the limit."""
        out = self.out
        n = len(out)
        if n != self.counted:
            self.size += sum(map(len, out[self.counted:n]))
            self.counted = n
        if self.size + extra > self.limit:
            what = f"C text of type [{self.root}]" if self.root is not None else "rendered C text"
            raise limits.breach(self.btf.path, "MAX_TYPE_TEXT_BYTES", what)

    # -- the stack of a declaration, outermost type first (libbpf btf_dump_emit_type_decl)
    def decl_stack(self, tid):
        btf = self.btf
        stack = []
        for _ in range(MAX_DEPTH * 4):
            if tid == 0:
                stack.append(0)
                return stack
            k = btf.kind_of(tid)
            if k == K.TYPE_TAG and not self.tags:
                tid = btf.type(tid).type
                continue
            stack.append(tid)
            if k in _CHAIN_NEXT:
                tid = btf.type(tid).type
            elif k == K.ARRAY:
                tid = btf.type(tid).elem_type
            elif k in _CHAIN_END:
                return stack
            else:
                raise InputError(btf.path, f"type [{tid}] ({K.kind_name(k)} '{btf.name_of(tid)}') "
                                           f"cannot be part of a type expression")
        raise _loop(btf, tid)

    def emit_decl(self, tid, fname, lvl):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _loop(self.btf, tid)
        self.charge()
        try:
            self.emit_chain(self.decl_stack(tid), fname, lvl)
        finally:
            self.depth -= 1

    def emit_mods(self, stack):
        btf, out = self.btf, self.out
        while stack:
            top = stack[-1]
            k = btf.kind_of(top) if top else K.UNKN
            if k not in _CV:
                return
            out.append(_CV[k] + " ")
            stack.pop()

    def drop_mods(self, stack):
        btf = self.btf
        while stack and stack[-1] and btf.kind_of(stack[-1]) in _MODS:
            stack.pop()

    def emit_name(self, fname, last_was_ptr):
        if fname:
            self.out.append(fname if last_was_ptr else " " + fname)

    def emit_chain(self, stack, fname, lvl):
        btf, out = self.btf, self.out
        last_was_ptr = True
        while stack:
            tid = stack.pop()
            if tid == 0:
                self.emit_mods(stack)
                out.append("void")
                last_was_ptr = False
                continue
            t = btf.type(tid)
            k = t.kind
            if k in (K.INT, K.FLOAT, K.TYPEDEF):
                self.emit_mods(stack)
                out.append(t.name)
            elif k in (K.STRUCT, K.UNION):
                self.emit_mods(stack)
                if not t.name and self.inline_anon:
                    self.struct_def(t, lvl)
                else:
                    out.append(_aggr_ref(t))
            elif k in (K.ENUM, K.ENUM64):
                self.emit_mods(stack)
                if not t.name and self.inline_anon:
                    self.enum_def(t, lvl)
                else:
                    out.append("enum " + t.name if t.name else "enum {...}")
            elif k == K.FWD:
                self.emit_mods(stack)
                out.append(("union " if t.kflag else "struct ") + t.name)
            elif k == K.PTR:
                out.append("*" if last_was_ptr else " *")
            elif k in _CV:
                out.append(" " + _CV[k])
            elif k == K.TYPE_TAG:
                self.emit_mods(stack)
                out.append(_type_tag_attr(t))
            elif k == K.ARRAY:
                self.drop_mods(stack)
                if not stack:
                    self.emit_name(fname, last_was_ptr)
                    out.append(f"[{t.nelems}]")
                    return
                nxt = stack[-1]
                multidim = nxt != 0 and btf.kind_of(nxt) == K.ARRAY
                if fname and not last_was_ptr:
                    out.append(" ")
                if not multidim:
                    out.append("(")
                self.emit_chain(stack, fname, lvl)
                if not multidim:
                    out.append(")")
                out.append(f"[{t.nelems}]")
                return
            elif k == K.FUNC_PROTO:
                self.drop_mods(stack)
                if stack:
                    out.append(" (")
                    self.emit_chain(stack, fname, lvl)
                    out.append(")")
                else:
                    self.emit_name(fname, last_was_ptr)
                self.emit_params(t, lvl)
                return
            last_was_ptr = k == K.PTR
        self.emit_name(fname, last_was_ptr)

    def emit_params(self, proto, lvl):
        out = self.out
        params = proto.params
        out.append("(")
        if not params:
            out.append("void)")
            return
        if len(params) == 1 and params[0].type == 0:    # unprototyped `f()`
            out.append(")")
            return
        last = len(params) - 1
        for i, p in enumerate(params):
            if i:
                out.append(", ")
            if i == last and p.type == 0:
                out.append("...")
                break
            self.emit_decl(p.type, p.name, lvl)
        out.append(")")

    # -- definitions (libbpf btf_dump_emit_struct_def / _enum_def)
    def struct_def(self, t, lvl):
        btf, out = self.btf, self.out
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _loop(btf, t.id)
        try:
            is_struct = t.kind == K.STRUCT
            align = align_of(btf, t.id)
            packed = is_struct and _is_packed(btf, t)
            out.append(("struct" if is_struct else "union") + (" " + t.name if t.name else "") + " {")
            off, prev_bitfield = 0, False
            inner = "\t" * (lvl + 1)
            for m in t.members:
                self.charge()
                m_sz, m_off = m.bitfield_size, m.bit_offset
                m_align = 1 if packed else align_of(btf, m.type)
                in_bitfield = prev_bitfield and m_sz != 0
                self.bit_padding(off, m_off, m_align, in_bitfield, lvl + 1)
                out.append("\n" + inner)
                self.emit_decl(m.type, m.name, lvl + 1)
                if m_sz:
                    out.append(f": {m_sz}")
                    off = m_off + m_sz
                    prev_bitfield = True
                else:
                    off = m_off + max(0, _resolve_size(btf, m.type)) * 8
                    prev_bitfield = False
                out.append(";")
            if is_struct:
                self.bit_padding(off, t.size * 8, align, False, lvl + 1)
            if t.members or t.size:
                out.append("\n" + "\t" * lvl + "}")
            else:
                out.append("}")
            if packed:
                out.append(" __attribute__((packed))")
        finally:
            self.depth -= 1

    def bit_padding(self, cur_off, next_off, next_align, in_bitfield, lvl):
        """Unnamed bitfields that make a C compiler reproduce the BTF layout (libbpf's rules:
        prefer the widest filler that keeps natural alignment, `long: 0`-style resets when the
        next member's natural placement would differ)."""
        if cur_off >= next_off:
            return
        out = self.out
        pfx = "\t" * lvl
        pads = (("long", pointer_size(self.btf) * 8), ("int", 32), ("short", 16), ("char", 8))
        # at least one filler line per widest unit: refuse before emitting when that is too much
        self.charge((next_off - cur_off) // pads[0][1] * (len(pfx) + 10))
        new_off = cur_off
        pad_type, pad_bits = pads[-1]
        for pad_type, pad_bits in pads:
            new_off = -(-cur_off // pad_bits) * pad_bits
            if new_off <= next_off:
                break
        if cur_off < new_off <= next_off:
            if (in_bitfield
                    or (new_off == next_off
                        and -(-cur_off // (next_align * 8 or 1)) * (next_align * 8 or 1) != new_off)
                    or (new_off != next_off and next_off - new_off <= new_off - cur_off)):
                out.append(f"\n{pfx}{pad_type}: {new_off - cur_off if in_bitfield else 0};")
            cur_off = new_off
        while cur_off != next_off:
            bits = min(next_off - cur_off, pad_bits)
            if bits == pad_bits:
                out.append(f"\n{pfx}{pad_type}: {pad_bits};")
                cur_off += bits
                continue
            for pad_type, pad_bits in reversed(pads):
                if pad_bits >= bits:
                    out.append(f"\n{pfx}{pad_type}: {bits};")
                    cur_off += bits
                    break

    def enum_def(self, t, lvl):
        out = self.out
        out.append("enum" + (" " + t.name if t.name else ""))
        if not t.values:
            return
        out.append(" {")
        pfx = "\t" * (lvl + 1)
        suffix = ("LL" if t.kflag else "ULL") if t.kind == K.ENUM64 else ""
        self.charge(sum(len(v.name) + 24 for v in t.values))
        for v in t.values:
            out.append(f"\n{pfx}{v.name} = {v.value}{suffix},")
        out.append("\n" + "\t" * lvl + "}")


def _aggr_ref(t):
    kw = "struct" if t.kind == K.STRUCT else "union"
    return f"{kw} {t.name}" if t.name else f"{kw} {{...}}"


def _type_tag_attr(t):
    # kflag=1 tags carry a whole attribute (`address_space(1)`); kflag=0 ones are btf_type_tag("x")
    if t.kflag:
        return f" __attribute__(({t.name}))"
    return f' __attribute__((btf_type_tag("{t.name}")))'


def _unwrap_top(btf, tid):
    """What a top-level FUNC / VAR / DECL_TAG stands for in a type expression."""
    for _ in range(MAX_DEPTH):
        k = btf.kind_of(tid)
        if k in (K.FUNC, K.VAR, K.DECL_TAG):
            tid = btf.type(tid).type
            continue
        return tid
    raise _loop(btf, tid)


# ---------------------------------------------------------------------------------- public C API
def type_name(btf, tid, *, tags=True, inline_anon=False) -> str:
    """The C type expression of `tid` as written without a declared name:
    "struct task_struct *", "const char *", "int (*)(void *, u64)", "u8[16]", "void".
    FUNC, VAR and DECL_TAG stand for the type they carry; a DATASEC prints as `SEC("name")`."""
    tid = _unwrap_top(btf, tid)
    if tid and btf.kind_of(tid) == K.DATASEC:
        return f'SEC("{btf.name_of(tid)}")'
    c = _C(btf, tags, inline_anon)
    c.emit_decl(tid, "", 0)
    return c.text()


def decl(btf, tid, name, *, tags=True, inline_anon=False) -> str:
    """C declaration of `name` with type `tid`: "struct sk_buff *skb", "char comm[16]",
    "int (*fn)(int)"."""
    tid = _unwrap_top(btf, tid)
    if tid and btf.kind_of(tid) == K.DATASEC:
        return f'SEC("{btf.name_of(tid)}") {name}'
    c = _C(btf, tags, inline_anon)
    c.emit_decl(tid, name or "", 0)
    return c.text()


def func_proto(btf, func_or_proto_id, name=None, *, tags=True) -> str:
    """"struct task_struct *bpf_task_acquire(struct task_struct *p)". A FUNC gives its own name
    unless `name` is passed; unnamed parameters print as their type, varargs as "...", no
    parameters as "void"."""
    t = btf.type(func_or_proto_id)
    if t.kind == K.FUNC:
        if name is None:
            name = t.name
        t = btf.type(t.type)
    if t.kind != K.FUNC_PROTO:
        raise InputError(btf.path, f"type [{func_or_proto_id}] ({t.kind_name} '{t.name}') "
                                   f"is not a function or function prototype")
    c = _C(btf, tags, False)
    c.emit_decl(t.id, name or "", 0)
    return c.text()


def bounded(btf, chunks, what="btf dump output"):
    """Pass `chunks` (strings) through, raising the MAX_RENDER_BYTES breach for `btf.path` once
    their total length passes the limit: the whole of one dump is bounded, not only each type."""
    room = limits.get("MAX_RENDER_BYTES")
    for c in chunks:
        room -= len(c)
        if room < 0:
            raise limits.breach(btf.path, "MAX_RENDER_BYTES", what)
        yield c


def type_definition(btf, tid, *, tags=True) -> str:
    """The full C definition of one type, as `bpftool btf dump file X format c` prints that item
    (tab indentation, anonymous members inline, `: N` bitfields, padding fillers, packed):
    "struct foo {\\n\\tint a;\\n};", "enum e {\\n\\tA = 0,\\n};", "typedef int (*fn_t)(void);".
    FUNC gives its prototype, VAR its declaration, FWD a forward declaration; kinds that have no
    C definition (INT, pointers, ...) give a comment naming their type expression."""
    t = btf.type(tid)
    k = t.kind
    c = _C(btf, tags, True, root=tid)
    out = c.out
    if k in (K.STRUCT, K.UNION):
        c.struct_def(t, 0)
        out.append(";")
    elif k in (K.ENUM, K.ENUM64):
        c.enum_def(t, 0)
        out.append(";")
    elif k == K.FWD:
        out.append(("union " if t.kflag else "struct ") + t.name + ";")
    elif k == K.TYPEDEF:
        if t.type == 0 and t.name == "__gnuc_va_list":
            out.append("typedef __builtin_va_list __gnuc_va_list;")
        else:
            out.append("typedef ")
            c.emit_decl(t.type, t.name, 0)
            out.append(";")
    elif k == K.FUNC:
        prefix = {K.FUNC_STATIC: "static ", K.FUNC_EXTERN: "extern "}.get(t.linkage, "")
        out.append(prefix + func_proto(btf, tid, tags=tags) + ";")
    elif k == K.VAR:
        prefix = {K.VAR_STATIC: "static ", K.VAR_GLOBAL_EXTERN: "extern "}.get(t.linkage, "")
        out.append(prefix)
        c.emit_decl(t.type, t.name, 0)
        out.append(";")
    elif k == K.DATASEC:
        out.append(f"/* DATASEC {t.name} size={t.size} */")
        for si in t.secinfo:
            out.append("\n")
            if btf.kind_of(si.type) == K.VAR:
                out.append(type_definition(btf, si.type, tags=tags))
            else:
                out.append(f"/* [{si.type}] {K.kind_name(btf.kind_of(si.type))} */")
            out.append(f" /* offset={si.offset} size={si.size} */")
    elif k == K.DECL_TAG:
        target = btf.type(t.type)
        where = f"{target.kind_name} '{target.name}'"
        if t.component_idx is not None and t.component_idx >= 0:
            where += f" component {t.component_idx}"
        attr = f"__attribute__(({t.name}))" if t.kflag else f'__attribute__((btf_decl_tag("{t.name}")))'
        out.append(f"/* {attr} on {where} */")
    elif tid == 0:
        out.append("/* void */")
    else:
        out.append(f"/* [{tid}] {t.kind_name}: {type_name(btf, tid, tags=tags)} */")
    return c.text()


# ---------------------------------------------------------------------------------- bpftool raw
def _q(name):
    return name if name else "(anon)"


def raw_dump(btf, tid) -> str:
    """One type in bpftool's raw text format (`bpftool btf dump file X`), without the final
    newline: the "[id] KIND 'name' ..." line followed by its member/value/param/var lines."""
    t = btf.type(tid)
    k = t.kind
    head = f"[{tid}] {_KIND_STR.get(k, 'UNKNOWN')} '{t.name if t.name_off else '(anon)'}'"
    if k == K.INT:
        return (f"{head} size={t.size} bits_offset={t.int_offset} nr_bits={t.bits} "
                f"encoding={_INT_ENC.get(t.encoding, 'UNKN')}")
    if k in (K.PTR, K.CONST, K.VOLATILE, K.RESTRICT, K.TYPEDEF, K.TYPE_TAG):
        return f"{head} type_id={t.type}"
    if k == K.ARRAY:
        return f"{head} type_id={t.elem_type} index_type_id={t.index_type} nr_elems={t.nelems}"
    if k in (K.STRUCT, K.UNION):
        lines = [f"{head} size={t.size} vlen={t.vlen}"]
        for m in t.members:
            s = f"\t'{_q(m.name)}' type_id={m.type} bits_offset={m.bit_offset}"
            if m.bitfield_size:
                s += f" bitfield_size={m.bitfield_size}"
            lines.append(s)
        return "\n".join(lines)
    if k in (K.ENUM, K.ENUM64):
        enc = "SIGNED" if t.kflag else "UNSIGNED"
        lines = [f"{head} encoding={enc} size={t.size} vlen={t.vlen}"]
        suffix = ("LL" if t.kflag else "ULL") if k == K.ENUM64 else ""
        for v in t.values:
            lines.append(f"\t'{_q(v.name)}' val={v.value}{suffix}")
        return "\n".join(lines)
    if k == K.FWD:
        return f"{head} fwd_kind={'union' if t.kflag else 'struct'}"
    if k == K.FUNC:
        return f"{head} type_id={t.type} linkage={K.LINKAGE_NAMES.get(t.linkage, '(unknown)')}"
    if k == K.FUNC_PROTO:
        lines = [f"{head} ret_type_id={t.type} vlen={t.vlen}"]
        for p in t.params:
            lines.append(f"\t'{_q(p.name)}' type_id={p.type}")
        return "\n".join(lines)
    if k == K.VAR:
        return f"{head} type_id={t.type}, linkage={K.VAR_LINKAGE_NAMES.get(t.linkage, '(unknown)')}"
    if k == K.DATASEC:
        lines = [f"{head} size={t.size} vlen={t.vlen}"]
        for si in t.secinfo:
            vk = btf.kind_of(si.type)
            lines.append(f"\ttype_id={si.type} offset={si.offset} size={si.size} "
                         f"({_KIND_STR.get(vk, 'UNKNOWN')} '{_q(btf.name_of(si.type))}')")
        return "\n".join(lines)
    if k == K.FLOAT:
        return f"{head} size={t.size}"
    if k == K.DECL_TAG:
        return f"{head} type_id={t.type} component_idx={t.component_idx}"
    return head


def raw_dump_all(btf, ids=None):
    """Yield raw_dump() of each type: the given ids, or (like bpftool) this BTF's own types.

    Formats straight from the reader's word index instead of decoding a BtfType per type
    (a full vmlinux is ~130k types); the text is identical to raw_dump()'s, and references are
    checked the same way the reader checks them."""
    ids = btf.own_ids() if ids is None else ids
    w = getattr(btf, "_w", None)
    offs = getattr(btf, "_offsets", None)
    if w is None or offs is None:
        for tid in ids:
            yield raw_dump(btf, tid)
        return
    start, count = btf.start_id, btf.type_count
    str_at, kind_of, name_of = btf.str_at, btf.kind_of, btf.name_of
    n_own = len(offs)
    kind_str = [_KIND_STR.get(k, "UNKNOWN") for k in range(128)]
    linkage = K.LINKAGE_NAMES
    var_linkage = K.VAR_LINKAGE_NAMES

    def ref(tid, r, what="type"):
        if r >= count:
            raise InputError(btf.path, f"type [{tid}] refers to {what} id {r}, past the last type "
                                       f"({count - 1})")
        return r

    def q(off):
        return str_at(off) if off else "(anon)"

    for tid in ids:
        idx = tid - start
        if idx < 0 or idx >= n_own:
            yield raw_dump(btf, tid)
            continue
        p = offs[idx]
        name_off, info, st = w[p], w[p + 1], w[p + 2]
        k = (info >> 24) & 0x7F
        vlen = info & 0xFFFFFF
        kflag = info >> 31
        head = f"[{tid}] {kind_str[k]} '{str_at(name_off) if name_off else '(anon)'}'"
        q3 = p + 3
        if k == K.INT:
            v = w[q3]
            enc, off, bits = (v >> 24) & 0x0F, (v >> 16) & 0xFF, v & 0xFF
            if bits > 128 or off + bits > st * 8:
                yield raw_dump(btf, tid)      # the reader raises the precise error
                continue
            yield (f"{head} size={st} bits_offset={off} nr_bits={bits} "
                   f"encoding={_INT_ENC.get(enc, 'UNKN')}")
        elif k in (K.PTR, K.CONST, K.VOLATILE, K.RESTRICT, K.TYPEDEF, K.TYPE_TAG):
            yield f"{head} type_id={ref(tid, st)}"
        elif k == K.ARRAY:
            yield (f"{head} type_id={ref(tid, w[q3])} index_type_id={ref(tid, w[q3 + 1])} "
                   f"nr_elems={w[q3 + 2]}")
        elif k == K.STRUCT or k == K.UNION:
            lines = [f"{head} size={st} vlen={vlen}"]
            for i in range(q3, q3 + 3 * vlen, 3):
                mo = w[i + 2]
                mt = ref(tid, w[i + 1], "member type")
                if kflag and mo >> 24:
                    lines.append(f"\t'{q(w[i])}' type_id={mt} bits_offset={mo & 0xFFFFFF} "
                                 f"bitfield_size={mo >> 24}")
                else:
                    lines.append(f"\t'{q(w[i])}' type_id={mt} bits_offset={mo & 0xFFFFFF if kflag else mo}")
            yield "\n".join(lines)
        elif k == K.ENUM:
            lines = [f"{head} encoding={'SIGNED' if kflag else 'UNSIGNED'} size={st} vlen={vlen}"]
            for i in range(q3, q3 + 2 * vlen, 2):
                v = w[i + 1]
                if kflag and v & 0x80000000:
                    v -= 1 << 32
                lines.append(f"\t'{q(w[i])}' val={v}")
            yield "\n".join(lines)
        elif k == K.ENUM64:
            lines = [f"{head} encoding={'SIGNED' if kflag else 'UNSIGNED'} size={st} vlen={vlen}"]
            for i in range(q3, q3 + 3 * vlen, 3):
                v = w[i + 1] | (w[i + 2] << 32)
                if kflag:
                    if v & (1 << 63):
                        v -= 1 << 64
                    lines.append(f"\t'{q(w[i])}' val={v}LL")
                else:
                    lines.append(f"\t'{q(w[i])}' val={v}ULL")
            yield "\n".join(lines)
        elif k == K.FWD:
            yield f"{head} fwd_kind={'union' if kflag else 'struct'}"
        elif k == K.FUNC:
            yield f"{head} type_id={ref(tid, st)} linkage={linkage.get(vlen, '(unknown)')}"
        elif k == K.FUNC_PROTO:
            lines = [f"{head} ret_type_id={ref(tid, st, 'return type')} vlen={vlen}"]
            for i in range(q3, q3 + 2 * vlen, 2):
                lines.append(f"\t'{q(w[i])}' type_id={ref(tid, w[i + 1], 'parameter type')}")
            yield "\n".join(lines)
        elif k == K.VAR:
            yield f"{head} type_id={ref(tid, st)}, linkage={var_linkage.get(w[q3], '(unknown)')}"
        elif k == K.DATASEC:
            lines = [f"{head} size={st} vlen={vlen}"]
            for i in range(q3, q3 + 3 * vlen, 3):
                vt = ref(tid, w[i])
                vn = name_of(vt)
                lines.append(f"\ttype_id={vt} offset={w[i + 1]} size={w[i + 2]} "
                             f"({kind_str[kind_of(vt)]} '{vn or '(anon)'}')")
            yield "\n".join(lines)
        elif k == K.FLOAT:
            yield f"{head} size={st}"
        elif k == K.DECL_TAG:
            c = w[q3]
            yield f"{head} type_id={ref(tid, st)} component_idx={c - (1 << 32) if c & 0x80000000 else c}"
        else:
            yield head
