// SPDX-License-Identifier: GPL-2.0
/*
 * BPF flow dissector (BPF_PROG_TYPE_FLOW_DISSECTOR, attach type
 * BPF_FLOW_DISSECTOR, kernel 4.20+).  Fills struct bpf_flow_keys through
 * __sk_buff->flow_keys for IPv4/IPv6 + TCP/UDP, the way a network namespace
 * owner replaces the C dissector (e.g. to steer encapsulated traffic).
 *
 * Uses bpf_flow_keys.flags / BPF_FLOW_DISSECTOR_F_PARSE_1ST_FRAG (5.3 UAPI)
 * and bpf_skb_load_bytes() for headers beyond the linear area.
 */
#include "../common.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17
#define IP_MF		0x2000
#define IP_OFFSET	0x1fff

struct iphdr_min {
	u8 ihl_ver;
	u8 tos;
	u16 tot_len;
	u16 id;
	u16 frag_off;
	u8 ttl;
	u8 protocol;
	u16 check;
	u32 saddr;
	u32 daddr;
};

struct ipv6hdr_min {
	u32 ver_tc_flow;
	u16 payload_len;
	u8 nexthdr;
	u8 hop_limit;
	u32 saddr[4];
	u32 daddr[4];
};

static __always_inline int parse_ports(struct __sk_buff *skb, struct bpf_flow_keys *keys)
{
	u16 ports[2];

	if (keys->ip_proto != IPPROTO_TCP && keys->ip_proto != IPPROTO_UDP)
		return BPF_OK;
	if (bpf_skb_load_bytes(skb, keys->thoff, ports, sizeof(ports)))
		return BPF_DROP;
	keys->sport = ports[0];
	keys->dport = ports[1];
	return BPF_OK;
}

SEC("flow_dissector")
int dissect(struct __sk_buff *skb)
{
	struct bpf_flow_keys *keys = skb->flow_keys;
	u16 proto = keys->n_proto;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr_min iph;

		if (bpf_skb_load_bytes(skb, keys->nhoff, &iph, sizeof(iph)))
			return BPF_DROP;
		if ((iph.ihl_ver & 0xf) < 5)
			return BPF_DROP;
		keys->addr_proto = ETH_P_IP;
		keys->ipv4_src = iph.saddr;
		keys->ipv4_dst = iph.daddr;
		keys->ip_proto = iph.protocol;
		keys->thoff = keys->nhoff + (iph.ihl_ver & 0xf) * 4;
		if (iph.frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
			keys->is_frag = true;
			if (iph.frag_off & bpf_htons(IP_OFFSET))
				return BPF_OK;
			keys->is_first_frag = true;
			if (!(keys->flags & BPF_FLOW_DISSECTOR_F_PARSE_1ST_FRAG))
				return BPF_OK;
		}
		return parse_ports(skb, keys);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr_min ip6;

		if (bpf_skb_load_bytes(skb, keys->nhoff, &ip6, sizeof(ip6)))
			return BPF_DROP;
		keys->addr_proto = ETH_P_IPV6;
		__builtin_memcpy(keys->ipv6_src, ip6.saddr, 16);
		__builtin_memcpy(keys->ipv6_dst, ip6.daddr, 16);
		keys->ip_proto = ip6.nexthdr;
		keys->flow_label = ip6.ver_tc_flow & bpf_htonl(0x000fffff);
		keys->thoff = keys->nhoff + sizeof(ip6);
		return parse_ports(skb, keys);
	}
	return BPF_DROP;
}

char _license[] SEC("license") = "GPL";
