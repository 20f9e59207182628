// SPDX-License-Identifier: GPL-2.0
/*
 * A tc program arming a bpf_timer stored in an array map value
 * (bpf_timer_init/set_callback/start, 5.15+). The verifier's
 * process_timer_func refuses every ARG_PTR_TO_TIMER argument on a kernel built
 * with CONFIG_PREEMPT_RT: "bpf_timer cannot be used for PREEMPT_RT."
 * (-EOPNOTSUPP), e.g. Debian's linux-image-6.12.107+deb13-rt-amd64, while the
 * same object loads on the non-RT 6.1/6.12/7.2 images. 5.10 has no bpf_timer.
 */
#include "../common.h"

#define CLOCK_MONOTONIC 1

struct elem {
	struct bpf_timer t;
	u64 fired;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct elem);
} timers SEC(".maps");

static int on_timer(void *map, u32 *key, struct elem *e)
{
	e->fired++;
	return 0;
}

SEC("tc")
int arm_timer(struct __sk_buff *skb)
{
	u32 zero = 0;
	struct elem *e = bpf_map_lookup_elem(&timers, &zero);

	if (!e)
		return 0;
	bpf_timer_init(&e->t, &timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&e->t, on_timer);
	bpf_timer_start(&e->t, 1000000, 0);
	return 0;
}

char _license[] SEC("license") = "GPL";
