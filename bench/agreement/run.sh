#!/bin/sh
# Reproduce bench/agreement/results/*.jsonl: real loads of real shipped BPF
# objects (and corpus/programs/**/*.bpf.o) on the running kernel and on
# Debian kernels booted under qemu TCG.  Run from anywhere, as root.
#   DEBS=/tmp/debs  directory holding the .deb files (see README.md)
#   JOBS=1          VMs run in parallel (the default runs kernels one after
#                   another: TCG is CPU-bound, parallel VMs only share the cores)
#   NICE=10         niceness of the loads (the machine is shared)
#   MODES="shipped fixup-maps"  which of the two modes to run
#   VM_TIMEOUT=3600 seconds one VM run may take (vm.py --timeout); a run cut
#                   short leaves the previous result file alone (.partial)
#   SUMMARY=bench/agreement/SUMMARY.md  where summarize.py writes ("" = stdout only);
#                   it is written with --agreement (bpfstab check against these results), so a
#                   re-run keeps SUMMARY.md's agreement section
#   PROBE=1         first `bpfstab kernel probe` the running kernel (its cached snapshot gains probe
#                   facts: the host row is then compared with them); 0 = use the cache as it is
# Wall-clock seconds per run are appended to $LOGS/timings.tsv.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
DEBS=${DEBS:-/tmp/debs}
JOBS=${JOBS:-1}
NICE=${NICE:-10}
MODES=${MODES:-shipped fixup-maps}
VM_TIMEOUT=${VM_TIMEOUT:-3600}
SUMMARY=${SUMMARY-bench/agreement/SUMMARY.md}
PROBE=${PROBE:-1}
OUT=bench/agreement/results
OBJS=tests/realload/build/objects
LOGS=tests/realload/build/console
mkdir -p "$OUT" "$LOGS"

sh tests/realload/build.sh >/dev/null
rm -rf "$OBJS"
python3 tests/realload/extract.py "$OBJS" \
    "$DEBS"/libbpf-tools_0.37.0+ds-8_amd64.deb \
    "$DEBS"/xdp-tools_1.6.3-1_amd64.deb \
    "$DEBS"/qemu-system-x86_1%3a7.2+dfsg-7+deb12u18+b3_amd64.deb \
    "$DEBS"/qemu-system-x86_1%3a11.1.3+ds-1_amd64.deb
cp "$OBJS/manifest.json" "$OUT/objects-manifest.json"

# the corpus is rebuilt by other work: fix the object list once so that every
# run sees the same files (each result line carries the object's sha256)
INPUTS="$OBJS"
if [ -d corpus/programs ]; then
    INPUTS="$INPUTS $(find corpus/programs -name '*.bpf.o' | LC_ALL=C sort | tr '\n' ' ')"
fi
PT="--prog-type tun_rss_steering=socket_filter"

KERNELS="linux-image-5.10.0-32-amd64-unsigned_5.10.223-1_amd64.deb
linux-image-6.1.0-56-amd64-unsigned_6.1.192-2_amd64.deb
linux-image-6.12.107+deb13-amd64-unsigned_6.12.107-1_amd64.deb
linux-binary-7.2.13+deb14-amd64_7.2.13-1_amd64.deb"

timed() {  # timed NAME CMD...: run CMD, append "NAME<TAB>seconds<TAB>rc" to timings.tsv
    tname=$1; shift
    t0=$(date +%s)
    trc=0
    "$@" || trc=$?
    printf '%s\t%s\t%s\n' "$tname" "$(( $(date +%s) - t0 ))" "$trc" >> "$LOGS/timings.tsv"
    return $trc
}

for mode in $MODES; do
    if [ $mode = shipped ]; then FLAG=""; SUF=""; else FLAG="--fixup-maps"; SUF=".fixup-maps"; fi
    rel=$(uname -r)
    timed "host-$rel$SUF" nice -n "$NICE" python3 tests/realload/host.py $PT $FLAG $INPUTS \
        -o "$OUT/host-$rel$SUF.jsonl" 2> "$LOGS/host-$rel$SUF.txt" || true
    n=0
    for k in $KERNELS; do
        name=$(echo "$k" | sed -e 's/^linux-\(image\|binary\)-//' -e 's/-unsigned_.*//' -e 's/_.*//')
        ( timed "$name$SUF" nice -n "$NICE" python3 tests/realload/vm.py --kernel "$DEBS/$k" \
              --timeout "$VM_TIMEOUT" $PT $FLAG $INPUTS -o "$OUT/$name$SUF.jsonl" --console-log "$LOGS/$name$SUF.console" \
              2> "$LOGS/$name$SUF.txt" || echo "VM run failed: $k" >&2 ) &
        n=$((n + 1))
        if [ $n -ge "$JOBS" ]; then wait; n=0; fi
    done
    wait
done
if [ "$PROBE" = 1 ]; then
    nice -n "$NICE" python3 -m analyzer kernel probe -q > "$LOGS/kernel-probe.txt" 2>&1 ||
        echo "bpfstab kernel probe failed (see $LOGS/kernel-probe.txt): host compared without probe facts" >&2
fi
# the agreement section compares against the objects this run loaded (same sha256)
AGREE="--agreement --objects $OBJS --objects corpus/programs"
if [ -n "$SUMMARY" ]; then
    python3 bench/agreement/summarize.py "$OUT" $AGREE > "$SUMMARY"
    cat "$SUMMARY"
else
    python3 bench/agreement/summarize.py "$OUT" $AGREE
fi
