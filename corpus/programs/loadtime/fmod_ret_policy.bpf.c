// SPDX-License-Identifier: GPL-2.0
/*
 * fmod_ret attach policy (kernel/bpf/verifier.c check_attach_modify_return).
 * Debian builds its kernels without CONFIG_FUNCTION_ERROR_INJECTION, so
 * within_error_injection_list() is always false there and fmod_ret may only
 * modify security_* functions (plus fmod_ret sets, and __x64_* syscalls in
 * 7.x):
 *  - fmod_ret/security_file_open: loads on every kernel;
 *  - fmod_ret/do_unlinkat (a plain kernel function): "do_unlinkat() is not
 *    modifiable" on 5.10-6.12 (and 7.2 has no do_unlinkat in its BTF at all);
 *  - fentry.s/security_file_open: sleepable fentry needs an error-injectable
 *    target: "security_file_open is not sleepable" everywhere.
 */
#include "../common.h"

SEC("fmod_ret/security_file_open")
int deny_nothing(unsigned long long *ctx)
{
	return 0;
}

SEC("fmod_ret/do_unlinkat")
int keep_unlink(unsigned long long *ctx)
{
	return 0;
}

SEC("fentry.s/security_file_open")
int sleepy_open(unsigned long long *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
