// SPDX-License-Identifier: GPL-2.0
/*
 * Control for xdp_cpumask_create: the same cpumask kfuncs from a tp_btf
 * (BPF_PROG_TYPE_TRACING) program, the hook cpumask_kfunc_set is registered
 * for (kernel/bpf/cpumask.c, 6.3+).
 * Expected: fails 5.10/6.1 (kfuncs not in BTF), loads 6.12/7.2.
 */
#include "hooks_common.h"
#include <bpf/bpf_tracing.h>

extern struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
extern void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
extern void bpf_cpumask_set_cpu(u32 cpu, struct bpf_cpumask *cpumask) __ksym;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_cpumask, struct task_struct *parent, struct task_struct *child)
{
	struct bpf_cpumask *m = bpf_cpumask_create();

	if (!m)
		return 0;
	bpf_cpumask_set_cpu(bpf_get_smp_processor_id(), m);
	bump(2, 1);
	bpf_cpumask_release(m);
	return 0;
}

char _license[] SEC("license") = "GPL";
