import os
import struct

import pytest

from btf import kinds as K
from btf.builder import BtfBuilder
from btf.errors import BtfError
from btf.reader import Btf

VMLINUX = "/sys/kernel/btf/vmlinux"


def small(byteorder="little", layout=False):
    b = BtfBuilder(byteorder=byteorder, layout=layout)
    i = b.int("int", 4, signed=True)
    u = b.int("unsigned int", 4)
    c = b.const(i)
    p = b.ptr(c)
    s = b.struct("pair", 16, [("a", i, 0), ("flags", u, 32, 3), ("p", p, 64)])
    e = b.enum("color", [("RED", 0), ("NEG", -1)], signed=True)
    e64 = b.enum64("big", [("HUGE", 1 << 40)])
    fp = b.func_proto(i, [("x", p), ("y", u)])
    f = b.func("do_it", fp, K.FUNC_GLOBAL)
    b.decl_tag("bpf_kfunc", f)
    b.float("double", 8)
    b.typedef("pair_t", s)
    return b, dict(i=i, u=u, c=c, p=p, s=s, e=e, e64=e64, fp=fp, f=f)


@pytest.mark.parametrize("bo", ["little", "big"])
@pytest.mark.parametrize("layout", [False, True])
def test_every_kind_decodes(bo, layout):
    b, ids = small(bo, layout)
    btf = Btf(b.build(), path="t.btf")
    assert btf.byteorder == bo
    s = btf.type(ids["s"])
    assert s.kind == K.STRUCT and s.name == "pair" and s.kflag == 1
    assert s.members[1] == ("flags", ids["u"], 32, 3)
    assert [v.value for v in btf.type(ids["e"]).values] == [0, -1]
    assert btf.type(ids["e64"]).values[0].value == 1 << 40
    fp = btf.type(ids["fp"])
    assert [p.name for p in fp.params] == ["x", "y"] and fp.type == ids["i"]
    assert btf.type(ids["f"]).linkage == K.FUNC_GLOBAL
    assert btf.find("do_it", K.FUNC) == ids["f"]
    assert btf.decl_tags("bpf_kfunc") == [("bpf_kfunc", ids["f"], -1)]
    assert btf.skip_mods(ids["c"]) == ids["i"]
    assert btf.resolve_size(btf.find("pair_t")) == 16
    btf.validate()


def test_split_btf_continues_ids_and_strings():
    b, ids = small()
    base = Btf(b.build())
    m = BtfBuilder(base=base)
    st = m.struct("mod_thing", 8, [("p", ids["p"], 0)])
    split = Btf(m.build(), base=base)
    assert st == base.type_count
    t = split.type(st)
    assert t.name == "mod_thing" and t.members[0].type == ids["p"]
    assert split.type(ids["s"]).name == "pair"          # base types reachable through split
    assert split.find("pair") == ids["s"] and split.find_own("pair") == []


def test_unknown_kind_is_skipped_with_layout_only():
    b = BtfBuilder(layout=True)
    b.int("int", 4)
    b.raw("", 19, 0, 0, 8, b"\0" * 12)   # ENUM64 with vlen 0 is fine, just a shape check
    Btf(b.build())
    raw = BtfBuilder()
    raw.int("int", 4)
    raw.raw("x", 42, 0, 0, 0)
    with pytest.raises(BtfError, match="unknown BTF kind 42"):
        Btf(raw.build(), path="x.btf")


def test_new_kind_known_through_layout_section():
    b = BtfBuilder(layout=True)
    b.int("int", 4)
    data = bytearray(b.build())
    # append a 21st layout entry (kind 20: 4-byte info) and a type of that kind
    hdr = list(struct.unpack_from("<HBBIIIIIII", data))
    types_end = 24 + 8 + hdr[5]
    new_type = struct.pack("<IIII", 0, 20 << 24, 0, 7)
    layout = data[32 + hdr[8]: 32 + hdr[8] + hdr[9]] + struct.pack("<BBH", 4, 0, 0)
    strings = data[32 + hdr[6]:]
    types = data[32:32 + hdr[5]] + new_type
    out = struct.pack("<HBBIIIIIII", K.MAGIC, 1, 0, 32, 0, len(types), len(types) + len(layout),
                      len(strings), len(types), len(layout)) + types + layout + strings
    btf = Btf(out)
    assert btf.kind_of(2) == 20 and btf.type_count == 3
    del types_end


@pytest.mark.parametrize("mutate,msg", [
    (lambda d: b"\x00\x00" + d[2:], "bad BTF magic"),
    (lambda d: d[:10], "too short"),
    (lambda d: d[:-5], "extend past the end"),
    (lambda d: d[:4] + struct.pack("<I", 9999) + d[8:], "header length"),
])
def test_corrupt_headers(mutate, msg):
    b, _ = small()
    with pytest.raises(BtfError, match=msg):
        Btf(mutate(b.build()), path="bad.btf")


def test_huge_vlen_on_tiny_file_is_rejected_fast():
    b = BtfBuilder()
    b.raw("s", K.STRUCT, 0xFFFFFF, 0, 4)
    with pytest.raises(BtfError, match="extends past the end"):
        Btf(b.build(), path="vlen.btf")


def test_bad_reference_and_type_loop():
    b = BtfBuilder()
    b.ptr(99)
    btf = Btf(b.build(), path="ref.btf")
    with pytest.raises(BtfError, match="past the last type"):
        btf.validate()
    b = BtfBuilder()
    b.typedef("a", 2)
    b.typedef("b", 1)
    loop = Btf(b.build(), path="loop.btf")
    with pytest.raises(BtfError, match="loop"):
        loop.skip_mods(1)
    with pytest.raises(BtfError, match="loop"):
        loop.resolve_size(1)


def test_string_offset_past_end():
    b = BtfBuilder()
    b.raw("", K.INT, 0, 0, 4, struct.pack("<I", 32))
    data = bytearray(b.build())
    struct.pack_into("<I", data, 24, 5000)           # name_off of type 1
    with pytest.raises(BtfError, match="string offset"):
        Btf(bytes(data), path="s.btf").type(1)


@pytest.mark.skipif(not os.access(VMLINUX, os.R_OK), reason="no readable /sys/kernel/btf/vmlinux")
def test_running_kernel_vmlinux():
    btf = Btf(open(VMLINUX, "rb").read(), path=VMLINUX)
    assert btf.type_count > 10000
    ts = btf.type(btf.find("task_struct", K.STRUCT))
    assert any(m.name == "pid" for m in ts.members)
    btf.validate()
