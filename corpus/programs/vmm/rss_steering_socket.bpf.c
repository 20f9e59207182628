// SPDX-License-Identifier: GPL-2.0
/*
 * VMM tun RSS steering program, BTF-era section name SEC("socket")
 * (BPF_PROG_TYPE_SOCKET_FILTER, expected_attach_type 0). Same code as
 * rss_steering_legacy.bpf.c; loads with any libbpf without hints.
 */
#include "rss_steering.h"

SEC("socket")
int tun_rss_steering_prog(struct __sk_buff *skb)
{
	return rss_select_queue(skb);
}

char _license[] SEC("license") = "GPL";
