"""CO-RE relocation calculator (btf/core.py) on exact BTF built with BtfBuilder, plus the real kernel."""
import os
import re
import shutil
import subprocess

import pytest

from btf import core
from btf import kinds as K
from btf.builder import BtfBuilder
from btf.reader import Btf

VMLINUX = "/sys/kernel/btf/vmlinux"
BO, BS, FE, SG, LS, RS, IDL, IDT, TE, TS, EE, EV, TM = range(13)


def scalars(b):
    return dict(int=b.int("int", 4, signed=True), u32=b.int("unsigned int", 4),
                u64=b.int("unsigned long long", 8), s64=b.int("long long", 8, signed=True),
                u16=b.int("unsigned short", 2), char=b.int("char", 1, signed=True, char=True))


def calc(L, lid, acc, kind, T, **kw):
    return core.calc_relo(L, lid, acc, kind, T, **kw)


# ----------------------------------------------------------------------------- spec parsing
def test_parse_spec_paths_and_offsets():
    b = BtfBuilder()
    s = scalars(b)
    arr = b.array(s["int"], 4)
    inner = b.struct("", 16, [("x", s["int"], 0), ("a", arr, 0)], union=True)
    st = b.struct("sample", 24, [("u", s["u64"], 0), ("", inner, 64)])
    e = b.enum("color", [("RED", 0), ("GREEN", 7)])
    L = Btf(b.build())
    sp = core.parse_spec(L, st, "0:1:1:3", BO)
    assert sp.raw == [0, 1, 1, 3]
    assert [(a.name, a.idx) for a in sp.accessors] == [(None, 0), ("a", 1), (None, 3)]
    assert sp.bit_offset == 64 + 3 * 32
    assert sp.path == "sample.a[3]"
    assert core.describe(L, st, "0:1:1:3", BO) == "sample->a[3] (FIELD_BYTE_OFFSET)"
    assert core.parse_spec(L, st, "2:0", BO).bit_offset == 2 * 24 * 8
    assert core.parse_spec(L, st, "2:0", BO).path == "sample[2].u"
    assert core.parse_spec(L, e, "1", EV).path == "enum color::GREEN"
    assert core.parse_spec(L, st, "0", TE).path == "struct sample"
    assert core.describe(L, st, "0", TS) == "struct sample (TYPE_SIZE)"


@pytest.mark.parametrize("acc,kind", [
    ("", BO), (":0", BO), ("0:", BO), ("0::1", BO), ("a", BO), ("0:-1", BO),
    ("0:5", BO),                 # member index out of range
    ("0:0:0", BO),               # INT is not composite/array
    ("1", TE),                   # type-based must be "0"
    ("0:0", EV), ("5", EV),      # enum: one accessor, in range
    ("0", EV),                   # root is not an enum
    ("0", 99),                   # unknown kind
])
def test_parse_spec_malformed_is_hard_error(acc, kind):
    b = BtfBuilder()
    s = scalars(b)
    st = b.struct("x", 8, [("a", s["int"], 0), ("b", s["int"], 32)])
    L = Btf(b.build())
    with pytest.raises(core.CoreError):
        core.parse_spec(L, st, acc, kind)
    tb = BtfBuilder()
    scalars(tb)
    tb.struct("x", 8, [("a", 1, 0)])
    r = calc(L, st, acc, kind, Btf(tb.build()))
    assert r.status == "error" and "parsing" in r.reason
    d = core.describe(L, st, acc, kind)          # never raises
    assert d.startswith("[") and "x" in d


def test_parse_spec_too_long_e2big():
    b = BtfBuilder()
    s = scalars(b)
    st = b.struct("x", 4, [("a", s["int"], 0)])
    L = Btf(b.build())
    with pytest.raises(core.CoreError) as ei:
        core.parse_spec(L, st, ":".join(["0"] * 65), BO)
    assert ei.value.errno == core.E2BIG


# ----------------------------------------------------------------------------- fields
def pair(local_fn, targ_fn):
    lb, tb = BtfBuilder(), BtfBuilder()
    l, t = scalars(lb), scalars(tb)
    lids = local_fn(lb, l)
    tids = targ_fn(tb, t)
    return Btf(lb.build()), lids, Btf(tb.build()), tids


def test_field_offset_moved_and_flavors():
    L, l, T, t = pair(
        lambda b, s: dict(old=b.struct("task___old", 8, [("pid", s["int"], 0), ("state", s["u32"], 32)])),
        lambda b, s: dict(ts=b.struct("task", 64, [("x", s["u64"], 0), ("state", s["u32"], 256),
                                                     ("pid", s["int"], 288)])))
    r = calc(L, l["old"], "0:1", BO, T)
    assert (r.status, r.local_value, r.target_value) == ("ok", 4, 32)
    assert r.candidates == 1 and r.matched == 1 and r.target_spec.path == "task.state"
    assert calc(L, l["old"], "0:0", BO, T).target_value == 36
    assert calc(L, l["old"], "0:1", BS, T).target_value == 4
    assert calc(L, l["old"], "0:1", FE, T).target_value == 1
    assert calc(L, l["old"], "0:0", SG, T).target_value == 1
    assert calc(L, l["old"], "0:1", SG, T).target_value == 0
    assert calc(L, l["old"], "0:1", RS, T).target_value == 32
    assert calc(L, l["old"], "0:1", LS, T).target_value == 32


def test_field_missing_poisons_but_exists_is_zero():
    L, l, T, t = pair(
        lambda b, s: dict(ts=b.struct("task_struct", 8, [("state", s["u32"], 0)])),
        lambda b, s: dict(ts=b.struct("task_struct", 8, [("__state", s["u32"], 0)])))
    r = calc(L, l["ts"], "0:0", BO, T)
    assert r.status == "poison" and r.target_value is None and r.local_value == 0
    assert r.reason == "field 'state' not found in target 'struct task_struct'"
    r = calc(L, l["ts"], "0:0", FE, T)
    assert (r.status, r.local_value, r.target_value) == ("ok", 1, 0)


def test_field_incompatible_type_poisons():
    L, l, T, t = pair(
        lambda b, s: dict(s=b.struct("s", 8, [("f", s["int"], 0)])),
        lambda b, s: dict(s=b.struct("s", 8, [("f", b.ptr(0), 0)])))
    r = calc(L, l["s"], "0:0", BO, T)
    assert r.status == "poison" and "incompatible type" in r.reason


def test_no_candidate_type():
    L, l, T, t = pair(lambda b, s: dict(s=b.struct("nope___v1", 8, [("f", s["int"], 0)])),
                      lambda b, s: dict(u=b.union("nope", 8, [("f", s["int"], 0)])))   # UNION ≠ STRUCT
    r = calc(L, l["s"], "0:0", BO, T)
    assert r.status == "poison" and r.candidates == 0
    assert "'nope'" in r.reason
    assert calc(L, l["s"], "0", TE, T).target_value == 0          # type kinds never poison
    assert calc(L, l["s"], "0", TE, T).status == "ok"
    assert calc(L, l["s"], "0", TS, T).target_value == 0
    assert calc(L, l["s"], "0", IDT, T).target_value == 0
    assert calc(L, l["s"], "0", TM, T).target_value == 0


def test_anonymous_members_descended():
    def targ(b, s):
        inner = b.struct("", 8, [("a", s["int"], 0), ("f", s["u32"], 32)])
        un = b.union("", 8, [("", inner, 0), ("zz", s["u64"], 0)])
        return dict(s=b.struct("s", 24, [("pad", s["u64"], 0), ("", un, 64)]))
    L, l, T, t = pair(lambda b, s: dict(s=b.struct("s", 4, [("f", s["u32"], 0)])), targ)
    r = calc(L, l["s"], "0:0", BO, T)
    assert r.status == "ok" and r.target_value == 12
    assert r.target_spec.raw == [0, 1, 0, 1]
    assert r.target_spec.path == "s.f"


def test_anonymous_root_is_error():
    L, l, T, t = pair(lambda b, s: dict(s=b.struct("", 4, [("f", s["u32"], 0)])),
                      lambda b, s: dict(s=b.struct("", 4, [("f", s["u32"], 0)])))
    r = calc(L, l["s"], "0:0", BO, T)
    assert r.status == "error" and "anonymous" in r.reason
    r = calc(L, l["s"], "0", IDL, T)                   # TYPE_ID_LOCAL needs no candidates
    assert (r.status, r.target_value, r.validate) == ("ok", l["s"], False)


def test_candidates_agree_or_ambiguity():
    def targ(b, s):
        a = b.struct("s", 8, [("f", s["u32"], 0)])
        c = b.struct("s___2", 8, [("f", s["u32"], 0), ("p", b.ptr(a), 0)])
        return dict(a=a, c=c)
    L, l, T, t = pair(lambda b, s: dict(s=b.struct("s", 4, [("f", s["u32"], 0)])), targ)
    r = calc(L, l["s"], "0:0", BO, T)
    assert (r.status, r.candidates, r.matched, r.target_value) == ("ok", 2, 2, 0)

    def targ2(b, s):
        return dict(a=b.struct("s", 8, [("f", s["u32"], 0)]),
                    c=b.struct("s___2", 8, [("x", s["u32"], 0), ("f", s["u32"], 32)]))
    L, l, T, t = pair(lambda b, s: dict(s=b.struct("s", 4, [("f", s["u32"], 0)])), targ2)
    r = calc(L, l["s"], "0:0", BO, T)
    assert r.status == "error" and r.reason.startswith("field offset ambiguity: 32 != 0")
    assert calc(L, l["s"], "0:0", FE, T).status == "error"        # even for exists

    def targ3(b, s):
        return dict(a=b.struct("s", 8, [("f", s["u32"], 0)]),
                    c=b.struct("s___2", 8, [("f", s["u64"], 0)]))
    L, l, T, t = pair(lambda b, s: dict(s=b.struct("s", 4, [("f", s["u32"], 0)])), targ3)
    assert calc(L, l["s"], "0:0", BO, T).status == "ok"
    r = calc(L, l["s"], "0:0", BS, T)
    assert r.status == "error" and "relocation decision ambiguity" in r.reason


def test_candidate_pruning_like_libbpf():
    def targ(b, s):
        return dict(a=b.struct("s", 8, [("f", s["u32"], 0)]),
                    c=b.struct("s___2", 8, [("g", s["u32"], 0), ("f", s["u32"], 32)]))
    L, l, T, t = pair(lambda b, s: dict(s=b.struct("s", 8, [("f", s["u32"], 0), ("g", s["u32"], 32)])),
                      targ)
    # alone, .f is ambiguous (offset 0 vs 32); after .g pruned the list to s___2 it is not
    assert calc(L, l["s"], "0:0", BO, T).status == "error"
    pruned = {}
    r1 = calc(L, l["s"], "0:1", BO, T, pruned=pruned)
    assert (r1.status, r1.matched, r1.target_value) == ("ok", 1, 0)
    r2 = calc(L, l["s"], "0:0", BO, T, pruned=pruned)
    assert (r2.status, r2.candidates, r2.target_value) == ("ok", 1, 4)


def test_bitfields_and_e2big():
    def local(b, s):
        return dict(s=b.struct("bf", 16, [("a", s["u32"], 0, 3), ("b", s["int"], 3, 5),
                                          ("c", s["u64"], 64, 10)]))

    def targ(b, s):
        return dict(s=b.struct("bf", 16, [("a", s["u32"], 30, 4), ("b", s["int"], 40, 5),
                                          ("c", s["u64"], 60, 10)]))
    L, l, T, t = pair(local, targ)
    # a: bits 30..33 of a u32 -> widened to an 8-byte load at offset 0
    r = calc(L, l["s"], "0:0", BO, T)
    assert (r.status, r.local_value, r.target_value, r.validate) == ("ok", 0, 0, False)
    assert calc(L, l["s"], "0:0", BS, T).target_value == 8
    assert calc(L, l["s"], "0:0", LS, T).target_value == 64 - (30 + 4)
    assert calc(L, l["s"], "0:0", RS, T).target_value == 60
    assert calc(L, l["s"], "0:0", RS, T).local_value == 61
    # b: signed int bits 40..44 -> u32 load at byte 4
    assert calc(L, l["s"], "0:1", BO, T).target_value == 4
    assert calc(L, l["s"], "0:1", BS, T).target_value == 4
    assert calc(L, l["s"], "0:1", LS, T).target_value == 64 - (40 + 5 - 32)
    assert calc(L, l["s"], "0:1", SG, T).target_value == 1
    # c: u64 bits 60..69 cannot be read with one 64-bit load
    r = calc(L, l["s"], "0:2", BO, T)
    assert r.status == "error" and r.errno == "E2BIG" and "E2BIG" in r.reason
    assert calc(L, l["s"], "0:2", FE, T).target_value == 1        # exists does not compute sizes


def test_local_bitfield_e2big_even_without_target():
    L, l, T, t = pair(lambda b, s: dict(s=b.struct("bf", 16, [("c", s["u64"], 60, 10)])),
                      lambda b, s: dict())
    r = calc(L, l["s"], "0:0", BO, T)
    assert r.status == "error" and r.errno == "E2BIG"


def test_arrays_index_flex_and_end_rules():
    def local(b, s):
        arr = b.array(s["u32"], 8)
        return dict(s=b.struct("a", 36, [("n", s["int"], 0), ("v", arr, 32)]))

    def targ(b, s):
        arr = b.array(s["u32"], 4)
        return dict(s=b.struct("a", 24, [("v", arr, 0), ("n", s["int"], 128)]))

    def targ_flex(b, s):
        arr = b.array(s["u32"], 0)
        return dict(s=b.struct("a", 8, [("n", s["int"], 0), ("pad", s["int"], 32), ("v", arr, 64)]))
    L, l, T, t = pair(local, targ)
    r = calc(L, l["s"], "0:1:3", BO, T)
    assert (r.local_value, r.target_value) == (4 + 12, 12)
    assert r.target_spec.path == "a.v[3]"
    assert calc(L, l["s"], "0:1:3", BS, T).target_value == 4
    assert calc(L, l["s"], "0:1:5", BO, T).status == "poison"     # 5 >= 4 elements in target
    assert calc(L, l["s"], "0:1:5", FE, T).target_value == 0
    r = calc(L, l["s"], "0:1:3", SG, T)
    assert r.status == "error" and "array element" in r.reason
    assert calc(L, l["s"], "0:1", BS, T).target_value == 16       # whole array field
    r = calc(L, l["s"], "0:1", BO, T)
    assert (r.local_size, r.target_size) == (4, 4)                # element size for mem-size
    L, l, T, t = pair(local, targ_flex)
    assert calc(L, l["s"], "0:1:7", BO, T).target_value == 8 + 28  # flexible array: no bound


def test_root_array_index():
    L, l, T, t = pair(lambda b, s: dict(s=b.struct("r", 8, [("a", s["int"], 0), ("b", s["int"], 32)])),
                      lambda b, s: dict(s=b.struct("r", 16, [("b", s["int"], 0), ("a", s["int"], 96)])))
    r = calc(L, l["s"], "3:0", BO, T)
    assert (r.local_value, r.target_value) == (24, 48 + 12)
    r = calc(L, l["s"], "2", BO, T)                                # a[2] of the root itself
    assert (r.status, r.target_value) == ("ok", 32)


def test_memsz_adjust():
    def local(b, s):
        return dict(s=b.struct("m", 16, [("u", s["u32"], 0), ("i", s["int"], 32), ("p", b.ptr(0), 64)]))

    def targ(b, s):
        return dict(s=b.struct("m", 24, [("u", s["u64"], 0), ("i", s["s64"], 64), ("p", b.ptr(0), 128)]))
    L, l, T, t = pair(local, targ)
    r = calc(L, l["s"], "0:0", BO, T)
    assert (r.local_size, r.target_size, r.fail_memsz_adjust) == (4, 8, False)
    r = calc(L, l["s"], "0:1", BO, T)
    assert r.fail_memsz_adjust and r.status == "ok"
    # the instruction decides: LDX W at the right offset -> poison; ALU mov -> fine
    ldx_w = 0x61
    assert core.check_insn(r, ldx_w, 4, 0).status == "poison"
    assert core.check_insn(r, 0xB7, 0, 4).status == "ok"
    r = calc(L, l["s"], "0:0", BO, T)
    chk = core.check_insn(r, ldx_w, 0, 0)
    assert (chk.status, chk.new_off, chk.new_size) == ("ok", 0, 8)
    assert core.check_insn(r, 0x69, 0, 0).status == "error"        # LDX H: unexpected mem size
    assert core.check_insn(r, ldx_w, 2, 0).status == "error"       # offset does not match local value
    assert core.check_insn(r, 0x85, 0, 0).status == "error"        # call: unsupported form
    r = calc(L, l["s"], "0:2", BO, T)
    assert core.check_insn(r, 0x79, 8, 0).new_off == 16


def test_check_insn_ldimm64_and_range():
    L, l, T, t = pair(lambda b, s: dict(s=b.struct("big", 8, [("f", s["int"], 0)])),
                      lambda b, s: dict(s=b.struct("big", 1 << 16, [("x", s["int"], 0),
                                                                  ("f", s["int"], 40000 * 8)])))
    r = calc(L, l["s"], "0:0", BO, T)
    assert r.target_value == 40000
    assert "ERANGE" in core.check_insn(r, 0x61, 0, 0).reason
    assert core.check_insn(r, 0x18, 0, 0, next_insn=(0, 0, 0, 0, 0)).new_imm == 40000
    assert core.check_insn(r, 0x18, 0, 0, next_insn=(0, 1, 0, 0, 0)).status == "error"


# ----------------------------------------------------------------------------- types
def test_type_kinds():
    def local(b, s):
        st = b.struct("obj", 4, [("a", s["int"], 0)])
        return dict(st=st, td=b.typedef("obj_t", st), ptr_td=b.typedef("cb_t", b.ptr(b.func_proto(0, [("x", s["int"])]))))

    def targ(b, s):
        st = b.struct("obj", 12, [("b", s["u64"], 0), ("a", s["int"], 64)])
        return dict(st=st, td=b.typedef("obj_t", st),
                    ptr_td=b.typedef("cb_t", b.ptr(b.func_proto(0, [("x", s["int"]), ("y", s["int"])]))))
    L, l, T, t = pair(local, targ)
    assert calc(L, l["st"], "0", TE, T).target_value == 1
    assert calc(L, l["st"], "0", TS, T).target_value == 12
    assert calc(L, l["st"], "0", TS, T).local_value == 4
    r = calc(L, l["st"], "0", IDT, T)
    assert (r.target_value, r.validate) == (t["st"], False)
    assert calc(L, l["st"], "0", TM, T).target_value == 1
    assert calc(L, l["td"], "0", TS, T).target_value == 12
    assert calc(L, l["td"], "0", IDT, T).target_value == t["td"]
    r = calc(L, l["ptr_td"], "0", TE, T)                            # protos differ -> not compatible
    assert (r.status, r.target_value, r.candidates, r.matched) == ("ok", 0, 1, 0)


def test_type_matches_vs_exists():
    L, l, T, t = pair(lambda b, s: dict(st=b.struct("obj", 4, [("a", s["int"], 0)])),
                      lambda b, s: dict(st=b.struct("obj", 4, [("a", s["u32"], 0)])))
    assert calc(L, l["st"], "0", TE, T).target_value == 1
    assert calc(L, l["st"], "0", TM, T).target_value == 0           # signedness differs


# ----------------------------------------------------------------------------- enums
def test_enum_kinds():
    def local(b, s):
        return dict(e=b.enum("bpf_func_id", [("BPF_FUNC_a", 1), ("BPF_FUNC_loop___new", 2),
                                             ("BPF_FUNC_gone", 3)]),
                    e64=b.enum64("big", [("HUGE", 1)]),
                    neg=b.enum("neg", [("M", 0)], signed=True))

    def targ(b, s):
        return dict(e=b.enum("bpf_func_id", [("BPF_FUNC_a", 1), ("BPF_FUNC_loop", 181)]),
                    e64=b.enum("big___x", [("X", 0)]),
                    e64b=b.enum64("big", [("HUGE", 1 << 40)]),
                    neg=b.enum("neg", [("M", -5)], signed=True))
    L, l, T, t = pair(local, targ)
    r = calc(L, l["e"], "1", EV, T)
    assert (r.status, r.local_value, r.target_value) == ("ok", 2, 181)
    assert r.target_spec.path == "enum bpf_func_id::BPF_FUNC_loop"
    assert calc(L, l["e"], "1", EE, T).target_value == 1
    r = calc(L, l["e"], "2", EV, T)
    assert r.status == "poison" and "BPF_FUNC_gone" in r.reason
    assert calc(L, l["e"], "2", EE, T).target_value == 0
    # enum64 value; an enum32 candidate without the name simply does not match
    r = calc(L, l["e64"], "0", EV, T)
    assert (r.status, r.candidates, r.matched, r.target_value) == ("ok", 2, 1, 1 << 40)
    r = calc(L, l["neg"], "0", EV, T)
    assert r.target_value == (1 << 64) - 5 and core.as_signed(r.target_value) == -5


# ----------------------------------------------------------------------------- modules
def test_modules_only_when_vmlinux_has_none():
    vb = BtfBuilder()
    s = scalars(vb)
    vb.struct("in_vmlinux", 8, [("f", s["u64"], 0)])
    vm = Btf(vb.build())
    mb = BtfBuilder(base=vm)
    m_only = mb.struct("mod_only", 16, [("x", s["int"], 0), ("f", s["u64"], 64)])
    mb.struct("in_vmlinux", 16, [("x", s["int"], 0), ("f", s["u64"], 64)])
    mod = Btf(mb.build(), base=vm)
    lb = BtfBuilder()
    ls = scalars(lb)
    a = lb.struct("in_vmlinux", 8, [("f", ls["u64"], 0)])
    c = lb.struct("mod_only", 8, [("f", ls["u64"], 0)])
    L = Btf(lb.build())
    cache = core.CandidateCache(vm, module_btfs=[mod])
    r = calc(L, a, "0:0", BO, vm, module_btfs=[mod], cache=cache)
    assert (r.candidates, r.target_value) == (1, 0) and r.target_btf is vm
    r = calc(L, c, "0:0", BO, vm, module_btfs=[mod], cache=cache)
    assert (r.candidates, r.target_value, r.target_spec.root_type_id) == (1, 8, m_only)
    assert r.target_btf is mod
    assert calc(L, c, "0:0", BO, vm).status == "poison"              # without module BTFs
    assert core.find_ksym(vm, "mod_only___v2", K.STRUCT, module_btfs=[mod]) == (mod, m_only)


# ----------------------------------------------------------------------------- real kernel
def _vmlinux():
    if not os.access(VMLINUX, os.R_OK):
        pytest.skip("no readable /sys/kernel/btf/vmlinux")
    with open(VMLINUX, "rb") as f:
        return Btf(f.read(), path=VMLINUX)


def _prog_btf():
    b = BtfBuilder()
    s = scalars(b)
    ids = dict(
        ts=b.struct("task_struct", 8, [("__state", s["u32"], 0), ("pid", s["int"], 32)]),
        old=b.struct("task_struct___old", 8, [("state", s["u64"], 0)]),
        fid=b.enum("bpf_func_id", [("BPF_FUNC_loop", 181)]),
        wq=b.struct("bpf_wq", 16),
    )
    return Btf(b.build()), ids


def test_real_kernel_task_state_offset_matches_bpftool():
    vm = _vmlinux()
    if not shutil.which("bpftool"):
        pytest.skip("bpftool not installed")
    L, ids = _prog_btf()
    r = calc(L, ids["ts"], "0:0", BO, vm)
    assert r.status == "ok"
    out = subprocess.run(["bpftool", "btf", "dump", "file", VMLINUX], capture_output=True, text=True,
                         check=True).stdout
    block = re.search(r"STRUCT 'task_struct' size=\d+ vlen=\d+\n((?:\t.*\n)+)", out).group(1)
    bits = int(re.search(r"'__state' type_id=\d+ bits_offset=(\d+)", block).group(1))
    assert r.target_value == bits // 8


def test_real_kernel_enum_and_types():
    vm = _vmlinux()
    L, ids = _prog_btf()
    if not vm.find("BPF_FUNC_loop") and not any(v.name == "BPF_FUNC_loop" for v in
                                                vm.type(vm.find("bpf_func_id", K.ENUM)).values):
        pytest.skip("kernel predates bpf_loop")
    cache = core.CandidateCache(vm)
    r = calc(L, ids["fid"], "0", EV, vm, cache=cache)
    assert (r.status, r.target_value) == ("ok", 181)
    if vm.find("bpf_wq", K.STRUCT):
        r = calc(L, ids["wq"], "0", TE, vm, cache=cache)
        assert (r.status, r.target_value) == ("ok", 1)


def test_real_kernel_old_task_state_poisons():
    vm = _vmlinux()
    ts = vm.type(vm.find("task_struct", K.STRUCT))
    if any(m.name == "state" for m in ts.members):
        pytest.skip("kernel still has task_struct.state")
    L, ids = _prog_btf()
    r = calc(L, ids["old"], "0:0", BO, vm)
    assert r.status == "poison"
    assert r.reason == "field 'state' not found in target 'struct task_struct'"
    assert calc(L, ids["old"], "0:0", FE, vm).target_value == 0


# ----------------------------------------------------------------------------- oracle: libbpf itself
# A BPF object compiled by clang with CO-RE relocations on locally declared (flavored) types is loaded
# with the system libbpf (ctypes) and btf_custom_path = a target BTF built here. libbpf's debug log
# tells, per relocation, the patched value, a poisoned instruction or a failure; calc_relo + check_insn
# must predict exactly that.
ORACLE_C = r"""
#define SEC(n) __attribute__((section(n), used))
#define PAI __attribute__((preserve_access_index))
struct task___l { int pid; unsigned int state; unsigned long long gone; } PAI;
struct bf___l { unsigned int a:3; int b:5; unsigned long long c:20; } PAI;
enum e___l { E_A = 1, E_LOOP = 2, E_GONE = 3 };
struct arr___l { int n; unsigned int v[8]; struct task___l t[2]; } PAI;
struct anon___l { long x; } PAI;
struct u___l { unsigned short s; } PAI;

SEC("tp/x/y") int prog(struct task___l *t)
{
	unsigned long long r = 0;
	struct bf___l *b = (void *)t;
	struct arr___l *a = (void *)t;
	struct u___l *u = (void *)t;
	r += __builtin_preserve_field_info(t->state, 0);
	r += __builtin_preserve_field_info(t->state, 1);
	r += __builtin_preserve_field_info(t->gone, 2);
	r += __builtin_preserve_field_info(t->pid, 3);
	r += __builtin_preserve_field_info(b->a, 0);
	r += __builtin_preserve_field_info(b->a, 1);
	r += __builtin_preserve_field_info(b->a, 4);
	r += __builtin_preserve_field_info(b->a, 5);
	r += __builtin_preserve_field_info(b->b, 3);
	r += __builtin_preserve_field_info(b->b, 4);
	r += __builtin_preserve_field_info(b->c, 0);
	r += __builtin_preserve_field_info(b->c, 4);
	r += __builtin_preserve_field_info(a->v[3], 0);
	r += __builtin_preserve_field_info(a->v[1], 0);
	r += __builtin_preserve_field_info(a->t[1].state, 0);
	r += __builtin_preserve_field_info(a->v, 1);
	r += __builtin_btf_type_id(*(struct task___l *)0, 1);
	r += __builtin_preserve_type_info(*(struct task___l *)0, 0);
	r += __builtin_preserve_type_info(*(struct task___l *)0, 1);
	r += __builtin_preserve_type_info(*(struct anon___l *)0, 0);
	r += __builtin_preserve_enum_value(*(typeof(enum e___l) *)E_LOOP, 1);
	r += __builtin_preserve_enum_value(*(typeof(enum e___l) *)E_GONE, 0);
	r += t->state;
	r += a->t[1].pid;
	r += u->s;
	if (__builtin_preserve_field_info(t->gone, 2))
		r += t->gone;
	return r;
}
char _license[] SEC("license") = "GPL";
"""

ORACLE_BAD_C = r"""
#define SEC(n) __attribute__((section(n), used))
enum big___l { B_HUGE = 1ULL << 33 };
SEC("tp/x/y") int prog(void *ctx)
{
	return __builtin_preserve_enum_value(*(typeof(enum big___l) *)B_HUGE, 1);
}
char _license[] SEC("license") = "GPL";
"""


def _oracle_target():
    b = BtfBuilder()
    s = scalars(b)
    task = b.struct("task", 32, [("x", s["u64"], 0), ("state", s["u32"], 64), ("pid", s["u16"], 96)])
    b.struct("bf", 16, [("b", s["int"], 35, 5), ("a", s["u32"], 70, 3), ("c", s["u64"], 80, 20)])
    b.struct("arr", 128, [("v", b.array(s["u32"], 2), 0), ("n", s["int"], 64),
                          ("t", b.array(task, 2), 128)])
    b.struct("u", 8, [("s", s["u64"], 0)])
    b.enum("e", [("E_LOOP", 181), ("E_A", 1)])
    b.enum64("big", [("B_HUGE", 5 << 40)])
    return b.build()


def _core_relos(path):
    """(btf, [(insn_off, type_id, access_str, kind)], insns bytes) of the one program section."""
    import struct
    from elftools.elf.elffile import ELFFile
    with open(path, "rb") as f:
        elf = ELFFile(f)
        btf = Btf(elf.get_section_by_name(".BTF").data())
        ext = elf.get_section_by_name(".BTF.ext").data()
        text = elf.get_section_by_name("tp/x/y").data()
    hdr_len = struct.unpack_from("<I", ext, 4)[0]
    core_off, core_len = struct.unpack_from("<II", ext, 24)
    p = hdr_len + core_off
    end = p + core_len
    rec_size = struct.unpack_from("<I", ext, p)[0]
    p += 4
    out = []
    while p < end:
        _sec, num = struct.unpack_from("<II", ext, p)
        p += 8
        for _ in range(num):
            insn_off, tid, aoff, kind = struct.unpack_from("<IIII", ext, p)
            out.append((insn_off, tid, btf.str_at(aoff), kind))
            p += rec_size
    return btf, out, text


def _libbpf_log(obj_path, btf_path):
    import ctypes
    try:
        lib = ctypes.CDLL("libbpf.so.1")
        libc = ctypes.CDLL(None)
    except OSError:
        pytest.skip("no libbpf.so.1")
    logs = []
    CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)

    def cb(level, fmt, va):
        buf = ctypes.create_string_buffer(4096)
        libc.vsnprintf(buf, 4096, fmt, ctypes.c_void_p(va))
        logs.append(buf.value.decode(errors="replace"))
        return 0

    class Opts(ctypes.Structure):      # struct bpf_object_open_opts, libbpf 1.x (x86_64)
        _fields_ = [("sz", ctypes.c_size_t), ("object_name", ctypes.c_char_p),
                    ("relaxed_maps", ctypes.c_bool), ("pin_root_path", ctypes.c_char_p),
                    ("pad", ctypes.c_uint32), ("kconfig", ctypes.c_char_p),
                    ("btf_custom_path", ctypes.c_char_p), ("kernel_log_buf", ctypes.c_char_p),
                    ("kernel_log_size", ctypes.c_size_t), ("kernel_log_level", ctypes.c_uint32)]
    ccb = CB(cb)
    lib.libbpf_set_print.argtypes = [CB]
    lib.libbpf_set_print.restype = ctypes.c_void_p
    old = lib.libbpf_set_print(ccb)
    try:
        o = Opts()
        o.sz = ctypes.sizeof(Opts)
        o.btf_custom_path = btf_path.encode()
        lib.bpf_object__open_file.restype = ctypes.c_void_p
        lib.bpf_object__open_file.argtypes = [ctypes.c_char_p, ctypes.POINTER(Opts)]
        lib.bpf_object__load.argtypes = [ctypes.c_void_p]
        lib.bpf_object__close.argtypes = [ctypes.c_void_p]
        obj = lib.bpf_object__open_file(obj_path.encode(), ctypes.byref(o))
        if not obj:
            pytest.skip("libbpf could not open the object")
        lib.bpf_object__load(obj)           # relocates, then (maybe) fails to load: only the log matters
        lib.bpf_object__close(obj)
    finally:
        lib.libbpf_set_print(ctypes.cast(old, CB) if old else CB(0))
    if not any("CO-RE relocations" in ln for ln in logs):
        pytest.skip("libbpf stopped before CO-RE relocation (no privileges?)")
    return logs


def _libbpf_outcomes(logs):
    """relo index -> ("ok", value) | ("poison", None) | ("error", None)."""
    out = {}
    for ln in logs:
        m = re.search(r"relo #(\d+): patched insn #\d+ \([A-Z/0-9]+\) (?:imm|off|imm64) \d+ -> (\d+)", ln)
        if m:
            out[int(m.group(1))] = ("ok", int(m.group(2)))
            continue
        m = re.search(r"relo #(\d+): substituting insn", ln)
        if m:
            out[int(m.group(1))] = ("poison", None)
            continue
        m = re.search(r"relo #(\d+): failed to (?:relocate|patch)", ln)
        if m:
            out[int(m.group(1))] = ("error", None)
    return out


def _ours(btf, relos, text, target):
    pruned = {}
    out = {}
    for i, (insn_off, tid, acc, kind) in enumerate(relos):
        r = core.calc_relo(btf, tid, acc, kind, target, pruned=pruned)
        code, regs, off, imm = text[insn_off], text[insn_off + 1], \
            int.from_bytes(text[insn_off + 2:insn_off + 4], "little", signed=True), \
            int.from_bytes(text[insn_off + 4:insn_off + 8], "little", signed=True)
        nxt = None
        if code == 0x18:
            n = text[insn_off + 8:insn_off + 16]
            nxt = (n[0], n[1] & 0xF, n[1] >> 4, int.from_bytes(n[2:4], "little", signed=True),
                   int.from_bytes(n[4:8], "little", signed=True))
        chk = core.check_insn(r, code, off, imm, src_reg=regs >> 4, next_insn=nxt)
        out[i] = (chk.status, r.target_value if chk.status == "ok" else None)
        if chk.status == "error":
            break
    return out


ORACLE_VMLINUX_C = r"""
#define SEC(n) __attribute__((section(n), used))
#define PAI __attribute__((preserve_access_index))
struct list_head { struct list_head *next, *prev; } PAI;
struct task_struct { unsigned int __state; int pid; int tgid; struct list_head tasks;
                     char comm[16]; } PAI;
struct task_struct___old { long state; } PAI;
struct sk_buff { unsigned int len; unsigned char *head; } PAI;
struct bpf_wq { int x; } PAI;
enum bpf_func_id { BPF_FUNC_loop = 1, BPF_FUNC_nope___x = 2 };

SEC("tp/x/y") int prog(struct task_struct *t)
{
	unsigned long long r = 0;
	struct task_struct___old *o = (void *)t;
	struct sk_buff *s = (void *)t;
	r += t->__state;
	r += t->pid + t->tgid;
	r += (unsigned long)t->tasks.next->prev;
	r += t->comm[3];
	r += __builtin_preserve_field_info(t->comm, 1);
	r += __builtin_preserve_field_info(o->state, 2);
	r += s->len + (unsigned long)s->head;
	r += __builtin_preserve_type_info(*(struct bpf_wq *)0, 0);
	r += __builtin_preserve_enum_value(*(typeof(enum bpf_func_id) *)BPF_FUNC_loop, 1);
	r += __builtin_preserve_enum_value(*(typeof(enum bpf_func_id) *)BPF_FUNC_nope___x, 0);
	r += o->state;
	return r;
}
char _license[] SEC("license") = "GPL";
"""


@pytest.mark.parametrize("source,n_expected", [(ORACLE_C, 26), (ORACLE_BAD_C, 1), (ORACLE_VMLINUX_C, 14)])
def test_oracle_libbpf_agrees(tmp_path, source, n_expected):
    clang = shutil.which("clang-14") or shutil.which("clang")
    if not clang:
        pytest.skip("clang not installed")
    src = tmp_path / "prog.c"
    src.write_text(source)
    obj = tmp_path / "prog.o"
    subprocess.run([clang, "-target", "bpf", "-g", "-O2", "-c", str(src), "-o", str(obj)], check=True)
    if source is ORACLE_VMLINUX_C:
        if not os.access(VMLINUX, os.R_OK):
            pytest.skip("no readable /sys/kernel/btf/vmlinux")
        tpath = VMLINUX
        with open(VMLINUX, "rb") as f:
            target = f.read()
    else:
        target = _oracle_target()
        tpath = tmp_path / "target.btf"
        tpath.write_bytes(target)
    btf, relos, text = _core_relos(str(obj))
    assert len(relos) == n_expected
    theirs = _libbpf_outcomes(_libbpf_log(str(obj), str(tpath)))
    ours = _ours(btf, relos, text, Btf(target))
    assert ours == theirs
    statuses = {s for s, _ in ours.values()}
    if source is not ORACLE_BAD_C:
        assert statuses == {"ok", "poison"}       # the fixture exercises both outcomes
    else:
        assert statuses == {"error"}              # clang 14 truncated the enum64 value: validation fails
