// SPDX-License-Identifier: GPL-2.0
/*
 * BPF arena: map type BPF_MAP_TYPE_ARENA (33, 6.9) with BPF_F_MMAPABLE,
 * plus bpf_arena_alloc_pages / bpf_arena_free_pages kfuncs (6.9) from a
 * syscall program. Pointers are declared without the address_space(1) tag
 * (clang 14 cannot emit it); libbpf's proto check skips type tags.
 * Expected: fails 5.10/6.1 (kfuncs missing; map type unknown); loads 6.12+.
 */
#include "../common.h"

#ifndef BPF_F_MMAPABLE
#define BPF_F_MMAPABLE (1U << 10)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARENA_NR);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16);	/* pages */
} arena SEC(".maps");

extern void *bpf_arena_alloc_pages(void *p__map, void *addr__ign, u32 page_cnt, int node_id,
				   u64 flags) __ksym;
extern void bpf_arena_free_pages(void *p__map, void *ptr__ign, u32 page_cnt) __ksym;

#define NUMA_NO_NODE (-1)

SEC("syscall")
int arena_alloc(void *ctx)
{
	void *page = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);

	if (!page)
		return 1;
	bpf_arena_free_pages(&arena, page, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
