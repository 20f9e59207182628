"""Program type, expected attach type and attach target against the kernel.

enum bpf_prog_type says what the kernel knows; struct bpf_ctx_convert says what is compiled in.
The expected attach type matters at load only for the program types whose load path checks it
(bpf_prog_load_check_attach); for the rest an unknown attach type fails only at attach.
BTF-attached programs (fentry/fexit/fmod_ret/tp_btf/lsm/iter) need their target in BTF before
libbpf even calls the kernel (libbpf find_kernel_btf_id → -ESRCH).
"""
from btf import kinds as K
from btf.compat import essential_name

from ..findings import Finding

# attach target lookups libbpf performs for SEC_ATTACH_BTF programs (btf_get_kernel_prefix_kind)
_BTF_TARGET = {
    "BPF_TRACE_RAW_TP": ("btf_trace_", K.TYPEDEF),
    "BPF_LSM_MAC": ("bpf_lsm_", K.FUNC),
    "BPF_LSM_CGROUP": ("bpf_lsm_", K.FUNC),
    "BPF_TRACE_ITER": ("bpf_iter_", K.FUNC),
}


def check_prog_type(info, kernel):
    out = []
    pt = info.prog_type
    if pt is None:
        out.append(Finding("PROG_TYPE_UNKNOWN", f"section '{info.section}' is not a libbpf section name; "
                           "the program type is unknown",
                           hint=f"pass --prog-type '{info.section}=TYPE' with the type its loader sets"))
        return out
    if pt not in kernel.prog_types:
        out.append(Finding("PROG_TYPE_MISSING", f"program type {pt} is unknown to kernel {kernel.release}",
                           hint=_since_hint(info)))
        return out
    if kernel.contexts and pt not in kernel.contexts:
        out.append(Finding("PROG_TYPE_NOT_BUILT", f"program type {pt} is not compiled into kernel "
                           f"{kernel.release} (missing from struct bpf_ctx_convert)"))
    at = info.attach_type
    if at and at not in kernel.attach_types:
        checked = info.sec_def.attach_checked_at_load if info.sec_def is not None else True
        if checked:
            out.append(Finding("ATTACH_TYPE_MISSING", f"expected attach type {at} is unknown to kernel "
                               f"{kernel.release}, and {pt} checks it at load", hint=_since_hint(info)))
        else:
            out.append(Finding("ATTACH_TYPE_ATTACH_ONLY", f"attach type {at} is unknown to kernel "
                               f"{kernel.release}: the program loads but cannot be attached that way",
                               hint=_since_hint(info)))
    return out


def _since_hint(info):
    since = info.sec_def.since if info.sec_def is not None else None
    return f"needs kernel {since}+ (section '{info.section}')" if since else None


def _split_module(target):
    if target and ":" in target:
        mod, _, fn = target.partition(":")
        return mod, fn
    return None, target


def check_attach_target(info, kernel):
    """Targets libbpf resolves in BTF at load (SEC_ATTACH_BTF), and kprobe targets (attach time)."""
    target = info.attach_target
    flags = info.sec_def.flags if info.sec_def is not None else frozenset()
    if not target:
        return []
    at = info.attach_type
    if "attach_btf" in flags and info.prog_type in ("BPF_PROG_TYPE_TRACING", "BPF_PROG_TYPE_LSM"):
        prefix, kind = _BTF_TARGET.get(at, ("", K.FUNC))
        mod, fn = _split_module(target)
        name = prefix + fn
        if kernel.btf.find(name, kind):
            return []
        for mname, mbtf in kernel.modules.items():
            if (mod is None or mod == mname) and mbtf.find_own(name, kind):
                return []
        what = "tracepoint" if kind == K.TYPEDEF else "function"
        return [Finding("ATTACH_TARGET_MISSING",
                        f"attach target {what} '{name}' ({info.section}) is not in the BTF of kernel "
                        f"{kernel.release}", detail={"target": name},
                        hint="the function may be renamed, inlined or absent on this kernel; "
                             "mark the program '?' (no autoload) and enable it only where the target exists")]
    if info.prog_type == "BPF_PROG_TYPE_KPROBE" and at is None and info.section.split("/")[0] in (
            "kprobe", "kretprobe"):
        fn = target.split("+")[0]
        if fn and kernel.btf.find(fn, K.FUNC) == 0 and not (
                kernel.function_symbols and fn in kernel.function_symbols):
            return [Finding("KPROBE_TARGET_MISSING",
                            f"kprobe target '{fn}' is not a function in kernel {kernel.release}'s BTF",
                            detail={"target": fn})]
    return []


def check_struct_ops(obj, kernel):
    """libbpf find_struct_ops_kern_types: struct bpf_struct_ops_<name> and <name> must exist, and
    every member the object fills must exist in the kernel's struct (object-level: map creation)."""
    out = []
    btf = obj.btf
    if btf is None:
        return out
    for sec in btf.ids_of_kind(K.DATASEC):
        secname = btf.name_of(sec)
        if not secname.lstrip("?").startswith(".struct_ops"):
            continue
        for si in btf.type(sec).secinfo:
            var = btf.type(si.type)
            st = btf.type(btf.skip_mods(var.type))
            tname = essential_name(st.name)
            if tname not in kernel.struct_ops:
                out.append(Finding("STRUCT_OPS_MISSING", f"struct_ops map '{var.name}' needs struct "
                                   f"'{tname}' (bpf_struct_ops_{tname}), which kernel {kernel.release} lacks"))
                continue
            ktype = kernel.btf.type(kernel.struct_ops[tname])
            kmembers = {m.name for m in ktype.members}
            for m in st.members:
                if m.name and m.name not in kmembers:
                    out.append(Finding("STRUCT_OPS_MEMBER_MISSING",
                                       f"struct_ops '{tname}' has no member '{m.name}' on kernel "
                                       f"{kernel.release}", detail={"member": m.name}))
    return out
