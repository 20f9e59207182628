// SPDX-License-Identifier: GPL-2.0
/*
 * WEAK kfuncs with bpf_ksym_exists() guard: bpf_task_from_pid (6.2) and
 * bpf_task_release. Where the kernel lacks them libbpf leaves the ksym at 0,
 * the guarded branch is pruned and the program loads with the feature off.
 * Expected: loads everywhere (5.10 .. 7.2); feature active on 6.12+.
 */
#include "kf_common.h"

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_struct *t;

	if (!bpf_ksym_exists(bpf_task_from_pid) || !bpf_ksym_exists(bpf_task_release)) {
		put_result(0, (u64)-1);	/* feature off */
		return 0;
	}
	t = bpf_task_from_pid(1);
	if (t) {
		put_result(0, t->tgid);
		bpf_task_release(t);
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
