// SPDX-License-Identifier: GPL-2.0
/*
 * SEC("netfilter"): BPF_PROG_TYPE_NETFILTER (32, 6.4) with expected attach
 * type BPF_NETFILTER. ctx is struct bpf_nf_ctx (declared locally, CO-RE).
 * Expected: fails 5.10/6.1 (unknown prog type, EINVAL); loads 6.12+
 * (needs CONFIG_NETFILTER_BPF_LINK). Needs libbpf >= 1.2 for the section.
 */
#include "../common.h"
#include <bpf/bpf_core_read.h>

struct sk_buff {
	unsigned int len;
	u32 mark;
} __attribute__((preserve_access_index));

struct nf_hook_state {
	u8 hook;
	u8 pf;
} __attribute__((preserve_access_index));

struct bpf_nf_ctx {
	const struct nf_hook_state *state;
	struct sk_buff *skb;
} __attribute__((preserve_access_index));

#define NF_DROP		0
#define NF_ACCEPT	1

SEC("netfilter")
int nf_drop_jumbo(struct bpf_nf_ctx *ctx)
{
	struct sk_buff *skb = ctx->skb;

	if (BPF_CORE_READ(skb, len) > 9000)
		return NF_DROP;
	return NF_ACCEPT;
}

char _license[] SEC("license") = "GPL";
