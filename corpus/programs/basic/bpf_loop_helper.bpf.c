// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_loop() helper (id 181, 5.17) with a callback, UNGUARDED, in XDP.
 * Expected: fails 5.10 (callback ld_imm64 src_reg=BPF_PSEUDO_FUNC unknown
 * before 5.13, helper id unknown before 5.17); loads 6.1+.
 */
#include "../common.h"

struct loop_ctx {
	u8 *data;
	u8 *data_end;
	u32 sum;
};

static long add_byte(u32 i, void *arg)
{
	struct loop_ctx *lc = arg;
	u8 *p = lc->data + (i & 63);

	if (p + 1 > lc->data_end)
		return 1;	/* stop */
	lc->sum += *p;
	return 0;
}

SEC("xdp")
int xdp_checksum_loop(struct xdp_md *ctx)
{
	struct loop_ctx lc = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};

	bpf_loop(64, add_byte, &lc, 0);
	return lc.sum & 1 ? XDP_PASS : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
