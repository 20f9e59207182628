"""Attach-point policy sets of LSM programs: sleepable hooks, disabled hooks, the GPL requirement.

The kernel keeps these as BTF id sets (`.BTF_ids`) filled by BTF_SET_START/BTF_ID/BTF_SET_END in
the source, so they are code, not BTF; the facts are read from the Debian linux-source trees by
analyzer/kernel_source_lsm.py (analyzer/rules/lsm_hook_sets.json, origins recorded) and a kernel is
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
Entries inside `#ifdef CONFIG_X` count only when the kernel's config has X (y/m); when the snapshot's
config does not mention X the entry counts (Debian builds set them). Sleepable fentry/fexit
(error-injection list, btf_non_sleepable_error_inject) and the fmod_ret allow list are not modelled.
"""
import json
import os
from functools import lru_cache

from ..findings import Finding
from ..versions import newest_not_after, parse_release

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsm_hook_sets.json")
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
