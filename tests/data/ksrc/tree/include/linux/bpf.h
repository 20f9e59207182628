#ifndef _LINUX_BPF_H
#define _LINUX_BPF_H 1
#include <uapi/linux/bpf.h>
#include <linux/btf.h>
#define NULL ((void *)0)
#define __weak __attribute__((__weak__))
struct bpf_prog;
struct bpf_func_proto { int ret_type; };
struct bpf_verifier_ops {
	const struct bpf_func_proto *(*get_func_proto)(enum bpf_func_id func_id, const struct bpf_prog *prog);
	int (*is_valid_access)(int off);
};
struct bpf_iter_reg {
	const char *target;
	const struct bpf_func_proto *(*get_func_proto)(enum bpf_func_id func_id, const struct bpf_prog *prog);
};
const struct bpf_func_proto *bpf_iter_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog);
struct bpf_struct_ops {
	const struct bpf_verifier_ops *verifier_ops;
	const char *name;
};
const struct bpf_func_proto *bpf_base_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog);
const struct bpf_func_proto *bpf_tracing_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog);
extern const struct bpf_func_proto bpf_map_lookup_elem_proto, bpf_ktime_get_ns_proto,
	bpf_get_current_pid_tgid_proto, bpf_probe_read_kernel_proto;
int capable(int cap);
#endif
