// SPDX-License-Identifier: GPL-2.0
/*
 * fentry on security_file_truncate(struct file *), an LSM hook wrapper added
 * in 6.2: absent from 5.10 and 6.1 BTF, so libbpf cannot resolve the attach
 * target there. Expected: fails 5.10/6.1, loads 6.12+.
 */
#include "../common.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct inode {
	unsigned long i_ino;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u64);
} truncs SEC(".maps");

SEC("fentry/security_file_truncate")
int BPF_PROG(on_truncate, struct file *file)
{
	u64 ino = BPF_CORE_READ(file, f_inode, i_ino), one = 1, *v;

	v = bpf_map_lookup_elem(&truncs, &ino);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&truncs, &ino, &one, BPF_ANY);
	return 0;
}

char _license[] SEC("license") = "GPL";
