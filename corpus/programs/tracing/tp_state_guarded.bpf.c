// SPDX-License-Identifier: GPL-2.0
/*
 * tp_btf/sched_switch reading the previous task's state the portable way:
 * bpf_core_field_exists(task->__state) selects between the 5.14+ field and
 * the older `state` (via a ___pre514 flavor). One of the two CO-RE reads is
 * poisoned on every kernel, but always in the branch the verifier prunes.
 * Expected: loads on every kernel with tp_btf (5.5+) and BTF.
 */
#include "task_state.h"

static __always_inline u64 task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	account(BPF_CORE_READ(prev, pid), task_state(prev));
	return 0;
}

char _license[] SEC("license") = "GPL";
