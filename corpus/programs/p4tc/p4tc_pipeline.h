/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A P4TC-style generated pipeline: a header parser, one exact-match table
 * keyed on the IPv4 5-tuple, and table actions.  The table lives in the
 * kernel (P4TC) and is reached through the kfuncs proposed with the P4TC
 * series (Mojatatu/Intel, 2023-2024).  P4TC was never merged, so these
 * kfuncs exist on no released kernel.
 *
 * Prototypes follow the later revisions of the proposal (ctx, params,
 * params__sz, key, key__sz).  Declarations here are written for this corpus.
 *
 * The includer defines P4TC_KFUNC to either `__ksym` (strong) or
 * `__ksym __weak` (weak) and P4TC_HAVE(fn) to either 1 or bpf_ksym_exists(fn).
 */
#include "../common.h"

#define P4TC_MAX_PARAM_DATA_SIZE 124

/* action returned by a table lookup */
struct p4tc_table_entry_act_bpf {
	u32 act_id;
	u32 hit:1,
	    is_default_miss_act:1,
	    is_default_hit_act:1;
	u8 params[P4TC_MAX_PARAM_DATA_SIZE];
} __attribute__((packed));

/* lookup parameters: which pipeline / table */
struct p4tc_table_entry_act_bpf_params {
	u32 pipeid;
	u32 tblid;
};

/* create/update/delete parameters */
struct p4tc_table_entry_create_bpf_params {
	struct p4tc_table_entry_act_bpf act_bpf;
	u32 pipeid;
	u32 tblid;
	u32 profile_id;
	u32 handle;
	u32 classid;
	u32 chain;
	u16 proto;
	u16 prio;
};

extern struct p4tc_table_entry_act_bpf *
bpf_p4tc_tbl_read(struct __sk_buff *skb_ctx, struct p4tc_table_entry_act_bpf_params *params,
		  const u32 params__sz, void *key, const u32 key__sz) P4TC_KFUNC;
extern struct p4tc_table_entry_act_bpf *
xdp_p4tc_tbl_read(struct xdp_md *xdp_ctx, struct p4tc_table_entry_act_bpf_params *params,
		  const u32 params__sz, void *key, const u32 key__sz) P4TC_KFUNC;
extern int
bpf_p4tc_entry_create(struct __sk_buff *skb_ctx, struct p4tc_table_entry_create_bpf_params *params,
		      const u32 params__sz, void *key, const u32 key__sz) P4TC_KFUNC;
extern int
xdp_p4tc_entry_create(struct xdp_md *xdp_ctx, struct p4tc_table_entry_create_bpf_params *params,
		      const u32 params__sz, void *key, const u32 key__sz) P4TC_KFUNC;
extern int
bpf_p4tc_entry_update(struct __sk_buff *skb_ctx, struct p4tc_table_entry_create_bpf_params *params,
		      const u32 params__sz, void *key, const u32 key__sz) P4TC_KFUNC;
extern int
xdp_p4tc_entry_update(struct xdp_md *xdp_ctx, struct p4tc_table_entry_create_bpf_params *params,
		      const u32 params__sz, void *key, const u32 key__sz) P4TC_KFUNC;
extern int
bpf_p4tc_entry_delete(struct __sk_buff *skb_ctx, struct p4tc_table_entry_create_bpf_params *params,
		      const u32 params__sz, void *key, const u32 key__sz) P4TC_KFUNC;
extern int
xdp_p4tc_entry_delete(struct xdp_md *xdp_ctx, struct p4tc_table_entry_create_bpf_params *params,
		      const u32 params__sz, void *key, const u32 key__sz) P4TC_KFUNC;

#define PIPE_ID		1
#define TBL_FLOWS	1

enum { ACT_NOACTION = 0, ACT_DROP = 1, ACT_FORWARD = 2, ACT_COUNT = 3 };

/* table key: P4TC expects {keysz in bits, maskid} followed by the key bytes */
struct flows_key {
	u32 keysz;
	u32 maskid;
	u32 saddr;
	u32 daddr;
	u16 sport;
	u16 dport;
	u8  proto;
	u8  pad[3];
};

/* parsed headers ("hdr" in P4 terms) */
struct hdrs {
	u32 saddr, daddr;
	u16 sport, dport;
	u8 proto, tcp_flags;
	u8 valid_ip, valid_l4;
};

/* per-CPU packet/hit counters, a P4 "counter" extern modelled as a map */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} p4_counters SEC(".maps");

static __always_inline void count(u32 idx)
{
	u64 *c = bpf_map_lookup_elem(&p4_counters, &idx);
	if (c)
		(*c)++;
}

/* P4 parser state machine: start -> parse_ipv4 -> parse_tcp|parse_udp -> accept */
static __always_inline int p4_parse(void *data, void *data_end, struct hdrs *h)
{
	u8 *p = data;
	u16 eth_type;
	u32 ihl;

	if (p + 14 > (u8 *)data_end)
		return -1;
	eth_type = ((u16)p[12] << 8) | p[13];
	if (eth_type != 0x0800)
		return 0;			/* accept: not IPv4 */
	p += 14;
	if (p + 20 > (u8 *)data_end)
		return -1;
	ihl = (p[0] & 0xf) * 4;
	if (ihl < 20)
		return -1;
	h->proto = p[9];
	__builtin_memcpy(&h->saddr, p + 12, 4);
	__builtin_memcpy(&h->daddr, p + 16, 4);
	h->valid_ip = 1;
	p += ihl;
	if (h->proto == 6 || h->proto == 17) {
		if (p + 14 > (u8 *)data_end)
			return 0;
		__builtin_memcpy(&h->sport, p, 2);
		__builtin_memcpy(&h->dport, p + 2, 2);
		if (h->proto == 6)
			h->tcp_flags = p[13];
		h->valid_l4 = 1;
	}
	return 0;
}

static __always_inline void p4_make_key(const struct hdrs *h, struct flows_key *k)
{
	k->keysz = (sizeof(*k) - 8) * 8;
	k->maskid = 0;
	k->saddr = h->saddr;
	k->daddr = h->daddr;
	k->sport = h->sport;
	k->dport = h->dport;
	k->proto = h->proto;
}

#define TCP_FIN 0x01
#define TCP_RST 0x04
#define TCP_SYN 0x02
