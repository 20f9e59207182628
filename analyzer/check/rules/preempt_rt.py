"""Configuration: PREEMPT_RT kernels refuse bpf_timer.

kernel/bpf/verifier.c process_timer_func ([KS] Debian 6.1.192, 6.12.107, 7.2.13; bpf_timer arrived in
5.15, so 5.10 has none), reached from check_func_arg for every helper argument of type
ARG_PTR_TO_TIMER (7.2 also for kfunc timer arguments, process_timer_kfunc):
    if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
        verbose(env, "bpf_timer cannot be used for PREEMPT_RT.\\n");
        return -EOPNOTSUPP;
    }
It runs in do_check, so for reachable calls only. Which helpers take a struct bpf_timer comes from
their protos (`.argN_type = ARG_PTR_TO_TIMER`: bpf_timer_init, bpf_timer_set_callback,
bpf_timer_start, bpf_timer_cancel), read per tree by analyzer/kernel/source_gpl.py into
helper_proto_facts.json ("timer_arg"). CONFIG_PREEMPT_RT comes from the snapshot's config (Debian's
`-rt` flavour, e.g. linux-image-6.12.107+deb13-rt-amd64); a snapshot without a config is not judged.
Timer kfunc arguments (7.2) are not modelled.
"""
from analyzer.check.findings import Finding
from analyzer.check.rules import license as license_rules


def helper_finding(kernel, helper, hid, loc):
    if (getattr(kernel, "config", None) or {}).get("CONFIG_PREEMPT_RT") != "y":
        return None
    _ver, t = license_rules.table_for(kernel.release)
    if t is None or helper not in t.get("timer_arg", ()):
        return None
    short = helper[len("BPF_FUNC_"):] if helper.startswith("BPF_FUNC_") else helper
    return Finding("PREEMPT_RT_TIMER", f"helper bpf_{short}#{hid} takes a struct bpf_timer and kernel "
                   f"{kernel.release} is built with CONFIG_PREEMPT_RT: the verifier says 'bpf_timer cannot be "
                   "used for PREEMPT_RT.' (EOPNOTSUPP)", location=loc,
                   hint="bpf_timer is unavailable on PREEMPT_RT kernels: use a non-RT kernel, or load a "
                        "variant without timers there (a '?' program enabled only when CONFIG_PREEMPT_RT is "
                        "unset, e.g. read through an `extern bool CONFIG_PREEMPT_RT __kconfig __weak` guard)",
                   detail={"helper": helper, "config": "CONFIG_PREEMPT_RT"})
