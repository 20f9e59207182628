// SPDX-License-Identifier: BSD-2-Clause
/*
 * A non-GPL object (license "BSD", not in the kernel's license_is_gpl_compatible()
 * list) with two programs:
 *  - a kprobe reading kernel memory with bpf_probe_read_kernel(), whose
 *    bpf_func_proto has .gpl_only = true: the verifier's check_helper_call
 *    refuses it ("cannot call GPL-restricted function from non-GPL compatible
 *    program") on every kernel;
 *  - a socket filter using only helpers with .gpl_only = false
 *    (bpf_ktime_get_ns, bpf_map_lookup_elem): loads everywhere, since the
 *    licence is checked per helper call, not per object.
 * Fix: license "Dual BSD/GPL" (or "GPL").
 */
#include "../common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} last_seen SEC(".maps");

SEC("kprobe/do_nanosleep")
int nanosleep_peek(struct pt_regs *ctx)
{
	u64 word = 0;
	u32 zero = 0;
	u64 *v;

	/* first argument of do_nanosleep: x86-64 pt_regs->di is the 15th word */
	bpf_probe_read_kernel(&word, sizeof(word), (void *)((u64 *)ctx)[14]);
	v = bpf_map_lookup_elem(&last_seen, &zero);
	if (v)
		*v = word;
	return 0;
}

SEC("socket")
int stamp_packets(struct __sk_buff *skb)
{
	u32 zero = 0;
	u64 *v = bpf_map_lookup_elem(&last_seen, &zero);

	if (v)
		*v = bpf_ktime_get_ns();
	return skb->len;
}

char _license[] SEC("license") = "BSD";
