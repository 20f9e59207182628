// SPDX-License-Identifier: MIT
/*
 * An LSM program under a non-GPL licence ("MIT" alone is not in
 * license_is_gpl_compatible()): bpf_lsm_verify_prog() refuses it on every
 * kernel, "LSM programs must have a GPL compatible license", even though it
 * calls no helper at all. Fix: "Dual MIT/GPL".
 */
#include "../common.h"

SEC("lsm/file_open")
int mit_file_open(unsigned long long *ctx)
{
	return 0;
}

char _license[] SEC("license") = "MIT";
