// SPDX-License-Identifier: GPL-2.0
/*
 * BPF allocator: bpf_obj_new_impl / bpf_obj_drop_impl (6.2) with the local
 * type id from bpf_core_type_id_local() (TYPE_ID_LOCAL CO-RE relocation),
 * as libbpf's bpf_obj_new() macro does, from a TC program.
 * 7.2 also exposes a `bpf_obj_new` (KF_IMPLICIT_ARGS) flavor; this program
 * uses the _impl names, which 7.2 still has.
 * Expected: fails 5.10/6.1 (not in BTF); loads 6.12+ (6.12/7.2: guess).
 */
#include "kf_common.h"

struct node_data {
	u64 key;
	u64 val;
};

extern void *bpf_obj_new_impl(u64 local_type_id__k, void *meta__ign) __ksym;
extern void bpf_obj_drop_impl(void *p__alloc, void *meta__ign) __ksym;

SEC("tc")
int tc_obj_new(struct __sk_buff *skb)
{
	struct node_data *n;

	n = bpf_obj_new_impl(bpf_core_type_id_local(struct node_data), NULL);
	if (!n)
		return 0;
	n->key = skb->len;
	n->val = skb->mark;
	put_result(3, n->key + n->val);
	bpf_obj_drop_impl(n, NULL);
	return 0;
}

char _license[] SEC("license") = "GPL";
