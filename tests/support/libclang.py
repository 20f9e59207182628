"""Shared by several test files (moved out of test_source_program.py)."""
import glob
import json
import os
from btf.errors import InputError


def _why_unavailable():
    try:
        from analyzer.source.program import cindex, libbpf_include_dirs
        cindex()
    except InputError as e:
        return f"libclang cannot be loaded: {e}"
    if not libbpf_include_dirs():
        return ("libbpf headers (<bpf/bpf_helpers.h>) not installed: apt-get install libbpf-dev, "
                "or set BPFSTAB_LIBBPF_INCLUDE")
    if not os.path.exists("/usr/include/linux/bpf.h"):
        return "kernel UAPI headers (<linux/bpf.h>) not installed: apt-get install linux-libc-dev"
    return None


WHY = _why_unavailable()
