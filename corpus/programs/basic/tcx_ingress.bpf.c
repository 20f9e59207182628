// SPDX-License-Identifier: GPL-2.0
/*
 * SEC("tcx/ingress"): SCHED_CLS with expected_attach_type BPF_TCX_INGRESS
 * (46, 6.6). The kernel does not validate the attach type of SCHED_CLS at
 * load, so the program should LOAD on old kernels too; only attaching via a
 * tcx link needs 6.6. Needs libbpf >= 1.3 to recognise the section.
 * Expected: loads 5.10+ (guess for 5.10/6.1), attach 6.6+.
 */
#include "../common.h"

SEC("tcx/ingress")
int tcx_count(struct __sk_buff *skb)
{
	return skb->len > 1500 ? 2 : -1;	/* TCX_DROP : TCX_NEXT */
}

char _license[] SEC("license") = "GPL";
