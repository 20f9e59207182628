// SPDX-License-Identifier: GPL-2.0
/*
 * P4TC pipeline, WEAK kfunc declarations, every call guarded.
 *
 * Every P4TC kfunc is declared __weak and every call site is guarded by
 * bpf_ksym_exists(): libbpf leaves them unresolved (ld_imm64 -> 0, calls
 * poisoned), the verifier prunes the guarded code, the object LOADS and the
 * table feature is silently off. Two programs: XDP (xdp_*) and TC (bpf_*).
 */
#define P4TC_KFUNC	__ksym __weak
#define P4TC_HAVE(fn)	bpf_ksym_exists(fn)
#include "p4tc_pipeline.h"
#include "p4tc_body.h"

SEC("xdp")
int p4_ingress_xdp(struct xdp_md *ctx)
{
	return p4_xdp_body(ctx);
}

SEC("tc")
int p4_ingress_tc(struct __sk_buff *skb)
{
	return p4_tc_body(skb);
}

char _license[] SEC("license") = "GPL";
