// SPDX-License-Identifier: GPL-2.0
/*
 * STRONG kfunc declared with an incompatible prototype: bpf_task_acquire()
 * takes one argument, this program declares two. libbpf compares the
 * FUNC_PROTOs (param count must match) and refuses: "extern (func ksym)
 * 'bpf_task_acquire': func_proto [..] incompatible with vmlinux [..]".
 * Expected: 5.10/6.1 fail (not found), 6.12+ fail (incompatible proto).
 */
#include "kf_common.h"

extern struct task_struct *bpf_task_acquire(struct task_struct *p, u64 flags) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_struct *t = bpf_task_acquire(child, 0);

	if (t)
		bpf_task_release(t);
	return 0;
}

char _license[] SEC("license") = "GPL";
