// SPDX-License-Identifier: GPL-2.0
/*
 * WEAK kfunc whose prototype uses a FORWARD-declared struct:
 *   struct cgroup;  extern struct cgroup *bpf_cgroup_from_id(u64) __weak;
 * BTF records PTR -> FWD 'cgroup'; the kernel has PTR -> STRUCT 'cgroup';
 * libbpf's compatibility check treats FWD vs STRUCT as incompatible and, for
 * a WEAK extern, silently leaves it unresolved. The guard then reports "no
 * kfunc" even on kernels that have it: the program LOADS everywhere with the
 * feature silently OFF everywhere (a bug a checker should flag).
 */
#include "../common.h"
#include <bpf/bpf_tracing.h>

struct cgroup;		/* deliberately incomplete */

extern struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym __weak;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} found SEC(".maps");

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, void *parent, void *child)
{
	u32 zero = 0;
	u64 *v = bpf_map_lookup_elem(&found, &zero);
	struct cgroup *cg;

	if (!v)
		return 0;
	if (!bpf_ksym_exists(bpf_cgroup_from_id) || !bpf_ksym_exists(bpf_cgroup_release)) {
		*v = 0;
		return 0;
	}
	cg = bpf_cgroup_from_id(1);
	if (cg) {
		*v = 1;
		bpf_cgroup_release(cg);
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
