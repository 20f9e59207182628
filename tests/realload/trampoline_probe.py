#!/usr/bin/env python3
"""Does the running kernel let trampoline programs (fentry/fexit/fmod_ret, lsm, freplace) be loaded?

libbpf's own prog-type probe (libbpf_probes.c, what `bpftool feature probe` prints) loads a 2-insn
TRACING/FENTRY, LSM or EXT program with attach_btf_id 1 and counts the type as available when the
verifier answers EINVAL with "attach_btf_id 1 is not a function" (LSM, TRACING) or "Cannot replace
kernel functions" (EXT): the verifier then got as far as bpf_check_attach_target().  This script does
the same for every attach type that needs a BPF trampoline, plus two TRACING attach types that need
none (iter, tp_btf/raw_tp) as controls, and reports errno and the verifier log of each.  A kernel
that refuses the trampoline variants with EPERM and an empty log, while the controls reach the
verifier, stops them before bpf_check() (kernel/bpf/syscall.c bpf_prog_load): a platform policy,
not a missing feature, and every such program fails to load there whatever its target.

usage: trampoline_probe.py [--json]      (root; standard library only)
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import struct
import sys

NR_BPF = {"x86_64": 321, "aarch64": 280}.get(os.uname().machine)
BPF_PROG_LOAD = 5
PROG_TYPE = {"tracing": 26, "ext": 28, "lsm": 29}
ATTACH = {"raw_tp": 23, "fentry": 24, "fexit": 25, "fmod_ret": 26, "lsm_mac": 27, "iter": 28}
# (label, prog type, attach type, needs a trampoline)
VARIANTS = [
    ("fentry", "tracing", "fentry", True),
    ("fexit", "tracing", "fexit", True),
    ("fmod_ret", "tracing", "fmod_ret", True),
    ("lsm", "lsm", "lsm_mac", True),
    ("freplace", "ext", None, True),
    ("iter", "tracing", "iter", False),
    ("tp_btf", "tracing", "raw_tp", False),
]
# mov64 r0, 0; exit
INSNS = struct.pack("<BBhiBBhi", 0xB7, 0, 0, 0, 0x95, 0, 0, 0)


def _load(prog_type: int, attach_type: int, attach_btf_id: int = 1) -> tuple[int, str]:
    """BPF_PROG_LOAD with log level 1; returns (errno or 0, verifier log)."""
    libc = ctypes.CDLL(None, use_errno=True)
    insns = ctypes.create_string_buffer(INSNS, len(INSNS))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(1 << 16)
    attr = bytearray(128)
    struct.pack_into("<IIQQIIQ", attr, 0, prog_type, 2, ctypes.addressof(insns),
                     ctypes.addressof(lic), 1, len(log), ctypes.addressof(log))
    struct.pack_into("<I", attr, 68, attach_type)          # expected_attach_type
    struct.pack_into("<I", attr, 108, attach_btf_id)       # attach_btf_id
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    fd = libc.syscall(NR_BPF, BPF_PROG_LOAD, buf, len(attr))
    if fd >= 0:
        os.close(fd)
        return 0, log.value.decode(errors="replace")
    return ctypes.get_errno(), log.value.decode(errors="replace")


def _first_message(log: str) -> str:
    """The verifier's complaint: the first log line that is not its statistics line."""
    for line in log.splitlines():
        if line.strip() and not line.startswith("processed "):
            return line.strip()
    return log.strip()


def probe() -> dict:
    """{label: {errno, error, log, trampoline}} and a verdict: "allowed", "denied" or "unknown"."""
    if NR_BPF is None:
        return {"verdict": "unknown", "why": f"no bpf syscall number for {os.uname().machine}"}
    out: dict = {"variants": {}}
    for label, pt, at, tramp in VARIANTS:
        err, log = _load(PROG_TYPE[pt], ATTACH[at] if at else 0)
        out["variants"][label] = {"errno": err, "error": errno.errorcode.get(err, str(err)) if err else None,
                                  "log": _first_message(log),
                                  "trampoline": tramp}
    v = out["variants"]
    denied = [k for k, r in v.items() if r["trampoline"] and r["errno"] == errno.EPERM and not r["log"]]
    reached = [k for k, r in v.items() if not r["trampoline"] and r["log"]]
    if denied and reached:
        out["verdict"] = "denied"
        out["why"] = (f"{', '.join(denied)} refused with EPERM before the verifier (empty log) while "
                      f"{', '.join(reached)} reach it: trampoline programs cannot be loaded on this kernel")
    elif not denied and all(r["log"] for r in v.values() if r["trampoline"]):
        out["verdict"] = "allowed"
        out["why"] = "every trampoline variant reached the verifier (bpf_check_attach_target)"
    else:
        out["verdict"] = "unknown"
        out["why"] = "mixed answers (not root? see variants)"
    return out


def main() -> int:
    res = probe()
    if "--json" in sys.argv[1:]:
        print(json.dumps(res, indent=1))
        return 0
    for label, r in res.get("variants", {}).items():
        print(f"{label:9} {'trampoline' if r['trampoline'] else 'control   '} "
              f"{r['error'] or 'loaded':7} {r['log'] or '(empty log)'}")
    print(f"verdict: {res['verdict']}: {res['why']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
