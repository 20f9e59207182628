// SPDX-License-Identifier: GPL-2.0
/*
 * The correct counterpart: bpf_dynptr_from_skb() + bpf_dynptr_slice() from a
 * TC program (skb dynptrs, 6.4). Strong declarations.
 * Note the 7.2 BTF changed bpf_dynptr_slice's offset/size params from u32 to
 * u64: libbpf's prototype check ignores integer sizes, so this u32 declaration
 * still matches.
 * Expected: fails 5.10/6.1 (not in BTF), loads 6.12+.
 */
#include "kf_common.h"

extern int bpf_dynptr_from_skb(struct __sk_buff *s, u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt,
			      u32 buffer__szk) __ksym;

SEC("tc")
int tc_skb_dynptr(struct __sk_buff *skb)
{
	struct bpf_dynptr dp;
	u8 buf[14], *eth;

	if (bpf_dynptr_from_skb(skb, 0, &dp))
		return 0;
	eth = bpf_dynptr_slice(&dp, 0, buf, sizeof(buf));
	if (!eth)
		return 0;
	put_result(1, eth[12] << 8 | eth[13]);
	return 0;
}

char _license[] SEC("license") = "GPL";
