// SPDX-License-Identifier: GPL-2.0
/*
 * Question: may XDP call a kfunc registered for tracing-like hooks only?
 * kernel/bpf/cpumask.c (6.3+) registers cpumask_kfunc_set for TRACING,
 * STRUCT_OPS and SYSCALL only.  An XDP program building a CPU mask for
 * steering decisions is refused: "calling kernel function bpf_cpumask_create
 * is not allowed".
 * Expected: fails everywhere (5.10/6.1: not in BTF; 6.12/7.2: hook).
 * Control: tp_btf_cpumask_create (same calls from tp_btf) loads on 6.12/7.2.
 */
#include "hooks_common.h"

extern struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
extern void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
extern void bpf_cpumask_set_cpu(u32 cpu, struct bpf_cpumask *cpumask) __ksym;

SEC("xdp")
int xdp_cpu_steer(struct xdp_md *ctx)
{
	struct bpf_cpumask *m = bpf_cpumask_create();

	if (!m)
		return XDP_PASS;
	bpf_cpumask_set_cpu(bpf_get_smp_processor_id(), m);
	bpf_cpumask_release(m);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
