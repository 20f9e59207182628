// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_get_kmem_cache(u64 addr) (added in 6.13, KF_RET_NULL), strong, from a
 * tp_btf program. A later version boundary than the 6.2-era kfuncs.
 * Expected: fails 5.10/6.1/6.12 (not in BTF); loads 6.18, 7.2.
 */
#include "kf_common.h"

extern struct kmem_cache *bpf_get_kmem_cache(u64 addr) __ksym;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	/* any kernel address as a scalar: the current task */
	struct kmem_cache *s = bpf_get_kmem_cache(bpf_get_current_task());

	if (s)
		put_result(4, BPF_CORE_READ(s, size));
	return 0;
}

char _license[] SEC("license") = "GPL";
