// SPDX-License-Identifier: GPL-2.0
/*
 * BTF-typed context arguments (kernel/bpf/btf.c btf_ctx_access): tp_btf reads
 * ctx[i] against the kernel's btf_trace_<tp> prototype.
 *  - tp_btf/block_bio_queue written for the old layout (q, bio): the
 *    struct request_queue * argument is gone in 6.1 (Debian 5.10.223 still has
 *    it), so reading ctx[1] is "func 'block_bio_queue' doesn't have 2-th
 *    argument" on 6.1+. Loads on 5.10.
 *  - tp_btf/kfree_skb reading ctx[3] (rx_sk, the 4th argument since 6.12; 5.10
 *    has (skb, location), 6.1 adds reason): fails on 5.10 and 6.1, loads on 6.12+.
 *  - tp_btf/block_rq_insert read as (rq): one argument on every bundled kernel
 *    (its request_queue went before 5.10.223): loads everywhere.
 *  - lsm/bprm_committing_creds (a void hook) reading ctx[1], the return-value slot:
 *    "func 'bpf_lsm_bprm_committing_creds' arg1 type UNKNOWN is not a struct"
 *    on every kernel.
 */
#include "../common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} seen SEC(".maps");

static __always_inline void note(u64 v)
{
	u32 zero = 0;
	u64 *p = bpf_map_lookup_elem(&seen, &zero);

	if (p)
		*p = v;
}

SEC("tp_btf/block_bio_queue")
int bio_queue_old_layout(unsigned long long *ctx)
{
	note(ctx[1]);		/* struct bio * in the (q, bio) layout */
	return 0;
}

SEC("tp_btf/kfree_skb")
int kfree_skb_rx_sk(unsigned long long *ctx)
{
	note(ctx[3]);		/* struct sock *rx_sk, 6.12+ */
	return 0;
}

SEC("tp_btf/block_rq_insert")
int rq_insert_new_layout(unsigned long long *ctx)
{
	note(ctx[0]);		/* struct request *rq */
	return 0;
}

SEC("lsm/bprm_committing_creds")
int committing_ret(unsigned long long *ctx)
{
	note(ctx[1]);		/* the hook returns void: no return value to read */
	return 0;
}

char _license[] SEC("license") = "GPL";
