// SPDX-License-Identifier: GPL-2.0
/*
 * VMM tun RSS steering program, old-style section name.
 *
 * SEC("tun_rss_steering") is not a libbpf section definition: libbpf >= 1.0
 * opens the object but leaves the program type unset, so the loader must call
 * bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER) before loading
 * (this is what VMMs embedding a skeleton do). A generic loader such as
 * `bpftool prog loadall` without a type hint fails.
 */
#include "rss_steering.h"

SEC("tun_rss_steering")
int tun_rss_steering_prog(struct __sk_buff *skb)
{
	return rss_select_queue(skb);
}

char _license[] SEC("license") = "GPL";
