// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>

/* The weak default, as kernel/bpf/syscall.c has it: the linker replaces it with the strong
 * definition of kernel/trace/bpf_trace.c when that file is built (CONFIG_BPF_EVENTS). The static
 * tracing_prog_func_proto of net/core/filter.c is another function that a call from here never reaches. */
const struct bpf_func_proto * __weak
tracing_prog_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
}

static const struct bpf_func_proto *
syscall_prog_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
	case BPF_FUNC_skb_load_bytes:
		return NULL;
	default:
		return tracing_prog_func_proto(func_id, prog);
	}
}

const struct bpf_verifier_ops bpf_syscall_verifier_ops = { .get_func_proto = syscall_prog_func_proto };
