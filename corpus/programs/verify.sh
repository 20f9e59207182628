#!/bin/sh
# Load every corpus object on the RUNNING kernel and print verdicts.
#   LOADCHECK: loadcheck binary built from tools/loadcheck.c against libbpf 1.7
#   also runs `bpftool prog loadall` (Debian bookworm bpftool 7.1 / libbpf 1.1)
# Usage: LOADCHECK=/path/to/loadcheck ./verify.sh > verify-$(uname -r | cut -d. -f1,2).txt
set -u
cd "$(dirname "$0")"
LC=${LOADCHECK:-./tools/loadcheck}
echo "# kernel $(uname -r); loadcheck (libbpf 1.7) per object, then per program (-s), then bpftool (libbpf 1.1)"
for o in */*.bpf.o; do
	"$LC" "$o" 2>&1 | grep -vE '^    \| (libbpf: (prog .*: failed to load|failed to load object)|-- END|processed|Validating|verification time|stack depth|[0-9]+: |; )' | head -4
done
echo "# per program"
"$LC" -s */*.bpf.o 2>&1 | grep -v '^    |'
echo "# hints: unknown section typed by the loader; dev-bound XDP on a veth"
"$LC" -t tun_rss_steering=socket_filter vmm/rss_steering_legacy.bpf.o 2>&1 | head -2
if ip link add bst0 type veth peer name bst1 2>/dev/null; then
	"$LC" -x bst0 kfuncs/xdp_rx_hash_devbound.bpf.o 2>&1 | head -2
	ip link del bst0
fi
echo "# bpftool prog loadall"
for o in */*.bpf.o; do
	d=/sys/fs/bpf/bpfstab_verify_$$
	if out=$(bpftool prog loadall "$o" "$d" 2>&1); then echo "$o: bpftool OK"
	else echo "$o: bpftool FAIL: $(echo "$out" | grep -E '^libbpf: (extern|failed to guess|elf:|prog .*: BPF program load failed)|cannot|not allowed|invalid|unknown|unrecognized|require|incompatible' | head -2 | tr '\n' ' ' | cut -c1-220)"; fi
	rm -rf "$d"
done
