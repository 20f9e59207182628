#!/bin/sh
# Rebuild the fixture objects (clang 14, libbpf 1.1 headers from /usr/include/bpf).
set -e
cd "$(dirname "$0")"
INC="-I/usr/include -I/usr/include/x86_64-linux-gnu"
for f in kitchen legacy callback; do
	clang -target bpf -O2 -g -c $INC $f.bpf.c -o $f.bpf.o
	clang -target bpfeb -O2 -g -c $INC $f.bpf.c -o $f.eb.bpf.o
done
