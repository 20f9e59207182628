// SPDX-License-Identifier: GPL-2.0
/*
 * SEC("syscall"): BPF_PROG_TYPE_SYSCALL (31, 5.14), always sleepable, run
 * with BPF_PROG_TEST_RUN (light skeleton loaders use this type).
 * Expected: fails 5.10 (unknown prog type); loads 6.1+.
 */
#include "../common.h"

struct args {
	u32 key;
	u64 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, u32);
	__type(value, u64);
} kv SEC(".maps");

SEC("syscall")
int kv_put(struct args *ctx)
{
	u32 key = ctx->key;
	u64 val = ctx->value;

	return bpf_map_update_elem(&kv, &key, &val, BPF_ANY);
}

char _license[] SEC("license") = "GPL";
