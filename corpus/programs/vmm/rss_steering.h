/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared body of the VMM tun/tap RSS steering filter.
 *
 * Models the way a VMM (e.g. a virtio-net backend) installs a socket filter on
 * a tap device with TUNSETSTEERINGEBPF: the program's return value is the rx
 * queue index. Configuration (hash types, indirection table, Toeplitz key) is
 * pushed by the VMM into array maps. Packet headers are read with
 * bpf_skb_load_bytes() since socket filters have no direct packet access.
 */
#include "../common.h"

#define RSS_KEY_LEN	40
#define RSS_INDIR_MAX	128

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17

#define HASH_IPV4	(1u << 0)
#define HASH_TCPV4	(1u << 1)
#define HASH_UDPV4	(1u << 2)
#define HASH_IPV6	(1u << 3)
#define HASH_TCPV6	(1u << 4)
#define HASH_UDPV6	(1u << 5)

struct vmm_rss_cfg {
	u8  enabled;
	u8  populate_hash;
	u16 indir_len;		/* power of two, <= RSS_INDIR_MAX */
	u16 default_queue;
	u16 pad;
	u32 hash_types;
};

struct vmm_rss_key {
	u8 bytes[RSS_KEY_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct vmm_rss_cfg);
} rss_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct vmm_rss_key);
} rss_key SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RSS_INDIR_MAX);
	__type(key, u32);
	__type(value, u16);
} rss_indir SEC(".maps");

/* Hash input: src addr, dst addr, src port, dst port (network order). */
struct rss_tuple {
	u8 bytes[36];
	u32 len;
};

static __always_inline u32 toeplitz(const struct rss_tuple *in, const struct vmm_rss_key *key)
{
	u32 result = 0;
	u32 window = ((u32)key->bytes[0] << 24) | ((u32)key->bytes[1] << 16) |
		     ((u32)key->bytes[2] << 8) | key->bytes[3];

	for (u32 i = 0; i < 36; i++) {
		u8 b, next;

		if (i >= in->len)
			break;
		b = in->bytes[i];
		next = key->bytes[i + 4];
#pragma clang loop unroll(full)
		for (int bit = 7; bit >= 0; bit--) {
			if (b & (1u << bit))
				result ^= window;
			window = (window << 1) | ((next >> bit) & 1);
		}
	}
	return result;
}

static __always_inline int parse_tuple(struct __sk_buff *skb, u32 hash_types, struct rss_tuple *t)
{
	u16 proto;
	u8 l4 = 0;
	u32 l4off = 0;

	if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)))
		return -1;
	proto = bpf_ntohs(proto);

	if (proto == ETH_P_IP) {
		u8 vihl;

		if (!(hash_types & (HASH_IPV4 | HASH_TCPV4 | HASH_UDPV4)))
			return -1;
		if (bpf_skb_load_bytes(skb, ETH_HLEN, &vihl, 1) ||
		    bpf_skb_load_bytes(skb, ETH_HLEN + 9, &l4, 1) ||
		    bpf_skb_load_bytes(skb, ETH_HLEN + 12, t->bytes, 8))
			return -1;
		t->len = 8;
		l4off = ETH_HLEN + (vihl & 0xf) * 4;
		if ((l4 == IPPROTO_TCP && (hash_types & HASH_TCPV4)) ||
		    (l4 == IPPROTO_UDP && (hash_types & HASH_UDPV4))) {
			if (bpf_skb_load_bytes(skb, l4off, &t->bytes[8], 4) == 0)
				t->len = 12;
		}
		return 0;
	}
	if (proto == ETH_P_IPV6) {
		if (!(hash_types & (HASH_IPV6 | HASH_TCPV6 | HASH_UDPV6)))
			return -1;
		if (bpf_skb_load_bytes(skb, ETH_HLEN + 6, &l4, 1) ||
		    bpf_skb_load_bytes(skb, ETH_HLEN + 8, t->bytes, 32))
			return -1;
		t->len = 32;
		l4off = ETH_HLEN + 40;	/* no extension-header walk */
		if ((l4 == IPPROTO_TCP && (hash_types & HASH_TCPV6)) ||
		    (l4 == IPPROTO_UDP && (hash_types & HASH_UDPV6))) {
			if (bpf_skb_load_bytes(skb, l4off, &t->bytes[32], 4) == 0)
				t->len = 36;
		}
		return 0;
	}
	return -1;
}

static __always_inline int rss_select_queue(struct __sk_buff *skb)
{
	u32 zero = 0, idx;
	struct vmm_rss_cfg *cfg;
	struct vmm_rss_key *key;
	struct rss_tuple t = {};
	u16 *q;
	u32 h;

	cfg = bpf_map_lookup_elem(&rss_cfg, &zero);
	key = bpf_map_lookup_elem(&rss_key, &zero);
	if (!cfg || !key)
		return 0;
	if (!cfg->enabled)
		return -1;	/* let tun fall back to its own steering */

	if (parse_tuple(skb, cfg->hash_types, &t))
		return cfg->default_queue;

	h = toeplitz(&t, key);
	idx = h & (RSS_INDIR_MAX - 1);
	if (cfg->indir_len)
		idx &= (u32)cfg->indir_len - 1;
	q = bpf_map_lookup_elem(&rss_indir, &idx);
	if (!q)
		return cfg->default_queue;
	return *q;
}
