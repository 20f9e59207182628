"""Shared by several test files (moved out of test_kernels.py)."""
import ctypes
import json
import os
import struct
import time
import zipfile
from analyzer.kernel import snapshot as KK
from btf import kinds as K
from btf.builder import BtfBuilder
from btf.errors import InputError
from btf.reader import Btf


KF_ACQUIRE, KF_RET_NULL, KF_IMPLICIT_ARGS = 1, 4, 1 << 16


def synth_btf():
    """A tiny 'vmlinux' BTF with everything KernelSnapshot derives. Returns (raw bytes, ids)."""
    b = BtfBuilder()
    ids = {}
    i32 = b.int("int", 4, signed=True)
    u64 = b.int("long long unsigned int", 8)
    b.enum("bpf_prog_type", [("BPF_PROG_TYPE_UNSPEC", 0), ("BPF_PROG_TYPE_XDP", 6),
                             ("BPF_PROG_TYPE_SYSCALL", 31), ("__MAX_BPF_PROG_TYPE", 32)])
    b.enum("bpf_map_type", [("BPF_MAP_TYPE_UNSPEC", 0), ("BPF_MAP_TYPE_HASH", 1), ("BPF_MAP_TYPE_ARENA", 33)])
    b.enum("bpf_attach_type", [("BPF_CGROUP_INET_INGRESS", 0), ("BPF_XDP", 37), ("__MAX_BPF_ATTACH_TYPE", 38)])
    b.enum("bpf_func_id", [("BPF_FUNC_unspec", 0), ("BPF_FUNC_map_lookup_elem", 1), ("__BPF_FUNC_MAX_ID", 2)])
    xdp_md = b.struct("xdp_md", 4, [("data", i32, 0)])
    xdp_buff = b.struct("xdp_buff", 8, [("data", u64, 0)])
    vptr = b.ptr(0)
    b.struct("bpf_ctx_convert", 28, [("BPF_PROG_TYPE_XDP_prog", xdp_md, 0), ("BPF_PROG_TYPE_XDP_kern", xdp_buff, 32),
                                     ("BPF_PROG_TYPE_SYSCALL_prog", vptr, 96),
                                     ("BPF_PROG_TYPE_SYSCALL_kern", vptr, 160)])
    tcp = b.struct("tcp_congestion_ops", 8, [("flags", u64, 0)])
    ids["tcp_congestion_ops"] = tcp
    b.struct("bpf_struct_ops_tcp_congestion_ops", 16, [("refcnt", u64, 0), ("data", tcp, 64)])
    b.struct("bpf_struct_ops_map", 8, [("x", u64, 0)])               # no STRUCT "map": not struct_ops
    b.struct("orphan_ops", 8, [("x", u64, 0)])
    b.struct("bpf_struct_ops_orphan_ops", 8, [("x", u64, 0)])        # lacks a member of type orphan_ops
    # kfuncs: one tagged, one tagged + fastcall, one only in .BTF_ids, one with implicit args + its _impl
    p_void = b.func_proto(0, [])
    p_int = b.func_proto(i32, [("x", i32)])
    ids["bpf_tagged"] = b.func("bpf_tagged", p_int)
    ids["bpf_fast"] = b.func("bpf_fast", p_void)
    ids["bpf_setonly"] = b.func("bpf_setonly", p_void)
    ids["bpf_implicit"] = b.func("bpf_implicit", p_int)
    ids["bpf_implicit_impl"] = b.func("bpf_implicit_impl", b.func_proto(i32, [("x", i32), ("aux", vptr)]))
    ids["plain_func"] = b.func("plain_func", p_void)
    b.decl_tag("bpf_kfunc", ids["bpf_tagged"])
    b.decl_tag("bpf_kfunc", ids["bpf_fast"])
    b.decl_tag("bpf_fastcall", ids["bpf_fast"])
    b.decl_tag("bpf_kfunc", ids["bpf_implicit"])
    b.decl_tag("bpf_kfunc", ids["plain_func"], component_idx=0)       # a parameter tag: not a kfunc
    # attach targets
    b.typedef("btf_trace_sched_switch", b.ptr(b.func_proto(0, [("", vptr)])))
    b.typedef("not_a_trace", i32)
    lsm_proto = b.func_proto(i32, [("file", vptr)])
    b.func("bpf_lsm_file_open", lsm_proto)
    b.func("bpf_lsm_verify_prog", lsm_proto)                          # helper, not a hook
    b.struct("security_hook_heads", 8, [("file_open", u64, 0)])
    meta = b.struct("bpf_iter_meta", 8, [("seq", u64, 0)])
    b.func("bpf_iter_task", b.func_proto(i32, [("meta", b.ptr(meta)), ("task", vptr)]))
    b.func("bpf_iter_get_info", b.func_proto(vptr, [("meta", b.ptr(meta)), ("in_stop", i32)]))
    b.func("bpf_iter_num_new", b.func_proto(i32, [("it", vptr)]))
    return b.build(), ids


def btf_ids_section(ids):
    """A .BTF_ids section with one set8 (symtab flavour): bpf_tagged, bpf_setonly, bpf_implicit."""
    from btf.containers import BtfIdsSection
    pairs = sorted([(ids["bpf_tagged"], KF_ACQUIRE), (ids["bpf_setonly"], KF_RET_NULL),
                    (ids["bpf_implicit"], KF_IMPLICIT_ARGS)])
    data = struct.pack("<II", len(pairs), 1) + b"".join(struct.pack("<II", i, f) for i, f in pairs)
    addr = 0x1000
    syms = [("__BTF_ID__set8__test_kfunc_ids", addr, len(data))]
    return BtfIdsSection(data=data, addr=addr, byteorder="little", symbols=syms)


CONFIG = """#
# CONFIG_SCHED_CLASS_EXT is not set
CONFIG_BPF=y
CONFIG_BPF_SYSCALL=y
CONFIG_DEBUG_INFO_BTF=y
CONFIG_HZ=250
CONFIG_LSM="lockdown,bpf"
CONFIG_SOUND=m
CONFIG_USB_STORAGE=y
"""
