// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal global-FIFO sched_ext scheduler written against BOTH kfunc
 * generations, the way schedulers ship a compat layer:
 *   6.12:  scx_bpf_dispatch()    scx_bpf_consume()
 *   6.13+: scx_bpf_dsq_insert()  scx_bpf_dsq_move_to_local()
 * All four are __weak; bpf_ksym_exists() picks the new name when the kernel
 * has it, else the old one. Expected: loads on any kernel with sched_ext
 * (6.12 .. 7.x) -- fails where sched_ext is not built (no
 * bpf_struct_ops_sched_ext_ops in BTF), including 5.10/6.1.
 */
#include "scx_common.h"

extern void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
extern void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
extern bool scx_bpf_dsq_move_to_local(u64 dsq_id) __ksym __weak;
extern bool scx_bpf_consume(u64 dsq_id) __ksym __weak;

static __always_inline void compat_insert(struct task_struct *p, u64 dsq, u64 slice, u64 fl)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert))
		scx_bpf_dsq_insert(p, dsq, slice, fl);
	else
		scx_bpf_dispatch(p, dsq, slice, fl);
}

static __always_inline bool compat_move_to_local(u64 dsq)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local))
		return scx_bpf_dsq_move_to_local(dsq);
	return scx_bpf_consume(dsq);
}

s32 BPF_STRUCT_OPS(compat_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle)
		compat_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	return cpu;
}

void BPF_STRUCT_OPS(compat_enqueue, struct task_struct *p, u64 enq_flags)
{
	compat_insert(p, SHARED_DSQ, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(compat_dispatch, s32 cpu, struct task_struct *prev)
{
	compat_move_to_local(SHARED_DSQ);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(compat_init)
{
	return scx_bpf_create_dsq(SHARED_DSQ, -1);
}

void BPF_STRUCT_OPS(compat_exit, struct scx_exit_info *ei)
{
}

SEC(".struct_ops.link")
struct sched_ext_ops compat_ops = {
	.select_cpu	= (void *)compat_select_cpu,
	.enqueue	= (void *)compat_enqueue,
	.dispatch	= (void *)compat_dispatch,
	.init		= (void *)compat_init,
	.exit		= (void *)compat_exit,
	.name		= "bpfstab_compat",
};

char _license[] SEC("license") = "GPL";
