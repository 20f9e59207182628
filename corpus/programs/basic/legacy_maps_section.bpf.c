// SPDX-License-Identifier: GPL-2.0
/*
 * Legacy map definition: `struct bpf_map_def` in SEC("maps") (pre-BTF style,
 * iproute2/samples era). libbpf >= 1.0 refuses the object at open time
 * ("legacy map definitions in 'maps' section are not supported by libbpf
 * v1.0+"), independent of the kernel.
 * Expected: fails everywhere with libbpf >= 1.0 (loader-side failure).
 */
#include "../common.h"

/* the old libbpf/iproute2 layout, declared here (removed from bpf_helpers.h) */
struct bpf_map_def_legacy {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def_legacy SEC("maps") pkt_count = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(u32),
	.value_size = sizeof(u64),
	.max_entries = 1,
};

SEC("xdp")
int xdp_legacy_count(struct xdp_md *ctx)
{
	u32 zero = 0;
	u64 *v = bpf_map_lookup_elem(&pkt_count, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
