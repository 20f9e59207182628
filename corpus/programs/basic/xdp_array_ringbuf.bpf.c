// SPDX-License-Identifier: GPL-2.0
/*
 * Plain XDP pass program with an ARRAY map (per-protocol counters) and a
 * RINGBUF map (5.8) for samples. Expected: loads on 5.10+ (ringbuf needs 5.8).
 */
#include "../common.h"

struct sample {
	u32 len;
	u32 ifindex;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, u32);
	__type(value, u64);
} proto_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} samples SEC(".maps");

SEC("xdp")
int xdp_count_pass(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	u8 *eth = data;
	struct sample *s;
	u32 key;
	u64 *c;

	if ((void *)(eth + 14) > data_end)
		return XDP_PASS;
	key = eth[13];
	c = bpf_map_lookup_elem(&proto_count, &key);
	if (c)
		__sync_fetch_and_add(c, 1);
	if ((key & 0x3f) == 0) {
		s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
		if (s) {
			s->len = (u32)(data_end - data);
			s->ifindex = ctx->ingress_ifindex;
			bpf_ringbuf_submit(s, 0);
		}
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
