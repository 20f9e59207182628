// SPDX-License-Identifier: GPL-2.0
/*
 * Helper availability per program type: an XDP program calling
 * bpf_get_current_pid_tgid() (meaningless in softirq context). Older
 * kernels reject it in xdp_func_proto ("unknown func
 * bpf_get_current_pid_tgid#14"); since 6.10 it is part of
 * bpf_base_func_proto and allowed in every program type (per ebpf-docs).
 * Expected: fails 5.10/6.1; loads 6.12+ (verified: 6.18 loads).
 */
#include "../common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u64);
} per_pid SEC(".maps");

SEC("xdp")
int xdp_pid(struct xdp_md *ctx)
{
	u64 id = bpf_get_current_pid_tgid(), one = 1;

	bpf_map_update_elem(&per_pid, &id, &one, BPF_ANY);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
