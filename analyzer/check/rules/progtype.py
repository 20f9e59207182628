"""Program type, expected attach type and attach target against the kernel.

enum bpf_prog_type says what the kernel knows; struct bpf_ctx_convert says what is compiled in.
The expected attach type matters at load only for the program types whose load path checks it
(bpf_prog_load_check_attach); for the rest an unknown attach type fails only at attach.
BTF-attached programs (fentry/fexit/fmod_ret/tp_btf/lsm/iter) need their target in BTF before
libbpf even calls the kernel (libbpf find_kernel_btf_id → -ESRCH).
A snapshot with probe facts (analyzer/probe.py) also knows which variants this very kernel refuses
whatever the program (PROG_TYPE_REFUSED): a build or policy no section name, target or code can get past.
"""
from btf import kinds as K
from btf.compat import essential_name
from btf.errors import InputError

from analyzer.check.findings import Finding

# attach target lookups libbpf performs for SEC_ATTACH_BTF programs (btf_get_kernel_prefix_kind)
BTF_TARGET = {
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
    if not any(f.code == "PROG_TYPE_NOT_BUILT" for f in out):
        refused = probe_refusal(info, kernel)
        if refused is not None:
            out.append(refused)
    return out


def probe_variant_label(info):
    """The label analyzer.kernel.probe gives the load variant this program needs, without the attach target:
    'tracing/trace_fentry', 'lsm/lsm_mac (sleepable)', 'xdp/xdp'. Sleepability is the section table
    entry's "sleepable" flag, as the probe reads it (candidate_variants), not the SYSCALL default."""
    from analyzer.kernel.probe import Variant
    sd = info.sec_def
    sleepable = ("sleepable" in sd.flags) if sd is not None else info.sleepable
    return Variant(info.prog_type, info.attach_type, sleepable).label


def _absent_type_errno(probe, prog_type):
    """(refused?, errno name or None) for a prog type missing from the probe's prog_types list. The probe
    records a whole-type refusal for every type where no variant loads, except when the first failure
    was EINVAL with an empty log (the kernel does not know the type); EXT and STRUCT_OPS are only tried
    when the probe could build what they need, so for them only a record proves a refusal."""
    rec = probe.type_refusal(prog_type)
    if rec is not None:
        return True, rec["errno"]
    if prog_type in ("BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_STRUCT_OPS"):
        return False, None
    return True, "EINVAL"


def probe_refusal(info, kernel):
    """PROG_TYPE_REFUSED when the snapshot's probe facts (of this kernel) say it refuses the variant the
    program needs (a variant refusal record), or loads no program of its type at all (prog_types, and a
    whole-type refusal record: KernelFacts.type_refusal)."""
    facts = getattr(kernel, "facts", None) or {}
    probe = facts.get("probe")
    if probe is None or info.prog_type is None:
        return None
    if probe.version and kernel.release and probe.version != kernel.release:
        return None
    from analyzer.objects.sections import short_prog_type
    short = short_prog_type(info.prog_type)
    label = probe_variant_label(info)
    what = errno = None
    if probe.prog_types is not None and info.prog_type not in probe.prog_types:
        refused, errno = _absent_type_errno(probe, info.prog_type)
        if refused:
            what = f"{short} programs"
    if what is None:
        rec = probe.variant_refusal(info.prog_type, label)
        if rec is not None:
            what, errno = f"{label} programs", rec["errno"]
    if what is None:
        return None
    seen = f" with {errno}" if errno else ""
    return Finding("PROG_TYPE_REFUSED",
                   f"kernel {kernel.release} refused {what} when probed{seen} (section '{info.section}'), "
                   f"whatever the program does", detail={"variant": label, "errno": errno, "origin": "probe"},
                   hint=f"this kernel's build/policy refuses {what.removesuffix(' programs')} programs (probed); "
                        "nothing in the object can fix it")


def _since_hint(info):
    since = info.sec_def.since if info.sec_def is not None else None
    return f"needs kernel {since}+ (section '{info.section}')" if since else None


def split_module(target):
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
        prefix, kind = BTF_TARGET.get(at, ("", K.FUNC))
        mod, fn = split_module(target)
        name = prefix + fn
        if kernel.btf.find(name, kind):
            return _attach_address(info, kernel, name, kind, at)
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
        syms = getattr(kernel, "symbols", None)
        if fn and syms is not None:
            if not syms.is_function(fn) and ":" not in fn:
                return [Finding("KPROBE_TARGET_MISSING",
                                f"kprobe target '{fn}' is not a function in kernel {kernel.release}'s symbol "
                                f"table ({syms.source})", detail={"target": fn})]
        elif fn and kernel.btf.find(fn, K.FUNC) == 0:
            return [Finding("KPROBE_TARGET_MISSING",
                            f"kprobe target '{fn}' is not a function in kernel {kernel.release}'s BTF",
                            detail={"target": fn})]
    return []


# attach types whose target address bpf_check_attach_target looks up (its `default:` case)
_ADDRESS_CHECKED = frozenset(("BPF_TRACE_FENTRY", "BPF_TRACE_FEXIT", "BPF_MODIFY_RETURN", "BPF_TRACE_FSESSION",
                              "BPF_LSM_MAC", "BPF_LSM_CGROUP"))


def _attach_address(info, kernel, name, kind, at):
    """kernel bpf_check_attach_target: a vmlinux FUNC target needs kallsyms_lookup_name(name) != 0."""
    syms = getattr(kernel, "symbols", None)
    if syms is None or kind != K.FUNC or at not in _ADDRESS_CHECKED or syms.is_function(name):
        return []
    return [Finding("ATTACH_ADDRESS_MISSING",
                    f"attach target '{name}' ({info.section}) is in kernel {kernel.release}'s BTF but has no "
                    f"address in its symbol table ({syms.source}): 'The address of function {name} cannot be "
                    f"found'", detail={"target": name},
                    hint="the function is inlined or not traceable on this kernel; attach to a caller, or mark "
                         "the program '?' and enable it only where the target has an address")]


def _struct_ops_map(obj, var_name):
    for m in obj.maps:
        if m.name == var_name and m.type == "BPF_MAP_TYPE_STRUCT_OPS":
            return m
    return None


def check_struct_ops(obj, kernel):
    """libbpf find_struct_ops_kern_types: struct bpf_struct_ops_<name> and <name> must exist. A member
    the kernel's struct lacks (bpf_map__init_kern_struct_ops) fails the map with -ENOTSUP when the
    object sets it — a callback (libbpf stores the program pointer in the member at open; a real load
    with libbpf 1.7 fails on it) or
    non-zero bytes — and is skipped when zero. Without the initial bytes (C source) any missing
    member counts."""
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
            mdef = _struct_ops_map(obj, var.name)
            data = mdef.init_data if mdef is not None else None
            for m in st.members:
                if not m.name or m.name in kmembers:
                    continue
                off = m.bit_offset // 8
                prog = mdef.member_progs.get(off) if mdef is not None else None
                if data is not None and prog is None:
                    try:
                        size = btf.resolve_size(m.type)
                    except InputError:
                        size = None
                    if size is not None and not any(data[off:off + size]):
                        continue            # zero: libbpf skips a member the kernel lacks
                what = f"callback '{prog}'" if prog else "a non-zero value"
                out.append(Finding("STRUCT_OPS_MEMBER_MISSING",
                                   f"struct_ops '{tname}' has no member '{m.name}' on kernel "
                                   f"{kernel.release}, and map '{var.name}' sets it ({what})",
                                   hint=f"on kernels without '{m.name}', clear it before load "
                                        f"(skel->struct_ops.{var.name}->{m.name} = NULL/0): libbpf skips "
                                        f"missing members that are zero",
                                   detail={"member": m.name, **({"program": prog} if prog else {})}))
    return out
