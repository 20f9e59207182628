// SPDX-License-Identifier: GPL-2.0
/*
 * Classic CO-RE kprobe tool (tcpconnect-like): kprobe/tcp_v4_connect reads
 * the destination from struct sock with BPF_CORE_READ (nested
 * __sk_common.skc_* fields) and reports through a ring buffer (5.8+).
 * pt_regs is declared locally with preserve_access_index, as vmlinux.h
 * users get it, so the PT_REGS_PARM1 ctx load is CO-RE relocated too.
 * Expected: loads everywhere (5.10+). Attach needs the symbol in kallsyms.
 */
#include "../common.h"

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
} __attribute__((preserve_access_index));

#define __VMLINUX_H__	/* make bpf_tracing.h use the kernel pt_regs names */
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct sock_common {
	u32 skc_daddr;
	u32 skc_rcv_saddr;
	u16 skc_dport;
	u16 skc_num;
	unsigned short skc_family;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct connect_event {
	u32 pid;
	u32 saddr;
	u32 daddr;
	u16 dport;
	u16 family;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(trace_connect, struct sock *sk)
{
	struct connect_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
	e->daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	e->dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char _license[] SEC("license") = "GPL";
