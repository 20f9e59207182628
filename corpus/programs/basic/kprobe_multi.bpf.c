// SPDX-License-Identifier: GPL-2.0
/*
 * SEC("kprobe.multi/tcp_*"): KPROBE with expected_attach_type
 * BPF_TRACE_KPROBE_MULTI (5.18, fprobe based). The attach type is passed at
 * load; bpf_get_func_ip() for kprobe.multi needs the attach type.
 * Expected: loads 5.18+ (6.1+); 5.10 is a guess (attach type unknown to the
 * kernel; uses helper bpf_get_func_ip, id 173, 5.15 -> fails on 5.10).
 * Attaching additionally needs CONFIG_FPROBE (off on the 6.18 test kernel).
 */
#include "../common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, u64);
} hits SEC(".maps");

SEC("kprobe.multi/tcp_*")
int count_tcp_funcs(void *ctx)
{
	u64 ip = bpf_get_func_ip(ctx), one = 1, *v;

	v = bpf_map_lookup_elem(&hits, &ip);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&hits, &ip, &one, BPF_ANY);
	return 0;
}

char _license[] SEC("license") = "GPL";
