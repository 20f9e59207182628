/* SPDX-License-Identifier: GPL-2.0 */
/* Local, CO-RE-relocatable view of the bits of task_struct these tools use. */
#include "../common.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct task_struct {
	unsigned int __state;		/* 5.14+: renamed from `state`, now u32 */
	int pid;
	int tgid;
	char comm[16];
} __attribute__((preserve_access_index));

/* pre-5.14 layout: `volatile long state` (flavor suffix ___pre514 is
 * stripped by libbpf when matching against the kernel's task_struct) */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

struct switch_stat {
	u64 switches;
	u64 last_state;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct switch_stat);
} stats SEC(".maps");

static __always_inline void account(u32 pid, u64 state)
{
	struct switch_stat *s, zero = {};

	s = bpf_map_lookup_elem(&stats, &pid);
	if (!s) {
		bpf_map_update_elem(&stats, &pid, &zero, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&stats, &pid);
		if (!s)
			return;
	}
	s->switches++;
	s->last_state = state;
}
