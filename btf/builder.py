"""Write raw BTF: tests build the small, exact BTF each rule needs with it (and corrupt it on purpose)."""
import struct

from . import kinds as K


class BtfBuilder:
    """Append types one by one; each add_* returns the new type ID. `build()` returns the raw blob."""

    def __init__(self, *, base=None, byteorder="little", layout=False):
        self.base = base                      # a reader.Btf: ids and string offsets continue from it
        self.bo = "<" if byteorder == "little" else ">"
        self.layout = layout
        self.types = []                       # list of bytes, one per type
        self.strings = bytearray(b"" if base is not None else b"\0")
        self._str_offs = {}
        self.start_id = base.type_count if base is not None else 1
        self.start_str_off = (base.start_str_off + base.str_len) if base is not None else 0

    # -- strings
    def s(self, text):
        if not text:
            return 0
        if text in self._str_offs:
            return self._str_offs[text]
        off = self.start_str_off + len(self.strings)
        self.strings += text.encode() + b"\0"
        self._str_offs[text] = off
        return off

    def _add(self, name, kind, vlen, kflag, size_or_type, tail=b""):
        info = (kind << 24) | (vlen & 0xFFFFFF) | (int(bool(kflag)) << 31)
        self.types.append(struct.pack(self.bo + "III", self.s(name), info, size_or_type) + tail)
        return self.start_id + len(self.types) - 1

    def _u32(self, *vals):
        return struct.pack(self.bo + "I" * len(vals), *[v & 0xFFFFFFFF for v in vals])

    # -- kinds
    def int(self, name, size, signed=False, bits=None, offset=0, char=False, boolean=False):
        enc = (K.INT_SIGNED if signed else 0) | (K.INT_CHAR if char else 0) | (K.INT_BOOL if boolean else 0)
        bits = size * 8 if bits is None else bits
        return self._add(name, K.INT, 0, 0, size, self._u32((enc << 24) | (offset << 16) | bits))

    def ptr(self, target):
        return self._add("", K.PTR, 0, 0, target)

    def array(self, elem, nelems, index_type=None):
        idx = index_type if index_type is not None else elem
        return self._add("", K.ARRAY, 0, 0, 0, self._u32(elem, idx, nelems))

    def struct(self, name, size, members=(), union=False, kflag=None):
        """members: (name, type, bit_offset[, bitfield_size])."""
        ms = [m if len(m) == 4 else (*m, 0) for m in members]
        kf = kflag if kflag is not None else any(m[3] for m in ms)
        tail = b""
        for mname, mtype, boff, bsz in ms:
            off = ((bsz << 24) | boff) if kf else boff
            tail += self._u32(self.s(mname), mtype, off)
        return self._add(name, K.UNION if union else K.STRUCT, len(ms), kf, size, tail)

    def union(self, name, size, members=()):
        return self.struct(name, size, members, union=True)

    def enum(self, name, values, size=4, signed=False):
        tail = b"".join(self._u32(self.s(n), v) for n, v in values)
        return self._add(name, K.ENUM, len(values), signed, size, tail)

    def enum64(self, name, values, size=8, signed=False):
        tail = b"".join(self._u32(self.s(n), v & 0xFFFFFFFF, (v >> 32) & 0xFFFFFFFF) for n, v in values)
        return self._add(name, K.ENUM64, len(values), signed, size, tail)

    def fwd(self, name, union=False):
        return self._add(name, K.FWD, 0, union, 0)

    def typedef(self, name, target):
        return self._add(name, K.TYPEDEF, 0, 0, target)

    def volatile(self, target):
        return self._add("", K.VOLATILE, 0, 0, target)

    def const(self, target):
        return self._add("", K.CONST, 0, 0, target)

    def restrict(self, target):
        return self._add("", K.RESTRICT, 0, 0, target)

    def func_proto(self, ret, params=()):
        """params: (name, type) pairs; a (None, 0) pair marks varargs."""
        tail = b"".join(self._u32(self.s(n or ""), t) for n, t in params)
        return self._add("", K.FUNC_PROTO, len(params), 0, ret, tail)

    def func(self, name, proto, linkage=K.FUNC_GLOBAL):
        return self._add(name, K.FUNC, linkage, 0, proto)

    def var(self, name, target, linkage=K.VAR_GLOBAL_ALLOCATED):
        return self._add(name, K.VAR, 0, 0, target, self._u32(linkage))

    def datasec(self, name, size, secinfo=()):
        tail = b"".join(self._u32(t, off, sz) for t, off, sz in secinfo)
        return self._add(name, K.DATASEC, len(secinfo), 0, size, tail)

    def float(self, name, size):
        return self._add(name, K.FLOAT, 0, 0, size)

    def decl_tag(self, name, target, component_idx=-1, kflag=0):
        return self._add(name, K.DECL_TAG, 0, kflag, target, self._u32(component_idx))

    def type_tag(self, name, target, kflag=0):
        return self._add(name, K.TYPE_TAG, 0, kflag, target)

    def raw(self, name, kind, vlen, kflag, size_or_type, tail=b""):
        """Any type at all, including kinds the reader does not know (layout-section tests)."""
        return self._add(name, kind, vlen, kflag, size_or_type, tail)

    # -- output
    def build(self):
        types = b"".join(self.types)
        strings = bytes(self.strings)
        if self.layout:
            layout = b"".join(struct.pack(self.bo + "BBH", isz, esz, 0)
                              for isz, esz in (K.TRAILING[k] for k in range(20)))
            hdr_len = K.HDR_LEN_LAYOUT
            hdr = struct.pack(self.bo + "HBBIIIIIII", K.MAGIC, 1, 0, hdr_len,
                              0, len(types), len(types) + len(layout), len(strings),
                              len(types), len(layout))
            return hdr + types + layout + strings
        hdr = struct.pack(self.bo + "HBBIIIII", K.MAGIC, 1, 0, K.HDR_LEN_CLASSIC,
                          0, len(types), len(types), len(strings))
        return hdr + types + strings
