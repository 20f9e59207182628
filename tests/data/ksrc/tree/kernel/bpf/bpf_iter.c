// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>

struct bpf_iter_target_info {
	const struct bpf_iter_reg *reg_info;
};

static struct bpf_iter_target_info *current_target;

/* an iterator program gets what its target's reg_info offers: a call through a function-pointer field */
const struct bpf_func_proto *
bpf_iter_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	if (current_target && current_target->reg_info->get_func_proto)
		return current_target->reg_info->get_func_proto(func_id, prog);
	return NULL;
}
