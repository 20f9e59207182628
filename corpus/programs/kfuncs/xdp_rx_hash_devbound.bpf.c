// SPDX-License-Identifier: GPL-2.0
/*
 * XDP RX metadata kfunc bpf_xdp_metadata_rx_hash() (6.3). Dev-bound kfunc:
 * the program must be loaded with prog_ifindex + BPF_F_XDP_DEV_BOUND_ONLY
 * (or offload); a plain load is rejected by the kernel ("metadata kfuncs
 * require device-bound program").
 * Expected without device binding: 5.10/6.1 fail (not in BTF), 6.12+ fail
 * (not dev-bound). With a binding (loader sets ifindex): loads 6.12+.
 */
#include "kf_common.h"

enum xdp_rss_hash_type {
	XDP_RSS_TYPE_NONE = 0,
};

extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, u32 *hash,
				    enum xdp_rss_hash_type *rss_type) __ksym;

SEC("xdp")
int rx_hash(struct xdp_md *ctx)
{
	enum xdp_rss_hash_type type = XDP_RSS_TYPE_NONE;
	u32 hash = 0;

	if (bpf_xdp_metadata_rx_hash(ctx, &hash, &type) == 0)
		put_result(2, ((u64)type << 32) | hash);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
