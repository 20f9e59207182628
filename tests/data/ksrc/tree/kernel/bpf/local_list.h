/* a header next to the .c file, as kernel/bpf/ has */
#define META_KFUNC_xxx \
	META_KFUNC(RX_TIMESTAMP, bpf_meta_rx_timestamp) \
	META_KFUNC(RX_HASH, bpf_meta_rx_hash)
