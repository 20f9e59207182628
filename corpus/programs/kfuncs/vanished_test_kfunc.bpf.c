// SPDX-License-Identifier: GPL-2.0
/*
 * A kfunc that VANISHED from vmlinux: bpf_kfunc_call_test1() lived in
 * net/bpf/test_run.c (registered for SCHED_CLS) in 6.1 and moved to the
 * bpf_testmod selftest module later, so 6.12+ vmlinux BTF lacks it.
 *   6.1 BTF: u64 bpf_kfunc_call_test1(struct sock *sk, u32 a, u64 b, u32 c, u64 d)
 * Expected: 5.10 fails (no kfunc), 6.1 loads (guess: verifier acceptance of
 * the sock argument not checked), 6.12+ fail (not found).
 */
#include "kf_common.h"

extern u64 bpf_kfunc_call_test1(struct sock *sk, u32 a, u64 b, u32 c, u64 d) __ksym;

SEC("tc")
int tc_test_kfunc(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 0;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 0;
	put_result(5, bpf_kfunc_call_test1((struct sock *)sk, 1, 2, 3, 4));
	return 0;
}

char _license[] SEC("license") = "GPL";
