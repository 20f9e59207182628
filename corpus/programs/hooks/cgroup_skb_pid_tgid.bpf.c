// SPDX-License-Identifier: GPL-2.0
/*
 * Question: may a cgroup_skb program call bpf_get_current_pid_tgid()?
 * A per-process egress byte counter, as people write it first.
 * Source (kernel/bpf/cgroup.c, net/core/filter.c): cg_skb_func_proto() falls
 * back to sk_filter_func_proto -> bpf_sk_base_func_proto -> bpf_base_func_proto;
 * 5.10/6.1 offer get_current_pid_tgid only to the cgroup hooks with process
 * context (cgroup_current_func_proto: sock_addr, sockopt, sysctl...), not to
 * cgroup_skb. 6.10 moved it into bpf_base_func_proto (every program type).
 * Expected: fails 5.10/6.1 ("unknown func bpf_get_current_pid_tgid#14"),
 * loads 6.12/7.2.
 */
#include "hooks_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, u32);
	__type(value, u64);
} tx_bytes_by_tgid SEC(".maps");

SEC("cgroup_skb/egress")
int egress_by_pid(struct __sk_buff *skb)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	u64 *v, len = skb->len;

	v = bpf_map_lookup_elem(&tx_bytes_by_tgid, &tgid);
	if (v)
		__sync_fetch_and_add(v, len);
	else
		bpf_map_update_elem(&tx_bytes_by_tgid, &tgid, &len, BPF_NOEXIST);
	return 1;	/* allow */
}

char _license[] SEC("license") = "GPL";
