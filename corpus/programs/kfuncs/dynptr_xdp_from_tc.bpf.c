// SPDX-License-Identifier: GPL-2.0
/*
 * A kfunc called from a program type that may not call it:
 * bpf_dynptr_from_xdp() is registered for the XDP hook only, this is a TC
 * (SCHED_CLS) program (casting its __sk_buff to xdp_md, as a confused port
 * from XDP would). libbpf resolves the kfunc (it does not know hooks); the
 * verifier rejects the reachable call: "calling kernel function
 * bpf_dynptr_from_xdp is not allowed".
 * Expected: 5.10/6.1 fail (kfunc not in BTF); 6.12+ fail (not allowed).
 */
#include "kf_common.h"

extern int bpf_dynptr_from_xdp(struct xdp_md *x, u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt,
			      u32 buffer__szk) __ksym;

SEC("tc")
int tc_uses_xdp_dynptr(struct __sk_buff *skb)
{
	struct bpf_dynptr dp;
	u8 buf[14], *eth;

	if (bpf_dynptr_from_xdp((struct xdp_md *)skb, 0, &dp))
		return 0;
	eth = bpf_dynptr_slice(&dp, 0, buf, sizeof(buf));
	if (eth && eth[12] == 0x08)
		return 0;
	return 2;
}

char _license[] SEC("license") = "GPL";
