// SPDX-License-Identifier: GPL-2.0
/*
 * Legacy map definition in a per-map section, SEC("maps/NAME") (the iproute2 /
 * old bcc-era layout, still found in lirc_mode2 decoders as "<type>/maps").
 * libbpf >= 1.0 does not read these sections as maps: bpf_object__elf_collect
 * skips "maps/pkt_count" as an unrecognized data section, and the ld_imm64
 * relocation against pkt_count in the program is refused by
 * bpf_program__record_reloc: "bad map relo against 'pkt_count' in section
 * 'maps/pkt_count'". bpf_object__open fails on every kernel.
 * Expected: fails everywhere (loader-side, at open).
 */
#include "../common.h"

struct bpf_map_def_legacy {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def_legacy SEC("maps/pkt_count") pkt_count = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(u32),
	.value_size = sizeof(u64),
	.max_entries = 1,
};

SEC("xdp")
int xdp_named_maps_count(struct xdp_md *ctx)
{
	u32 zero = 0;
	u64 *v = bpf_map_lookup_elem(&pkt_count, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
