// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>

extern const struct bpf_func_proto bpf_get_socket_cookie_proto;

/* the strong definition that replaces kernel/bpf/syscall.c's weak default at link time */
const struct bpf_func_proto *
tracing_prog_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	const struct bpf_func_proto *fn;

	switch (func_id) {
	case BPF_FUNC_get_current_pid_tgid:
		return &bpf_get_current_pid_tgid_proto;
	case BPF_FUNC_get_socket_cookie:
		return &bpf_get_socket_cookie_proto;
	default:
		fn = bpf_base_func_proto(func_id, prog);
		if (!fn)
			fn = bpf_iter_get_func_proto(func_id, prog);
		return fn;
	}
}
