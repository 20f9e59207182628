"""Attach-point policy sets of LSM programs: sleepable hooks, disabled hooks, the GPL requirement.

The kernel keeps these as BTF id sets (`.BTF_ids`) filled by BTF_SET_START/BTF_ID/BTF_SET_END in
the source, so they are code, not BTF; the facts are read from the Debian linux-source trees by
analyzer/kernel/source_lsm.py (analyzer/check/rules/attach_policy_sets.json, origins recorded) and a kernel is
judged by the newest tree not newer than it. Source references ([KS] Debian linux-source 5.10.223,
6.1.192, 6.12.107, 7.2.13):
* sleepable: kernel/bpf/verifier.c check_attach_btf_id (5.10) / bpf_check_attach_target ->
  btf_id_allow_sleepable (6.x, 7.2): a sleepable (`lsm.s/`) BPF_PROG_TYPE_LSM program must attach to
  a hook in the sleepable set, else `bpf_log(log, "%s is not sleepable\\n", tname)`, -EINVAL. 5.10's set
  is `btf_sleepable_lsm_hooks` in verifier.c with the single entry bpf_lsm_bprm_committed_creds;
  5.11+ use `sleepable_lsm_hooks` in kernel/bpf/bpf_lsm.c (bpf_lsm_is_sleepable_hook), 71 entries in
  6.1, 84 in 6.12, 86 in 7.2.
* GPL: kernel/bpf/bpf_lsm.c bpf_lsm_verify_prog (5.10 .. 7.2), called from check_attach_btf_id after
  the attach target checks: `if (!prog->gpl_compatible)` -> "LSM programs must have a GPL compatible
  license", -EINVAL.
* disabled: bpf_lsm_verify_prog (6.8+, and backported to 6.1 stable between 6.1.176 and 6.1.192: the
  trees read are the bundled images' own versions, which matters here): `btf_id_set_contains(
  &bpf_lsm_disabled_hooks, btf_id)` -> "attach_btf_id %u points to disabled hook %s", -EINVAL.
* fmod_ret and sleepable fentry/fexit/fmod_ret (kernel/bpf/verifier.c check_attach_modify_return,
  check_attach_sleepable, btf_id_allow_sleepable): with CONFIG_FUNCTION_ERROR_INJECTION unset (every
  bundled Debian build) within_error_injection_list() is false, so fmod_ret attaches only to
  `security_*` functions, to functions of a register_btf_fmodret_id_set() set (6.2+), and, where the
  tree has has_arch_syscall_prefix() (7.2 here), to `__x64_*` syscall entries: else "%s() is not
  modifiable", -EINVAL. A sleepable TRACING program needs the same syscall prefix or an fmodret set
  entry with KF_SLEEPABLE (6.12, 7.2; 5.10 and 6.1: only the error-injection list): else "%s is not
  sleepable" (the sleepable check replaces the fmod_ret one: `if (sleepable) ... else if
  (MODIFY_RETURN)`). With CONFIG_FUNCTION_ERROR_INJECTION=y (or no config) the error-injection list
  (ALLOW_ERROR_INJECTION in the source) would decide; it is not read, and such kernels are not judged.
Entries inside `#ifdef CONFIG_X` count only when the kernel's config has X (y/m); when the snapshot's
config does not mention X the entry counts (Debian builds set them).
"""
import json
import os
from functools import lru_cache

from analyzer.check.findings import Finding
from analyzer.kernel.versions import newest_not_after, parse_release

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attach_policy_sets.json")
LSM_PREFIX = "bpf_lsm_"


@lru_cache(maxsize=1)
def _tables():
    with open(TABLE) as f:
        return json.load(f)


def _enabled(guards, config):
    for g in guards:
        neg = g.startswith("!")
        opt = g.lstrip("!")
        val = (config or {}).get(opt)
        on = True if val is None else val in ("y", "m")
        if on == neg:
            return False
    return True


def hook_set(release, key, config=None):
    """(tree version, origin, frozenset of bpf_lsm_* names) of policy set `key` ("sleepable" /
    "disabled") for a release; the set is empty when that tree has no such set, None when no tree applies."""
    ver, t = newest_not_after(_tables(), release)
    if t is None:
        return None, None, None
    entries = t.get(key, {}).get("entries", [])
    return ver, t["origin"], frozenset(n for n, guards in entries if _enabled(guards, config))


def first_sleepable(func):
    """The first source tree (version string) whose sleepable set names func, else None."""
    for ver in sorted(_tables(), key=parse_release):
        if any(n == func for n, _ in _tables()[ver].get("sleepable", {}).get("entries", [])):
            return ver
    return None


def check(obj, info, kernel):
    if info.prog_type == "BPF_PROG_TYPE_TRACING" and info.attach_target:
        return _check_tracing(info, kernel)
    if info.prog_type != "BPF_PROG_TYPE_LSM" or not info.attach_target:
        return []
    func = LSM_PREFIX + info.attach_target
    if not kernel.btf.find(func):
        return []           # ATTACH_TARGET_MISSING says it
    out = []
    config = getattr(kernel, "config", None)
    if info.sleepable:
        ver, origin, allowed = hook_set(kernel.release, "sleepable", config)
        if allowed is not None and func not in allowed:
            since = first_sleepable(func)
            hint = (f"{func} is sleepable from the kernel of {since.rsplit('.', 1)[0]}+ on (per the source trees "
                    "read); use SEC(\"lsm/...\") (not sleepable) on older kernels, or a '?' section enabled only "
                    "where it is allowed" if since else
                    f"{func} is in no kernel's sleepable set: use SEC(\"lsm/{info.attach_target}\")")
            out.append(Finding("LSM_HOOK_NOT_SLEEPABLE", f"'{info.section}' is sleepable but {func} is not in "
                               f"the sleepable LSM hooks of kernel {kernel.release} (per {origin}): the verifier "
                               f"says '{func} is not sleepable'", hint=hint,
                               since=since.rsplit(".", 1)[0] if since else None,
                               detail={"hook": func, "facts": origin}))
    if not getattr(obj, "gpl_compatible", True):
        out.append(Finding("LSM_NOT_GPL", f"LSM program '{info.section}' with license {obj.license!r}: the "
                           "kernel says 'LSM programs must have a GPL compatible license'",
                           hint="use a GPL-compatible license (\"GPL\", \"Dual BSD/GPL\", ...)",
                           detail={"license": obj.license}))
    _ver, origin, disabled = hook_set(kernel.release, "disabled", config)
    if disabled and func in disabled:
        out.append(Finding("LSM_HOOK_DISABLED", f"{func} is a disabled LSM hook on kernel {kernel.release} "
                           f"(per {origin}): 'attach_btf_id ... points to disabled hook {func}'",
                           hint="this hook cannot take BPF programs; attach to another hook",
                           detail={"hook": func, "facts": origin}))
    return out


def _check_tracing(info, kernel):
    at = info.attach_type
    if at not in ("BPF_TRACE_FENTRY", "BPF_TRACE_FEXIT", "BPF_MODIFY_RETURN") or ":" in info.attach_target:
        return []
    func = info.attach_target
    if not kernel.btf.find(func):
        return []
    config = getattr(kernel, "config", None) or {}
    if config.get("CONFIG_FUNCTION_ERROR_INJECTION") != "n":
        return []                   # the error-injection list decides: not read
    ver, t = newest_not_after(_tables(), kernel.release)
    if t is None:
        return []
    fmodret = {n: flags for n, flags in t.get("fmodret", [])}
    syscall = t.get("syscall_prefix") and func.startswith("__x64_")
    origin = t["origin"]
    if info.sleepable:
        if syscall or "KF_SLEEPABLE" in fmodret.get(func, ()):
            return []
        return [Finding("TRACING_NOT_SLEEPABLE", f"'{info.section}' is sleepable but {func} is not error-injectable "
                        f"on kernel {kernel.release} (CONFIG_FUNCTION_ERROR_INJECTION is not set; per {origin}): the "
                        f"verifier says '{func} is not sleepable'",
                        hint="use the non-sleepable section (fentry/, fexit/, fmod_ret/) or a kernel built with "
                             "CONFIG_FUNCTION_ERROR_INJECTION where the function is ALLOW_ERROR_INJECTION",
                        detail={"target": func, "facts": origin})]
    if at != "BPF_MODIFY_RETURN":
        return []
    if func.startswith("security_") or syscall or func in fmodret:
        return []
    return [Finding("FMOD_RET_NOT_MODIFIABLE", f"fmod_ret on {func}: kernel {kernel.release} has no error injection "
                    f"(CONFIG_FUNCTION_ERROR_INJECTION is not set), so only security_* functions"
                    f"{', __x64_* syscalls' if t.get('syscall_prefix') else ''} and fmod_ret sets may be modified "
                    f"(per {origin}): the verifier says '{func}() is not modifiable'",
                    hint="attach fmod_ret to a security_* hook (or use an LSM program), or use fexit to observe "
                         "the return value without changing it",
                    detail={"target": func, "facts": origin})]

