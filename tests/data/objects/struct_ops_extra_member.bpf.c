/* struct_ops object whose local struct tcp_congestion_ops has members no kernel has (libbpf's
 * bpf_map__init_kern_struct_ops rule): future_cb points at a program with -DFUTURE_CB, future_val is
 * non-zero with -DFUTURE_VAL; with neither both stay zero and libbpf skips them. */
#define SEC(n) __attribute__((section(n), used))
typedef unsigned int __u32;
typedef unsigned long long __u64;
struct sock;
struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*future_cb)(struct sock *sk);
	__u32 future_val;
	char name[16];
};
char _license[] SEC("license") = "GPL";
SEC("struct_ops/x_ssthresh") __u32 x_ssthresh(__u64 *ctx) { return 2; }
SEC("struct_ops/x_cong_avoid") void x_cong_avoid(__u64 *ctx) { }
SEC("struct_ops/x_undo_cwnd") __u32 x_undo_cwnd(__u64 *ctx) { return 2; }
SEC("struct_ops/x_future_cb") void x_future_cb(__u64 *ctx) { }
SEC(".struct_ops")
struct tcp_congestion_ops bpfstab_x = {
	.ssthresh = (void *)x_ssthresh,
	.cong_avoid = (void *)x_cong_avoid,
	.undo_cwnd = (void *)x_undo_cwnd,
#ifdef FUTURE_CB
	.future_cb = (void *)x_future_cb,
#endif
#ifdef FUTURE_VAL
	.future_val = 1,
#endif
	.name = "bpfstab_x",
};
