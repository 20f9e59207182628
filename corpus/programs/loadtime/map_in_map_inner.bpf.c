// SPDX-License-Identifier: GPL-2.0
/*
 * Control for map_in_map_no_inner: the same HASH_OF_MAPS with its inner map
 * declared (__array(values, struct inner)), so libbpf creates an inner map
 * template and passes its fd: loads on every kernel (BTF-defined map-in-map,
 * libbpf >= 0.1).
 */
#include "../common.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 16);
	__type(key, u32);
	__array(values, struct inner);
} per_cpu_tables SEC(".maps");

SEC("xdp")
int pick_table_declared(struct xdp_md *ctx)
{
	u32 key = 0;
	void *inner = bpf_map_lookup_elem(&per_cpu_tables, &key);

	return inner ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
