// SPDX-License-Identifier: GPL-2.0
/*
 * The same owner-alive check as xdp_task_from_pid, from a socket filter.
 * generic_kfunc_set is NOT registered for BPF_PROG_TYPE_SOCKET_FILTER
 * (kernel/bpf/helpers.c: TRACING, SCHED_CLS, XDP, STRUCT_OPS, SYSCALL,
 * CGROUP_SKB), so the verifier refuses: "calling kernel function
 * bpf_task_from_pid is not allowed".
 * Expected: fails everywhere (5.10/6.1: not in BTF; 6.12/7.2: hook).
 */
#include "hooks_common.h"

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

const volatile s32 owner_pid = 1;

SEC("socket")
int sock_owner_alive(struct __sk_buff *skb)
{
	struct task_struct *t = bpf_task_from_pid(owner_pid);

	if (!t)
		return 0;	/* owner gone: drop */
	bpf_task_release(t);
	return skb->len;
}

char _license[] SEC("license") = "GPL";
