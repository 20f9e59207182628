// SPDX-License-Identifier: GPL-2.0
/*
 * Open-coded numeric iterator: bpf_iter_num_new/next/destroy (6.4,
 * KF_ITER_* flags, COMMON kfunc set) from an XDP program, hand-written the
 * way libbpf's bpf_for() macro expands. Strong externs.
 * Expected: fails 5.10/6.1 (not in BTF); loads 6.12+.
 */
#include "kf_common.h"

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

SEC("xdp")
int xdp_iter_sum(struct xdp_md *ctx)
{
	struct bpf_iter_num it;
	u64 sum = 0;
	int *i;

	bpf_iter_num_new(&it, 0, 8);
	while ((i = bpf_iter_num_next(&it))) {
		u32 k = *i;
		u64 *v = bpf_map_lookup_elem(&results, &k);

		if (v)
			sum += *v;
	}
	bpf_iter_num_destroy(&it);
	return sum ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
