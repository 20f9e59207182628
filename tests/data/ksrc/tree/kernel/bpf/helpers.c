// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>
#include "local_list.h"

__attribute__((used)) static void *bpf_obj_acquire(void) { return 0; }

BTF_KFUNCS_START(generic_btf_ids)
BTF_ID_FLAGS(func, bpf_obj_acquire, KF_ACQUIRE | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_obj_release, KF_RELEASE)
BTF_ID_FLAGS(func, bpf_combined, KF_ACQ_NULL | KF_RCU)
#ifdef CONFIG_BPF_LSM
BTF_ID_FLAGS(func, bpf_only_with_lsm)
#endif
#ifdef CONFIG_CGROUP_BPF
BTF_ID_FLAGS(func, bpf_cgroup_thing, KF_TRUSTED_ARGS)
#endif
BTF_KFUNCS_END(generic_btf_ids)

static const struct btf_kfunc_id_set generic_kfunc_set = {
	.owner = 0,
	.set   = &generic_btf_ids,
};

/* kfuncs listed through another macro, as net/core/xdp.c does with XDP_METADATA_KFUNC_xxx */
BTF_KFUNCS_START(meta_kfunc_ids)
#define META_KFUNC(_, name) BTF_ID_FLAGS(func, name, KF_TRUSTED_ARGS)
META_KFUNC_xxx
#undef META_KFUNC
BTF_KFUNCS_END(meta_kfunc_ids)

static const struct btf_kfunc_id_set meta_kfunc_set = {
	.set = &meta_kfunc_ids,
	.filter = 0,
};

BTF_KFUNCS_START(common_btf_ids)
BTF_ID_FLAGS(func, bpf_everywhere)
BTF_KFUNCS_END(common_btf_ids)

static const struct btf_kfunc_id_set common_kfunc_set = {
	.set = &common_btf_ids,
};

BTF_KFUNCS_START(fmodret_ids)
BTF_ID_FLAGS(func, some_fmodret_target)
BTF_KFUNCS_END(fmodret_ids)

static const struct btf_kfunc_id_set fmodret_set = {
	.set = &fmodret_ids,
};

/* a set registered in a loop over a constant array */
BTF_KFUNCS_START(loop_btf_ids)
BTF_ID_FLAGS(func, bpf_loop_registered, KF_SLEEPABLE)
BTF_KFUNCS_END(loop_btf_ids)

static const struct btf_kfunc_id_set loop_kfunc_set = { .set = &loop_btf_ids };

static const enum bpf_prog_type loop_types[] = {
	BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_SYSCALL,
};

/* a set registered through a helper function's parameter */
BTF_KFUNCS_START(param_btf_ids)
BTF_ID_FLAGS(func, bpf_param_registered)
BTF_KFUNCS_END(param_btf_ids)

static const struct btf_kfunc_id_set param_kfunc_set = { .set = &param_btf_ids };

static int register_for(enum bpf_prog_type type, const struct btf_kfunc_id_set *s)
{
	return register_btf_kfunc_id_set(type, s);
}

/* a set nobody registers */
BTF_KFUNCS_START(orphan_btf_ids)
BTF_ID_FLAGS(func, bpf_orphan)
BTF_KFUNCS_END(orphan_btf_ids)

static int kfunc_init(void)
{
	int ret, i;

	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &generic_kfunc_set);
	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS, &generic_kfunc_set);
	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP, &meta_kfunc_set);
	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_UNSPEC, &common_kfunc_set);
	ret = ret ?: register_btf_fmodret_id_set(&fmodret_set);
	for (i = 0; i < 2; i++)
		ret = ret ?: register_btf_kfunc_id_set(loop_types[i], &loop_kfunc_set);
	ret = ret ?: register_for(BPF_PROG_TYPE_STRUCT_OPS, &param_kfunc_set);
	/* a prog type with no kfunc hook: the kernel refuses it */
	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_CGROUP_SKB, &param_kfunc_set);
	return ret;
}

const struct bpf_func_proto bpf_map_lookup_elem_proto, bpf_ktime_get_ns_proto,
	bpf_get_current_pid_tgid_proto, bpf_probe_read_kernel_proto;

const struct bpf_func_proto *
bpf_base_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
	case BPF_FUNC_map_lookup_elem:
		return &bpf_map_lookup_elem_proto;
	case BPF_FUNC_ktime_get_ns:
		return &bpf_ktime_get_ns_proto;
	default:
		break;
	}

	if (!capable(39))
		return NULL;

	switch (func_id) {
	case BPF_FUNC_probe_read_kernel:
		return capable(38) ? &bpf_probe_read_kernel_proto : NULL;
	default:
		return NULL;
	}
}
