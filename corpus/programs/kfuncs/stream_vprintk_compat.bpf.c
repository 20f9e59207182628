// SPDX-License-Identifier: GPL-2.0
/*
 * A kfunc whose user-visible prototype changed (KF_IMPLICIT_ARGS, ~7.0):
 *   6.18: int bpf_stream_vprintk_impl(int stream_id, const char *fmt__str,
 *                 const void *args, u32 len__sz, void *aux__prog)
 *   7.2:  int bpf_stream_vprintk(int stream_id, const char *fmt__str,
 *                 const void *args, u32 len__sz)       (+ the _impl above)
 * Both are declared __weak and chosen with bpf_ksym_exists(); a ___flavor
 * suffix (bpf_stream_vprintk___new) exercises libbpf >= 1.3 flavor stripping
 * for kfuncs. Expected: loads everywhere; output path active on 6.18 and 7.2.
 * (6.17 had bpf_stream_vprintk with 5 params: the ___new flavor would then be
 * left unresolved as incompatible and the _impl branch would be dead too.)
 */
#include "kf_common.h"

extern int bpf_stream_vprintk___new(int stream_id, const char *fmt__str, const void *args,
				    u32 len__sz) __ksym __weak;
extern int bpf_stream_vprintk_impl(int stream_id, const char *fmt__str, const void *args,
				   u32 len__sz, void *aux__prog) __ksym __weak;

#define BPF_STDERR 2

SEC("syscall")
int report(void *ctx)
{
	static const char fmt[] = "bpfstab: %llu\n";
	u64 args[1] = { 42 };

	if (bpf_ksym_exists(bpf_stream_vprintk___new))
		return bpf_stream_vprintk___new(BPF_STDERR, fmt, args, sizeof(args));
	if (bpf_ksym_exists(bpf_stream_vprintk_impl))
		return bpf_stream_vprintk_impl(BPF_STDERR, fmt, args, sizeof(args), NULL);
	return -1;
}

char _license[] SEC("license") = "GPL";
