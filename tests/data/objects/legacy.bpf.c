// Fixture: legacy "maps" section (struct bpf_map_def), version section, LD_ABS, proprietary license.
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def_legacy {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def_legacy SEC("maps") old_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = 4,
	.value_size = 8,
	.max_entries = 64,
};

struct bpf_map_def_legacy SEC("maps") old_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 4,
	.max_entries = 1,
	.map_flags = 0,
};

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

SEC("socket")
int filter(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&old_hash, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	return load_byte(skb, 12) == 8;
}

__u32 _version SEC("version") = 0x050a00;
char LICENSE[] SEC("license") = "Proprietary";
