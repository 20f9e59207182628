// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_loop() (5.17+) guarded by bpf_core_enum_value_exists(enum bpf_func_id,
 * BPF_FUNC_loop), falling back to a bounded loop.
 *
 * The guard prunes the helper call, but the callback address is still an
 * ld_imm64 with src_reg = BPF_PSEUDO_FUNC (4), which kernels before 5.13
 * reject while scanning ALL instructions ("unrecognized bpf_ld_imm64 insn"),
 * reachable or not. Hypothesis: fails on 5.10 despite the guard; loads 6.1+.
 */
#include "../common.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u64);
} slots SEC(".maps");

static long sum_slot(u32 i, void *ctx)
{
	u64 *acc = ctx, *v;

	v = bpf_map_lookup_elem(&slots, &i);
	if (v)
		*acc += *v;
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	u64 acc = 0;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop)) {
		bpf_loop(64, sum_slot, &acc, 0);
	} else {
		for (u32 i = 0; i < 64; i++)
			sum_slot(i, &acc);
	}
	return acc == 42;
}

char _license[] SEC("license") = "GPL";
