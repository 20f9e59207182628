"""BPF instruction decoding and ISA feature detection (include/uapi/linux/bpf.h,
Documentation/bpf/standardization/instruction-set.rst).

    struct bpf_insn { u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm; };

On a little-endian object `dst_reg` is the low nibble of byte 1; on a big-endian object (bpfeb)
the bitfields are laid out from the top, so `dst_reg` is the high nibble. `ld_imm64`
(BPF_LD|BPF_IMM|BPF_DW, 0x18) spans two slots; its 64-bit value is imm (low) | next.imm << 32.
The second slot is still returned as an Insn (code 0) with `is_ld_imm64_tail` set.

`isa_features(insns)` names the instruction-set extensions a program uses; each name maps to a
`-mcpu` level and a kernel version in ISA_FEATURES (verdict rules decide what to do with them).
"""
import struct

from analyzer.objects.helpers import helper_name

# classes
BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP, BPF_JMP32, BPF_ALU64 = range(8)
CLASS_NAMES = ("ld", "ldx", "st", "stx", "alu", "jmp", "jmp32", "alu64")
# sizes
BPF_W, BPF_H, BPF_B, BPF_DW = 0x00, 0x08, 0x10, 0x18
SIZE_BYTES = {BPF_W: 4, BPF_H: 2, BPF_B: 1, BPF_DW: 8}
# modes
BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_MEMSX, BPF_ATOMIC = 0x00, 0x20, 0x40, 0x60, 0x80, 0xC0
MODE_NAMES = {0x00: "imm", 0x20: "abs", 0x40: "ind", 0x60: "mem", 0x80: "memsx", 0xA0: "msh",
              0xC0: "atomic", 0xE0: "mode0xe0"}
# sources
BPF_K, BPF_X = 0x00, 0x08
# ALU ops
ALU_OPS = {0x00: "add", 0x10: "sub", 0x20: "mul", 0x30: "div", 0x40: "or", 0x50: "and",
           0x60: "lsh", 0x70: "rsh", 0x80: "neg", 0x90: "mod", 0xA0: "xor", 0xB0: "mov",
           0xC0: "arsh", 0xD0: "end", 0xE0: "alu0xe0", 0xF0: "alu0xf0"}
BPF_DIV, BPF_MOD, BPF_MOV, BPF_END = 0x30, 0x90, 0xB0, 0xD0
# JMP ops
JMP_OPS = {0x00: "ja", 0x10: "jeq", 0x20: "jgt", 0x30: "jge", 0x40: "jset", 0x50: "jne",
           0x60: "jsgt", 0x70: "jsge", 0x80: "call", 0x90: "exit", 0xA0: "jlt", 0xB0: "jle",
           0xC0: "jslt", 0xD0: "jsle", 0xE0: "jcond", 0xF0: "jmp0xf0"}
BPF_JA, BPF_JEQ, BPF_JNE, BPF_CALL, BPF_EXIT, BPF_JCOND = 0x00, 0x10, 0x50, 0x80, 0x90, 0xE0
# atomic ops (imm of BPF_STX|BPF_ATOMIC)
BPF_FETCH = 0x01
BPF_XCHG = 0xE0 | BPF_FETCH
BPF_CMPXCHG = 0xF0 | BPF_FETCH
BPF_LOAD_ACQ = 0x100
BPF_STORE_REL = 0x110
ATOMIC_OPS = {0x00: "add", 0x40: "or", 0x50: "and", 0xA0: "xor"}

# src_reg values of BPF_CALL and ld_imm64
BPF_PSEUDO_CALL = 1
BPF_PSEUDO_KFUNC_CALL = 2
LD_IMM64_PSEUDO = {1: "map_fd", 2: "map_value", 3: "btf_id", 4: "func", 5: "map_idx", 6: "map_idx_value"}

LD_IMM64 = BPF_LD | BPF_IMM | BPF_DW   # 0x18

# feature name -> (clang -mcpu level, first kernel, description)
ISA_FEATURES = {
    "jlt": ("v2", "4.14", "BPF_JLT/JLE/JSLT/JSLE jumps"),
    "jmp32": ("v3", "5.1", "32-bit conditional jumps (BPF_JMP32)"),
    "atomic_add": ("v1", "3.18", "atomic add without fetch (BPF_XADD)"),
    "atomic_and": ("v3", "5.12", "atomic and"), "atomic_or": ("v3", "5.12", "atomic or"),
    "atomic_xor": ("v3", "5.12", "atomic xor"),
    "atomic_fetch_add": ("v3", "5.12", "atomic fetch-and-add"),
    "atomic_fetch_and": ("v3", "5.12", "atomic fetch-and-and"),
    "atomic_fetch_or": ("v3", "5.12", "atomic fetch-and-or"),
    "atomic_fetch_xor": ("v3", "5.12", "atomic fetch-and-xor"),
    "atomic_xchg": ("v3", "5.12", "atomic exchange"),
    "atomic_cmpxchg": ("v3", "5.12", "atomic compare-and-exchange"),
    "atomic32": ("v3", "5.12", "32-bit atomic operations other than add"),
    "load_acquire": ("v4", "6.15", "load-acquire (BPF_LOAD_ACQ)"),
    "store_release": ("v4", "6.15", "store-release (BPF_STORE_REL)"),
    "ldsx": ("v4", "6.6", "sign-extending loads (BPF_MEMSX)"),
    "movsx": ("v4", "6.6", "sign-extending moves"),
    "bswap": ("v4", "6.6", "unconditional byte swap (BPF_ALU64|BPF_END)"),
    "sdiv": ("v4", "6.6", "signed division"),
    "smod": ("v4", "6.6", "signed modulo"),
    "gotol": ("v4", "6.6", "long jump (BPF_JMP32|BPF_JA with imm)"),
    "may_goto": ("v4", "6.9", "bounded loop instruction may_goto (BPF_JCOND)"),
    "addr_space_cast": ("v4", "6.9", "arena address-space cast"),
    "ld_abs": ("v1", "3.18", "legacy packet load BPF_LD|BPF_ABS"),
    "ld_ind": ("v1", "3.18", "legacy packet load BPF_LD|BPF_IND"),
    "callx": ("v4", None, "indirect call through a register (not supported by the kernel)"),
}


class Insn:
    """One instruction slot. `imm64` is set on the first slot of an ld_imm64 pair."""

    __slots__ = ("idx", "code", "dst", "src", "off", "imm", "imm64", "is_ld_imm64_tail")

    def __init__(self, idx, code, dst, src, off, imm):
        self.idx = idx
        self.code = code
        self.dst = dst
        self.src = src
        self.off = off
        self.imm = imm
        self.imm64 = None
        self.is_ld_imm64_tail = False

    # --- fields of the opcode
    @property
    def cls(self):
        return self.code & 0x07

    @property
    def class_name(self):
        return CLASS_NAMES[self.code & 0x07]

    @property
    def op(self):
        return self.code & 0xF0

    @property
    def op_name(self):
        c = self.code & 0x07
        if c in (BPF_ALU, BPF_ALU64):
            return ALU_OPS[self.code & 0xF0]
        if c in (BPF_JMP, BPF_JMP32):
            return JMP_OPS[self.code & 0xF0]
        return MODE_NAMES[self.code & 0xE0]

    @property
    def mode(self):
        return self.code & 0xE0

    @property
    def size(self):
        return self.code & 0x18

    @property
    def source(self):
        return self.code & 0x08

    # --- predicates
    def is_call(self):
        return self.code == (BPF_JMP | BPF_CALL) and not self.is_ld_imm64_tail

    def is_helper_call(self):
        return self.is_call() and self.src == 0

    @property
    def helper_id(self):
        return self.imm if self.is_helper_call() else None

    @property
    def helper_name(self):
        return helper_name(self.imm) if self.is_helper_call() else None

    def is_pseudo_call(self):
        """A call with src_reg=1: bpf-to-bpf call, or (in a .bpf.o) an extern kfunc call pending
        relocation — tell them apart by the relocation, not by this flag (notes §2.1)."""
        return self.is_call() and self.src == BPF_PSEUDO_CALL

    def is_kfunc_call(self):
        """src_reg=2: an already-resolved kfunc call (after libbpf; rare inside a .bpf.o)."""
        return self.is_call() and self.src == BPF_PSEUDO_KFUNC_CALL

    def is_ld_imm64(self):
        return self.code == LD_IMM64 and not self.is_ld_imm64_tail

    def is_exit(self):
        return self.code == (BPF_JMP | BPF_EXIT)

    def is_jump(self):
        """Any transfer of control inside the function: ja, gotol, conditional jumps, may_goto."""
        c = self.code & 0x07
        if c not in (BPF_JMP, BPF_JMP32) or self.is_ld_imm64_tail:
            return False
        return (self.code & 0xF0) not in (BPF_CALL, BPF_EXIT)

    def is_cond_jump(self):
        return self.is_jump() and (self.code & 0xF0) != BPF_JA

    def is_uncond_jump(self):
        return self.is_jump() and (self.code & 0xF0) == BPF_JA

    def jump_target(self):
        """Index of the jump destination (gotol uses imm, everything else off), or None."""
        if not self.is_jump():
            return None
        if self.code == (BPF_JMP32 | BPF_JA):
            return self.idx + 1 + self.imm
        return self.idx + 1 + self.off

    def pseudo_call_target(self):
        """Index a src_reg=1 call lands on within the same section (pc-relative imm)."""
        return self.idx + 1 + self.imm if self.is_pseudo_call() else None

    def features(self):
        """ISA feature names this single instruction needs (empty set for baseline eBPF)."""
        return _features_of(self)

    def text(self):
        """A compact readable rendering, not llvm-objdump syntax."""
        if self.is_ld_imm64_tail:
            return "(ld_imm64 upper half)"
        cls = self.class_name
        if self.is_ld_imm64():
            kind = LD_IMM64_PSEUDO.get(self.src)
            tail = f" ({kind})" if kind else ""
            return f"r{self.dst} = 0x{(self.imm64 or 0) & 0xFFFFFFFFFFFFFFFF:x} ll{tail}"
        if self.is_call():
            if self.src == 0:
                return f"call {helper_name(self.imm) or 'unknown'}#{self.imm}"
            if self.src == BPF_PSEUDO_CALL:
                return f"call pc{self.imm:+d}"
            return f"call kfunc#{self.imm}"
        if self.is_exit():
            return "exit"
        return f"{cls}.{self.op_name} dst=r{self.dst} src=r{self.src} off={self.off} imm={self.imm}"

    def __repr__(self):
        return f"<Insn {self.idx}: {self.code:#04x} {self.text()}>"


def decode(data, byteorder="little", base_idx=0):
    """Decode a section's bytes into Insns. Trailing bytes that do not form a whole
    instruction raise ValueError (callers turn that into an InputError naming the object)."""
    n, rem = divmod(len(data), 8)
    if rem:
        raise ValueError(f"size {len(data)} is not a multiple of 8 (BPF instructions)")
    fmt = "<BBhi" if byteorder == "little" else ">BBhi"
    out = []
    little = byteorder == "little"
    idx = base_idx
    for code, regs, off, imm in struct.iter_unpack(fmt, data):
        if little:
            dst, src = regs & 0xF, regs >> 4
        else:
            dst, src = regs >> 4, regs & 0xF
        out.append(Insn(idx, code, dst, src, off, imm))
        idx += 1
    # pair up ld_imm64
    i = 0
    while i < n:
        ins = out[i]
        if ins.code == LD_IMM64:
            if i + 1 < n:
                nxt = out[i + 1]
                ins.imm64 = (ins.imm & 0xFFFFFFFF) | ((nxt.imm & 0xFFFFFFFF) << 32)
                nxt.is_ld_imm64_tail = True
                i += 2
                continue
            ins.imm64 = ins.imm & 0xFFFFFFFF   # truncated pair: the verifier rejects it
        i += 1
    return out


def _features_of(ins):
    if ins.is_ld_imm64_tail:
        return set()
    code = ins.code
    c = code & 0x07
    f = set()
    if c in (BPF_JMP, BPF_JMP32):
        op = code & 0xF0
        if c == BPF_JMP32:
            if op == BPF_JA:
                f.add("gotol")
            elif op not in (BPF_CALL, BPF_EXIT):
                f.add("jmp32")
        if op in (0xA0, 0xB0, 0xC0, 0xD0):
            f.add("jlt")
        if c == BPF_JMP and op == BPF_JCOND:
            f.add("may_goto")
        if c == BPF_JMP and op == BPF_CALL and (code & BPF_X):
            f.add("callx")
    elif c in (BPF_ALU, BPF_ALU64):
        op = code & 0xF0
        if op == BPF_MOV and (code & BPF_X):
            if c == BPF_ALU64 and ins.off == 1:
                f.add("addr_space_cast")
            elif ins.off in (8, 16, 32):
                f.add("movsx")
        elif op in (BPF_DIV, BPF_MOD) and ins.off == 1:
            f.add("sdiv" if op == BPF_DIV else "smod")
        elif op == BPF_END and c == BPF_ALU64:
            f.add("bswap")
    elif c == BPF_LDX:
        if code & 0xE0 == BPF_MEMSX:
            f.add("ldsx")
    elif c == BPF_STX:
        if code & 0xE0 == BPF_ATOMIC:
            f.add(_atomic_feature(ins.imm))
            if ins.size == BPF_W and ins.imm not in (0, BPF_LOAD_ACQ, BPF_STORE_REL):
                f.add("atomic32")
    elif c == BPF_LD:
        m = code & 0xE0
        if m == BPF_ABS:
            f.add("ld_abs")
        elif m == BPF_IND:
            f.add("ld_ind")
    return f


def _atomic_feature(imm):
    if imm == BPF_LOAD_ACQ:
        return "load_acquire"
    if imm == BPF_STORE_REL:
        return "store_release"
    if imm == BPF_XCHG:
        return "atomic_xchg"
    if imm == BPF_CMPXCHG:
        return "atomic_cmpxchg"
    base = ATOMIC_OPS.get(imm & ~BPF_FETCH)
    if base is None:
        return f"atomic_op_0x{imm & 0xFFFFFFFF:x}"
    return f"atomic_fetch_{base}" if imm & BPF_FETCH else f"atomic_{base}"


def isa_features(insns):
    """Union of per-instruction feature names over an iterable of Insn (or LinkedInsn with .insn)."""
    out = set()
    for ins in insns:
        ins = getattr(ins, "insn", ins)
        out |= _features_of(ins)
    return out


def atomic_op_name(ins):
    """'atomic_fetch_add', 'load_acquire', ... for a BPF_STX|BPF_ATOMIC instruction, else None."""
    if ins.cls == BPF_STX and ins.mode == BPF_ATOMIC:
        return _atomic_feature(ins.imm)
    return None
