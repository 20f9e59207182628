// SPDX-License-Identifier: GPL-2.0
/*
 * Porting mistake: a TC program moved to XDP keeps calling the skb helper
 * bpf_skb_load_bytes() (XDP has bpf_xdp_load_bytes since 5.18). The helper
 * id exists everywhere but xdp_func_proto never offers it.
 * Expected: fails on every kernel ("program of this type cannot use helper
 * bpf_skb_load_bytes#26" / "unknown func" on older wording).
 */
#include "../common.h"

SEC("xdp")
int xdp_with_skb_helper(struct xdp_md *ctx)
{
	u8 eth[14];

	if (bpf_skb_load_bytes(ctx, 0, eth, sizeof(eth)))
		return XDP_PASS;
	return eth[12] == 0x08 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
