#!/bin/sh
# Rebuild every <dir>/<name>.bpf.o next to its <name>.bpf.c.
#
# Default toolchain: Debian clang 14 (-target bpf -O2 -g), libbpf-dev 1.1 headers.
# A source may override compiler / flags with a marker line, e.g.
#     /* bpfstab-build: CC=clang-19 EXTRA=-mcpu=v4 */
# DWARF is stripped afterwards (llvm-strip -g); .BTF and .BTF.ext are kept.
#
# Usage: ./build.sh [file.bpf.c ...]     (default: all)
set -eu
cd "$(dirname "$0")"
CC_DEFAULT=${CC:-clang}
STRIP=${STRIP:-llvm-strip}
CFLAGS="-target bpf -O2 -g -Wall -Wno-unused-function -Wno-unused-variable -D__TARGET_ARCH_x86 -I. -I/usr/include/x86_64-linux-gnu"

srcs="$*"
[ -n "$srcs" ] || srcs=$(ls */*.bpf.c)
rc=0
for src in $srcs; do
	obj=${src%.c}.o
	marker=$(sed -n 's/.*bpfstab-build:\(.*\)\*\/.*/\1/p' "$src" | head -1)
	cc=$CC_DEFAULT; extra=""
	for kv in $marker; do
		case $kv in
		CC=*) cc=${kv#CC=} ;;
		EXTRA=*) extra="$extra ${kv#EXTRA=}" ;;
		esac
	done
	if $cc $CFLAGS $extra -c "$src" -o "$obj"; then
		$STRIP -g "$obj"
		echo "built $obj ($cc$extra)"
	else
		echo "FAILED $src" >&2; rc=1
	fi
done
exit $rc
