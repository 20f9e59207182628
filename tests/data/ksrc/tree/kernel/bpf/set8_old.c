// SPDX-License-Identifier: GPL-2.0
/* the 6.1 spelling of a kfunc set */
#include <linux/bpf.h>

BTF_SET8_START(old_style_ids)
BTF_ID_FLAGS(func, bpf_old_style, KF_ACQUIRE)
BTF_SET8_END(old_style_ids)

static const struct btf_kfunc_id_set old_style_set = {
	.set = &old_style_ids,
};

static int old_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &old_style_set);
}
