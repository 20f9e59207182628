"""Extern resolution as libbpf does it at load (bpf_object__resolve_externs), per object and kernel.

__ksym functions: find FUNC by essential name in vmlinux, then in modules (own types, first match);
check bpf_core_types_are_compat between the program's FUNC_PROTO and the kernel's. Strong and
missing/incompatible → the whole object fails; weak → unresolved (the call gets poisoned).
__ksym variables: VAR by name; incompatible type fails even when weak. Typeless ksyms go through
kallsyms. __kconfig: values from the kernel config and libbpf's virtual LINUX_* externs.
"""
from dataclasses import dataclass, field
from typing import Optional

from btf import kinds as K
from btf.compat import explain_incompat, types_are_compat
from btf.core import find_ksym
from btf.render import func_proto

from analyzer.check.findings import Finding
from analyzer.kernel.versions import libbpf_kernel_version


@dataclass
class Resolved:
    """What one extern became on one kernel."""
    name: str
    kind: str                    # ksym_func / ksym_var / kconfig
    weak: bool
    resolved: bool
    module: Optional[str] = None
    btf_id: Optional[int] = None
    value: Optional[int] = None  # kconfig value, when resolved
    reason: Optional[str] = None  # why not resolved


@dataclass
class ExternResolution:
    by_name: dict = field(default_factory=dict)     # extern name -> Resolved
    findings: list = field(default_factory=list)     # object-level: fail every program


def _find_func(kernel, name, kind):
    """libbpf find_ksym_btf_id (btf.core.find_ksym): vmlinux first, then each module's own types.
    Returns (module name or None, btf, id)."""
    mods = kernel.modules
    btf, tid = find_ksym(kernel.btf, name, kind, module_btfs=list(mods.values()))
    if not tid:
        return None, None, 0
    mod = next((n for n, m in mods.items() if m is btf), None)
    return mod, btf, tid


def kconfig_value(name, kernel):
    """libbpf's value for a __kconfig extern on this kernel, or None when it has none."""
    if name == "LINUX_KERNEL_VERSION":
        return libbpf_kernel_version(kernel.release, getattr(kernel, "version_banner", None))
    if name == "LINUX_HAS_BPF_COOKIE":
        return int("BPF_FUNC_get_attach_cookie" in kernel.helpers)
    if name == "LINUX_HAS_SYSCALL_WRAPPER":
        return int(kernel.arch in ("x86_64", "aarch64", "s390x", "riscv64"))
    if not name.startswith("CONFIG_"):
        return None
    raw = (kernel.config or {}).get(name)
    if raw is None or raw == "n":      # libbpf skips "# CONFIG_X is not set": the extern stays unset
        return None
    if raw == "y":
        return 1
    if raw == "m":
        return 2
    try:
        return int(raw, 0)
    except ValueError:
        return None      # strings are valid kconfig values but never decide branches here


def _config_knows(name, kernel):
    """Whether the snapshot's config can say this option is unset: it has a config and keeps the
    option's family (snapshots store the BPF-relevant subset of the .config)."""
    from analyzer.kernel.snapshot import CONFIG_KEEP
    return bool(kernel.config) and bool(CONFIG_KEEP.match(name))


def resolve(obj, kernel, externs=None):
    """Resolve the object's externs (or these of them: objects.Extern / source.program.SourceExtern,
    typed in obj.btf) on the kernel."""
    res = ExternResolution()
    for ext in obj.externs if externs is None else externs:
        if ext.kind == "ksym_func":
            res.by_name[ext.name] = _resolve_func(obj, ext, kernel, res.findings)
        elif ext.kind == "ksym_var":
            res.by_name[ext.name] = _resolve_var(obj, ext, kernel, res.findings)
        elif ext.kind == "kconfig":
            res.by_name[ext.name] = _resolve_kconfig(ext, kernel, res.findings)
        else:
            res.findings.append(Finding("EXTERN_UNSUPPORTED",
                                        f"extern '{ext.name}' is in unsupported section {ext.section}"))
    return res


def _resolve_func(obj, ext, kernel, findings):
    name = ext.essential_name or ext.name
    mod, kbtf, tid = _find_func(kernel, name, K.FUNC)
    r = Resolved(ext.name, ext.kind, ext.weak, False, module=mod)
    if not tid:
        r.reason = f"kfunc '{name}' is not in this kernel's BTF"
        if not ext.weak:
            findings.append(Finding(
                "KFUNC_MISSING", f"extern (func ksym) '{ext.name}': not found in kernel or module BTFs",
                hint=f"declare '{ext.name}' __weak and guard calls with bpf_ksym_exists(), or require a "
                     "kernel that has it", detail={"kfunc": name}))
        return r
    kproto = kbtf.type(tid).type
    if not types_are_compat(obj.btf, ext.btf_type_id, kbtf, kproto):
        why = explain_incompat(obj.btf, ext.btf_type_id, kbtf, kproto) or "incompatible"
        r.reason = f"prototype incompatible with the kernel's: {why}"
        if not ext.weak:
            findings.append(Finding(
                "KFUNC_PROTO_MISMATCH",
                f"extern (func ksym) '{ext.name}': func_proto incompatible with "
                f"{'module ' + mod if mod else 'vmlinux'} ({why}); kernel has: {func_proto(kbtf, tid)}",
                hint="declare the kfunc with the kernel's prototype, or add a ___flavor declaration "
                     "per prototype, each __weak, and pick one with bpf_ksym_exists()",
                detail={"kfunc": name}))
        return r
    r.resolved, r.btf_id = True, tid
    return r


def _resolve_var(obj, ext, kernel, findings):
    name = ext.essential_name or ext.name
    r = Resolved(ext.name, ext.kind, ext.weak, False)
    if not ext.btf_type_id:      # typeless: kallsyms at load time
        return _resolve_typeless(ext, name, kernel, r, findings)
    mod, kbtf, tid = _find_func(kernel, name, K.VAR)
    if not tid:
        r.reason = f"variable '{name}' is not in this kernel's BTF"
        if not ext.weak:
            findings.append(Finding("KSYM_VAR_MISSING", f"extern (var ksym) '{ext.name}': not found in kernel BTF",
                                    hint="pahole emits only per-CPU variables unless the kernel was built "
                                         "with global_var; declare it __weak"))
        return r
    ktype = kbtf.type(tid).type
    local = obj.btf.skip_mods(ext.btf_type_id)
    if not types_are_compat(obj.btf, local, kbtf, kbtf.skip_mods(ktype)):
        findings.append(Finding("KSYM_VAR_INCOMPATIBLE",
                                f"extern (var ksym) '{ext.name}': type incompatible with the kernel's"))
        r.reason = "incompatible type"
        return r
    r.resolved, r.btf_id, r.module = True, tid, mod
    return r


def _resolve_kconfig(ext, kernel, findings):
    val = kconfig_value(ext.name, kernel)
    r = Resolved(ext.name, ext.kind, ext.weak, val is not None, value=val)
    if val is not None:
        return r
    if ext.weak:
        r.value = 0
        findings.append(Finding("KCONFIG_WEAK_DEFAULT", f"__kconfig '{ext.name}' is not set on this kernel; "
                                "libbpf uses 0"))
    elif ext.name.startswith("CONFIG_") and not _config_knows(ext.name, kernel):
        findings.append(Finding("KCONFIG_UNKNOWN", f"__kconfig '{ext.name}' is not in this snapshot's "
                                "kernel config (none given, or outside the BPF-relevant subset it keeps)",
                                hint="import the kernel with --config"))
    else:
        findings.append(Finding("KCONFIG_UNRESOLVED", f"extern '{ext.name}' (strong): not resolved: the "
                                "kernel config does not set it", hint=f"declare '{ext.name}' __weak"))
    return r


def _resolve_typeless(ext, name, kernel, r, findings):
    """libbpf bpf_object__read_kallsyms_file → kallsyms_cb: the name's kallsyms address; the same name at
    two addresses fails (-EINVAL, weak or not); absent: strong → "extern 'X' (strong): not resolved"
    (-ESRCH), weak → 0. kallsyms lists data symbols only with CONFIG_KALLSYMS_ALL."""
    from ...kernel.symbols import kallsyms_all_of
    syms = getattr(kernel, "symbols", None)
    state = syms.kallsyms(name, kallsyms_all_of(kernel.config)) if syms is not None else "unknown"
    if state == "found":
        r.resolved = True
        return r
    if state == "ambiguous":
        r.reason = "several kallsyms addresses"
        findings.append(Finding("KSYM_AMBIGUOUS", f"extern (ksym) '{ext.name}': resolution is ambiguous (kernel "
                                f"{kernel.release} has several symbols of that name)", detail={"ksym": name}))
        return r
    if state == "absent":
        data_only = syms.table.get(name, 0) and not syms.is_function(name)
        why = ("a data symbol, and kallsyms lists data only with CONFIG_KALLSYMS_ALL, which this kernel lacks"
               if data_only else f"not in kernel {kernel.release}'s symbol table ({syms.source})")
        r.reason = why
        if ext.weak:
            r.reason += " (weak: defaults to 0)"
            return r
        findings.append(Finding("KSYM_UNRESOLVED", f"extern '{ext.name}' (strong): not resolved: {why}",
                                hint=f"declare '{ext.name}' __weak and check it before use", detail={"ksym": name}))
        return r
    # unknown: no symbol table, a function-only one, or a data symbol on an unknown KALLSYMS_ALL
    if syms is not None and syms.table.get(name, 0):
        need = "the kernel config (CONFIG_KALLSYMS_ALL decides whether kallsyms lists data symbols): import with --config"
    else:
        need = ("a symbol table: import the kernel with its System.map (Debian: the one in "
                f"linux-image-{kernel.release}-dbg; `kernel import ... --system-map FILE`)")
    if ext.weak:
        r.reason = f"unverified: needs {need} (weak: 0 when absent)"
        return r
    r.reason = "typeless ksym is resolved from /proc/kallsyms"
    findings.append(Finding("KSYM_UNVERIFIABLE", f"typeless ksym '{ext.name}' cannot be checked: the snapshot of "
                            f"kernel {kernel.release} lacks {need}", detail={"ksym": name}))
    return r
