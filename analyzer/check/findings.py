"""Finding codes: each says what happens to a program that meets it, so reports and gates agree.

A finding's severity decides the verdict: any error → "fails"; an "unknown" finding (we cannot
tell offline) with no error → "unknown"; otherwise "loads" (warnings and infos are advice).
"""
from dataclasses import dataclass, field
from typing import Optional

ERROR, WARNING, INFO, UNKNOWN = "error", "warning", "info", "unknown"

# code -> (severity, consequence, help text used by SARIF rules and --explain)
CODES = {
    # program type and attach
    "PROG_TYPE_UNKNOWN": (UNKNOWN, "cannot be judged",
                          "The section name is not one libbpf knows, so the loader must set the program type "
                          "itself. Pass --prog-type SECTION=TYPE."),
    "PROG_TYPE_MISSING": (ERROR, "fails to load",
                          "The kernel's enum bpf_prog_type has no such program type: BPF_PROG_LOAD returns EINVAL."),
    "PROG_TYPE_NOT_BUILT": (ERROR, "fails to load",
                            "The kernel knows the program type but it is not compiled in (absent from "
                            "struct bpf_ctx_convert): BPF_PROG_LOAD returns EINVAL."),
    "PROG_TYPE_REFUSED": (ERROR, "fails to load",
                          "A probe of this very kernel (bpfstab kernel probe) found that it refuses every program "
                          "of this program type / expected attach type / sleepable variant, whatever the "
                          "program does (e.g. a build or policy that stops trampoline programs with EPERM before "
                          "the verifier runs). Nothing in the object can change that."),
    "ATTACH_TYPE_MISSING": (ERROR, "fails to load",
                            "The expected attach type is checked at load time for this program type and the "
                            "kernel does not know it."),
    "ATTACH_TYPE_ATTACH_ONLY": (WARNING, "loads but cannot attach",
                                "The kernel does not know this attach type; the program loads (the attach type "
                                "is not checked at load for this program type) but attaching it will fail."),
    "ATTACH_TARGET_MISSING": (ERROR, "fails to load",
                              "The BTF attach target (fentry/fexit/fmod_ret/tp_btf/lsm/iter) is not in the "
                              "kernel's BTF: libbpf fails with ESRCH before loading."),
    "LSM_HOOK_NOT_SLEEPABLE": (ERROR, "fails to load",
                               "A sleepable LSM program (lsm.s/) attaches to a hook outside the kernel's "
                               "sleepable_lsm_hooks set (5.10 allows only bprm_committed_creds): the verifier says "
                               "'bpf_lsm_X is not sleepable'."),
    "FMOD_RET_NOT_MODIFIABLE": (ERROR, "fails to load",
                                "fmod_ret may modify only error-injectable functions, security_* functions and "
                                "fmod_ret sets; on a kernel without CONFIG_FUNCTION_ERROR_INJECTION the verifier "
                                "says 'X() is not modifiable' for anything else."),
    "TRACING_NOT_SLEEPABLE": (ERROR, "fails to load",
                              "A sleepable fentry/fexit/fmod_ret program needs an error-injectable target (or, in "
                              "newer kernels, a syscall entry or KF_SLEEPABLE fmod_ret set entry): 'X is not "
                              "sleepable'."),
    "LSM_HOOK_DISABLED": (ERROR, "fails to load",
                          "The LSM hook is in the kernel's bpf_lsm_disabled_hooks set (6.8+): 'attach_btf_id ... "
                          "points to disabled hook'."),
    "LSM_NOT_GPL": (ERROR, "fails to load",
                    "LSM programs need a GPL-compatible license (bpf_lsm_verify_prog): 'LSM programs must have "
                    "a GPL compatible license'."),
    "KPROBE_TARGET_MISSING": (WARNING, "loads but cannot attach",
                              "The kprobe target function is not in the kernel's symbol table (or, without "
                              "one, not in its BTF function list); the program loads but attaching fails."),
    "STRUCT_OPS_MISSING": (ERROR, "fails to load",
                           "libbpf needs the kernel struct_ops type (struct bpf_struct_ops_<name>) to create the "
                           "struct_ops map."),
    "STRUCT_OPS_MEMBER_MISSING": (ERROR, "fails to load",
                                  "The struct_ops type on this kernel has no member the object sets (a callback "
                                  "program or non-zero bytes): libbpf's bpf_map__init_kern_struct_ops fails with "
                                  "-ENOTSUP. Members left zero are skipped."),
    # helpers
    "HELPER_UNKNOWN": (ERROR, "fails to load",
                       "The helper id is past the kernel's __BPF_FUNC_MAX_ID: the verifier says 'invalid func'."),
    "HELPER_NOT_ALLOWED": (ERROR, "fails to load",
                           "The helper exists on this kernel, but the program type's get_func_proto does not "
                           "offer it (known from the kernel source or a probe): the verifier says 'program of "
                           "this type cannot use helper X#N' (before 6.10: 'unknown func X#N')."),
    "HELPER_GPL_ONLY": (ERROR, "fails to load",
                        "The helper's bpf_func_proto has gpl_only set and the program's license is not "
                        "GPL-compatible: the verifier says 'cannot call GPL-restricted function from non-GPL "
                        "compatible program' (check_helper_call)."),
    "PREEMPT_RT_TIMER": (ERROR, "fails to load",
                         "The kernel is built with CONFIG_PREEMPT_RT and the program calls a bpf_timer helper: "
                         "the verifier says 'bpf_timer cannot be used for PREEMPT_RT.' (EOPNOTSUPP)."),
    # kfuncs and ksyms
    "KFUNC_MISSING": (ERROR, "fails to load",
                      "A strong (non-weak) kfunc extern is not in the kernel's or modules' BTF: libbpf fails the "
                      "whole object ('extern (func ksym) ... not found in kernel or module BTFs')."),
    "KFUNC_PROTO_MISMATCH": (ERROR, "fails to load",
                             "The kfunc exists but its prototype is incompatible by libbpf's rule "
                             "(bpf_core_types_are_compat): libbpf refuses a strong extern."),
    "KFUNC_WEAK_UNRESOLVED": (INFO, "loads with a feature off",
                              "A weak kfunc is missing (or has an incompatible prototype); its call is poisoned "
                              "but unreachable on this kernel, so the program loads without that feature."),
    "KFUNC_WEAK_CALL_REACHABLE": (ERROR, "fails to load",
                                  "A weak kfunc is missing on this kernel and its call is reachable: libbpf "
                                  "poisons the call and the verifier rejects it ('kfunc ... was not resolved')."),
    "KFUNC_NOT_KFUNC": (ERROR, "fails to load",
                        "The function exists in BTF but the kernel does not register it as a kfunc: the verifier "
                        "says 'calling kernel function ... is not allowed'."),
    "KFUNC_NOT_GPL": (ERROR, "fails to load",
                      "kfunc calls need a GPL-compatible license: 'cannot call kernel function from non-GPL "
                      "compatible program'."),
    "KFUNC_DEV_BOUND": (ERROR, "fails unless device-bound",
                        "XDP metadata kfuncs (bpf_xdp_metadata_*) need a device-bound program "
                        "(prog_ifindex + BPF_F_XDP_DEV_BOUND_ONLY): 'metadata kfuncs require device-bound "
                        "program'."),
    "KFUNC_HOOK_DENIED": (ERROR, "fails to load",
                          "The kfunc exists, but no kfunc set registered for the program type's hook (nor for "
                          "every program type) contains it (known from the kernel source or a probe): the "
                          "verifier says 'calling kernel function X is not allowed' (btf_kfunc_id_set_contains)."),
    "KFUNC_SLEEPABLE": (ERROR, "fails to load",
                        "The kfunc is KF_SLEEPABLE and the program is not sleepable: 'program must be sleepable "
                        "to call sleepable kfunc X'."),
    "KFUNC_DESTRUCTIVE": (INFO, "needs CAP_SYS_BOOT",
                          "The kfunc is KF_DESTRUCTIVE: the verifier accepts the call only from a loader with "
                          "CAP_SYS_BOOT ('destructive kfunc calls require CAP_SYS_BOOT capability')."),
    "KFUNC_ADDR_LDIMM64": (ERROR, "fails to load",
                           "bpf_ksym_exists() on a resolved kfunc emits an ld_imm64 of a FUNC BTF id, which the "
                           "kernel accepts only since 6.4 ('pseudo btf_id ... isn't KIND_VAR')."),
    "KSYM_VAR_MISSING": (ERROR, "fails to load",
                         "A strong __ksym variable is not in the kernel's BTF."),
    "KSYM_VAR_INCOMPATIBLE": (ERROR, "fails to load",
                              "A __ksym variable's type is incompatible with the kernel's: libbpf fails even "
                              "when the extern is weak."),
    "KSYM_UNVERIFIABLE": (UNKNOWN, "cannot be judged",
                          "A strong typeless __ksym is resolved through /proc/kallsyms at load; the snapshot "
                          "has no symbol table to check it against (import with the kernel's System.map), or "
                          "it is a data symbol and the snapshot lacks the config (CONFIG_KALLSYMS_ALL)."),
    "KSYM_UNRESOLVED": (ERROR, "fails to load",
                        "A strong typeless __ksym is not in kallsyms (absent from the symbol table, or a data "
                        "symbol on a kernel without CONFIG_KALLSYMS_ALL): libbpf says \"extern 'X' (strong): "
                        "not resolved\" (-ESRCH)."),
    "KSYM_AMBIGUOUS": (ERROR, "fails to load",
                       "kallsyms lists the typeless __ksym's name at several addresses: libbpf fails with "
                       "\"extern (ksym) 'X': resolution is ambiguous\" (-EINVAL), weak or not."),
    "ATTACH_ADDRESS_MISSING": (ERROR, "fails to load",
                               "The fentry/fexit/fmod_ret/LSM target is in BTF but has no kallsyms address "
                               "(inlined everywhere or not a real symbol): the kernel's bpf_check_attach_target "
                               "says 'The address of function X cannot be found' (-ENOENT)."),
    "FACTS_MISSING": (INFO, "unverified",
                      "The kernel snapshot has no kernel facts (kernel source or probe), so which helpers and "
                      "kfuncs this program type may call is not checked: the verdict holds only for what BTF "
                      "shows. Add facts with `bpfstab kernel facts` or `kernel import --source`."),
    "FACTS_MISSING_RISK": (UNKNOWN, "cannot be judged",
                           "The kernel snapshot has no kernel facts, and on another kernel whose facts are known "
                           "this helper or kfunc is not offered to this program type: whether it is offered here "
                           "cannot be told."),
    "EXTERN_UNSUPPORTED": (ERROR, "fails to load",
                           "An extern is in a section libbpf does not support (only .ksyms and .kconfig)."),
    # CO-RE
    "CORE_RELO_ERROR": (ERROR, "fails to load",
                        "A CO-RE relocation cannot be applied at all (ambiguity, bad spec, anonymous root, "
                        "E2BIG bitfield): libbpf fails the program before the verifier runs."),
    "CORE_RELO_POISONED": (ERROR, "fails to load",
                           "A CO-RE relocation does not resolve on this kernel and the poisoned instruction is "
                           "reachable: the verifier rejects it ('failed to resolve CO-RE relocation')."),
    "CORE_RELO_GUARDED": (INFO, "loads with a feature off",
                          "A CO-RE relocation does not resolve on this kernel, but the instruction is only on a "
                          "path the verifier prunes (an existence guard is false): the program loads."),
    # program context
    "CTX_ACCESS_INVALID": (ERROR, "fails to load",
                           "A load or store through the context pointer is past the end of this kernel's UAPI "
                           "context struct (a field added in a later kernel) or misaligned: the program type's "
                           "is_valid_access refuses it and the verifier says 'invalid bpf_context access "
                           "off=N size=M'."),
    "BTF_ARG_ACCESS_INVALID": (ERROR, "fails to load",
                               "A tracing/LSM program reads a context slot its attach target's BTF prototype on "
                               "this kernel does not describe: an argument past the target's argument count, a "
                               "void return value, a type the verifier cannot describe, a narrow pointer read, or "
                               "a write (btf_ctx_access / tracing_prog_is_valid_access)."),
    # maps
    "MAP_TYPE_MISSING": (ERROR, "fails to load",
                         "The map type is not known to the kernel: map creation fails, and libbpf creates every "
                         "map of the object before loading any program."),
    "MAP_MAX_ENTRIES_UNSET": (INFO, "needs the loader",
                              "max_entries is 0: the loader must set it before load (libbpf refuses 0 for most "
                              "map types)."),
    "MAP_INNER_UNSET": (UNKNOWN, "needs the loader",
                        "A map-in-map without an inner map definition: its loader must set the inner map "
                        "(bpf_map__set_inner_map_fd) before load, else map creation fails (the kernel needs "
                        "inner_map_fd). A run-time input: neither loads nor fails offline."),
    "LEGACY_MAPS": (ERROR, "fails to load",
                    "The object uses the legacy SEC(\"maps\") map definitions, which libbpf ≥ 1.0 refuses."),
    # ISA
    "ISA_UNSUPPORTED": (ERROR, "fails to load",
                        "The program uses an instruction the kernel's verifier does not know."),
    # kconfig
    "KCONFIG_UNRESOLVED": (ERROR, "fails to load",
                           "A strong __kconfig extern has no value in the kernel config: libbpf fails "
                           "('extern ... (strong): not resolved')."),
    "KCONFIG_UNKNOWN": (UNKNOWN, "cannot be judged",
                        "A strong __kconfig extern needs the kernel config, which this snapshot lacks."),
    "KCONFIG_WEAK_DEFAULT": (INFO, "loads with a default",
                             "A weak __kconfig extern has no value in the config and defaults to zero."),
    # object level
    "OBJECT_OPEN_FAILED": (ERROR, "fails to open",
                           "libbpf refuses a relocation while it opens the object (bpf_program__record_reloc: "
                           "e.g. 'bad map relo against X in section maps/X' for legacy map definitions outside "
                           "SEC(\".maps\")): bpf_object__open fails with -LIBBPF_ERRNO__RELOC on every kernel, "
                           "before any program is loaded."),
    "NO_BTF": (WARNING, "may not load",
               "The object has no BTF: CO-RE, kfuncs and BTF-defined maps are impossible; older style programs "
               "still load."),
    "NOT_AUTOLOADED": (INFO, "not loaded by default",
                       "The section starts with '?': libbpf does not load it unless the loader enables it."),
}


@dataclass
class Finding:
    code: str
    message: str
    severity: Optional[str] = None
    location: Optional[str] = None
    hint: Optional[str] = None
    since: Optional[str] = None            # first bundled kernel where the need is met, when known
    detail: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code}")
        if self.severity is None:
            self.severity = CODES[self.code][0]

    @property
    def consequence(self):
        return CODES[self.code][1]

    def to_json(self):
        """bpfstab.check/1 finding; "detail" (machine-readable facts such as {"kfunc": name}) is an
        optional extra key, present only when the finding has one."""
        d = {"code": self.code, "severity": self.severity, "message": self.message,
             "location": self.location, "hint": self.hint}
        if self.detail:
            d["detail"] = dict(self.detail)
        return d


def verdict_of(findings):
    """'fails' on any error, 'unknown' on an unknown with no error, else 'loads'."""
    sev = {f.severity for f in findings}
    if ERROR in sev:
        return "fails"
    if UNKNOWN in sev:
        return "unknown"
    return "loads"
