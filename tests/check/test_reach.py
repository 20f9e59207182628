from types import SimpleNamespace as I

from analyzer.check.reach import NONZERO, MapPtr, reachable


def ins(code, dst=0, src=0, off=0, imm=0, imm64=None):
    return I(code=code, dst=dst, src=src, off=off, imm=imm, imm64=imm64)


MOV_K = 0xB7      # r = imm (64-bit)
JEQ_K = 0x15      # if r == imm goto
JNE_K = 0x55
CALL = 0x85
EXIT = 0x95
LDDW = 0x18
LDXW = 0x61       # r = *(u32 *)(src + off)
LDXDW = 0x79
STXDW = 0x7B


def guarded(value_override):
    # 0: r1 = <relocated>; 1: if r1 == 0 goto 3; 2: call <poison>; 3: r0 = 0; 4: exit
    prog = [ins(MOV_K, 1, imm=1), ins(JEQ_K, 1, off=1), ins(CALL, imm=195896080),
            ins(MOV_K, 0), ins(EXIT)]
    return reachable(prog, overrides={0: value_override})


def test_existence_guard_prunes_the_dead_arm():
    assert 2 not in guarded(0)
    assert 2 in guarded(1)
    assert 2 in guarded(None)        # unknown: both ways


def test_ksym_exists_nonzero_and_zero():
    prog = [ins(LDDW, 1, src=0), None, ins(JNE_K, 1, off=1), ins(EXIT), ins(CALL, src=2), ins(EXIT)]
    assert 4 not in reachable(prog, overrides={0: 0})
    assert 4 in reachable(prog, overrides={0: NONZERO})


def test_frozen_rodata_value_decides_branch():
    # r1 = &rodata + 4; r2 = *(u32 *)(r1 + 0); if r2 == 0 goto +1; call; exit
    prog = [ins(LDDW, 1, src=2), None, ins(LDXW, 2, 1, off=0), ins(JEQ_K, 2, off=1), ins(CALL),
            ins(EXIT)]
    read = lambda m, off, size: {("rodata", 4): 0}.get((m, off))   # noqa: E731
    assert 4 not in reachable(prog, overrides={0: MapPtr("rodata", 4)}, read_const=read)
    read1 = lambda m, off, size: 7   # noqa: E731
    assert 4 in reachable(prog, overrides={0: MapPtr("rodata", 4)}, read_const=read1)


def test_stack_spill_keeps_constant():
    prog = [ins(MOV_K, 1, imm=0), ins(STXDW, 10, 1, off=-8), ins(LDXDW, 3, 10, off=-8),
            ins(JEQ_K, 3, off=1), ins(CALL), ins(EXIT)]
    assert 4 not in reachable(prog)


def test_subprogram_reached_through_call_and_loop_terminates():
    # 0: call sub(3); 1: exit; 2: (dead); 3: r0 = 0; 4: if r0 == 5 goto 2 (never); 5: exit
    prog = [ins(CALL, src=1, imm=2), ins(EXIT), ins(MOV_K), ins(MOV_K), ins(JEQ_K, 0, off=-3, imm=5),
            ins(EXIT)]
    got = reachable(prog, call_targets={0: 3})
    assert got == {0, 1, 3, 4, 5}
    loop = [ins(MOV_K, 1, imm=0), ins(0x07, 1, imm=1), ins(JNE_K, 1, off=-2, imm=10), ins(EXIT)]
    assert reachable(loop) == {0, 1, 2, 3}
