// SPDX-License-Identifier: GPL-2.0
/*
 * Socket filter reading __sk_buff.hwtstamp (UAPI field added in 5.16), with the
 * plain UAPI <linux/bpf.h> layout: the load is `r = *(u64 *)(r1 + 184)`. The
 * kernel's bpf_skb_is_valid_access() refuses any offset at or past
 * sizeof(struct __sk_buff) of the running kernel; 5.10's struct ends at 184
 * (after gso_size), so 5.10 says "invalid bpf_context access off=184 size=8".
 * The helper call clobbers r1, so clang keeps the context in a callee-saved
 * register (r6 = r1): the checker must follow the copy.
 * But sk_filter_is_valid_access() also denies hwtstamp (with tstamp, data,
 * wire_len, ...) to socket filters on every kernel that has the field (real load
 * on 6.18: same message), so the socket filter fails everywhere, while the tc
 * program doing the same read fails only where the struct is too short (5.10).
 * Third program: a socket filter reading only 5.10-era fields (len, protocol):
 * loads everywhere.
 */
#include "../common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} stamps SEC(".maps");

SEC("socket")
int hw_stamp(struct __sk_buff *skb)
{
	u32 zero = 0;
	u64 *v = bpf_map_lookup_elem(&stamps, &zero);   /* clobbers r1: ctx is kept in r6 */

	if (v)
		*v = skb->hwtstamp;
	return 0;
}

/* the same read from tc: tc_cls_act_is_valid_access does not deny hwtstamp */
SEC("tc")
int tc_hw_stamp(struct __sk_buff *skb)
{
	u32 zero = 0;
	u64 *v = bpf_map_lookup_elem(&stamps, &zero);

	if (v)
		*v = skb->hwtstamp;
	return 0;
}

SEC("socket")
int plain_fields(struct __sk_buff *skb)
{
	u32 zero = 0;
	u64 *v = bpf_map_lookup_elem(&stamps, &zero);

	if (v)
		*v = skb->len + skb->protocol;
	return 0;
}

char _license[] SEC("license") = "GPL";
