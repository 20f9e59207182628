"""Probe the running kernel with bpf(2): which program types load, which map types create, and which
helpers and kfuncs each program type may call.

The technique is `bpftool feature probe`'s (libbpf's libbpf_probes.c): load a minimal program and read
the verifier log.  A program that calls helper N and gets "invalid func unknown#N" (the kernel does not
know N), "unknown func ..." or "program of this type cannot use helper ..." (the program type's
get_func_proto returned NULL) is refused the helper; any other outcome -- a load, or a complaint about
the arguments -- means the verifier offered it.  The same for kfuncs: a BPF_PSEUDO_KFUNC_CALL to the
kfunc's BTF id that gets "calling kernel function X is not allowed" means no kfunc set registered for
the program type holds X (or its hook filter refused it).

Helpers and kfuncs depend on more than the program type: expected_attach_type, sleepability and the
attach target select parts of each get_func_proto.  So every program type is loaded in each variant
libbpf's section table can produce (analyzer.objects.sections), and a helper counts as offered when any variant
that loads is offered it: an upper bound, as the source facts are.

Pure parts (instruction encoding, bpf_attr packing, log classification) need no kernel; `Bpf` is the
only code that calls the kernel, through ctypes (no compiled helper).
"""
from __future__ import annotations

import ctypes
import errno as errno_mod
import os
import platform
import re
import struct
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Optional

from analyzer.kernel.facts import KernelFacts, refusal
from analyzer.objects.sections import short_prog_type

# ------------------------------------------------------------------------------ instructions
BPF_ALU64_MOV_K = 0xB7          # BPF_ALU64 | BPF_MOV | BPF_K
BPF_JMP_CALL = 0x85             # BPF_JMP | BPF_CALL
BPF_JMP_EXIT = 0x95             # BPF_JMP | BPF_EXIT
BPF_PSEUDO_KFUNC_CALL = 2
LITTLE = sys.byteorder == "little"


def insn(code, dst=0, src=0, off=0, imm=0, *, little=LITTLE) -> bytes:
    """One struct bpf_insn in host order: u8 code, u8 dst_reg:4/src_reg:4 (bitfield order follows the
    byte order), s16 off, s32 imm."""
    regs = (dst & 0xF) | ((src & 0xF) << 4) if little else ((dst & 0xF) << 4) | (src & 0xF)
    return struct.pack("<BBhi" if little else ">BBhi", code, regs, off, imm)


def mov64_imm(dst, imm, **kw) -> bytes:
    return insn(BPF_ALU64_MOV_K, dst=dst, imm=imm, **kw)


def exit_insn(**kw) -> bytes:
    return insn(BPF_JMP_EXIT, **kw)


def call_helper(helper_id, **kw) -> bytes:
    return insn(BPF_JMP_CALL, imm=helper_id, **kw)


def call_kfunc(btf_id, btf_fd_index=0, **kw) -> bytes:
    """A kfunc call: src_reg BPF_PSEUDO_KFUNC_CALL, imm = BTF id, off = 0 for vmlinux (else the index of
    the module BTF fd in fd_array)."""
    return insn(BPF_JMP_CALL, src=BPF_PSEUDO_KFUNC_CALL, off=btf_fd_index, imm=btf_id, **kw)


def prog_return0(**kw) -> bytes:
    """r0 = 0; exit -- the program every type must accept (libbpf's prog-type probe)."""
    return mov64_imm(0, 0, **kw) + exit_insn(**kw)


def prog_call_helper(helper_id, **kw) -> bytes:
    """call helper; exit -- libbpf's helper probe (R0 is set by the call)."""
    return call_helper(helper_id, **kw) + exit_insn(**kw)


def prog_call_kfunc(btf_id, **kw) -> bytes:
    """call kfunc; r0 = 0; exit -- r0 is reset so a void kfunc does not fail the probe at exit."""
    return call_kfunc(btf_id, **kw) + mov64_imm(0, 0, **kw) + exit_insn(**kw)


# ------------------------------------------------------------------------------ verifier log reading
HELPER_OFFERED = "offered"
HELPER_NOT_OFFERED = "not offered"       # the prog type's get_func_proto returned NULL
HELPER_UNKNOWN = "unknown"               # the kernel does not know this helper id at all

_KFUNC_NOT_ALLOWED = re.compile(r"calling kernel function (\S+) is not allowed")
KFUNC_ALLOWED = "allowed"
KFUNC_NOT_ALLOWED = "not allowed"        # no kfunc set for the prog type holds it (or a filter refused)
KFUNC_UNUSABLE = "unusable"              # kfunc calls are impossible for this program (JIT, license)
KFUNC_UNRESOLVED = "unresolved"          # the kernel could not find the kfunc by BTF id / address


def classify_helper_log(log: str) -> str:
    """Helper probe verdict from a verifier log (libbpf_probe_bpf_helper's three strings)."""
    if "invalid func " in log:
        return HELPER_UNKNOWN
    if "unknown func " in log or "program of this type cannot use helper " in log:
        return HELPER_NOT_OFFERED
    return HELPER_OFFERED


def classify_kfunc_log(log: str) -> str:
    """Kfunc probe verdict from a verifier log. Checks before the per-prog-type one (add_kfunc_call:
    JIT, GPL, BTF id) make the probe say nothing about the prog type."""
    if _KFUNC_NOT_ALLOWED.search(log):
        return KFUNC_NOT_ALLOWED
    if ("calling kernel functions are not allowed in non-JITed programs" in log
            or "JIT does not support calling kernel function" in log
            or "cannot call kernel function from non-GPL compatible program" in log
            or "JIT is required for calling kernel function" in log
            or "calling kernel function is not supported without CONFIG_DEBUG_INFO_BTF" in log):
        return KFUNC_UNUSABLE
    if ("is not a function" in log or re.search(r"kernel function \S+ is not found", log)
            or "cannot find address for kernel function" in log or "invalid kernel function" in log
            or "kernel btf_id" in log or "failed to find BTF for kernel function" in log):
        return KFUNC_UNRESOLVED
    return KFUNC_ALLOWED


# ------------------------------------------------------------------------------ bpf(2)
# __NR_bpf per architecture (the generic table for the newer ones).
_NR_BPF = {"x86_64": 321, "i386": 357, "i686": 357, "aarch64": 280, "armv7l": 386, "armv6l": 386,
           "riscv64": 280, "loongarch64": 280, "ppc64le": 361, "ppc64": 361, "s390x": 351, "mips64": 5315}
BPF_MAP_CREATE = 0
BPF_PROG_LOAD = 5
BPF_BTF_LOAD = 18
BPF_F_SLEEPABLE = 1 << 4
BPF_F_XDP_HAS_FRAGS = 1 << 5
BPF_F_NO_PREALLOC = 1 << 0
BPF_F_MMAPABLE = 1 << 10
ENOTSUPP = 524                     # kernel-internal errno, returned by some bpf() paths
ATTR_SIZE = 160                    # covers every field we set; the tail is zero (the kernel checks that)
LOG_SIZE = 1 << 16


class ProbeUnavailable(Exception):
    """bpf() cannot be used here (not root, not Linux, seccomp, unknown architecture)."""


@dataclass
class LoadResult:
    ok: bool
    errno: int = 0
    log: str = ""

    @property
    def error(self) -> str:
        return "" if self.ok else errno_mod.errorcode.get(self.errno, str(self.errno))


def pack_prog_load(prog_type, insns_addr, insn_cnt, license_addr, *, log_level=0, log_size=0, log_addr=0,
                   kern_version=0, prog_flags=0, expected_attach_type=0, prog_btf_fd=0,
                   func_info_rec_size=0, func_info_addr=0, func_info_cnt=0, attach_btf_id=0,
                   attach_prog_fd=0) -> bytes:
    """union bpf_attr for BPF_PROG_LOAD (include/uapi/linux/bpf.h), host order, ATTR_SIZE bytes."""
    head = struct.pack("=IIQQIIQII16sIIIIQII", prog_type, insn_cnt, insns_addr, license_addr, log_level,
                       log_size, log_addr, kern_version, prog_flags, b"bpfstab_probe", 0,
                       expected_attach_type, prog_btf_fd, func_info_rec_size, func_info_addr,
                       func_info_cnt, 0)
    # line_info (u64 at 96, cnt at 104), attach_btf_id at 108, attach_prog_fd at 112
    head += struct.pack("=QIII", 0, 0, attach_btf_id, attach_prog_fd)
    assert len(head) == 116
    return head + bytes(ATTR_SIZE - len(head))


def pack_map_create(map_type, key_size, value_size, max_entries, map_flags=0, inner_map_fd=0, *,
                    btf_fd=0, btf_key_type_id=0, btf_value_type_id=0, btf_vmlinux_value_type_id=0,
                    map_extra=0) -> bytes:
    """union bpf_attr for BPF_MAP_CREATE."""
    head = struct.pack("=IIIIIII16sIIIIIQ", map_type, key_size, value_size, max_entries, map_flags,
                       inner_map_fd, 0, b"bpfstab_probe", 0, btf_fd, btf_key_type_id,
                       btf_value_type_id, btf_vmlinux_value_type_id, map_extra)
    assert len(head) == 72
    return head + bytes(ATTR_SIZE - len(head))


class Bpf:
    """The bpf() system call through libc's syscall(); every fd it opens is closed before returning."""

    def __init__(self):
        if platform.system() != "Linux":
            raise ProbeUnavailable("bpf() needs Linux")
        nr = _NR_BPF.get(platform.machine())
        if nr is None:
            raise ProbeUnavailable(f"unknown bpf() syscall number on {platform.machine()}")
        self._nr = nr
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._libc.syscall.restype = ctypes.c_long
        self._log = ctypes.create_string_buffer(LOG_SIZE)
        self._license = ctypes.create_string_buffer(b"GPL")
        self.calls = 0

    def _sys(self, cmd, attr: bytes):
        buf = ctypes.create_string_buffer(attr, len(attr))
        self.calls += 1
        ret = self._libc.syscall(ctypes.c_long(self._nr), ctypes.c_long(cmd), buf, ctypes.c_long(len(attr)))
        return ret, (ctypes.get_errno() if ret < 0 else 0)

    @staticmethod
    def _close(fd):
        try:
            os.close(fd)
        except OSError:
            pass

    def prog_load(self, prog_type, insns: bytes, *, log=True, keep_fd=False, **kw) -> LoadResult:
        code = ctypes.create_string_buffer(insns, len(insns))
        if log:
            self._log[0] = b"\0"
            kw.update(log_level=1, log_size=LOG_SIZE, log_addr=ctypes.addressof(self._log))
        attr = pack_prog_load(prog_type, ctypes.addressof(code), len(insns) // 8,
                              ctypes.addressof(self._license), **kw)
        fd, err = self._sys(BPF_PROG_LOAD, attr)
        text = self._log.value.decode("utf-8", "replace") if log else ""
        if fd >= 0:
            if keep_fd:
                return LoadResult(True, 0, text), fd
            self._close(fd)
            return LoadResult(True, 0, text)
        if keep_fd:
            return LoadResult(False, err, text), -1
        return LoadResult(False, err, text)

    def map_create(self, map_type, key_size, value_size, max_entries, map_flags=0, **kw) -> LoadResult:
        fd, err = self._sys(BPF_MAP_CREATE, pack_map_create(map_type, key_size, value_size, max_entries,
                                                             map_flags, **kw))
        if fd >= 0:
            self._close(fd)
            return LoadResult(True)
        return LoadResult(False, err)

    def map_fd(self, map_type, key_size, value_size, max_entries, map_flags=0) -> int:
        fd, _ = self._sys(BPF_MAP_CREATE, pack_map_create(map_type, key_size, value_size, max_entries, map_flags))
        return fd

    def btf_load(self, data: bytes) -> int:
        blob = ctypes.create_string_buffer(data, len(data))
        attr = struct.pack("=QQIII", ctypes.addressof(blob), 0, len(data), 0, 0)
        fd, _ = self._sys(BPF_BTF_LOAD, attr + bytes(ATTR_SIZE - len(attr)))
        return fd

    close = _close


def open_bpf() -> Bpf:
    """A Bpf that can load programs, or ProbeUnavailable saying why not."""
    if os.geteuid() != 0:
        raise ProbeUnavailable("kernel probing needs root (bpf() program loads)")
    try:                  # kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK (libbpf bumps it too)
        import resource
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ImportError, ValueError, OSError):
        pass
    b = Bpf()
    r = b.prog_load(1, prog_return0(), log=False)          # BPF_PROG_TYPE_SOCKET_FILTER
    if not r.ok:
        raise ProbeUnavailable(f"bpf() refused a trivial socket filter: {os.strerror(r.errno)}")
    return b


# ------------------------------------------------------------------------------ what to load
# Attach targets for the variants that need attach_btf_id, tried in order; the first that loads the
# trivial program is used. (kind, name) in the running kernel's BTF.
_TRAMPOLINE_TARGETS = (("func", "bpf_lsm_file_open"), ("func", "bpf_lsm_bprm_check_security"),
                       ("func", "security_file_open"), ("func", "do_sys_openat2"), ("func", "vfs_read"))
ATTACH_TARGETS = {
    "BPF_TRACE_RAW_TP": (("typedef", "btf_trace_sched_switch"), ("typedef", "btf_trace_sys_enter"),
                         ("typedef", "btf_trace_sched_process_fork")),
    "BPF_TRACE_FENTRY": _TRAMPOLINE_TARGETS,
    "BPF_TRACE_FEXIT": _TRAMPOLINE_TARGETS,
    "BPF_MODIFY_RETURN": _TRAMPOLINE_TARGETS,
    "BPF_TRACE_FSESSION": _TRAMPOLINE_TARGETS,
    "BPF_TRACE_ITER": (("func", "bpf_iter_task"), ("func", "bpf_iter_bpf_map")),
    "BPF_LSM_MAC": (("func", "bpf_lsm_file_open"), ("func", "bpf_lsm_bprm_check_security"),
                    ("func", "bpf_lsm_task_alloc")),
    "BPF_LSM_CGROUP": (("func", "bpf_lsm_socket_bind"), ("func", "bpf_lsm_socket_post_create"),
                       ("func", "bpf_lsm_sk_alloc_security")),
}


@dataclass(frozen=True)
class Variant:
    """One way to load a program of a type: expected_attach_type, sleepability, attach target."""
    prog_type: str
    attach_type: Optional[str] = None     # BPF_* name; None = 0
    sleepable: bool = False
    target: Optional[str] = None          # "sched_switch", "tcp_congestion_ops.ssthresh"
    attach_btf_id: int = 0
    attach_value: int = 0                 # expected_attach_type (a member index for struct_ops)

    @property
    def label(self) -> str:
        s = short_prog_type(self.prog_type)
        if self.attach_type:
            s += "/" + self.attach_type[len("BPF_"):].lower()
        if self.target:
            s += ":" + self.target
        return s + (" (sleepable)" if self.sleepable else "")

    def load_kw(self, kern_version=0) -> dict:
        kw = {"expected_attach_type": self.attach_value, "attach_btf_id": self.attach_btf_id}
        if self.sleepable:
            kw["prog_flags"] = BPF_F_SLEEPABLE
        if self.prog_type == "BPF_PROG_TYPE_KPROBE":
            kw["kern_version"] = kern_version
        return kw


def _kernel_version_code(release: str) -> int:
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", release or "")
    if not m:
        return 0
    a, b, c = (int(x or 0) for x in m.groups())
    return (a << 16) + (b << 8) + min(c, 255)


def _btf_id(btf, kind, name):
    from btf import kinds as K
    k = {"func": K.FUNC, "typedef": K.TYPEDEF, "struct": K.STRUCT}[kind]
    return btf.find(name, k)


def candidate_variants(snap) -> dict:
    """prog type name -> list of candidate lists: each inner list holds alternative Variants of one
    (attach type, sleepable) combination (alternative attach targets), from libbpf's section table,
    restricted to attach types the kernel's enum bpf_attach_type knows. STRUCT_OPS: one combination
    per function member of each struct_ops the kernel has. EXT is handled apart (it needs a target
    program)."""
    from analyzer.objects.sections import SECTION_DEFS
    from btf import kinds as K
    attach = snap.attach_types
    out = {}
    for pt in snap.prog_types:
        if pt in ("BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_EXT"):
            continue
        out[pt] = []
    seen = set()
    for d in SECTION_DEFS:
        if d.prog_type not in out or d.prog_type == "BPF_PROG_TYPE_STRUCT_OPS":
            continue
        sleepable = "sleepable" in d.flags
        key = (d.prog_type, d.attach_type, sleepable)
        if key in seen:
            continue
        seen.add(key)
        if d.attach_type is not None and d.attach_type not in attach:
            continue
        value = attach.get(d.attach_type, 0) if d.attach_type else 0
        if "attach_btf" in d.flags:
            alts = []
            for kind, name in ATTACH_TARGETS.get(d.attach_type, ()):
                tid = _btf_id(snap.btf, kind, name)
                if tid:
                    short = name[len("btf_trace_"):] if kind == "typedef" else name
                    alts.append(Variant(d.prog_type, d.attach_type, sleepable, short, tid, value))
            if alts:
                out[d.prog_type].append(alts)
            continue
        out[d.prog_type].append([Variant(d.prog_type, d.attach_type, sleepable, None, 0, value)])
    # prog types libbpf has no section for (never in practice): load with attach type 0
    for pt, combos in out.items():
        if not combos and pt != "BPF_PROG_TYPE_STRUCT_OPS":
            combos.append([Variant(pt)])
    if "BPF_PROG_TYPE_STRUCT_OPS" in out:
        btf = snap.btf
        for name, sid in snap.struct_ops.items():
            for idx, m in enumerate(btf.type(sid).members):
                t = btf.skip_mods(m.type)
                if btf.kind_of(t) != K.PTR or btf.kind_of(btf.skip_mods(btf.type(t).type)) != K.FUNC_PROTO:
                    continue
                out["BPF_PROG_TYPE_STRUCT_OPS"].append(
                    [Variant("BPF_PROG_TYPE_STRUCT_OPS", None, False, f"{name}.{m.name}", sid, idx)])
    return out


# ------------------------------------------------------------------------------ map creation recipes
def _local_storage_btf() -> bytes:
    """[1] int: the key and value type a local-storage map needs (they must carry BTF)."""
    from btf.builder import BtfBuilder
    b = BtfBuilder(byteorder=sys.byteorder)
    b.int("int", 4, signed=True)
    return b.build()


def map_recipe(name, snap=None) -> Optional[dict]:
    """Attributes that create a map of this type when the kernel supports it (libbpf's
    libbpf_probe_bpf_map_type); None for types without a known recipe."""
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    simple = dict(key_size=4, value_size=4, max_entries=1)
    special = {
        "BPF_MAP_TYPE_STACK_TRACE": dict(key_size=4, value_size=8, max_entries=1),
        "BPF_MAP_TYPE_LPM_TRIE": dict(key_size=8, value_size=8, max_entries=1, map_flags=BPF_F_NO_PREALLOC),
        "BPF_MAP_TYPE_CGROUP_STORAGE": dict(key_size=16, value_size=8, max_entries=0),
        "BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE": dict(key_size=16, value_size=8, max_entries=0),
        "BPF_MAP_TYPE_QUEUE": dict(key_size=0, value_size=4, max_entries=1),
        "BPF_MAP_TYPE_STACK": dict(key_size=0, value_size=4, max_entries=1),
        "BPF_MAP_TYPE_BLOOM_FILTER": dict(key_size=0, value_size=4, max_entries=1),
        "BPF_MAP_TYPE_RINGBUF": dict(key_size=0, value_size=0, max_entries=page),
        "BPF_MAP_TYPE_USER_RINGBUF": dict(key_size=0, value_size=0, max_entries=page),
        "BPF_MAP_TYPE_ARENA": dict(key_size=0, value_size=0, max_entries=1, map_flags=BPF_F_MMAPABLE),
        "BPF_MAP_TYPE_ARRAY_OF_MAPS": dict(simple, inner=True),
        "BPF_MAP_TYPE_HASH_OF_MAPS": dict(simple, inner=True),
        "BPF_MAP_TYPE_STRUCT_OPS": dict(simple, struct_ops=True),
    }
    for st in ("SK", "INODE", "TASK", "CGRP"):
        special[f"BPF_MAP_TYPE_{st}_STORAGE"] = dict(key_size=4, value_size=4, max_entries=0,
                                                     map_flags=BPF_F_NO_PREALLOC, storage_btf=True)
    known_simple = {"BPF_MAP_TYPE_HASH", "BPF_MAP_TYPE_ARRAY", "BPF_MAP_TYPE_PROG_ARRAY",
                    "BPF_MAP_TYPE_PERF_EVENT_ARRAY", "BPF_MAP_TYPE_PERCPU_HASH", "BPF_MAP_TYPE_PERCPU_ARRAY",
                    "BPF_MAP_TYPE_CGROUP_ARRAY", "BPF_MAP_TYPE_LRU_HASH", "BPF_MAP_TYPE_LRU_PERCPU_HASH",
                    "BPF_MAP_TYPE_DEVMAP", "BPF_MAP_TYPE_DEVMAP_HASH", "BPF_MAP_TYPE_SOCKMAP",
                    "BPF_MAP_TYPE_SOCKHASH", "BPF_MAP_TYPE_CPUMAP", "BPF_MAP_TYPE_XSKMAP",
                    "BPF_MAP_TYPE_REUSEPORT_SOCKARRAY"}
    base = name.replace("_DEPRECATED", "")
    if base in special:
        return dict(special[base])
    if base in known_simple:
        return dict(simple)
    return None


# ------------------------------------------------------------------------------ the probe
CATEGORIES = ("prog-types", "map-types", "helpers", "kfuncs")


@dataclass
class ProbeStats:
    loads: int = 0                                  # bpf() calls
    seconds: dict = field(default_factory=dict)     # category -> wall time
    variants: dict = field(default_factory=dict)    # prog type -> labels of the variants that loaded


def _last_line(log):
    lines = [l for l in log.strip().splitlines() if l and not l.startswith("processed ")]
    return lines[-1] if lines else ""


class Prober:
    """Runs the probes over one Bpf and one snapshot of the running kernel; fills one KernelFacts."""

    def __init__(self, bpf: Bpf, snap, *, progress=None):
        self.bpf = bpf
        self.snap = snap
        self.progress = progress
        self.kver = _kernel_version_code(snap.release)
        self.warnings = []
        self.methods = {}
        self.stats = ProbeStats()
        self.loaded = {}            # prog type -> [Variant] that load the trivial program
        # prog type -> variants the kernel refused for another reason than not knowing them (EPERM for
        # trampolines on a kernel that cannot make them): their facts cover the variants that load here
        self.refused = {}
        self.refusals = []          # analyzer.kernel.facts refusal records: the structured form of the above

    def _tick(self, note=""):
        if self.progress is not None:
            self.progress.advance(1, note)

    # -- program types
    def probe_prog_types(self) -> list:
        t0 = time.monotonic()
        cands = candidate_variants(self.snap)
        ok_types = []
        for pt, combos in cands.items():
            loaded, fails = [], []
            for alts in combos:
                for v in alts:
                    r = self._load_trivial(self.snap.prog_types[pt], v)
                    if r.ok:
                        loaded.append(v)
                        break
                    fails.append((v, r))
            self._tick(short_prog_type(pt))
            if loaded:
                ok_types.append(pt)
                self.loaded[pt] = loaded
                self.stats.variants[pt] = [v.label for v in loaded]
                # a variant refused for another reason than "unknown here" (EINVAL) hides the helpers and
                # kfuncs only it would add: say so
                odd = {}
                for v, r in fails:
                    if r.errno != errno_mod.EINVAL and not any(l.attach_type == v.attach_type and
                                                               l.sleepable == v.sleepable for l in loaded):
                        odd.setdefault((v.attach_type, v.sleepable), (v, r))
                if odd:
                    self.refused[pt] = [f"{v.label}: {r.error}" for v, r in odd.values()]
                    self.refusals += [refusal(pt, replace(v, target=None).label, r.error) for v, r in odd.values()]
                    self.warnings.append(
                        f"{short_prog_type(pt)}: variants that do not load here ({'; '.join(self.refused[pt])}); "
                        "its helpers and kfuncs are those of the variants that do (a program needing the "
                        "others fails here anyway)")
            elif fails:
                v, r = fails[0]
                why = _last_line(r.log) or os.strerror(r.errno)
                if not (r.errno == errno_mod.EINVAL and not r.log.strip()):
                    self.refusals.append(refusal(pt, None, r.error))
                    self.warnings.append(f"{short_prog_type(pt)}: no program of this type loads "
                                         f"({len(fails)} variants; {v.label}: {r.error}: {why})")
        ext = self._probe_ext()
        if ext:
            ok_types.append("BPF_PROG_TYPE_EXT")
        self.methods["prog_types"] = ("BPF_PROG_LOAD of 'r0 = 0; exit' (GPL), in every expected_attach_type/"
                                      "sleepable variant of libbpf's section table, attach_btf_id from BTF "
                                      "for tracing/lsm/struct_ops; a type loads when one variant loads")
        self.stats.seconds["prog-types"] = time.monotonic() - t0
        return sorted(ok_types, key=lambda n: self.snap.prog_types[n])

    def _load_trivial(self, ptv, v: Variant) -> LoadResult:
        """'r0 = 0; exit', then 'r0 = 1; exit' for attach types whose return value must be 1
        (cgroup recvmsg/getpeername/getsockname)."""
        r = self.bpf.prog_load(ptv, prog_return0(), **v.load_kw(self.kver))
        if not r.ok and "R0 has " in r.log:
            r1 = self.bpf.prog_load(ptv, mov64_imm(0, 1) + exit_insn(), **v.load_kw(self.kver))
            if r1.ok:
                return r1
        return r

    def _probe_ext(self) -> bool:
        """freplace: load an XDP program with BTF func info, then an EXT program replacing it."""
        if "BPF_PROG_TYPE_EXT" not in self.snap.prog_types or "BPF_PROG_TYPE_XDP" not in self.loaded:
            return False
        from btf.builder import BtfBuilder
        b = BtfBuilder(byteorder=sys.byteorder)
        i = b.int("int", 4, signed=True)
        fid = b.func("bpfstab_probe", b.func_proto(i, ()))
        btf_fd = self.bpf.btf_load(b.build())
        if btf_fd < 0:
            self.warnings.append("ext: cannot load the BTF a freplace target needs; not probed")
            return False
        finfo = ctypes.create_string_buffer(struct.pack("=II", 0, fid), 8)
        fi = dict(prog_btf_fd=btf_fd, func_info_rec_size=8, func_info_addr=ctypes.addressof(finfo),
                  func_info_cnt=1)
        try:
            r, tfd = self.bpf.prog_load(self.snap.prog_types["BPF_PROG_TYPE_XDP"], prog_return0(),
                                        keep_fd=True, **fi)
            if not r.ok:
                self.warnings.append(f"ext: the XDP target program does not load ({r.error}: "
                                     f"{_last_line(r.log)}); not probed")
                return False
            try:
                r = self.bpf.prog_load(self.snap.prog_types["BPF_PROG_TYPE_EXT"], prog_return0(),
                                       attach_prog_fd=tfd, attach_btf_id=fid, **fi)
            finally:
                self.bpf.close(tfd)
        finally:
            self.bpf.close(btf_fd)
        self._tick("ext")
        if not r.ok:
            self.refusals.append(refusal("BPF_PROG_TYPE_EXT", None, r.error))
            self.warnings.append(f"ext: freplace of an XDP program does not load ({r.error}: "
                                 f"{_last_line(r.log)})")
            return False
        self.stats.variants["BPF_PROG_TYPE_EXT"] = ["ext:xdp target"]
        self.warnings.append("ext: helpers and kfuncs not probed: a freplace program gets those of the "
                             "program type it replaces")
        return True

    # -- map types
    def probe_map_types(self) -> list:
        t0 = time.monotonic()
        ok = []
        by_value = {}
        for name, value in self.snap.map_types.items():
            if value == 0:
                continue
            by_value.setdefault(value, []).append(name)
        for value, names in sorted(by_value.items()):
            recipe = map_recipe(names[0], self.snap)
            self._tick(names[0][len("BPF_MAP_TYPE_"):].lower())
            if recipe is None:
                r = self.bpf.map_create(value, 4, 4, 1)
                if r.ok:
                    ok.extend(names)
                else:
                    self.warnings.append(f"map type {names[0]}: no creation recipe and the default one "
                                         f"fails ({r.error}); not known")
                continue
            if self._create_map(value, names[0], recipe):
                ok.extend(names)
        self.methods["map_types"] = "BPF_MAP_CREATE per type with libbpf's per-type key/value/flags recipe"
        self.stats.seconds["map-types"] = time.monotonic() - t0
        return ok

    def _create_map(self, value, name, recipe) -> bool:
        inner = recipe.pop("inner", False)
        storage = recipe.pop("storage_btf", False)
        struct_ops = recipe.pop("struct_ops", False)
        fds = []
        try:
            if inner:
                fd = self.bpf.map_fd(self.snap.map_types.get("BPF_MAP_TYPE_ARRAY", 2), 4, 4, 1)
                if fd < 0:
                    return False
                fds.append(fd)
                recipe["inner_map_fd"] = fd
            if storage or struct_ops:
                fd = self.bpf.btf_load(_local_storage_btf())
                if fd < 0:
                    self.warnings.append(f"map type {name}: cannot load the BTF it needs; not known")
                    return False
                fds.append(fd)
                if storage:
                    recipe.update(btf_fd=fd, btf_key_type_id=1, btf_value_type_id=1)
                else:
                    recipe.update(btf_fd=fd)
            if struct_ops:
                # a real struct_ops map needs a vmlinux value type (and some BTF fd); without one,
                # ENOTSUPP for an unknown value type still proves the map type exists, as libbpf reads it
                vid, size = self._struct_ops_value()
                recipe.update(btf_vmlinux_value_type_id=vid or 1, value_size=size or 4)
            r = self.bpf.map_create(value, **recipe)
            if struct_ops and not r.ok and r.errno == ENOTSUPP:
                return True
            return r.ok
        finally:
            for fd in fds:
                self.bpf.close(fd)

    def _struct_ops_value(self):
        """(BTF id, size) of the first bpf_struct_ops_<name> value type of the kernel, or (0, 0)."""
        from btf import kinds as K
        btf = self.snap.btf
        for name in self.snap.struct_ops:
            vid = btf.find("bpf_struct_ops_" + name, K.STRUCT)
            if vid:
                return vid, btf.resolve_size(vid)
        return 0, 0

    # -- single questions (after probe_prog_types)
    def helper_verdict(self, prog_type: str, helper: str) -> str:
        """HELPER_* for one helper and one loadable prog type, over its variants (offered if any is)."""
        hid = self.snap.helpers[helper]
        verdicts = set()
        for v in self.loaded[prog_type]:
            r = self.bpf.prog_load(self.snap.prog_types[prog_type], prog_call_helper(hid), **v.load_kw(self.kver))
            verdicts.add(classify_helper_log(r.log))
        for v in (HELPER_OFFERED, HELPER_NOT_OFFERED):
            if v in verdicts:
                return v
        return HELPER_UNKNOWN

    def kfunc_verdict(self, prog_type: str, kfunc: str) -> str:
        """KFUNC_* for one vmlinux kfunc and one loadable prog type, over its variants."""
        k = self.snap.kfuncs[kfunc]
        verdicts = set()
        for v in self.loaded[prog_type]:
            r = self.bpf.prog_load(self.snap.prog_types[prog_type], prog_call_kfunc(k.btf_id),
                                   **v.load_kw(self.kver))
            verdicts.add(classify_kfunc_log(r.log) if (r.ok or r.log.strip()) else KFUNC_UNUSABLE)
        for v in (KFUNC_ALLOWED, KFUNC_NOT_ALLOWED, KFUNC_UNRESOLVED):
            if v in verdicts:
                return v
        return KFUNC_UNUSABLE

    # -- helpers
    def helper_variants(self):
        return {pt: vs for pt, vs in self.loaded.items()}

    def probe_helpers(self) -> dict:
        t0 = time.monotonic()
        helpers = {n: v for n, v in self.snap.helpers.items() if v != 0}
        out = {}
        inconclusive = 0
        for pt, variants in self.helper_variants().items():
            offered = set()
            ptv = self.snap.prog_types[pt]
            for v in variants:
                kw = v.load_kw(self.kver)
                for name, hid in helpers.items():
                    if name in offered:
                        self._tick(short_prog_type(pt))
                        continue
                    r = self.bpf.prog_load(ptv, prog_call_helper(hid), **kw)
                    self._tick(short_prog_type(pt))
                    if not r.ok and not r.log.strip():
                        # no verifier verdict (ENOMEM, a signal): no refusal seen either; keep the set
                        # an upper bound
                        inconclusive += 1
                        offered.add(name)
                        continue
                    if classify_helper_log(r.log) == HELPER_OFFERED:
                        offered.add(name)
            out[pt] = sorted(offered, key=helpers.get)
        if inconclusive:
            self.warnings.append(f"helpers: {inconclusive} probe loads failed without a verifier log "
                                 "(counted as offered: no refusal was seen)")
        self.methods["helper_prog_types"] = (
            "BPF_PROG_LOAD of 'call N; exit' per prog type variant; refused when the log says 'invalid func', "
            "'unknown func' or 'program of this type cannot use helper' (libbpf_probe_bpf_helper); "
            "union over the variants that load")
        self.stats.seconds["helpers"] = time.monotonic() - t0
        return out

    # -- kfuncs
    def kfunc_list(self):
        return [k for k in self.snap.kfuncs.values() if k.module is None and k.btf_id]

    def probe_kfuncs(self) -> dict:
        t0 = time.monotonic()
        kfuncs = self.kfunc_list()
        mods = sorted({k.module for k in self.snap.kfuncs.values() if k.module})
        if mods:
            self.warnings.append(f"kfuncs: module kfuncs not probed (modules {', '.join(mods[:5])}"
                                 + (" ..." if len(mods) > 5 else "") + "): only vmlinux BTF ids are called")
        allowed = {k.name: set() for k in kfuncs}
        probed_types = []
        unusable = []
        unresolved = set()
        silent_total = 0
        for pt, variants in self.helper_variants().items():
            ptv = self.snap.prog_types[pt]
            usable = False
            silent = set()          # no verdict from the verifier (no log, or kfunc calls impossible)
            for v in variants:
                kw = v.load_kw(self.kver)
                for k in kfuncs:
                    if pt in allowed[k.name]:
                        self._tick(short_prog_type(pt))
                        continue
                    r = self.bpf.prog_load(ptv, prog_call_kfunc(k.btf_id), **kw)
                    self._tick(short_prog_type(pt))
                    verdict = classify_kfunc_log(r.log) if (r.ok or r.log.strip()) else KFUNC_UNUSABLE
                    if verdict == KFUNC_ALLOWED:
                        allowed[k.name].add(pt)
                        usable = True
                    elif verdict == KFUNC_NOT_ALLOWED:
                        usable = True
                    elif verdict == KFUNC_UNRESOLVED:
                        unresolved.add(k.name)
                    else:
                        silent.add(k.name)
            if usable:
                probed_types.append(pt)
                # where the verifier answered for other kfuncs but not this one, no refusal was seen:
                # keep the lists an upper bound
                for name in silent - {n for n in silent if pt in allowed[n]}:
                    allowed[name].add(pt)
                    silent_total += 1
            else:
                unusable.append(short_prog_type(pt))
        if silent_total:
            self.warnings.append(f"kfuncs: {silent_total} kfunc/prog type pairs got no verifier verdict "
                                 "(counted as allowed: no refusal was seen)")
        if unusable:
            self.warnings.append(f"kfuncs: calls not possible or not conclusive for {', '.join(unusable)}")
        unprobed = [short_prog_type(pt) for pt in self.snap.prog_types
                    if pt not in probed_types and pt != "BPF_PROG_TYPE_UNSPEC"]
        if unprobed:
            self.warnings.append("kfuncs: the lists say nothing about " + ", ".join(unprobed)
                                 + " (not probed); a missing type there is not a refusal")
        self.methods["kfunc_probed_prog_types"] = probed_types
        if unresolved:
            self.warnings.append(f"kfuncs: the kernel could not resolve {len(unresolved)} kfunc(s) by BTF id: "
                                 + ", ".join(sorted(unresolved)[:10]) + (" ..." if len(unresolved) > 10 else ""))
        out = {}
        every = set(probed_types)
        for name, types in allowed.items():
            if name in unresolved and not types:
                continue
            if every and types >= every and len(every) > 1:
                out[name] = [ALL_PROG_TYPES_MARK]
            else:
                out[name] = sorted(types, key=self.snap.prog_types.get)
        self.methods["kfunc_prog_types"] = (
            "BPF_PROG_LOAD of a BPF_PSEUDO_KFUNC_CALL to the kfunc's vmlinux BTF id per prog type variant; "
            "refused when the log says 'calling kernel function X is not allowed'; union over the variants; "
            f"'*' = allowed for all {len(every)} prog types whose kfunc calls could be probed, which "
            "includes types without a kfunc hook of their own: only the common hook (kfunc sets "
            "registered for BPF_PROG_TYPE_UNSPEC) reaches those")
        self.stats.seconds["kfuncs"] = time.monotonic() - t0
        return out

    def planned(self, only) -> int:
        """Number of progress steps (an estimate before prog types are known)."""
        n = 0
        cands = candidate_variants(self.snap)
        n += len(cands) + 1 if "prog-types" in only or "helpers" in only or "kfuncs" in only else 0
        n += len({v for v in self.snap.map_types.values() if v}) if "map-types" in only else 0
        combos = sum(len(c) for c in cands.values())
        if "helpers" in only:
            n += combos * len(self.snap.helpers)
        if "kfuncs" in only:
            n += combos * len(self.kfunc_list())
        return n


from analyzer.kernel.facts import ALL_PROG_TYPES as ALL_PROG_TYPES_MARK   # noqa: E402


def probe_running(snap, *, only=CATEGORIES, progress=None, bpf: Optional[Bpf] = None):
    """Probe the running kernel (whose snapshot is `snap`) -> (KernelFacts(origin="probe"), ProbeStats).
    Helpers and kfuncs need the prog-type pass, so it always runs when they are asked for."""
    bpf = bpf or open_bpf()
    release = snap.release
    pr = Prober(bpf, snap, progress=progress)
    if progress is not None:
        progress.total = pr.planned(only)
    t0 = time.monotonic()
    prog_types = map_types = None
    helpers, kfuncs = {}, {}
    if set(only) & {"prog-types", "helpers", "kfuncs"}:
        prog_types = pr.probe_prog_types()
        if progress is not None:        # now the loadable variants are known: the exact step count
            n = sum(len(vs) for vs in pr.loaded.values())
            progress.total = (progress.done + ("map-types" in only) * len({v for v in snap.map_types.values() if v})
                              + ("helpers" in only) * n * len([v for v in snap.helpers.values() if v])
                              + ("kfuncs" in only) * n * len(pr.kfunc_list()))
    if "map-types" in only:
        map_types = pr.probe_map_types()
    if "helpers" in only:
        helpers = pr.probe_helpers()
    if "kfuncs" in only:
        kfuncs = pr.probe_kfuncs()
    if "prog-types" not in only:
        prog_types = None
    pr.stats.seconds["total"] = time.monotonic() - t0
    pr.stats.loads = bpf.calls
    pr.methods["variants"] = {short_prog_type(pt): labels for pt, labels in pr.stats.variants.items()}
    if pr.refused:
        pr.methods["variants_refused"] = {short_prog_type(pt): labels for pt, labels in pr.refused.items()}
    facts = KernelFacts(origin="probe", detail=f"probe of {release} (running)", version=release,
                        kfunc_prog_types=kfuncs, helper_prog_types=helpers, prog_types=prog_types,
                        map_types=map_types, methods=pr.methods, warnings=pr.warnings,
                        refusals=pr.refusals)
    return facts, pr.stats
