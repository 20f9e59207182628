// SPDX-License-Identifier: GPL-2.0
/*
 * The classic fentry/fexit "who deletes files" example: attaches to
 * do_unlinkat(int dfd, struct filename *name). The attach target is resolved
 * by name in the kernel BTF at load time. do_unlinkat exists in 5.10 .. 6.18
 * BTF but is gone from the 7.2 BTF (checked in the Debian 7.2 image), so this
 * object fails there ("failed to find kernel BTF type ID of 'do_unlinkat'").
 */
#include "../common.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct filename {
	const char *name;
} __attribute__((preserve_access_index));

SEC("fentry/do_unlinkat")
int BPF_PROG(unlink_entry, int dfd, struct filename *name)
{
	const char *p = BPF_CORE_READ(name, name);
	char buf[32];

	bpf_probe_read_kernel_str(buf, sizeof(buf), p);
	bpf_printk("unlink pid=%d %s", bpf_get_current_pid_tgid() >> 32, buf);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(unlink_exit, int dfd, struct filename *name, long ret)
{
	bpf_printk("unlink pid=%d ret=%ld", bpf_get_current_pid_tgid() >> 32, ret);
	return 0;
}

char _license[] SEC("license") = "GPL";
