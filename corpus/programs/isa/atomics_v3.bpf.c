// SPDX-License-Identifier: GPL-2.0
/* bpfstab-build: CC=clang-19 EXTRA=-mcpu=v3 */
/*
 * BPF atomics beyond the old XADD (kernel 5.12+), built with clang 19
 * -mcpu=v3: fetch-and-add with the result used (BPF_ADD|BPF_FETCH),
 * atomic or/and/xor (+fetch), xchg and cmpxchg, 32- and 64-bit.
 * Expected: fails 5.10 ("BPF_STX uses reserved fields" / invalid atomic
 * op); loads 6.1+.
 */
#include "../common.h"

struct counters {
	u64 packets;
	u64 flags;
	u32 owner;
	u32 seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct counters);
} ctr SEC(".maps");

SEC("xdp")
int xdp_atomics(struct xdp_md *ctx)
{
	u32 zero = 0;
	struct counters *c = bpf_map_lookup_elem(&ctr, &zero);
	u64 old;
	u32 prev;

	if (!c)
		return XDP_PASS;
	old = __sync_fetch_and_add(&c->packets, 1);		/* atomic fetch_add */
	__atomic_fetch_or(&c->flags, 1ULL << (old & 63), __ATOMIC_RELAXED);
	__atomic_fetch_and(&c->flags, ~2ULL, __ATOMIC_RELAXED);
	__atomic_fetch_xor(&c->seq, 1, __ATOMIC_RELAXED);
	prev = __sync_val_compare_and_swap(&c->owner, 0, ctx->ingress_ifindex); /* cmpxchg */
	old = __atomic_exchange_n(&c->packets, old + 1, __ATOMIC_SEQ_CST);	/* xchg */
	return (prev == 0 || old) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
