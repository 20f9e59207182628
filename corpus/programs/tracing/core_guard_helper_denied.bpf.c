// SPDX-License-Identifier: GPL-2.0
/*
 * A CO-RE guard is not enough: bpf_core_enum_value_exists(enum bpf_func_id,
 * BPF_FUNC_ktime_get_coarse_ns) only says the helper id EXISTS, not that this
 * program type may call it. tp_btf (BPF_PROG_TYPE_TRACING) programs are not
 * given bpf_ktime_get_coarse_ns: the 6.18 verifier says "program of this type
 * cannot use helper bpf_ktime_get_coarse_ns#160".
 * Inverse compatibility: on 5.10 the enum value is absent, the call is pruned
 * and the program loads; on kernels that know the helper it is reachable and
 * rejected (verified on 6.18; 6.1/6.12/7.2 are a guess).
 * Also carries TYPE_EXISTS(bpf_wq) and ENUMVAL_VALUE(BPF_FUNC_loop).
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

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_ktime_get_coarse_ns))
		set_feature(1, bpf_ktime_get_coarse_ns());
	else
		set_feature(1, bpf_ktime_get_ns());

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop))
		set_feature(2, bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_loop));
	return 0;
}

char _license[] SEC("license") = "GPL";
