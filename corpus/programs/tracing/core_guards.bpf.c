// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probing with CO-RE existence relocations instead of versions:
 *  - bpf_core_type_exists(struct bpf_wq)            (TYPE_EXISTS; bpf_wq is 6.10+)
 *  - bpf_core_enum_value_exists(enum bpf_func_id,
 *        BPF_FUNC_get_current_task_btf)              (ENUMVAL_EXISTS; helper 5.11+)
 *    guarding a call to that helper: on 5.10 the helper id (158) is beyond
 *    __BPF_FUNC_MAX_ID (unknown to the verifier), but the call is pruned.
 *  - bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_loop) guarded by
 *    bpf_core_enum_value_exists (ENUMVAL_VALUE would poison if unguarded).
 * Expected: loads everywhere (5.10+); feature bits differ per kernel.
 */
#include "../common.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct bpf_wq {
	u64 __opaque[2];
} __attribute__((aligned(8)));

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} features SEC(".maps");

static __always_inline void set_feature(u32 idx, u64 val)
{
	u64 *v = bpf_map_lookup_elem(&features, &idx);

	if (v)
		*v = val;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	set_feature(0, bpf_core_type_exists(struct bpf_wq));

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		set_feature(1, bpf_get_current_task_btf() != NULL);
	else
		set_feature(1, bpf_get_current_pid_tgid());

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop))
		set_feature(2, bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_loop));
	return 0;
}

char _license[] SEC("license") = "GPL";
