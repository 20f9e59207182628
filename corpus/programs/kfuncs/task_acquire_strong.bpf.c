// SPDX-License-Identifier: GPL-2.0
/*
 * STRONG kfuncs that are missing on old kernels: bpf_task_acquire /
 * bpf_task_release, bpf_cgroup_acquire / bpf_cgroup_release (6.2) and
 * bpf_rcu_read_lock / bpf_rcu_read_unlock (6.2), from tp_btf (TRACING hook).
 * Expected: 5.10 and 6.1 fail at extern resolution (not in BTF); 6.12+ load.
 */
#include "kf_common.h"

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
extern struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_struct *t;
	struct cgroup *cg, *cg2;

	t = bpf_task_acquire(child);
	if (!t)
		return 0;
	bpf_rcu_read_lock();
	put_result(0, t->pid);
	bpf_rcu_read_unlock();
	bpf_task_release(t);

	cg = bpf_cgroup_from_id(1);
	if (cg) {
		cg2 = bpf_cgroup_acquire(cg);
		if (cg2)
			bpf_cgroup_release(cg2);
		bpf_cgroup_release(cg);
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
