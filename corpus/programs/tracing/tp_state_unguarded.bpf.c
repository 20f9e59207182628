// SPDX-License-Identifier: GPL-2.0
/*
 * Same tool WITHOUT the guard: reads task->__state unconditionally.
 * Kernels whose task_struct has no __state (before 5.14, e.g. 5.10 which has
 * `state`) get a poisoned CO-RE relocation on a reachable instruction and the
 * load fails ("failed to resolve CO-RE relocation"). 5.14+ loads.
 */
#include "task_state.h"

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	account(BPF_CORE_READ(prev, pid), BPF_CORE_READ(prev, __state));
	return 0;
}

char _license[] SEC("license") = "GPL";
