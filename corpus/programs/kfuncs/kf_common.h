/* SPDX-License-Identifier: GPL-2.0 */
/* Local kernel types for the kfunc programs (full STRUCTs, never forward
 * declarations: kfunc prototype matching rejects FWD vs STRUCT). */
#include "../common.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

struct cgroup {
	int level;
} __attribute__((preserve_access_index));

struct sock {
	u16 sk_type;
} __attribute__((preserve_access_index));

struct kmem_cache {
	unsigned int size;
	const char *name;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, u32);
	__type(value, u64);
} results SEC(".maps");

static __always_inline void put_result(u32 idx, u64 val)
{
	u64 *v = bpf_map_lookup_elem(&results, &idx);

	if (v)
		*v = val;
}
