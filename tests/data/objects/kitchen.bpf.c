// Fixture for bpfstab's object model: kfuncs (weak, strong, guarded), ksyms, kconfig,
// CO-RE relocations with an existence guard, BTF maps (map-in-map, prog array), static and
// global subprograms in .text, two programs in one section, a '?' section, global data.
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define ksym_exists(sym) (!!(&(sym)))

struct task_struct {
	int pid;
	int tgid;
	unsigned int __state;
} __attribute__((preserve_access_index));

struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

struct bpf_cpumask;
/* kfuncs */
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym __weak;
extern int bpf_dynptr_size___v2(void *p) __ksym __weak;
/* ksym variables */
extern const int bpf_prog_active __ksym;
extern const void bpf_link_fops __ksym __weak;
/* kconfig */
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig __weak;

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps");

int tail_target(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [1] = (void *)&tail_target },
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

int global_counter = 1;
const volatile int config_level = 3;
__u64 zeroed;

static __noinline int static_helper(int x)
{
	__u32 k = x;
	__u64 *v = bpf_map_lookup_elem(&counts, &k);
	return v ? (int)*v : 0;
}

__noinline int global_sub(int x)
{
	return static_helper(x) + global_counter;
}

SEC("tp_btf/sched_switch")
int on_switch(__u64 *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task_btf();
	struct task_struct *acq;
	long st;

	if (bpf_core_field_exists(t->__state))
		st = BPF_CORE_READ(t, __state);
	else
		st = BPF_CORE_READ((struct task_struct___old *)t, state);
	if (ksym_exists(bpf_rcu_read_lock)) {
		bpf_rcu_read_lock();
		bpf_rcu_read_unlock();
	}
	bpf_dynptr_size___v2(0);
	acq = bpf_task_acquire(t);
	if (acq)
		bpf_task_release(acq);
	return st + global_sub(LINUX_KERNEL_VERSION) + config_level + CONFIG_HZ;
}

SEC("tc")
int tc_one(struct __sk_buff *skb)
{
	__u32 k = 0;
	void *m = bpf_map_lookup_elem(&outer, &k);
	zeroed++;
	if (!m)
		return 0;
	return static_helper(skb->len);
}

SEC("tc")
int tc_two(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jumps, 1);
	if (ksym_exists(bpf_link_fops))
		return *(int *)&bpf_prog_active;
	return global_sub(2);
}

SEC("tc")
int tail_target(void *ctx)
{
	return 1;
}

SEC("?tp/syscalls/sys_enter_openat")
int maybe_open(void *ctx)
{
	bpf_ringbuf_output(&events, &zeroed, sizeof(zeroed), 0);
	return 0;
}

SEC("mystery_section")
int unknown_prog(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
