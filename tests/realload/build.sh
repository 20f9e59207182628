#!/bin/sh
# Build tests/realload/build/loader: a static binary linked against Debian
# sid's libbpf-dev 1.7.0 (libbpf.a), plus the distro's static libelf/libz/libzstd.
# glibc_compat.c supplies the glibc-2.38 __isoc23_* symbols sid's libbpf.a
# references (the build host may have an older glibc).
# Idempotent: the deb is cached in build/, and the binary is rebuilt only when
# loader.c or this script changed.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
B="$HERE/build"
mkdir -p "$B"
CC=${CC:-gcc}

deb=$(ls "$B"/libbpf-dev_*1.7*_amd64.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
    cached=$(ls /tmp/debs/libbpf-dev_*1.7*_amd64.deb 2>/dev/null | head -n1 || true)
    if [ -n "$cached" ]; then
        cp "$cached" "$B/"
    else
        /work/shared/tools/debian-get "$B" libbpf-dev/sid
    fi
    deb=$(ls "$B"/libbpf-dev_*_amd64.deb | head -n1)
fi

if [ ! -f "$B/libbpf/usr/lib/x86_64-linux-gnu/libbpf.a" ] || [ "$deb" -nt "$B/libbpf/.stamp" ]; then
    rm -rf "$B/libbpf"
    dpkg-deb -x "$deb" "$B/libbpf"
    touch "$B/libbpf/.stamp"
fi

for lib in libelf.a libz.a libzstd.a; do
    if [ ! -f "/usr/lib/x86_64-linux-gnu/$lib" ]; then
        echo "missing /usr/lib/x86_64-linux-gnu/$lib: apt-get install -y libelf-dev zlib1g-dev libzstd-dev" >&2
        exit 1
    fi
done

if [ ! -x "$B/loader" ] || [ "$HERE/loader.c" -nt "$B/loader" ] || [ "$0" -nt "$B/loader" ] \
   || [ "$HERE/glibc_compat.c" -nt "$B/loader" ] \
   || [ "$B/libbpf/.stamp" -nt "$B/loader" ]; then
    $CC -O2 -g -Wall -Wextra -Wno-unused-parameter -static \
        -I"$B/libbpf/usr/include" \
        -o "$B/loader.tmp" "$HERE/loader.c" "$HERE/glibc_compat.c" \
        "$B/libbpf/usr/lib/x86_64-linux-gnu/libbpf.a" \
        -lelf -lz -lzstd
    mv "$B/loader.tmp" "$B/loader"
fi
echo "$B/loader"
