// SPDX-License-Identifier: GPL-2.0
/*
 * Question: does a bpf_ksym_exists() guard make the XDP RX-metadata kfunc
 * safe for a plain (not device-bound) load?  No: on kernels that have
 * bpf_xdp_metadata_rx_hash (6.3+) the weak extern resolves, the guard is a
 * constant 1, and the verifier checks every kfunc call when it collects them
 * (add_kfunc_call -> bpf_dev_bound_kfunc_check: "metadata kfuncs require
 * device-bound program"), reachable or not.  On older kernels the extern is
 * unresolved, the guarded call is pruned, and the program loads.
 * Expected (no device binding): loads 5.10/6.1, fails 6.12/7.2.
 */
#include "hooks_common.h"

enum xdp_rss_hash_type {
	XDP_RSS_TYPE_NONE = 0,
};

extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, u32 *hash,
				    enum xdp_rss_hash_type *rss_type) __ksym __weak;

SEC("xdp")
int rx_hash_if_present(struct xdp_md *ctx)
{
	enum xdp_rss_hash_type type = XDP_RSS_TYPE_NONE;
	u32 hash = 0;

	if (bpf_ksym_exists(bpf_xdp_metadata_rx_hash) &&
	    bpf_xdp_metadata_rx_hash(ctx, &hash, &type) == 0)
		bump(3, hash & 0xff);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
