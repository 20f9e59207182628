#!/bin/sh
# Rebuild the fixture objects (clang 14, libbpf 1.1 headers from /usr/include/bpf).
set -e
cd "$(dirname "$0")"
INC="-I/usr/include -I/usr/include/x86_64-linux-gnu"
for f in kitchen legacy callback; do
	clang -target bpf -O2 -g -c $INC $f.bpf.c -o $f.bpf.o
	clang -target bpfeb -O2 -g -c $INC $f.bpf.c -o $f.eb.bpf.o
done
# struct_ops with members no kernel has: the callback set (cb), a non-zero value (val), or neither (zero);
# real loads with libbpf 1.7: cb and val fail "Cannot find member ... in kernel BTF", zero loads
for v in cb:-DFUTURE_CB val:-DFUTURE_VAL zero:; do
	clang -target bpf -O2 -g ${v#*:} -c struct_ops_extra_member.bpf.c -o struct_ops_extra_${v%%:*}.bpf.o
	llvm-strip -g struct_ops_extra_${v%%:*}.bpf.o
done
