// SPDX-License-Identifier: GPL-2.0
/*
 * Question: may XDP call the skb dynptr kfunc? (a TC program ported to XDP
 * without switching to bpf_dynptr_from_xdp).  bpf_kfunc_set_skb is not
 * registered for BPF_PROG_TYPE_XDP (XDP gets bpf_kfunc_set_xdp only), so the
 * verifier refuses the call: "calling kernel function bpf_dynptr_from_skb is
 * not allowed".  libbpf resolves the extern regardless (it knows no hooks).
 * Expected: fails everywhere; 5.10/6.1 because the kfunc is not in BTF,
 * 6.12/7.2 because the XDP hook may not call it.
 */
#include "hooks_common.h"

extern int bpf_dynptr_from_skb(struct __sk_buff *s, u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt,
			      u32 buffer__szk) __ksym;

SEC("xdp")
int xdp_uses_skb_dynptr(struct xdp_md *ctx)
{
	struct bpf_dynptr dp;
	u8 buf[14], *eth;

	if (bpf_dynptr_from_skb((struct __sk_buff *)ctx, 0, &dp))
		return XDP_PASS;
	eth = bpf_dynptr_slice(&dp, 0, buf, sizeof(buf));
	if (eth && eth[12] == 0x86 && eth[13] == 0xdd)
		return XDP_DROP;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
