// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_get_current_comm() from XDP. Not part of the unprivileged base helper
 * set (cgroup_skb users hit "program of this type cannot use helper
 * bpf_get_current_comm#16"), but on the 6.18 test kernel an XDP program
 * loaded by root gets it (verified). Which kernels/privilege levels allow it
 * is a GUESS: fails 5.10/6.1/6.12, loads 6.18/7.2 with CAP_PERFMON.
 */
#include "../common.h"

SEC("xdp")
int xdp_comm(struct xdp_md *ctx)
{
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	return comm[0] ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
