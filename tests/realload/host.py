#!/usr/bin/env python3
"""Load BPF objects into the RUNNING kernel with the static libbpf-1.7 loader.

usage: host.py [--prog-type SEC=TYPE]... OBJ_OR_DIR... [-o results.jsonl]

Requires root (CAP_BPF/CAP_SYS_ADMIN/CAP_PERFMON).  Directory arguments are
searched recursively for *.o / *.bpf.o files that are EM_BPF ELF objects.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import realload_common as rc  # noqa: E402
import trampoline_probe  # noqa: E402

# kernel options that decide whether trampoline/kprobe programs can load or attach
CONFIG_KEYS = ("CONFIG_FTRACE", "CONFIG_FUNCTION_TRACER", "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS",
               "CONFIG_KPROBES", "CONFIG_FPROBE", "CONFIG_BPF_LSM", "CONFIG_SECURITY_LOCKDOWN_LSM",
               "CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY", "CONFIG_SCHED_CLASS_EXT", "CONFIG_MODULES")


def host_environment() -> dict:
    """What of this machine's kernel a load verdict may depend on beyond BTF: active LSMs,
    lockdown level, a few config options, and whether trampoline programs may load at all."""
    env: dict = {}
    for key, path in (("lsm", "/sys/kernel/security/lsm"), ("lockdown", "/sys/kernel/security/lockdown")):
        try:
            env[key] = open(path).read().strip()
        except OSError:
            env[key] = None
    try:
        import gzip
        with gzip.open("/proc/config.gz", "rt") as f:
            cfg = {}
            for line in f:
                for k in CONFIG_KEYS:
                    if line.startswith(k + "="):
                        cfg[k] = line.strip().split("=", 1)[1]
                    elif line.startswith(f"# {k} is not set"):
                        cfg[k] = "n"
            env["config"] = cfg
    except OSError:
        env["config"] = None
    env["trampoline_probe"] = trampoline_probe.probe()
    return env


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("-o", "--output")
    ap.add_argument("--prog-type", action="append", default=[], metavar="SEC=TYPE")
    ap.add_argument("--timeout", type=int, default=600, help="per-object seconds")
    ap.add_argument("--debug", action="store_true", help="keep libbpf debug lines in log")
    ap.add_argument("--fixup-maps", action="store_true",
                    help="give maps with max_entries 0 (sized by user space at run time) a small size")
    args = ap.parse_args(argv)

    if os.geteuid() != 0:
        print("warning: not root; loads will fail with EPERM", file=sys.stderr)
    loader = rc.ensure_loader()
    objs = rc.collect_objects(args.inputs)
    if not objs:
        raise SystemExit("no BPF objects found")
    cmd = [str(loader), "--timeout", str(args.timeout)] + rc.prog_type_args(args.prog_type)
    if args.debug:
        cmd.append("--debug")
    if args.fixup_maps:
        cmd.append("--fixup-maps")
    cmd += ["--"] + [str(p) for p in objs]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace")
    elapsed = time.monotonic() - t0
    results = rc.parse_jsonl(proc.stdout, "from loader")
    objmap = {str(p): p for p in objs}
    rc.annotate(results, objmap, {"env": "host"})
    rc.write_results(results, args.output)
    if args.output:
        rc.write_meta(args.output, {
            "env": "host", "release": os.uname().release, "seconds": round(elapsed, 1),
            "objects": len(objs), "loader_rc": proc.returncode,
            "loader_args": cmd[1:cmd.index("--")], "host": host_environment()})
    print(rc.summarize(results), file=sys.stderr)
    print(f"{len(objs)} objects in {elapsed:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
