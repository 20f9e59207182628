// SPDX-License-Identifier: GPL-2.0
/*
 * SEC("tc") classifier (SCHED_CLS, direct-action): marks IPv4 packets.
 * libbpf >= 1.0 knows "tc". Expected: loads everywhere (5.10+).
 */
#include "../common.h"

SEC("tc")
int tc_mark(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	u8 *eth = data;

	if ((void *)(eth + 14) > data_end)
		return -1;		/* TC_ACT_UNSPEC */
	if (eth[12] == 0x08 && eth[13] == 0x00)
		skb->mark = 0x42;
	return 0;			/* TC_ACT_OK */
}

char _license[] SEC("license") = "GPL";
