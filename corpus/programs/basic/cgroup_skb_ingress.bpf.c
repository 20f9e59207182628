// SPDX-License-Identifier: GPL-2.0
/*
 * SEC("cgroup_skb/ingress"): CGROUP_SKB, expected attach type
 * BPF_CGROUP_INET_INGRESS (validated at load). Per-cgroup byte accounting.
 * Expected: loads everywhere (4.10+).
 */
#include "../common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} rx_bytes SEC(".maps");

SEC("cgroup_skb/ingress")
int count_ingress(struct __sk_buff *skb)
{
	u32 zero = 0;
	u64 *v = bpf_map_lookup_elem(&rx_bytes, &zero);

	if (v)
		*v += skb->len;
	return 1;	/* allow */
}

char _license[] SEC("license") = "GPL";
