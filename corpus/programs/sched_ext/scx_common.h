/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal sched_ext declarations for the corpus (no vmlinux.h).
 * sched_ext (CONFIG_SCHED_CLASS_EXT) was merged in 6.12; distributions may
 * leave it disabled (Debian 6.12 and the 6.18 test kernel do).
 */
#include "../common.h"
#include <bpf/bpf_tracing.h>

/* Full STRUCT (not a forward declaration): kfunc prototype compatibility
 * compares PTR->STRUCT with the kernel, and a FWD would not match. */
struct task_struct {
	int pid;
	u32 flags;
} __attribute__((preserve_access_index));

struct scx_exit_info {
	int kind;
	s64 exit_code;
	const char *reason;
	const char *msg;
} __attribute__((preserve_access_index));

/*
 * Local view of struct sched_ext_ops. libbpf matches struct_ops members by
 * name against the kernel's sched_ext_ops (only members set here matter) and
 * needs STRUCT bpf_struct_ops_sched_ext_ops in the target BTF.
 */
struct sched_ext_ops {
	s32 (*select_cpu)(struct task_struct *p, s32 prev_cpu, u64 wake_flags);
	void (*enqueue)(struct task_struct *p, u64 enq_flags);
	void (*dispatch)(s32 cpu, struct task_struct *prev);
	s32 (*init)(void);
	void (*exit)(struct scx_exit_info *info);
	u64 flags;
	u32 timeout_ms;
	char name[128];
};

#define SCX_DSQ_FLAG_BUILTIN	(1ULL << 63)
#define SCX_DSQ_LOCAL		(SCX_DSQ_FLAG_BUILTIN | 2)
#define SCX_SLICE_DFL		(20ULL * 1000 * 1000)
#define SHARED_DSQ		0

/* present on every sched_ext kernel (6.12+) */
extern s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
extern s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu, u64 wake_flags,
				  bool *is_idle) __ksym;

#define BPF_STRUCT_OPS(name, args...) \
	SEC("struct_ops/" #name) BPF_PROG(name, ##args)
#define BPF_STRUCT_OPS_SLEEPABLE(name, args...) \
	SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)


