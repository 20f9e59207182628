// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>

extern const struct bpf_func_proto bpf_skb_load_bytes_proto, bpf_xdp_adjust_head_proto,
	bpf_get_socket_cookie_proto, bpf_override_return_proto, bpf_tcp_send_ack_proto;

static const struct bpf_func_proto *
bpf_sk_base_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	const struct bpf_func_proto *func;

	switch (func_id) {
	case BPF_FUNC_get_socket_cookie:
		func = &bpf_get_socket_cookie_proto;
		break;
	default:
		return bpf_base_func_proto(func_id, prog);
	}
	return func;
}

static const struct bpf_func_proto *
sk_filter_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
	case BPF_FUNC_skb_load_bytes:
		return &bpf_skb_load_bytes_proto;
	case BPF_FUNC_get_socket_cookie:
		/* explicitly refused for this type */
		return NULL;
	default:
		return bpf_sk_base_func_proto(func_id, prog);
	}
}

static const struct bpf_func_proto *
tc_cls_act_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
	case BPF_FUNC_skb_load_bytes:
	case BPF_FUNC_get_current_pid_tgid:
		return &bpf_skb_load_bytes_proto;
	default:
		return bpf_sk_base_func_proto(func_id, prog);
	}
}

static const struct bpf_func_proto *
xdp_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
	case BPF_FUNC_xdp_adjust_head:
		return &bpf_xdp_adjust_head_proto;
#ifdef CONFIG_NOT_IN_CONFIG
	case BPF_FUNC_skb_load_bytes:
		return &bpf_skb_load_bytes_proto;
#endif
	default:
		return bpf_sk_base_func_proto(func_id, prog);
	}
}

static const struct bpf_func_proto *
cg_skb_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return bpf_sk_base_func_proto(func_id, prog);
}

static const struct bpf_func_proto *
kprobe_prog_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
#ifdef CONFIG_BPF_KPROBE_OVERRIDE
	case BPF_FUNC_override_return:
		return &bpf_override_return_proto;
#endif
	case BPF_FUNC_get_current_pid_tgid:
		return &bpf_get_current_pid_tgid_proto;
	default:
		return bpf_base_func_proto(func_id, prog);
	}
}

static const struct bpf_func_proto *
tracing_prog_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return kprobe_prog_func_proto(func_id, prog);
}

static const struct bpf_func_proto *
tcp_ca_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	/* an id tested with == rather than a case label */
	if (func_id == BPF_FUNC_tcp_send_ack)
		return &bpf_tcp_send_ack_proto;
	return bpf_base_func_proto(func_id, prog);
}

const struct bpf_verifier_ops sk_filter_verifier_ops = { .get_func_proto = sk_filter_func_proto };
const struct bpf_verifier_ops tc_cls_act_verifier_ops = { .get_func_proto = tc_cls_act_func_proto };
const struct bpf_verifier_ops xdp_verifier_ops = { .get_func_proto = xdp_func_proto };
const struct bpf_verifier_ops cg_skb_verifier_ops = { .get_func_proto = cg_skb_func_proto };
const struct bpf_verifier_ops kprobe_verifier_ops = { .get_func_proto = kprobe_prog_func_proto };
const struct bpf_verifier_ops tracing_verifier_ops = { .get_func_proto = tracing_prog_func_proto };
const struct bpf_verifier_ops bpf_struct_ops_verifier_ops = { };
const struct bpf_verifier_ops bpf_extension_verifier_ops = { };
static const struct bpf_verifier_ops bpf_tcp_ca_verifier_ops = { .get_func_proto = tcp_ca_func_proto };
static struct bpf_struct_ops bpf_tcp_congestion_ops = {
	.verifier_ops = &bpf_tcp_ca_verifier_ops,
	.name = "tcp_congestion_ops",
};
