"""What the verifier lets a program type call, from kernel facts BTF cannot give (analyzer/facts.py).

Helpers: check_helper_call() asks the program type's get_func_proto (env->ops, bpf_verifier_ops[type])
for the helper; NULL → "program of this type cannot use helper X#N" (6.10+; "unknown func X#N" before).
kfuncs: fetch_kfunc_meta() → btf_kfunc_id_set_contains(): the common hook's sets, then the sets of the
program type's hook (bpf_prog_type_to_kfunc_hook); none → "calling kernel function X is not allowed"
(-EACCES), before any KF_ flag is looked at. Then KF_DESTRUCTIVE needs CAP_SYS_BOOT and KF_SLEEPABLE a
sleepable program (kernel/bpf/verifier.c check_kfunc_call; 6.1: btf_check_func_arg_match).

Both run only on instructions the verifier reaches, so the engine calls these for reachable calls. Facts
are upper bounds (over attach types, capabilities, .filter callbacks): only a False is reported.
"""
from btf.btf_ids import KF_FLAGS

from analyzer.check.findings import Finding
# facts keyed by these program types would not describe what the verifier applies: say nothing
from analyzer.kernel.facts import HELPERS_NOT_OWN, KFUNC_HOOK_NOT_OWN
from analyzer.objects.sections import short_prog_type
from analyzer.kernel.versions import at_least

KF_SLEEPABLE = KF_FLAGS["KF_SLEEPABLE"]
KF_DESTRUCTIVE = KF_FLAGS["KF_DESTRUCTIVE"]
# kfuncs that register a bpf_wq callback: that callback runs sleepable (push_async_cb sets
# in_sleepable), so a sleepable kfunc there is fine in a non-sleepable program.
WQ_CALLBACK_KFUNCS = frozenset(("bpf_wq_set_callback_impl", "bpf_wq_set_callback"))


def origin_text(kernel, origin):
    """'kernel source: linux-source-6.12 6.12.117' / 'probe: ...' / "the kernel's .BTF_ids"."""
    if origin == ".BTF_ids":
        return "the kernel's .BTF_ids"
    kf = kernel.facts.get(origin)
    if origin == "borrowed" and kf is not None:
        return f"kernel source facts borrowed from {kf.borrowed_from} ({kf.detail})"
    what = "kernel source" if origin == "source" else "probe" if origin == "probe" else str(origin)
    label = kf and (kf.detail or kf.version)
    return f"{what}: {label}" if label else what


def short_types(types, limit=6):
    """'sched_cls, xdp and 3 more'; EXT is left out: it gets what its target's type gets."""
    names = sorted(short_prog_type(t) for t in types if t != "BPF_PROG_TYPE_EXT")
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def kfunc_flags(facts, kf):
    """(KF_ flag bits or None, where they came from): the kernel's .BTF_ids pairs, else the source/probe
    facts (BTF_ID_FLAGS in the kernel source)."""
    if kf.flags is not None:
        return kf.flags, ".BTF_ids"
    got = facts.kfunc_flags.get(kf.name) if facts is not None else None
    if got is None:
        return None, None
    names, origin = got
    return sum(KF_FLAGS.get(n, 0) for n in names), origin


def helper_finding(kernel, facts, name, hid, prog_type, loc):
    """HELPER_NOT_ALLOWED when the facts say prog_type is not offered helper `name` (BPF_FUNC_*), else None."""
    if facts is None or prog_type in HELPERS_NOT_OWN:
        return None
    allowed, origin = facts.helper_allowed(name, prog_type)
    if allowed is not False:
        return None
    short = "bpf_" + name[len("BPF_FUNC_"):]
    newer = at_least(kernel.release, 6, 10) is not False     # the wording changed in 6.10
    said = f"program of this type cannot use helper {short}#{hid}" if newer else f"unknown func {short}#{hid}"
    offered = [pt for pt, (helpers, _) in facts.helper_prog_types.items()
               if name in helpers and pt not in HELPERS_NOT_OWN]
    hint = (f"{short} is offered to {short_types(offered)} on this kernel; call it from such a program, "
            "or do without it here" if offered else
            f"no program type is known to be offered {short} on this kernel")
    if name == "BPF_FUNC_probe_write_user" and origin == "probe":
        # security_locked_down(LOCKDOWN_BPF_WRITE_USER) in bpf_tracing_func_proto: a probe sees it
        hint += ("; kernel lockdown (integrity or confidentiality) withholds bpf_probe_write_user from every "
                 "program type, and the probe ran at this kernel's lockdown level")
    return Finding("HELPER_NOT_ALLOWED",
                   f"helper {short}#{hid} exists on kernel {kernel.release} but is not offered to "
                   f"{short_prog_type(prog_type)} programs (per {origin_text(kernel, origin)}): the verifier "
                   f"says '{said}'", location=loc, hint=hint, detail={"helper": name, "origin": origin})


def kfunc_findings(kernel, facts, kf, prog, loc, *, weak=False, in_wq_callback=False):
    """What check_kfunc_call says about a reachable call of kernel kfunc `kf` from program `prog`, in its
    order: hook membership (stops there), KF_DESTRUCTIVE (info), KF_SLEEPABLE."""
    prog_type = prog.info.prog_type
    if facts is not None and prog_type not in KFUNC_HOOK_NOT_OWN:
        allowed, origin = facts.kfunc_allowed(kf.name, prog_type)
        if allowed is False:
            return [_hook_denied(kernel, facts, kf.name, prog_type, origin, loc, weak)]
    flags, flags_from = kfunc_flags(facts, kf)
    if flags is None:
        return []
    out = []
    if flags & KF_DESTRUCTIVE:
        out.append(Finding("KFUNC_DESTRUCTIVE", f"kfunc '{kf.name}' is destructive (KF_DESTRUCTIVE, from "
                           f"{origin_text(kernel, flags_from)}): the loader needs CAP_SYS_BOOT", location=loc,
                           detail={"kfunc": kf.name, "origin": flags_from}))
    sleepable = prog.info.sleepable or prog_type == "BPF_PROG_TYPE_SYSCALL"
    if flags & KF_SLEEPABLE and not sleepable and not in_wq_callback:
        # 6.1 checks it in btf_check_func_arg_match, 6.2+ in check_kfunc_call (other words)
        said = (f"program must be sleepable to call sleepable kfunc {kf.name}"
                if at_least(kernel.release, 6, 2) is not False
                else f"kernel function {kf.name} is sleepable but the program is not")
        out.append(Finding("KFUNC_SLEEPABLE", f"kfunc '{kf.name}' is sleepable (KF_SLEEPABLE, from "
                           f"{origin_text(kernel, flags_from)}) but program '{prog.name}' is not: '{said}'",
                           location=loc, hint="use a sleepable section (e.g. 'lsm.s/', 'fentry.s/', 'syscall')",
                           detail={"kfunc": kf.name, "origin": flags_from}))
    return out


def _hook_denied(kernel, facts, name, prog_type, origin, loc, weak):
    types, _ = facts.kfunc_prog_type_list(name)
    where = short_types(types) if types and set(types) - KFUNC_HOOK_NOT_OWN else "no program type"
    hint = (f"call '{name}' only from a program type it is registered for ({where}), or use a helper/kfunc "
            "offered to this program type")
    if weak:        # libbpf resolved it, so bpf_ksym_exists() is true and prunes nothing
        hint += f"; a bpf_ksym_exists({name}) guard does not help, the kfunc exists on this kernel"
    return Finding("KFUNC_HOOK_DENIED",
                   f"kfunc '{name}' is not registered for {short_prog_type(prog_type)} programs on kernel "
                   f"{kernel.release} (per {origin_text(kernel, origin)}; registered for: {where}): "
                   f"'calling kernel function {name} is not allowed'", location=loc, hint=hint,
                   detail={"kfunc": name, "origin": origin})
