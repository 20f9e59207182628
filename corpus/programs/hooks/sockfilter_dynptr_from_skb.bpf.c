// SPDX-License-Identifier: GPL-2.0
/*
 * Question: may a socket filter call the skb dynptr kfunc?
 * net/core/filter.c (6.4+) registers bpf_kfunc_set_skb (bpf_dynptr_from_skb)
 * for SCHED_CLS, SCHED_ACT, SK_SKB, SOCKET_FILTER, CGROUP_SKB, LWT_*,
 * NETFILTER and TRACING; bpf_dynptr_slice is in common_kfunc_set (registered
 * for BPF_PROG_TYPE_UNSPEC = every type).
 * Expected: fails 5.10/6.1 (kfunc not in BTF), loads 6.12/7.2.
 */
#include "hooks_common.h"

extern int bpf_dynptr_from_skb(struct __sk_buff *s, u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt,
			      u32 buffer__szk) __ksym;

SEC("socket")
int keep_ipv4(struct __sk_buff *skb)
{
	struct bpf_dynptr dp;
	u8 buf[14], *eth;

	if (bpf_dynptr_from_skb(skb, 0, &dp))
		return 0;
	eth = bpf_dynptr_slice(&dp, 0, buf, sizeof(buf));
	if (!eth)
		return 0;
	if (eth[12] == 0x08 && eth[13] == 0x00) {
		bump(0, 1);
		return skb->len;	/* keep the whole packet */
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
