// SPDX-License-Identifier: GPL-2.0
/*
 * P4TC pipeline, STRONG kfunc declarations.
 *
 * Every P4TC kfunc is a strong __ksym extern: libbpf fails the whole object
 * at extern resolution ("extern (func ksym) 'bpf_p4tc_tbl_read': not found in
 * kernel or module BTFs") on every kernel, before any program is verified.
 * Two programs: XDP (xdp_* kfuncs) and TC (bpf_* kfuncs).
 */
#define P4TC_KFUNC	__ksym
#define P4TC_HAVE(fn)	1
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
