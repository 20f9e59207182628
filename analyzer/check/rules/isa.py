"""Instruction-set features against the kernel's verifier.

The kernel learns new instructions only with new releases and leaves no trace of them in BTF, so
these rules key on the release. Sources: kernel commits adding each encoding to the verifier
(jmp32 5.1, atomic fetch/xchg/cmpxchg/and/or/xor 5.12, cpu v4 ldsx/movsx/bswap/sdiv/smod/gotol 6.6,
may_goto and addr_space_cast 6.9, load-acquire/store-release 6.15); callx is never accepted.
"""
from analyzer.check.findings import Finding
from analyzer.kernel.versions import at_least

FEATURE_SINCE = {
    "jmp32": (5, 1), "ldsx": (6, 6), "movsx": (6, 6), "bswap": (6, 6), "sdiv": (6, 6), "smod": (6, 6),
    "gotol": (6, 6), "may_goto": (6, 9), "addr_space_cast": (6, 9), "load_acquire": (6, 15),
    "store_release": (6, 15),
    # ld_imm64 with src_reg BPF_PSEUDO_FUNC (a callback's address, e.g. for bpf_loop or
    # bpf_for_each_map_elem) arrived with bpf_for_each_map_elem in 5.13; older kernels do not count
    # the callback as a subprogram and reject func_info ("number of funcs in func_info doesn't
    # match number of subprogs").
    "callback_address": (5, 13),
}
NEVER = {"callx"}


def feature_since(feature):
    if feature in FEATURE_SINCE:
        return FEATURE_SINCE[feature]
    if feature.startswith("atomic_") and feature != "atomic_add":
        return (5, 12)
    return None


def program_features(program):
    """ISA features of the instructions plus those only visible in relocations."""
    feats = set(program.isa_features)
    if any(li is not None and li.reloc is not None and li.reloc[0] == "func" for li in program.linked):
        feats.add("callback_address")
    return feats


def check(program, kernel):
    out = []
    for feat in sorted(program_features(program)):
        if feat in NEVER:
            out.append(Finding("ISA_UNSUPPORTED", f"instruction '{feat}' is not accepted by any kernel's "
                               "verifier", hint="avoid indirect calls through function pointers"))
            continue
        since = feature_since(feat)
        if since is None:
            continue
        ok = at_least(kernel.release, *since)
        if ok is False:
            ver = ".".join(map(str, since))
            hint = (f"callbacks (bpf_loop, bpf_for_each_map_elem, timers) need kernel {ver}+ even behind a "
                    "guard: the kernel checks every ld_imm64 before verification"
                    if feat == "callback_address" else
                    f"build with an older -mcpu (e.g. -mcpu=v2/v3) or require kernel {ver}")
            out.append(Finding("ISA_UNSUPPORTED", f"instruction '{feat}' needs kernel {ver}+ "
                               f"(this kernel is {kernel.release})", since=ver, hint=hint))
    return out
