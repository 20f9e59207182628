"""BTF-typed arguments of tracing and LSM programs: context reads checked against the target's prototype.

fentry/fexit/fmod_ret (BPF_PROG_TYPE_TRACING), tp_btf (BPF_TRACE_RAW_TP) and lsm programs see their
context as an array of u64 arguments, typed by the attach target's BTF FUNC_PROTO (for tp_btf the
`btf_trace_<name>` typedef, whose first `void *__data` parameter is skipped). The verifier checks
every context read (kernel/bpf/verifier.c check_ctx_access -> is_valid_access):
* kernel/trace/bpf_trace.c tracing_prog_is_valid_access / kernel/bpf/btf.c bpf_tracing_btf_ctx_access
  (LSM): `off < 0 || off >= sizeof(__u64) * MAX_BPF_FUNC_ARGS` (12), writes (`type != BPF_READ`) and
  `off % size` are refused ("invalid bpf_context access"), then btf_ctx_access;
* kernel/bpf/btf.c btf_ctx_access ([KS] Debian 5.10.223, 6.1.192, 6.12.107, 7.2.13):
  `off % 8` -> "func '%s' offset %d is not multiple of 8"; arg = off / 8 (7.2: btf_ctx_arg_idx, the
  same for prototypes without by-value struct arguments, the only ones judged here);
  `arg > nr_args` -> "func '%s' doesn't have %d-th argument"; `arg == nr_args` is the return value
  for BPF_LSM_MAC / BPF_TRACE_FEXIT (and LSM_CGROUP, FSESSION), must be a small int for
  BPF_MODIFY_RETURN ("ret type %s not allowed for fmod_ret"), else "doesn't have %d-th argument";
  the argument type after modifiers and typedefs is then accepted when a small int (INT of <= 8
  bytes) or an enum (ENUM64 from 6.0: btf_is_any_enum), or a by-value struct (6.1+ trees:
  `__btf_type_is_struct`; 5.10: not), otherwise it must be a pointer, else "func '%s' arg%d '%s' has
  type %s. Only pointer access is allowed" (5.10: a `void` return read by fexit/lsm is "'(anon)' has
  type UNKNOWN"); a pointer read must be 8 bytes ("func '%s' size %d must be 8", in the 6.12 and 7.2
  trees, not in 6.1's). From 6.1 the slot index is get_ctx_arg_idx (7.2: btf_ctx_arg_idx): each
  parameter takes its size rounded up to 8 bytes, and a void return takes none, so reading the return
  slot of a void function is "doesn't have %d-th argument" (nr_args + 2).
What the pointed-to type allows (PTR_TO_BTF_ID field access) is left to the verifier.
Reads come from rules/context.ctx_accesses (r1 at entry, copies and spills).
"""
from btf import kinds as K

from analyzer.check.findings import Finding
from analyzer.kernel.versions import newest_not_after
from analyzer.check.rules import progtype as progtype_rules
from analyzer.check.rules.context import ctx_accesses

MAX_BPF_FUNC_ARGS = 12
# per source tree read: does btf_ctx_access accept by-value struct arguments / check pointer read size
# ("ctx_arg_idx": the argument index counts each parameter's rounded-up size and a void return has no
# slot: get_ctx_arg_idx in 6.1/6.12, btf_ctx_arg_idx in 7.2; 5.10: off / 8 and a return slot always)
TREES = {
    "5.10.223": {"struct_by_value": False, "ptr_size_8": False, "enum64": False, "ctx_arg_idx": False},
    "6.1.192": {"struct_by_value": True, "ptr_size_8": False, "enum64": True, "ctx_arg_idx": True},
    "6.12.107": {"struct_by_value": True, "ptr_size_8": True, "enum64": True, "ctx_arg_idx": True},
    "7.2.13": {"struct_by_value": True, "ptr_size_8": True, "enum64": True, "ctx_arg_idx": True},
}
RET_SLOT = {"BPF_LSM_MAC", "BPF_LSM_CGROUP", "BPF_TRACE_FEXIT", "BPF_TRACE_FSESSION"}
KIND_STR = {K.INT: "INT", K.PTR: "PTR", K.ARRAY: "ARRAY", K.STRUCT: "STRUCT", K.UNION: "UNION",
            K.ENUM: "ENUM", K.FWD: "FWD", K.FUNC_PROTO: "FUNC_PROTO", K.FLOAT: "FLOAT", K.ENUM64: "ENUM64"}


def _target_proto(info, kernel):
    """(func name, FUNC_PROTO type, skip_first) of the program's attach target in vmlinux BTF, or None."""
    at = info.attach_type
    if at not in ("BPF_TRACE_FENTRY", "BPF_TRACE_FEXIT", "BPF_MODIFY_RETURN", "BPF_TRACE_RAW_TP",
                  "BPF_LSM_MAC", "BPF_LSM_CGROUP"):
        return None
    mod, fn = progtype_rules.split_module(info.attach_target)
    if mod is not None or not fn:
        return None
    prefix, kind = progtype_rules.BTF_TARGET.get(at, ("", K.FUNC))
    btf = kernel.btf
    tid = btf.find(prefix + fn, kind)
    if not tid:
        return None
    t = btf.type(tid)
    if kind == K.TYPEDEF:                      # btf_trace_<tp>: typedef -> ptr -> func_proto
        pt = btf.type(btf.skip_mods(t.type))
        if pt.kind != K.PTR:
            return None
        proto = btf.type(btf.skip_mods(pt.type))
        skip = True
    else:
        proto = btf.type(t.type)
        skip = False
    if proto.kind != K.FUNC_PROTO:
        return None
    return fn, proto, skip


def check(prog, kernel, reach):
    info = prog.info
    if info.prog_type not in ("BPF_PROG_TYPE_TRACING", "BPF_PROG_TYPE_LSM") or not info.attach_target:
        return []
    got = _target_proto(info, kernel)
    ver, feats = newest_not_after(TREES, kernel.release)
    if got is None or feats is None:
        return []
    fn, proto, skip = got
    btf = kernel.btf
    params = list(proto.params)
    if skip:
        params = params[1:]
    if not feats["ctx_arg_idx"] and any(btf.type(btf.skip_mods(p.type)).kind in (K.STRUCT, K.UNION)
                                        for p in params):
        return []                                # 5.10 does not attach to by-value struct arguments
    tname = info.attach_target if info.attach_type != "BPF_TRACE_RAW_TP" else fn
    if info.attach_type in ("BPF_LSM_MAC", "BPF_LSM_CGROUP"):
        tname = "bpf_lsm_" + fn
    nr_args = len(params)
    out = []
    for pos, off, size, write in ctx_accesses(prog, reach):
        li = prog.linked[pos]
        said, why = None, None
        if off < 0 or off >= 8 * MAX_BPF_FUNC_ARGS or write or (size and off % size):
            said = f"invalid bpf_context access off={off} size={size}"
            why = "writes to the context are refused" if write else "outside the argument array or misaligned"
        elif off % 8:
            said = f"func '{tname}' offset {off} is not multiple of 8"
        else:
            # over the whole prototype, __data included for tp_btf, as the kernel does before args++
            arg = _arg_idx(btf, proto, off) if feats["ctx_arg_idx"] else off // 8
            t = None
            if arg > nr_args or (arg == nr_args and info.attach_type not in RET_SLOT | {"BPF_MODIFY_RETURN"}):
                said = f"func '{tname}' doesn't have {arg + 1}-th argument"
                why = f"{tname} has {nr_args} argument{'s' if nr_args != 1 else ''} on this kernel"
            elif arg == nr_args:
                t = btf.type(btf.skip_mods(proto.type))          # void (type 0) is kind UNKN
                if info.attach_type == "BPF_MODIFY_RETURN" and not _small_int(t):
                    said = f"ret type {_kind(t)} not allowed for fmod_ret"
                    t = None
            else:
                t = btf.type(btf.skip_mods(params[arg].type))
            if said is None:
                ok = t is not None and (_small_int(t) or t.kind == K.ENUM or (t.kind == K.ENUM64 and feats["enum64"])
                                        or (t.kind == K.STRUCT and feats["struct_by_value"]))
                if not ok:
                    if t is None:
                        pass                                       # fmod_ret return already said
                    elif t.kind != K.PTR:
                        said = (f"func '{tname}' arg{arg} '{(t.name if t.kind != K.UNKN else '') or '(anon)'}' "
                                f"has type {_kind(t)}. Only pointer access is allowed")
                        if arg == nr_args:
                            why = f"slot {arg} is {tname}'s return value, which is {_kind(t).lower()}"
                    elif feats["ptr_size_8"] and size != 8:
                        said = f"func '{tname}' size {size} must be 8"
        if said is None:
            continue
        out.append(Finding("BTF_ARG_ACCESS_INVALID",
                           f"context read off={off} size={size} of {info.section}: {why + '; ' if why else ''}"
                           f"the verifier says '{said}'", location=li.line,
                           hint=f"read only the arguments {tname} has on kernel {kernel.release} ({nr_args}); "
                                "for a prototype that changed between kernels, give each layout its own program "
                                "(a '?' section enabled where it matches) or read the arguments through "
                                "BPF_CORE_READ on a ___flavor struct",
                           detail={"target": tname, "off": off, "size": size, "nr_args": nr_args, "said": said}))
    return out


def _arg_idx(btf, proto, off):
    """kernel/bpf/btf.c get_ctx_arg_idx (6.1, 6.12) / btf_ctx_arg_idx (7.2), over the whole prototype."""
    offset = 0
    for i, p in enumerate(proto.params):
        t = btf.type(btf.skip_mods(p.type))
        offset += 8 if t.kind == K.PTR else _roundup8(_size(btf, t))
        if off < offset:
            return i
    t = btf.type(btf.skip_mods(proto.type))
    offset += 8 if t.kind == K.PTR else _roundup8(_size(btf, t))
    return len(proto.params) if off < offset else len(proto.params) + 1


def _size(btf, t):
    if t.kind in (K.INT, K.STRUCT, K.UNION, K.ENUM, K.ENUM64, K.FLOAT):
        return t.size
    return 0


def _roundup8(n):
    return (n + 7) // 8 * 8


def _small_int(t):
    return t is not None and t.kind == K.INT and t.size <= 8


def _kind(t):
    return "UNKNOWN" if t is None else KIND_STR.get(t.kind, "UNKNOWN")
