"""analyzer/insns.py: decoding in both byte orders, ld_imm64 pairs, predicates, ISA features."""
import struct

import pytest

from analyzer.objects import insns as I
from analyzer.objects.helpers import HELPER_NAMES, helper_name


def enc(code, dst=0, src=0, off=0, imm=0, bo="little"):
    if bo == "little":
        return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)
    return struct.pack(">BBhi", code, (dst << 4) | src, off, imm)


def one(code, **kw):
    return I.decode(enc(code, **kw))[0]


@pytest.mark.parametrize("bo", ["little", "big"])
def test_registers_and_byte_order(bo):
    raw = enc(0xBF, dst=3, src=7, bo=bo) + enc(0x18, dst=2, src=1, imm=0x11, bo=bo) + \
        enc(0, imm=0x22, bo=bo) + enc(0x95, bo=bo)
    ins = I.decode(raw, bo)
    assert (ins[0].dst, ins[0].src) == (3, 7)
    assert ins[1].is_ld_imm64() and ins[1].imm64 == 0x22_00000011 and ins[1].src == 1
    assert ins[2].is_ld_imm64_tail and not ins[2].is_ld_imm64()
    assert ins[3].is_exit()


def test_calls():
    h = one(0x85, imm=1)
    assert h.is_call() and h.helper_id == 1 and h.helper_name == "map_lookup_elem"
    p = I.decode(enc(0x85, src=1, imm=4))[0]
    assert p.is_pseudo_call() and p.pseudo_call_target() == 5 and p.helper_id is None
    k = one(0x85, src=2, imm=1234)
    assert k.is_kfunc_call() and not k.is_pseudo_call()
    assert helper_name(211) == "cgrp_storage_delete" and helper_name(212) is None
    assert len(HELPER_NAMES) == 212


def test_jumps():
    ins = I.decode(enc(0x15, dst=1, off=3) + enc(0x05, off=-2) + enc(0x06, imm=100) + enc(0x85))
    assert ins[0].is_cond_jump() and ins[0].jump_target() == 4
    assert ins[1].is_uncond_jump() and ins[1].jump_target() == 0
    assert ins[2].jump_target() == 103      # gotol uses imm
    assert ins[3].jump_target() is None


@pytest.mark.parametrize("code,kw,feature", [
    (0x16, dict(off=1), "jmp32"),                               # JMP32|JEQ|K
    (0xA5, dict(off=1), "jlt"),
    (0xDB, dict(imm=0x00), "atomic_add"),                       # STX|ATOMIC|DW add
    (0xDB, dict(imm=0x01), "atomic_fetch_add"),
    (0xDB, dict(imm=0x51), "atomic_fetch_and"),
    (0xDB, dict(imm=0xA0), "atomic_xor"),
    (0xDB, dict(imm=0xE1), "atomic_xchg"),
    (0xDB, dict(imm=0xF1), "atomic_cmpxchg"),
    (0xDB, dict(imm=0x100), "load_acquire"),
    (0xD3, dict(imm=0x110), "store_release"),                   # STX|ATOMIC|B
    (0x81, dict(), "ldsx"),                                     # LDX|MEMSX|W
    (0x91, dict(), "ldsx"),
    (0xBF, dict(off=8), "movsx"),                               # ALU64|MOV|X
    (0xBC, dict(off=16), "movsx"),                              # ALU|MOV|X
    (0xD7, dict(imm=32), "bswap"),                              # ALU64|END
    (0x3F, dict(off=1), "sdiv"),
    (0x9C, dict(off=1), "smod"),
    (0x06, dict(imm=5), "gotol"),
    (0xE5, dict(), "may_goto"),
    (0xBF, dict(off=1, imm=1), "addr_space_cast"),
    (0x30, dict(imm=12), "ld_abs"),
    (0x50, dict(imm=12), "ld_ind"),
    (0x8D, dict(), "callx"),
])
def test_isa_features(code, kw, feature):
    assert feature in I.isa_features([one(code, **kw)])


@pytest.mark.parametrize("code,kw", [
    (0xBF, {}), (0xB7, {}), (0x3F, {}), (0xDC, dict(imm=32)), (0x79, {}), (0x15, {}), (0x05, {}),
    (0x85, dict(imm=1)), (0xC3, dict(imm=0)),
])
def test_baseline_has_no_v4_features(code, kw):
    f = I.isa_features([one(code, **kw)])
    assert not (f - {"atomic_add"}), f


def test_atomic32_flag_and_name():
    i = one(0xC3, imm=0x41)
    assert I.atomic_op_name(i) == "atomic_fetch_or"
    assert "atomic32" in i.features()
    assert I.atomic_op_name(one(0xBF)) is None


def test_ld_imm64_tail_is_not_decoded_as_features():
    # upper half of an ld_imm64 whose "code" byte is 0 but could look like anything
    ins = I.decode(enc(0x18, imm=1) + enc(0, imm=0x30))
    assert I.isa_features(ins) == set()


def test_truncated_pair_and_bad_length():
    ins = I.decode(enc(0x18, imm=7))
    assert ins[0].imm64 == 7
    with pytest.raises(ValueError):
        I.decode(b"\0" * 12)


def test_text_renders():
    assert one(0x85, imm=12).text() == "call tail_call#12"
    assert one(0x95).text() == "exit"
