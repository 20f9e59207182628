"""`.BTF.ext` of a BPF object: func_info, line_info and CO-RE relocation records.

Layout (libbpf src/libbpf_internal.h, src/btf.c btf_ext_parse*; notes §1.7)::

    struct btf_ext_header { u16 magic; u8 version; u8 flags; u32 hdr_len;
                            u32 func_info_off, func_info_len, line_info_off, line_info_len;   /* hdr_len >= 24 */
                            u32 core_relo_off, core_relo_len; };                            /* hdr_len >= 32 */

Each subsection (offsets relative to the end of the header) is ``u32 rec_size`` followed by
``{u32 sec_name_off; u32 num_info; u8 data[num_info * rec_size]}`` blocks. A record size larger
than the minimum is accepted (a newer compiler may append fields): the known prefix is decoded and
the rest skipped using rec_size. A byte-swapped .BTF.ext must use exactly the minimum size (libbpf
cannot swap fields it does not know). In the ELF, ``insn_off`` is a byte offset into the section;
we convert it to an instruction index and reject offsets that are not a multiple of 8.

Strings (section names, file names, source lines, access strings) live in the object's .BTF.
"""
import sys
from typing import NamedTuple

from .errors import InputError

MAGIC = 0xEB9F
HDR_MIN = 24
HDR_CORE = 32

FUNC_INFO_MIN = 8
LINE_INFO_MIN = 16
CORE_RELO_MIN = 16

# enum bpf_core_relo_kind (include/uapi/linux/bpf.h)
CORE_RELO_KIND_NAMES = {
    0: "field_byte_offset", 1: "field_byte_size", 2: "field_exists", 3: "field_signed",
    4: "field_lshift_u64", 5: "field_rshift_u64", 6: "type_id_local", 7: "type_id_target",
    8: "type_exists", 9: "type_size", 10: "enumval_exists", 11: "enumval_value",
    12: "type_matches",
}


def core_relo_kind_name(kind):
    return CORE_RELO_KIND_NAMES.get(kind, f"kind{kind}")


class LineInfo(NamedTuple):
    insn_idx: int
    file: str
    line: int
    col: int
    text: str


class CoreRelo(NamedTuple):
    insn_idx: int
    type_id: int
    access_str: str
    kind: int

    @property
    def kind_name(self):
        return core_relo_kind_name(self.kind)


class BtfExt:
    """Parsed .BTF.ext. Mappings are keyed by ELF section name; values are in file order.

    func_info[sec]  -> list of (insn_idx, type_id)
    line_info[sec]  -> list of LineInfo
    core_relos[sec] -> list of CoreRelo
    """

    def __init__(self, data, btf, path=None):
        self.path = path or "<btf.ext>"
        self.data = bytes(data)
        self.btf = btf
        self.func_info = {}
        self.line_info = {}
        self.core_relos = {}
        self.func_info_rec_size = self.line_info_rec_size = self.core_relo_rec_size = 0
        self._parse()

    def _err(self, problem):
        return InputError(self.path, f".BTF.ext: {problem}")

    def _str(self, off, what):
        if self.btf is None:
            raise self._err(f"{what} refers to string offset {off} but the object has no .BTF")
        try:
            return self.btf.str_at(off)
        except InputError as e:
            raise self._err(f"{what}: bad string offset {off} ({e.problem})") from None

    def _parse(self):
        d = self.data
        if len(d) < 8:
            raise self._err(f"too short ({len(d)} bytes) for a header")
        m = int.from_bytes(d[0:2], "little")
        if m == MAGIC:
            bo = "little"
        elif m == 0x9FEB:
            bo = "big"
        else:
            raise self._err(f"bad magic 0x{m:04x} (expected 0xeb9f)")
        self.byteorder = bo
        self.swapped = bo != sys.byteorder
        if d[2] != 1:
            raise self._err(f"unsupported version {d[2]}")
        if d[3] != 0:
            raise self._err(f"unsupported flags 0x{d[3]:x}")
        hdr_len = int.from_bytes(d[4:8], bo)
        if hdr_len < HDR_MIN:
            raise self._err(f"header length {hdr_len} is smaller than {HDR_MIN}")
        if hdr_len > len(d):
            raise self._err(f"header length {hdr_len} is past the end of the data ({len(d)} bytes)")
        self.hdr_len = hdr_len
        u32 = lambda off: int.from_bytes(d[off:off + 4], bo)  # noqa: E731
        self._u32 = u32
        subs = [("func_info", 8, FUNC_INFO_MIN), ("line_info", 16, LINE_INFO_MIN)]
        if hdr_len >= HDR_CORE:
            subs.append(("core_relo", 24, CORE_RELO_MIN))
        for what, hoff, minsz in subs:
            off, ln = u32(hoff), u32(hoff + 4)
            if ln == 0:
                continue
            self._parse_sub(what, hdr_len + off, ln, minsz, bo)

    def _parse_sub(self, what, start, length, minsz, bo):
        d = self.data
        u32 = self._u32
        if start % 4:
            raise self._err(f"{what} section is not aligned to 4 bytes (offset {start})")
        end = start + length
        if end > len(d):
            raise self._err(f"{what} section [{start}, {end}) is past the end of the data ({len(d)} bytes)")
        if length < 4:
            raise self._err(f"{what} section is too short for a record size")
        rec = u32(start)
        if rec < minsz or rec % 4:
            raise self._err(f"{what} record size {rec} is invalid (minimum {minsz}, multiple of 4)")
        if self.swapped and rec != minsz:
            # libbpf refuses to byte-swap records whose extra fields it does not know
            raise self._err(f"{what} record size {rec} of a byte-swapped object must be exactly {minsz}")
        setattr(self, f"{what}_rec_size", rec)
        p = start + 4
        target = {"func_info": self.func_info, "line_info": self.line_info,
                  "core_relo": self.core_relos}[what]
        while p < end:
            if p + 8 > end:
                raise self._err(f"{what}: truncated section header at offset {p}")
            sec_name = self._str(u32(p), f"{what} section name")
            num = u32(p + 4)
            p += 8
            if num == 0:
                raise self._err(f"{what} for section '{sec_name}' has zero records")
            if p + num * rec > end:
                raise self._err(f"{what} for section '{sec_name}': {num} records of {rec} bytes "
                                f"overrun the subsection")
            out = target.setdefault(sec_name, [])
            for i in range(num):
                r = p + i * rec
                insn_off = u32(r)
                if insn_off % 8:
                    raise self._err(f"{what} for section '{sec_name}' record {i}: insn_off {insn_off} "
                                    f"is not a multiple of 8")
                idx = insn_off // 8
                if what == "func_info":
                    out.append((idx, u32(r + 4)))
                elif what == "line_info":
                    fname = self._str(u32(r + 4), "line_info file name")
                    text = self._str(u32(r + 8), "line_info line")
                    lc = u32(r + 12)
                    out.append(LineInfo(idx, fname, lc >> 10, lc & 0x3FF, text))
                else:
                    tid = u32(r + 4)
                    acc = self._str(u32(r + 8), "core_relo access string")
                    out.append(CoreRelo(idx, tid, acc, u32(r + 12)))
            p += num * rec

    def sections(self):
        return sorted(set(self.func_info) | set(self.line_info) | set(self.core_relos))


def parse_btf_ext(data, btf, path=None) -> BtfExt:
    return BtfExt(data, btf, path)
