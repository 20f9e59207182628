#ifndef _UAPI__LINUX_BPF_H__
#define _UAPI__LINUX_BPF_H__
enum bpf_prog_type {
	BPF_PROG_TYPE_UNSPEC,
	BPF_PROG_TYPE_SOCKET_FILTER,
	BPF_PROG_TYPE_KPROBE,
	BPF_PROG_TYPE_SCHED_CLS,
	BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_TRACING,
	BPF_PROG_TYPE_LSM,
	BPF_PROG_TYPE_SYSCALL,
	BPF_PROG_TYPE_EXT,
	BPF_PROG_TYPE_STRUCT_OPS,
	BPF_PROG_TYPE_CGROUP_SKB,
};
#define __BPF_FUNC_MAPPER(FN)		\
	FN(unspec, 0, ##ctx)		\
	FN(map_lookup_elem, 1, ##ctx)	\
	FN(ktime_get_ns, 2, ##ctx)	\
	FN(get_current_pid_tgid, 3, ##ctx)	\
	FN(skb_load_bytes, 4, ##ctx)	\
	FN(xdp_adjust_head, 5, ##ctx)	\
	FN(probe_read_kernel, 6, ##ctx)	\
	FN(override_return, 7, ##ctx)	\
	FN(get_socket_cookie, 8, ##ctx)	\
	FN(tcp_send_ack, 9, ##ctx)	\
	/* */
#define __BPF_ENUM_FN(x, y, ctx) BPF_FUNC_ ## x = y,
enum bpf_func_id {
	__BPF_FUNC_MAPPER(__BPF_ENUM_FN)
	__BPF_FUNC_MAX_ID,
};
#endif
