// SPDX-License-Identifier: BSD-2-Clause
/*
 * NON-GPL program (license "BSD-2-Clause") calling kfuncs. All kfuncs are
 * GPL-only: the verifier refuses any kfunc call instruction in a non-GPL
 * program ("cannot call kernel function from non-GPL compatible program"),
 * checked for every kfunc instruction, reachable or not.
 * Declared __weak + bpf_ksym_exists guard, so:
 * Expected: 5.10/6.1 LOAD (kfuncs unresolved, calls poisoned and pruned, no
 * kfunc instruction reaches the kernel); 6.12+ FAIL (GPL check).
 */
#include "kf_common.h"

extern int bpf_dynptr_from_skb(struct __sk_buff *s, u64 flags, struct bpf_dynptr *ptr__uninit) __ksym __weak;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt,
			      u32 buffer__szk) __ksym __weak;

SEC("tc")
int tc_nongpl(struct __sk_buff *skb)
{
	struct bpf_dynptr dp;
	u8 buf[14], *eth;

	if (!bpf_ksym_exists(bpf_dynptr_from_skb))
		return 0;
	if (bpf_dynptr_from_skb(skb, 0, &dp))
		return 0;
	eth = bpf_dynptr_slice(&dp, 0, buf, sizeof(buf));
	if (eth)
		put_result(1, eth[12]);
	return 0;
}

char _license[] SEC("license") = "BSD-2-Clause";
