// SPDX-License-Identifier: GPL-2.0
/*
 * LSM attach-point policy sets (kernel/bpf/bpf_lsm.c, kernel/bpf/verifier.c):
 *  - lsm.s/bprm_check_security: sleepable. 5.10 allows sleepable LSM programs
 *    only on bprm_committed_creds (btf_sleepable_lsm_hooks), so 5.10 says
 *    "bpf_lsm_bprm_check_security is not sleepable"; 5.11+ list it in
 *    sleepable_lsm_hooks.
 *  - lsm/bprm_check_security: the same hook, not sleepable: loads everywhere.
 *  - lsm/getprocattr: in bpf_lsm_disabled_hooks from 6.8 on ("attach_btf_id
 *    ... points to disabled hook bpf_lsm_getprocattr"); loads on 5.10 and 6.1.
 */
#include "../common.h"

struct linux_binprm;
struct task_struct;

SEC("lsm.s/bprm_check_security")
int sleepable_exec(unsigned long long *ctx)
{
	return 0;
}

SEC("lsm/bprm_check_security")
int plain_exec(unsigned long long *ctx)
{
	return 0;
}

SEC("lsm/getprocattr")
int procattr(unsigned long long *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
