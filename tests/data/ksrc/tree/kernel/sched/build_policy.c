// SPDX-License-Identifier: GPL-2.0
/* like kernel/sched/build_policy.c: ext.c is compiled as part of this file, with these includes */
#include <linux/bpf.h>

#include "ext.c"
