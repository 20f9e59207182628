"""btf/ext.py: .BTF.ext parsing (func_info, line_info, core_relo), odd record sizes, byte order, errors."""
import os
import struct

import pytest

from btf.builder import BtfBuilder
from btf.errors import InputError
from btf.ext import BtfExt, CoreRelo, LineInfo, core_relo_kind_name
from btf.reader import Btf
from tests.support import paths

DATA = os.path.join(paths.TESTS, "data", "objects")


def _btf(byteorder="little"):
    b = BtfBuilder(byteorder=byteorder)
    i = b.int("int", 4, signed=True)
    proto = b.func_proto(i)
    b.func("prog", proto)
    for s in ("xdp", "a.c", "int x = 1;", "0:1"):
        b.s(s)
    return b, Btf(b.build())


def _ext(b, *, bo="<", func=None, line=None, core=None, hdr_len=32, fi_rec=8, li_rec=16, cr_rec=16):
    """Build a .BTF.ext with one section 'xdp' per subsection; records are tuples of u32."""
    def sub(rec_size, recs):
        if recs is None:
            return b""
        out = struct.pack(bo + "I", rec_size)
        out += struct.pack(bo + "II", b.s("xdp"), len(recs))
        for r in recs:
            raw = struct.pack(bo + "I" * len(r), *r)
            out += raw + b"\xaa" * (rec_size - len(raw))
        return out
    f, l_, c = sub(fi_rec, func), sub(li_rec, line), sub(cr_rec, core)
    offs = [0, len(f), len(f), len(l_), len(f) + len(l_), len(c)]
    hdr = struct.pack(bo + "HBBI", 0xEB9F, 1, 0, hdr_len) + struct.pack(bo + "IIII", *offs[:4])
    if hdr_len >= 32:
        hdr += struct.pack(bo + "II", *offs[4:])
    hdr += b"\0" * (hdr_len - len(hdr))
    return hdr + f + l_ + c


def test_all_three_subsections():
    b, btf = _btf()
    raw = _ext(b, func=[(0, 3)], line=[(16, b.s("a.c"), b.s("int x = 1;"), (7 << 10) | 5)],
               core=[(8, 1, b.s("0:1"), 2)])
    x = BtfExt(raw, btf, "t.o")
    assert x.func_info == {"xdp": [(0, 3)]}
    assert x.line_info["xdp"] == [LineInfo(2, "a.c", 7, 5, "int x = 1;")]
    assert x.core_relos["xdp"] == [CoreRelo(1, 1, "0:1", 2)]
    assert x.core_relos["xdp"][0].kind_name == "field_exists"
    assert core_relo_kind_name(12) == "type_matches"


def test_short_header_has_no_core_relos():
    b, btf = _btf()
    x = BtfExt(_ext(b, func=[(0, 3)], hdr_len=24), btf)
    assert x.func_info["xdp"] == [(0, 3)] and x.core_relos == {}


def test_larger_record_size_is_read_with_rec_size():
    b, btf = _btf()
    raw = _ext(b, func=[(0, 3), (24, 3)], fi_rec=12, core=[(8, 1, b.s("0:1"), 0)], cr_rec=20)
    x = BtfExt(raw, btf)
    assert x.func_info["xdp"] == [(0, 3), (3, 3)]
    assert x.core_relos["xdp"] == [CoreRelo(1, 1, "0:1", 0)]


@pytest.mark.parametrize("rec", [4, 10])
def test_bad_record_size(rec):
    b, btf = _btf()
    with pytest.raises(InputError, match="record size"):
        BtfExt(_ext(b, func=[(0, 3)], fi_rec=rec), btf, "t.o")


def test_insn_off_not_multiple_of_8():
    b, btf = _btf()
    with pytest.raises(InputError, match="not a multiple of 8"):
        BtfExt(_ext(b, core=[(12, 1, b.s("0:1"), 0)]), btf, "t.o")


def test_big_endian_and_swapped_exact_size():
    b, btf = _btf("big")
    x = BtfExt(_ext(b, bo=">", func=[(8, 3)]), btf)
    assert x.byteorder == "big" and x.func_info["xdp"] == [(1, 3)]
    with pytest.raises(InputError, match="byte-swapped"):
        BtfExt(_ext(b, bo=">", func=[(8, 3)], fi_rec=12), btf)


@pytest.mark.parametrize("cut", [0, 3, 7, 30, 40])
def test_truncated(cut):
    b, btf = _btf()
    raw = _ext(b, func=[(0, 3)], line=[(0, b.s("a.c"), b.s("a.c"), 1 << 10)])
    with pytest.raises(InputError):
        BtfExt(raw[:cut], btf, "t.o")


def test_bad_magic_and_bad_string():
    b, btf = _btf()
    raw = _ext(b, func=[(0, 3)])
    with pytest.raises(InputError, match="magic"):
        BtfExt(b"\0\0" + raw[2:], btf)
    with pytest.raises(InputError, match="string offset"):
        BtfExt(_ext(b, core=[(0, 1, 99999, 0)]), btf)


def test_zero_records_rejected():
    b, btf = _btf()
    raw = bytearray(_ext(b, func=[(0, 3)]))
    struct.pack_into("<I", raw, 32 + 8, 0)
    with pytest.raises(InputError, match="zero records"):
        BtfExt(bytes(raw), btf)


def test_real_fixture_both_byte_orders():
    elf = pytest.importorskip("elftools.elf.elffile")
    seen = []
    for fn in ("kitchen.bpf.o", "kitchen.eb.bpf.o"):
        path = os.path.join(DATA, fn)
        if not os.path.exists(path):
            pytest.skip(f"fixture {fn} missing (run tests/data/objects/build.sh)")
        with open(path, "rb") as fh:
            e = elf.ELFFile(fh)
            btf = Btf(e.get_section_by_name(".BTF").data())
            x = BtfExt(e.get_section_by_name(".BTF.ext").data(), btf, path)
        relos = x.core_relos["tp_btf/sched_switch"]
        assert [r.kind_name for r in relos] == ["field_exists", "field_byte_offset", "field_byte_offset"]
        assert x.line_info["tc"][0].file.endswith("kitchen.bpf.c")
        seen.append((relos, {k: len(v) for k, v in x.func_info.items()}))
    assert seen[0] == seen[1]
