// SPDX-License-Identifier: GPL-2.0
/* bpfstab-build: CC=clang-19 EXTRA=-mcpu=v4 */
/*
 * BPF ISA v4 instructions (kernel 6.6+), built with clang 19 -mcpu=v4:
 *   - sign-extending loads  (BPF_MEMSX: *(s8/s16/s32 *) -> 64-bit)
 *   - sign-extending moves  (BPF_MOVSX: (s64)(s8)x, (s64)(s32)x)
 *   - signed division/modulo (BPF_SDIV/BPF_SMOD, off = 1)
 *   - unconditional byte swap (BPF_ALU64 | BPF_END: bswap16/32/64)
 *   - gotol (BPF_JMP32 | BPF_JA with 32-bit imm offset) via inline asm
 * Expected: fails 5.10/6.1 (unknown opcodes / reserved fields); loads 6.12+.
 */
#include "../common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, s64);
} vals SEC(".maps");

SEC("tc")
int tc_v4(struct __sk_buff *skb)
{
	u32 k0 = 0, k1 = 1, k2 = 2, k3 = 3;
	s64 *a = bpf_map_lookup_elem(&vals, &k0);
	s64 *b = bpf_map_lookup_elem(&vals, &k1);
	s64 *c = bpf_map_lookup_elem(&vals, &k2);
	s64 *d = bpf_map_lookup_elem(&vals, &k3);
	volatile s8 *sb;
	s64 x;

	if (!a || !b || !c || !d)
		return 0;
	sb = (volatile s8 *)a;
	x = *sb;			/* ldsx: r = *(s8 *)(r + 0) */
	x += *(volatile s16 *)b;	/* ldsx 16 */
	x += (s64)(s32)skb->len;	/* ldsx32 (ctx) or movsx 32 -> 64 */
	{
		s64 y;

		asm volatile("%0 = (s8)%1" : "=r"(y) : "r"(x));	/* movsx 8 -> 64 */
		x += y;
	}
	if (*b != 0) {
		*c = x / *b;		/* sdiv */
		*d = x % *b;		/* smod */
	}
	*a = __builtin_bswap64(x);	/* bswap64 */
	*b = __builtin_bswap32((u32)x);	/* bswap32 */
	asm volatile("gotol +0" ::: "memory");	/* long jump to the next insn */
	return 0;
}

char _license[] SEC("license") = "GPL";
