/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control block of the generated pipeline (apply { flows.apply(); ... }).
 * Each kfunc call is wrapped in P4TC_HAVE(): a constant 1 for the strong
 * variant, bpf_ksym_exists() for the weak one.
 */

static __always_inline int p4_xdp_body(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct p4tc_table_entry_act_bpf_params rp = { .pipeid = PIPE_ID, .tblid = TBL_FLOWS };
	struct p4tc_table_entry_create_bpf_params cp = {};
	struct p4tc_table_entry_act_bpf *act = NULL;
	struct flows_key key = {};
	struct hdrs h = {};

	if (p4_parse(data, data_end, &h) < 0)
		return XDP_DROP;
	if (!h.valid_ip)
		return XDP_PASS;
	count(0);
	p4_make_key(&h, &key);

	if (P4TC_HAVE(xdp_p4tc_tbl_read))
		act = xdp_p4tc_tbl_read(ctx, &rp, sizeof(rp), &key, sizeof(key));

	cp.pipeid = PIPE_ID;
	cp.tblid = TBL_FLOWS;
	if (!act) {
		/* add-on-miss: learn the flow with the default action */
		cp.act_bpf.act_id = ACT_COUNT;
		if (P4TC_HAVE(xdp_p4tc_entry_create))
			xdp_p4tc_entry_create(ctx, &cp, sizeof(cp), &key, sizeof(key));
		return XDP_PASS;
	}
	count(1);
	if (h.tcp_flags & (TCP_FIN | TCP_RST)) {
		if (P4TC_HAVE(xdp_p4tc_entry_delete))
			xdp_p4tc_entry_delete(ctx, &cp, sizeof(cp), &key, sizeof(key));
	} else if (h.tcp_flags & TCP_SYN) {
		cp.act_bpf.act_id = ACT_COUNT;
		if (P4TC_HAVE(xdp_p4tc_entry_update))
			xdp_p4tc_entry_update(ctx, &cp, sizeof(cp), &key, sizeof(key));
	}
	switch (act->act_id) {
	case ACT_DROP:
		count(2);
		return XDP_DROP;
	case ACT_FORWARD: {
		u32 ifindex;

		__builtin_memcpy(&ifindex, act->params, sizeof(ifindex));
		return bpf_redirect(ifindex, 0);
	}
	default:
		return XDP_PASS;
	}
}

static __always_inline int p4_tc_body(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct p4tc_table_entry_act_bpf_params rp = { .pipeid = PIPE_ID, .tblid = TBL_FLOWS };
	struct p4tc_table_entry_create_bpf_params cp = {};
	struct p4tc_table_entry_act_bpf *act = NULL;
	struct flows_key key = {};
	struct hdrs h = {};

	if (p4_parse(data, data_end, &h) < 0)
		return 2;	/* TC_ACT_SHOT */
	if (!h.valid_ip)
		return -1;	/* TC_ACT_UNSPEC */
	count(0);
	p4_make_key(&h, &key);

	if (P4TC_HAVE(bpf_p4tc_tbl_read))
		act = bpf_p4tc_tbl_read(skb, &rp, sizeof(rp), &key, sizeof(key));

	cp.pipeid = PIPE_ID;
	cp.tblid = TBL_FLOWS;
	if (!act) {
		cp.act_bpf.act_id = ACT_COUNT;
		if (P4TC_HAVE(bpf_p4tc_entry_create))
			bpf_p4tc_entry_create(skb, &cp, sizeof(cp), &key, sizeof(key));
		return -1;
	}
	count(1);
	if (h.tcp_flags & (TCP_FIN | TCP_RST)) {
		if (P4TC_HAVE(bpf_p4tc_entry_delete))
			bpf_p4tc_entry_delete(skb, &cp, sizeof(cp), &key, sizeof(key));
	} else if (h.tcp_flags & TCP_SYN) {
		cp.act_bpf.act_id = ACT_COUNT;
		if (P4TC_HAVE(bpf_p4tc_entry_update))
			bpf_p4tc_entry_update(skb, &cp, sizeof(cp), &key, sizeof(key));
	}
	switch (act->act_id) {
	case ACT_DROP:
		count(2);
		return 2;
	case ACT_FORWARD: {
		u32 ifindex;

		__builtin_memcpy(&ifindex, act->params, sizeof(ifindex));
		return bpf_redirect(ifindex, 0);
	}
	default:
		skb->mark = act->act_id;
		return -1;
	}
}
