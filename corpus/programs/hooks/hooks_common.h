/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared prelude for corpus/programs/hooks: programs that ask "may THIS
 * program type call THAT helper/kfunc?" -- facts that live in the kernel's
 * *_func_proto() switches and register_btf_kfunc_id_set() calls, not in BTF.
 * Kernel-internal types are full local STRUCTs (libbpf's kfunc prototype
 * check rejects a FWD where the kernel has a STRUCT).
 */
#include "../common.h"

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

struct bpf_cpumask {
	int usage;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} hook_stats SEC(".maps");

static __always_inline void bump(u32 idx, u64 val)
{
	u64 *v = bpf_map_lookup_elem(&hook_stats, &idx);

	if (v)
		__sync_fetch_and_add(v, val);
}
