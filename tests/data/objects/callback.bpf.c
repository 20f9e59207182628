// Fixture: a callback passed by address (ld_imm64 src_reg=BPF_PSEUDO_FUNC) to bpf_loop, a static
// callback in .text that is appended to the program like a called subprogram.
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

static int step(__u32 idx, void *ctx)
{
	*(long *)ctx += idx;
	return 0;
}

SEC("xdp")
int loop_prog(struct xdp_md *xdp)
{
	long sum = 0;

	bpf_loop(8, step, &sum, 0);
	return sum ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
