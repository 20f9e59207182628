// SPDX-License-Identifier: GPL-2.0
/*
 * A HASH_OF_MAPS declared without an inner map definition (no
 * __array(values, ...)): user space is expected to call
 * bpf_map__set_inner_map_fd() before bpf_object__load(). Loaded as is, libbpf
 * creates the outer map without inner_map_fd and the kernel refuses it, on
 * every kernel; with the loader's inner map it loads. bpfstab: "needs the
 * loader" (MAP_INNER_UNSET, verdict unknown), like a run-time max_entries.
 */
#include "../common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u32);
} per_cpu_tables SEC(".maps");

SEC("xdp")
int pick_table(struct xdp_md *ctx)
{
	u32 key = 0;
	void *inner = bpf_map_lookup_elem(&per_cpu_tables, &key);

	return inner ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
