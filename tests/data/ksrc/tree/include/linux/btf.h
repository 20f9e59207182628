#ifndef _LINUX_BTF_H
#define _LINUX_BTF_H 1
#include <linux/btf_ids.h>
#include <uapi/linux/bpf.h>
#define KF_ACQUIRE	(1 << 0)
#define KF_RELEASE	(1 << 1)
#define KF_RET_NULL	(1 << 2)
#define KF_TRUSTED_ARGS	(1 << 4)
#define KF_SLEEPABLE	(1 << 5)
#define KF_RCU		(1 << 7)
/* a flag that is a combination of others */
#define KF_ACQ_NULL	(KF_ACQUIRE | KF_RET_NULL)
struct module;
typedef int (*btf_kfunc_filter_t)(const void *prog, unsigned int kfunc_id);
struct btf_kfunc_id_set {
	struct module *owner;
	struct btf_id_set8 *set;
	btf_kfunc_filter_t filter;
};
int register_btf_kfunc_id_set(enum bpf_prog_type prog_type, const struct btf_kfunc_id_set *s);
int register_btf_fmodret_id_set(const struct btf_kfunc_id_set *kset);
#endif
