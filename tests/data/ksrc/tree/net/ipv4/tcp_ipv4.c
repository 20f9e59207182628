// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>

extern const struct bpf_func_proto bpf_tcp_send_ack_proto;

static const struct bpf_func_proto *
bpf_iter_tcp_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
	case BPF_FUNC_tcp_send_ack:
		return &bpf_tcp_send_ack_proto;
	default:
		return NULL;
	}
}

static struct bpf_iter_reg tcp_reg_info = {
	.target		= "tcp",
	.get_func_proto	= bpf_iter_tcp_get_func_proto,
};
