"""Which instructions can the verifier reach on a given kernel?

libbpf poisons instructions it cannot relocate (CO-RE relocations without a target, calls to weak
kfuncs that did not resolve); the kernel rejects the program only if its path exploration reaches
one. The verifier tracks constants, so `if (bpf_core_field_exists(..))`, `if (bpf_ksym_exists(..))`,
`.kconfig` and frozen `.rodata` values prune dead branches. This pass mirrors that with a classic
forward constant propagation over the linked program (main program plus appended subprograms):
registers and 8-byte stack slots hold a known integer, NONZERO (a resolved ksym address), a
pointer into a frozen map's value, or unknown. A branch whose outcome is decided by known values
keeps only the taken edge, as `is_branch_taken()` does. Where the verifier is path-sensitive and we
join paths, we over-approximate reachability — a poisoned instruction we call reachable may in rare
cases be pruned by the kernel, never the other way round.
"""
from dataclasses import dataclass

MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1


class _NonZero:
    """A value known to be non-zero but not known exactly (a resolved kernel symbol's address)."""

    def __repr__(self):
        return "NONZERO"


NONZERO = _NonZero()


@dataclass(frozen=True)
class MapPtr:
    """Pointer into the value of a frozen (read-only) map: .rodata or .kconfig."""
    map_name: str
    offset: int


# opcode pieces (include/uapi/linux/bpf.h, bpf_common.h)
LD, LDX, ST, STX, ALU, JMP, JMP32, ALU64 = range(8)
OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_OR, OP_AND, OP_LSH, OP_RSH, OP_NEG, OP_MOD, OP_XOR, OP_MOV, \
    OP_ARSH, OP_END = (x << 4 for x in range(14))
J_JA, J_JEQ, J_JGT, J_JGE, J_JSET, J_JNE, J_JSGT, J_JSGE, J_CALL, J_EXIT, J_JLT, J_JLE, J_JSLT, \
    J_JSLE, J_JCOND = (x << 4 for x in range(15))
SIZE_BYTES = {0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8}
MODE_MEM = 0x60


def _signed(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _alu(op, a, b, bits):
    """Result of a constant ALU op, or None when not a plain integer computation."""
    if not isinstance(a, int) or (op not in (OP_NEG, OP_END) and not isinstance(b, int)):
        return None
    m = MASK64 if bits == 64 else MASK32
    a &= m
    if isinstance(b, int):
        b &= m
    if op == OP_ADD:
        r = a + b
    elif op == OP_SUB:
        r = a - b
    elif op == OP_MUL:
        r = a * b
    elif op == OP_OR:
        r = a | b
    elif op == OP_AND:
        r = a & b
    elif op == OP_XOR:
        r = a ^ b
    elif op == OP_LSH:
        r = a << (b & (bits - 1))
    elif op == OP_RSH:
        r = a >> (b & (bits - 1))
    elif op == OP_ARSH:
        r = _signed(a, bits) >> (b & (bits - 1))
    elif op == OP_NEG:
        r = -a
    elif op == OP_DIV:
        r = a // b if b else 0
    elif op == OP_MOD:
        r = a % b if b else a
    else:
        return None
    return r & m


def branch_taken(op, a, b, bits):
    """True/False when the comparison is decided by the known values, None when it is not."""
    if a is NONZERO or b is NONZERO:
        other = b if a is NONZERO else a
        if other == 0 and op in (J_JEQ, J_JNE):
            return op == J_JNE
        if other == 0 and a is NONZERO and op == J_JGT:
            return True
        return None
    if not isinstance(a, int) or not isinstance(b, int):
        return None
    m = MASK64 if bits == 64 else MASK32
    ua, ub = a & m, b & m
    sa, sb = _signed(ua, bits), _signed(ub, bits)
    return {
        J_JEQ: ua == ub, J_JNE: ua != ub, J_JGT: ua > ub, J_JGE: ua >= ub, J_JLT: ua < ub,
        J_JLE: ua <= ub, J_JSET: bool(ua & ub), J_JSGT: sa > sb, J_JSGE: sa >= sb,
        J_JSLT: sa < sb, J_JSLE: sa <= sb,
    }.get(op)


class _State:
    __slots__ = ("regs", "stack")

    def __init__(self, regs, stack):
        self.regs = regs
        self.stack = stack

    def copy(self):
        return _State(list(self.regs), dict(self.stack))

    def join(self, other):
        """Merge other into self; return True when self changed."""
        changed = False
        for i in range(11):
            if self.regs[i] is not None and self.regs[i] != other.regs[i]:
                self.regs[i] = None
                changed = True
        for k in list(self.stack):
            if other.stack.get(k, None) != self.stack[k]:
                del self.stack[k]
                changed = True
        return changed


def reachable(insns, *, call_targets=None, overrides=None, read_const=None, max_steps=2_000_000):
    """Positions of `insns` the verifier can reach.

    insns: sequence of objects with .code .dst .src .off .imm (and .imm64 for ld_imm64), indexed
    by position (the second slot of an ld_imm64 is never visited).
    call_targets: {pos: entry pos} of the subprogram a pseudo call calls or a pseudo-func
    ld_imm64 takes the address of.
    overrides: {pos: value} — the value the instruction at pos puts in its dst register after
    relocation on this kernel (int, NONZERO, MapPtr, or None for unknown).
    read_const(map_name, offset, size) -> int or None: bytes of a frozen map.
    """
    return Reachability(insns, overrides or {}, read_const, call_targets or {}).run(max_steps)


class Reachability:
    def __init__(self, insns, overrides, read_const, call_targets):
        self.insns = insns
        self.overrides = overrides
        self.read_const = read_const
        self.call_targets = call_targets

    def run(self, max_steps):
        n = len(self.insns)
        states = {}
        work = [0]
        entry = _State([None] * 11, {})
        states[0] = entry
        seen = set()
        steps = 0
        while work:
            pos = work.pop()
            steps += 1
            if steps > max_steps:
                # give up precision rather than time: everything not yet proven dead counts as reachable
                return set(range(n))
            st = states[pos]
            seen.add(pos)
            for nxt, nst in self._step(pos, st):
                if nxt < 0 or nxt >= n:
                    continue
                old = states.get(nxt)
                if old is None:
                    states[nxt] = nst
                    work.append(nxt)
                elif old.join(nst):
                    work.append(nxt)
        return seen

    def _step(self, pos, st):
        ins = self.insns[pos]
        code = ins.code
        cls = code & 7
        regs = st.regs
        ov = self.overrides
        if cls in (ALU, ALU64):
            st = st.copy()
            bits = 64 if cls == ALU64 else 32
            op = code & 0xF0
            if pos in ov:
                st.regs[ins.dst] = ov[pos]
            elif op == OP_MOV and ins.off == 0:
                v = ins.imm if not code & 0x08 else regs[ins.src]
                if isinstance(v, int):
                    v &= MASK64 if bits == 64 else MASK32
                elif bits == 32 and v is not None:
                    v = None
                st.regs[ins.dst] = v
            else:
                a = regs[ins.dst]
                b = ins.imm if not code & 0x08 else regs[ins.src]
                if isinstance(a, MapPtr) and op in (OP_ADD, OP_SUB) and isinstance(b, int) and bits == 64:
                    st.regs[ins.dst] = MapPtr(a.map_name, a.offset + (b if op == OP_ADD else -b))
                else:
                    st.regs[ins.dst] = _alu(op, a, b, bits)
            return [(pos + 1, st)]
        if cls == LD:
            st = st.copy()
            if code == 0x18:                                    # ld_imm64: two slots
                if pos in ov:
                    st.regs[ins.dst] = ov[pos]
                elif ins.src == 0:
                    st.regs[ins.dst] = getattr(ins, "imm64", None)
                else:
                    st.regs[ins.dst] = None
                succ = [(pos + 2, st)]
                tgt = self.call_targets.get(pos)
                if tgt is not None:                              # callback address: its code is reachable
                    succ.append((tgt, _State([None] * 11, {})))
                return succ
            st.regs[0] = None                                    # LD_ABS/LD_IND
            for r in range(1, 6):
                st.regs[r] = None
            return [(pos + 1, st)]
        if cls == LDX:
            st = st.copy()
            size = SIZE_BYTES.get(code & 0x18, 8)
            base = regs[ins.src]
            val = None
            if pos in ov:
                val = ov[pos]
            elif ins.src == 10 and size == 8 and (code & 0xE0) == MODE_MEM:
                val = st.stack.get(ins.off)
            elif isinstance(base, MapPtr) and self.read_const is not None and (code & 0xE0) == MODE_MEM:
                val = self.read_const(base.map_name, base.offset + ins.off, size)
            st.regs[ins.dst] = val
            return [(pos + 1, st)]
        if cls in (ST, STX):
            if ins.dst == 10:
                st = st.copy()
                size = SIZE_BYTES.get(code & 0x18, 8)
                lo, hi = ins.off, ins.off + size
                for k in [k for k in st.stack if k < hi and k + 8 > lo]:
                    del st.stack[k]
                if size == 8 and (code & 0xE0) == MODE_MEM:
                    st.stack[ins.off] = ins.imm if cls == ST else regs[ins.src]
                return [(pos + 1, st)]
            if (code & 0xE0) == 0xC0 and cls == STX:               # atomic: may write r0 / src
                st = st.copy()
                st.regs[0] = None
                st.regs[ins.src] = None
                return [(pos + 1, st)]
            return [(pos + 1, st)]
        # jumps
        op = code & 0xF0
        bits = 64 if cls == JMP else 32
        if op == J_EXIT:
            return []
        if op == J_CALL:
            st2 = st.copy()
            st2.regs[0] = ov.get(pos)
            for r in range(1, 6):
                st2.regs[r] = None
            st2.stack = {}
            succ = [(pos + 1, st2)]
            tgt = self.call_targets.get(pos)
            if tgt is not None:
                callee = _State([None] + list(regs[1:6]) + [None] * 5, {})
                succ.append((tgt, callee))
            return succ
        if op == J_JA:
            if cls == JMP32:
                return [(pos + ins.imm + 1, st)]
            return [(pos + ins.off + 1, st)]
        if op == J_JCOND:                                          # may_goto: both ways
            return [(pos + 1, st), (pos + ins.off + 1, st.copy())]
        a = regs[ins.dst]
        b = ins.imm if not code & 0x08 else regs[ins.src]
        taken = branch_taken(op, a, b, bits)
        target = pos + ins.off + 1
        if taken is True:
            return [(target, st)]
        if taken is False:
            return [(pos + 1, st)]
        return [(pos + 1, st), (target, st.copy())]
