"""Context field access: loads and stores through the context pointer, against the kernel's UAPI struct.

A program's context is the pointer in r1 at entry. The verifier checks every memory access through
it (kernel/bpf/verifier.c check_mem_access -> check_ctx_access -> env->ops->is_valid_access) and
refuses an access the program type's is_valid_access rejects:
    verbose(env, "invalid bpf_context access off=%d size=%d\\n", off, size);   return -EACCES;
Each is_valid_access starts with a bound against the UAPI struct *as that kernel was compiled*, so a
field added later (`__sk_buff.hwtstamp`, 5.16) is past the end of an older kernel's struct. Sources
([KS] Debian linux-source 5.10.223 and 7.2.13, same tests in both):
* net/core/filter.c bpf_skb_is_valid_access (socket filter, tc, cgroup_skb, lwt, sk_skb via their
  *_is_valid_access): `if (off < 0 || off >= sizeof(struct __sk_buff)) return false; if (off % size
  != 0) return false;` flow_dissector_is_valid_access: the same bound on __sk_buff;
  xdp_is_valid_access: `off >= sizeof(struct xdp_md)`, `off % size`; bpf_sock_is_valid_access
  (cgroup_sock): `off >= sizeof(struct bpf_sock)`, `off % size`; sock_addr_is_valid_access:
  `off >= sizeof(struct bpf_sock_addr)`, `off % size`; sock_ops_is_valid_access:
  `off >= sizeof(struct bpf_sock_ops)`, `off % size`; sk_msg_is_valid_access:
  `off >= sizeof(struct sk_msg_md)`, `off % size`; sk_reuseport_is_valid_access:
  `off >= sizeof(struct sk_reuseport_md)`, `off % size`; sk_lookup_is_valid_access:
  `off >= sizeof(struct bpf_sk_lookup)`, `off % size`.
* kernel/bpf/cgroup.c cgroup_dev_is_valid_access: `off + size > sizeof(struct bpf_cgroup_dev_ctx)`,
  `off % size`; sysctl_is_valid_access: `off + size > sizeof(struct bpf_sysctl) || off % size`;
  cg_sockopt_is_valid_access: `off >= sizeof(struct bpf_sockopt)`, `off % size`.
* kernel/trace/bpf_trace.c kprobe_prog_is_valid_access: `off >= sizeof(struct pt_regs)`,
  `off % size`, `off + size > sizeof(struct pt_regs)`; pe_prog_is_valid_access:
  `off >= sizeof(struct bpf_perf_event_data)`, `off % size`.
The struct and its size come from the kernel's BTF (the UAPI type bpf_ctx_convert pairs with the
program type, or the named struct for the types below), so the rule needs no version table.
Only the bound and the alignment are modelled; per-field rules (which fields a type may write, which
narrow loads are allowed) are not.

Which accesses go through the context: r1 at the main program's entry, and registers or 8-byte
stack slots that copy it (mov, spill/fill), tracked forward over the reachable instructions of the
main program with an intersection at joins (a register is the context only when it is on every
path). Calls clobber r1-r5; subprograms (which may receive the context) are not followed.
An access with a CO-RE relocation (a preserve_access_index ctx struct, e.g. from vmlinux.h) is
field-relative: libbpf rewrites its offset for the kernel, and a field the kernel lacks is a
poisoned instruction (CORE_RELO_POISONED), so it is not judged here.
"""
import json
import os
from functools import lru_cache

from btf import kinds as K

from analyzer.check.findings import Finding
from analyzer.kernel.versions import newest_not_after
from analyzer.check.reach import SIZE_BYTES, LDX, ST, STX, ALU64, JMP, JMP32, J_CALL, J_EXIT, J_JA, J_JCOND, OP_MOV
from analyzer.objects.sections import short_prog_type

# prog type -> (UAPI struct, bound): "off" = off >= sizeof, "end" = off + size > sizeof; all check off % size
BOUNDS = {
    "BPF_PROG_TYPE_SOCKET_FILTER": ("__sk_buff", "off"),
    "BPF_PROG_TYPE_SCHED_CLS": ("__sk_buff", "off"),
    "BPF_PROG_TYPE_SCHED_ACT": ("__sk_buff", "off"),
    "BPF_PROG_TYPE_CGROUP_SKB": ("__sk_buff", "off"),
    "BPF_PROG_TYPE_LWT_IN": ("__sk_buff", "off"),
    "BPF_PROG_TYPE_LWT_OUT": ("__sk_buff", "off"),
    "BPF_PROG_TYPE_LWT_XMIT": ("__sk_buff", "off"),
    "BPF_PROG_TYPE_LWT_SEG6LOCAL": ("__sk_buff", "off"),
    "BPF_PROG_TYPE_SK_SKB": ("__sk_buff", "off"),
    "BPF_PROG_TYPE_FLOW_DISSECTOR": ("__sk_buff", "off"),
    "BPF_PROG_TYPE_XDP": ("xdp_md", "off"),
    "BPF_PROG_TYPE_CGROUP_SOCK": ("bpf_sock", "off"),
    "BPF_PROG_TYPE_CGROUP_SOCK_ADDR": ("bpf_sock_addr", "off"),
    "BPF_PROG_TYPE_SOCK_OPS": ("bpf_sock_ops", "off"),
    "BPF_PROG_TYPE_SK_MSG": ("sk_msg_md", "off"),
    "BPF_PROG_TYPE_SK_REUSEPORT": ("sk_reuseport_md", "off"),
    "BPF_PROG_TYPE_SK_LOOKUP": ("bpf_sk_lookup", "off"),
    "BPF_PROG_TYPE_CGROUP_DEVICE": ("bpf_cgroup_dev_ctx", "end"),
    "BPF_PROG_TYPE_CGROUP_SYSCTL": ("bpf_sysctl", "end"),
    "BPF_PROG_TYPE_CGROUP_SOCKOPT": ("bpf_sockopt", "off"),
    "BPF_PROG_TYPE_KPROBE": ("pt_regs", "end"),
    "BPF_PROG_TYPE_PERF_EVENT": ("bpf_perf_event_data", "off"),
}
MODE_MEM, MODE_ATOMIC = 0x60, 0xC0
DENIED_TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ctx_denied_fields.json")


@lru_cache(maxsize=1)
def _denied_tables():
    with open(DENIED_TABLE) as f:
        return json.load(f)


def denied_for(release, prog_type):
    """(tree version, origin, [{"struct", "from", "to"}]) of the fields the program type's
    is_valid_access refuses outright, from the newest source tree not newer than the release
    (analyzer/kernel/source_ctx.py); (None, None, []) when no tree applies."""
    ver, t = newest_not_after(_denied_tables(), release)
    if t is None:
        return None, None, []
    return ver, t["origin"], t["prog_types"].get(prog_type, {}).get("denied", [])


def _field_range(btf, struct_tid, field):
    """[start, end) byte range of `field` ("cb[4]" allowed) in a struct, descending into anonymous
    members (__bpf_md_ptr unions); None when the kernel's struct has no such field."""
    name, _, idx = field.partition("[")
    index = int(idx.rstrip("]")) if idx else None

    def walk(tid, base):
        t = btf.type(btf.skip_mods(tid))
        for m in t.members:
            off = base + m.bit_offset // 8
            if m.name == name:
                size = btf.resolve_size(m.type)
                if index is not None:
                    mt = btf.type(btf.skip_mods(m.type))
                    if mt.kind != K.ARRAY:
                        return None
                    esz = btf.resolve_size(mt.elem_type)
                    return off + index * esz, off + (index + 1) * esz
                return off, off + size
            if not m.name and btf.type(btf.skip_mods(m.type)).kind in (K.STRUCT, K.UNION):
                got = walk(m.type, off)
                if got:
                    return got
        return None
    return walk(struct_tid, 0)
CTX = "ctx"


def ctx_accesses(prog, reach):
    """[(pos, off, size, write)] of the reachable main-program accesses through the context pointer."""
    linked = prog.linked
    main = prog.name
    n = len(linked)
    states = {0: (frozenset({1}), frozenset())}     # pos -> (ctx regs, ctx stack slots)
    work, out, seen = [0], {}, set()
    while work:
        pos = work.pop()
        li = linked[pos] if pos < n else None
        if li is None or li.func != main or pos not in reach:
            continue
        regs, slots = states[pos]
        ins = li.insn
        code = ins.code
        cls = code & 7
        nregs, nslots = set(regs), set(slots)
        succ = [pos + 1]
        mode = code & 0xE0
        if cls == LDX:
            size = SIZE_BYTES.get(code & 0x18, 8)
            if ins.src in regs and mode in (MODE_MEM, 0x80) and not _core(li):
                out[pos] = (pos, ins.off, size, False)
            if ins.src == 10 and size == 8 and mode == MODE_MEM and ins.off in slots:
                nregs.add(ins.dst)
            else:
                nregs.discard(ins.dst)
        elif cls in (ST, STX):
            size = SIZE_BYTES.get(code & 0x18, 8)
            if ins.dst in regs and mode in (MODE_MEM, MODE_ATOMIC) and not _core(li):
                out[pos] = (pos, ins.off, size, True)
            if ins.dst == 10:
                for k in [k for k in nslots if k < ins.off + size and k + 8 > ins.off]:
                    nslots.discard(k)
                if cls == STX and size == 8 and mode == MODE_MEM and ins.src in regs:
                    nslots.add(ins.off)
            if cls == STX and mode == MODE_ATOMIC:
                nregs.discard(0)
                nregs.discard(ins.src)
        elif cls in (0, 4, ALU64):                         # LD (ld_imm64, LD_ABS/IND), ALU, ALU64
            if code == 0x18:
                succ = [pos + 2]
                nregs.discard(ins.dst)
            elif cls == 0:
                nregs -= {0, 1, 2, 3, 4, 5}
            elif cls == ALU64 and (code & 0xF0) == OP_MOV and code & 0x08 and ins.off == 0:
                (nregs.add if ins.src in regs else nregs.discard)(ins.dst)
            else:
                nregs.discard(ins.dst)                      # arithmetic on ctx: no longer the ctx pointer
        elif cls in (JMP, JMP32):
            op = code & 0xF0
            if op == J_EXIT:
                succ = []
            elif op == J_CALL:
                nregs -= {0, 1, 2, 3, 4, 5}
            elif op == J_JA:
                succ = [pos + (ins.imm if cls == JMP32 else ins.off) + 1]
            elif op == J_JCOND:
                succ = [pos + 1, pos + ins.off + 1]
            else:
                succ = [pos + 1, pos + ins.off + 1]
        new = (frozenset(nregs), frozenset(nslots))
        for nxt in succ:
            old = states.get(nxt)
            if old is None:
                states[nxt] = new
                work.append(nxt)
            else:
                joined = (old[0] & new[0], old[1] & new[1])
                if joined != old:
                    states[nxt] = joined
                    work.append(nxt)
                elif nxt not in seen:
                    work.append(nxt)
        seen.add(pos)
    return sorted(out.values())


def _core(li):
    return li.reloc is not None and li.reloc[0] == "core"


def _struct_size(kernel, name):
    tid = kernel.btf.find(name, K.STRUCT)
    return (tid, kernel.btf.type(tid).size) if tid else (None, None)


def check(prog, kernel, reach):
    """CTX_ACCESS_INVALID for each reachable context access past the end of this kernel's UAPI
    context struct, or misaligned, for the program types in BOUNDS."""
    pt = prog.info.prog_type
    rule = BOUNDS.get(pt)
    if rule is None:
        return []
    struct, bound = rule
    tid, size_of = _struct_size(kernel, struct)
    if size_of is None:
        return []
    _ver, origin, denied = denied_for(kernel.release, pt)
    ranges = []
    for d in denied:
        if d["struct"] != struct:
            continue
        a, b = _field_range(kernel.btf, tid, d["from"]), _field_range(kernel.btf, tid, d["to"])
        if a and b:
            ranges.append((a[0], b[1], d["from"] if d["from"] == d["to"] else f"{d['from']}..{d['to']}"))
    out = []
    for pos, off, size, write in ctx_accesses(prog, reach):
        # the type's own switch (off) comes first, then the bound and alignment (bpf_skb_is_valid_access)
        field = next((f for lo, hi, f in ranges if lo <= off < hi), None)
        past = off < 0 or (off >= size_of if bound == "off" else off + size > size_of)
        misaligned = size and off % size != 0
        if field is None and not (past or misaligned):
            continue
        li = prog.linked[pos]
        short = short_prog_type(pt)
        if field is not None:
            reason = "denied_field"
            why = f"{short} programs may not access {struct}.{field} (per {origin})"
            hint = f"{struct}.{field} is not available to {short} programs: read it from another program type"
        elif past:
            reason = "past_end"
            why = f"struct {struct} is {size_of} bytes on this kernel"
            hint = (f"the field at offset {off} of struct {struct} is newer than kernel {kernel.release}: guard "
                    "the access with bpf_core_field_exists() on a CO-RE (preserve_access_index) ctx struct, or "
                    "require a kernel whose struct has it")
        else:
            reason = "misaligned"
            why = f"offset {off} is not a multiple of the access size {size}"
            hint = "access context fields with their own size and alignment"
        out.append(Finding("CTX_ACCESS_INVALID", f"{'write to' if write else 'read of'} the {struct} context at "
                           f"off={off} size={size}: {why}; the verifier says 'invalid bpf_context access "
                           f"off={off} size={size}'", location=li.line, hint=hint,
                           detail={"struct": struct, "off": off, "size": size, "write": write,
                                   "struct_size": size_of, "reason": reason, "field": field}))
    return out
