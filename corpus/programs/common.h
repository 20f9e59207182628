/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h - shared prelude for the bpfstab program corpus.
 *
 * Deliberately NOT a vmlinux.h: UAPI types come from <linux/bpf.h>
 * (linux-libc-dev 6.1), kernel-internal types are declared locally in each
 * program with __attribute__((preserve_access_index)) so every object carries
 * only the CO-RE relocations it really needs.
 *
 * Built against libbpf-dev 1.1 headers (Debian bookworm); macros that appeared
 * later in libbpf are given local fallbacks below.
 */
#ifndef BPFSTAB_COMMON_H
#define BPFSTAB_COMMON_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

typedef __u8  u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8  s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;
typedef _Bool bool;
#define true 1
#define false 0

#ifndef NULL
#define NULL ((void *)0)
#endif

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif
#ifndef __weak
#define __weak __attribute__((weak))
#endif

/*
 * bpf_ksym_exists() appeared in libbpf 1.2 (bpf_helpers.h). Same semantics as
 * upstream: the symbol must be __weak; the expression is a 64-bit ld_imm64 of
 * the ksym that libbpf patches to 0 when the weak kfunc is unresolved, so the
 * verifier can prune the guarded branch.
 */
#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) ({						\
	_Static_assert(!__builtin_constant_p(!!sym),			\
		       #sym " should be marked as __weak");		\
	!!sym;								\
})
#endif

/* Program/map/attach type numbers newer than the 6.1 UAPI header. */
#ifndef BPF_MAP_TYPE_ARENA_NR
#define BPF_MAP_TYPE_ARENA_NR 33	/* 6.9 */
#endif

/* Types that are UAPI only in newer kernels (declared the way libbpf users do). */
struct bpf_iter_num { __u64 __opaque[1]; } __attribute__((aligned(8)));

#endif /* BPFSTAB_COMMON_H */
