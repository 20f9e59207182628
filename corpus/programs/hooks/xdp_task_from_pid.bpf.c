// SPDX-License-Identifier: GPL-2.0
/*
 * Question: are the "task" kfuncs tracing-only?  No: kernel/bpf/helpers.c
 * (6.2+) registers generic_kfunc_set (bpf_task_from_pid, bpf_task_acquire,
 * bpf_task_release, bpf_cgroup_*) for TRACING, SCHED_CLS, XDP, STRUCT_OPS,
 * SYSCALL and (6.8+) CGROUP_SKB.  An XDP program that checks whether the
 * daemon owning its config is still alive:
 * Expected: fails 5.10/6.1 (kfuncs not in BTF), loads 6.12/7.2.
 */
#include "hooks_common.h"

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

const volatile s32 owner_pid = 1;

SEC("xdp")
int xdp_owner_alive(struct xdp_md *ctx)
{
	struct task_struct *t, *t2;

	t = bpf_task_from_pid(owner_pid);
	if (!t)
		return XDP_PASS;	/* owner gone: fail open */
	t2 = bpf_task_acquire(t);
	if (t2) {
		bump(1, 1);
		bpf_task_release(t2);
	}
	bpf_task_release(t);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
