// SPDX-License-Identifier: GPL-2.0
/*
 * WEAK kfuncs WITHOUT a guard. libbpf accepts the unresolved weak externs
 * but poisons the call (helper call imm 2002000000+N); the call is reachable,
 * so the verifier rejects it ("kfunc 'bpf_task_from_pid' is referenced but
 * wasn't resolved").
 * Expected: fails 5.10/6.1 (at the call, not at open/resolve); loads 6.12+.
 */
#include "kf_common.h"

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_struct *t;

	t = bpf_task_from_pid(1);
	if (t) {
		put_result(0, t->tgid);
		bpf_task_release(t);
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
