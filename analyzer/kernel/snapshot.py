"""Kernel snapshots: one kernel's BTF plus what bpfstab needs to judge programs against it.

A `KernelSnapshot` holds the release, architecture, source, the BPF-relevant part of the kernel
config, the complete vmlinux BTF (and module BTF when imported with modules) and the kfunc
inventory. Enums (program, attach and map types, helper IDs), program-type contexts, struct_ops
types and attach targets are derived from the BTF on first use and never stored.

Snapshot file (`*.bpfk`): a zip archive with LZMA-compressed members
  meta.json            schema "bpfstab.kernel/1", release, arch, source, config subset, kfuncs,
                       function_symbols (when the source had a symbol table), module names
  vmlinux.btf          raw BTF
  modules/<name>.btf   raw split BTF over vmlinux.btf (only when imported with modules)

Kernels are named by a snapshot path, a bundled name (file stem under corpus/kernels), a short
version ("6.1"), "running", or any file `btf.containers.open_kernel` accepts (imported on the fly
and cached under $BPFSTAB_CACHE or ~/.cache/bpfstab/kernels).
"""
import hashlib
import io
import json
import os
import re
import lzma
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field, asdict
from pathlib import Path
from typing import Optional

from btf import btf_ids, render
from btf import kinds as K
from btf import limits
from btf.errors import InputError
from btf.reader import Btf

SCHEMA = "bpfstab.kernel/1"
SUFFIX = ".bpfk"
# The bundled snapshots: package data of the installed wheel (pyproject maps corpus/kernels to
# analyzer/kernel/bundled), else corpus/kernels of the checkout this module runs from.
BUNDLED_PLACES = (Path(__file__).resolve().parent / "bundled",
                  Path(__file__).resolve().parents[2] / "corpus" / "kernels")
RUNNING_BTF = "/sys/kernel/btf/vmlinux"
# snapshot members are capped by the MAX_DECOMPRESSED limit (btf/limits.py) while they inflate

# ------------------------------------------------------------------------------ config subset
# Options kept from the kernel .config: everything BPF-related plus what `__kconfig` externs in
# BPF programs commonly read (libbpf fills those from the config). Generous, but not the whole file.
CONFIG_KEEP = re.compile(r"^CONFIG_(" + "|".join((
    r"[A-Z0-9_]*BPF[A-Z0-9_]*",            # CONFIG_BPF*, *_BPF*, NET_*BPF*, CGROUP_BPF, BPF_LSM, ...
    r"[A-Z0-9_]*BTF[A-Z0-9_]*",            # DEBUG_INFO_BTF, DEBUG_INFO_BTF_MODULES, PAHOLE_HAS_*BTF*
    r"XDP_SOCKETS[A-Z0-9_]*", r"KPROBES?[A-Z0-9_]*", r"UPROBES?[A-Z0-9_]*", r"[A-Z_]*KPROBE_EVENTS?",
    r"UPROBE_EVENTS", r"FPROBE[A-Z0-9_]*", r"RETHOOK", r"FTRACE[A-Z0-9_]*", r"DYNAMIC_FTRACE[A-Z0-9_]*",
    r"FUNCTION_TRACER", r"FUNCTION_GRAPH_TRACER", r"FUNCTION_ERROR_INJECTION", r"FAIL_FUNCTION",
    r"HAVE_[A-Z0-9_]*(FTRACE|JIT|KPROBE|FENTRY|BPF)[A-Z0-9_]*", r"ARCH_[A-Z0-9_]*(BPF|JIT)[A-Z0-9_]*",
    r"TRACEPOINTS", r"TRACING", r"EVENT_TRACING", r"PERF_EVENTS", r"STACKTRACE", r"USER_STACKTRACE_SUPPORT",
    r"SCHED_CLASS_EXT", r"EXT_GROUP_SCHED", r"FAIR_GROUP_SCHED", r"CFS_BANDWIDTH", r"RT_GROUP_SCHED",
    r"SCHED_CORE", r"SCHED_SMT", r"SCHED_MC", r"SCHED_DEBUG", r"SCHEDSTATS", r"SCHED_INFO",
    r"NETFILTER[A-Z0-9_]*", r"NF_CONNTRACK[A-Z0-9_]*", r"NF_NAT", r"NF_TABLES", r"NF_FLOW_TABLE[A-Z0-9_]*",
    r"NET", r"INET", r"IPV6", r"NET_NS", r"NET_CLS_ACT", r"NET_SCH_INGRESS", r"NET_INGRESS", r"NET_EGRESS",
    r"NET_XGRESS", r"NET_SCH_FQ", r"NET_SCH_[A-Z0-9_]*", r"NET_CLS_[A-Z0-9_]*", r"NET_ACT_[A-Z0-9_]*",
    r"XFRM[A-Z0-9_]*", r"LWTUNNEL[A-Z0-9_]*", r"IPV6_SEG6[A-Z0-9_]*", r"MPTCP[A-Z0-9_]*", r"TCP_CONG_[A-Z0-9_]*",
    r"DEFAULT_TCP_CONG", r"NETKIT", r"VETH", r"TLS", r"SOCK_[A-Z0-9_]*", r"NET_SOCK_MSG", r"PAGE_POOL[A-Z0-9_]*",
    r"RPS", r"XPS", r"NET_RX_BUSY_POLL", r"HID_BPF", r"BPF_LIRC_MODE2", r"RC_CORE", r"LIRC",
    r"CGROUPS", r"CGROUP_[A-Z0-9_]*", r"MEMCG[A-Z0-9_]*", r"BLK_CGROUP[A-Z0-9_]*", r"CPUSETS",
    r"SECURITY[A-Z0-9_]*", r"LSM", r"IMA[A-Z0-9_]*", r"KEYS", r"SYSTEM_DATA_VERIFICATION",
    r"PKCS7_MESSAGE_PARSER", r"CRYPTO", r"CRYPTO_USER_API[A-Z0-9_]*", r"FS_VERITY", r"DMABUF_SYSFS_STATS",
    r"KALLSYMS[A-Z0-9_]*", r"MODULES", r"MODULE_SIG[A-Z0-9_]*", r"MODULE_UNLOAD", r"MODVERSIONS",
    r"HZ", r"HZ_[0-9]+", r"NO_HZ[A-Z0-9_]*", r"PREEMPT[A-Z0-9_]*", r"SMP", r"NR_CPUS", r"NUMA",
    r"64BIT", r"X86_64", r"X86_32", r"ARM64", r"ARM", r"RISCV", r"S390", r"PPC64", r"LOONGARCH",
    r"PAGE_SIZE_[A-Z0-9_]*", r"PAGE_SHIFT", r"ARM64_PAGE_SHIFT", r"ARM64_[0-9]+K_PAGES", r"PGTABLE_LEVELS",
    r"X86_KERNEL_IBT", r"RETPOLINE", r"MITIGATION_[A-Z0-9_]*", r"CALL_DEPTH_TRACKING", r"CFI_CLANG",
    r"UNWINDER_[A-Z0-9_]*", r"FRAME_POINTER", r"STACKPROTECTOR[A-Z0-9_]*", r"RANDSTRUCT[A-Z0-9_]*",
    r"CC_VERSION_TEXT", r"CC_IS_GCC", r"CC_IS_CLANG", r"GCC_VERSION", r"CLANG_VERSION", r"PAHOLE_VERSION",
    r"RUST", r"DEBUG_INFO[A-Z0-9_]*", r"LOCKDEP", r"PROVE_LOCKING", r"PROVE_RCU", r"DEBUG_LOCK_ALLOC",
    r"DEBUG_ATOMIC_SLEEP", r"TREE_RCU", r"PREEMPT_RCU", r"TASKS_RCU[A-Z0-9_]*", r"TASKS_TRACE_RCU",
    r"IO_URING", r"USER_NS", r"PID_NS", r"KEXEC[A-Z0-9_]*", r"CRASH_DUMP", r"PSI", r"BLK_DEV_IO_TRACE",
    r"LOCALVERSION", r"LOCALVERSION_AUTO", r"VERSION_SIGNATURE", r"KERNEL_[A-Z0-9_]*", r"PROC_FS", r"SYSFS",
    r"TRANSPARENT_HUGEPAGE", r"HUGETLBFS", r"MMU", r"SPARSEMEM_VMEMMAP", r"RANDOMIZE_BASE", r"RANDOMIZE_MEMORY",
    r"HIGHMEM", r"DMA_SHARED_BUFFER", r"SLUB", r"SLAB", r"KASAN", r"KCSAN", r"UBSAN", r"KMSAN",
)) + r")$")
_CONFIG_LINE = re.compile(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$")
_CONFIG_UNSET = re.compile(r"^# (CONFIG_[A-Za-z0-9_]+) is not set$")

# Highlights printed by `kernel show`.
CONFIG_HIGHLIGHTS = (
    "CONFIG_BPF_SYSCALL", "CONFIG_BPF_JIT", "CONFIG_BPF_JIT_ALWAYS_ON", "CONFIG_BPF_UNPRIV_DEFAULT_OFF",
    "CONFIG_DEBUG_INFO_BTF", "CONFIG_DEBUG_INFO_BTF_MODULES", "CONFIG_PAHOLE_VERSION", "CONFIG_BPF_LSM",
    "CONFIG_CGROUP_BPF", "CONFIG_BPF_EVENTS", "CONFIG_KPROBES", "CONFIG_FPROBE", "CONFIG_FUNCTION_ERROR_INJECTION",
    "CONFIG_NETFILTER_BPF_LINK", "CONFIG_XDP_SOCKETS", "CONFIG_SCHED_CLASS_EXT", "CONFIG_HZ", "CONFIG_PREEMPT",
    "CONFIG_PREEMPT_DYNAMIC", "CONFIG_LSM",
)


def bpf_config_subset(text: Optional[str]) -> dict:
    """The BPF-relevant options of a .config text: {"CONFIG_X": "y"|"m"|"123"|'"str"'|"n"}.
    "n" marks an option the config explicitly says "is not set"."""
    out = {}
    if not text:
        return out
    for line in text.splitlines():
        line = line.strip()
        m = _CONFIG_LINE.match(line)
        if m:
            if CONFIG_KEEP.match(m.group(1)):
                out[m.group(1)] = m.group(2)
            continue
        m = _CONFIG_UNSET.match(line)
        if m and CONFIG_KEEP.match(m.group(1)):
            out[m.group(1)] = "n"
    return dict(sorted(out.items()))


# ------------------------------------------------------------------------------ kfuncs
_KF_IMPLICIT_ARGS = 1 << 16        # include/linux/btf.h (≈7.0)
@dataclass
class Kfunc:
    name: str
    btf_id: int
    proto: str                        # C prototype (btf.render.func_proto)
    flags: Optional[int] = None       # KF_* from the .BTF_ids pair when known
    flag_names: list = field(default_factory=list)
    found_by: list = field(default_factory=list)   # "decl_tag", "btf_ids:symtab", "btf_ids:structural",
    #                                                "kf_implicit_args" (a foo_impl FUNC recorded for foo)
    sets: list = field(default_factory=list)       # .BTF_ids set names, or "set@0x<offset>"
    module: Optional[str] = None      # None for vmlinux
    fastcall: bool = False            # has a bpf_fastcall decl tag
    impl_of: Optional[str] = None     # "foo" when this is "foo_impl", the full proto of a KF_IMPLICIT_ARGS kfunc
    impl: Optional[str] = None        # "foo_impl" when this is the user-visible "foo"

    @property
    def is_impl(self):
        return self.impl_of is not None

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, d):
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


def _tagged_funcs(btf: Btf, tag: str, own_only=False):
    out = []
    ids = btf.ids_of_kind(K.DECL_TAG, own_only=own_only)
    for tid in ids:
        if btf.name_of(tid) != tag:
            continue
        t = btf.type(tid)
        if t.component_idx == -1 and btf.kind_of(t.type) == K.FUNC:
            out.append(t.type)
    return out


def collect_kfuncs(btf: Btf, btf_ids_section=None, *, module=None, own_only=False):
    """The kfunc inventory of one BTF: FUNCs tagged bpf_kfunc, merged by name with the FUNC ids of
    the .BTF_ids kfunc sets (flags from the pairs). Returns ({name: Kfunc}, notes)."""
    notes = []
    found = {}      # name -> Kfunc

    def add(fid, method, flags=None, set_name=None):
        name = btf.name_of(fid)
        k = found.get(name)
        if k is None:
            k = Kfunc(name=name, btf_id=fid, proto="", module=module)
            found[name] = k
        if method not in k.found_by:
            k.found_by.append(method)
        if flags is not None:
            k.flags = flags if k.flags is None else (k.flags | flags)
        if set_name and set_name not in k.sets:
            k.sets.append(set_name)

    for fid in _tagged_funcs(btf, "bpf_kfunc", own_only):
        add(fid, "decl_tag")
    if btf_ids_section is not None:
        for s in btf_ids.find_kfunc_sets(btf_ids_section, btf):
            set_name = s.name if s.method == "symtab" and s.name else f"set@0x{s.offset:x}"
            for e in s.entries:
                if not e.btf_id or e.btf_id >= btf.type_count or btf.kind_of(e.btf_id) != K.FUNC:
                    continue
                add(e.btf_id, f"btf_ids:{s.method}", e.flags, set_name)
    fast = {btf.name_of(f) for f in _tagged_funcs(btf, "bpf_fastcall", own_only)}
    for name, k in found.items():
        k.proto = render.func_proto(btf, k.btf_id)
        k.fastcall = name in fast
        if k.flags is not None:
            k.flag_names = list(btf_ids.kf_flag_names(k.flags))
    # KF_IMPLICIT_ARGS (≈7.0): FUNC foo has the user-visible proto, FUNC foo_impl the full one (with the
    # arguments the verifier supplies). Record foo_impl too, marked, even when only foo is in a kfunc set.
    for name, k in list(found.items()):
        if name.endswith("_impl") or name + "_impl" in found:
            continue
        implicit = k.flags is not None and k.flags & _KF_IMPLICIT_ARGS
        if not implicit:
            continue
        ids = btf.find_own(name + "_impl", K.FUNC)
        if ids:
            found[name + "_impl"] = Kfunc(name=name + "_impl", btf_id=ids[0], proto=render.func_proto(btf, ids[0]),
                                          found_by=["kf_implicit_args"], module=module)
    for name, k in found.items():
        if name.endswith("_impl"):
            base = name[:-5]
            if base in found or btf.find_own(base, K.FUNC):
                k.impl_of = base
                if base in found:
                    found[base].impl = name
    return dict(sorted(found.items())), notes


# ------------------------------------------------------------------------------ snapshot
class KernelSnapshot:
    """One kernel as bpfstab sees it. Build with import_kernel() / load_snapshot()."""

    def __init__(self, *, id, release, arch, source, config, kfuncs, btf_bytes=None, btf_loader=None,
                 module_names=(), module_loader=None, function_symbols=None, path=None, notes=(),
                 version_banner=None, facts=(), symbols=None, symbols_meta=None, symbols_loader=None):
        self.id = id
        self.name = None                  # the name given at import (--name), if any
        self.release = release or "unknown"
        self.arch = arch or "unknown"
        self.source = source
        self.config = dict(config or {})
        self.kfuncs = kfuncs
        self.function_symbols = function_symbols
        self.path = Path(path) if path else None
        self.notes = list(notes)
        self.version_banner = version_banner
        self.module_names = sorted(module_names)
        self._btf_bytes = btf_bytes
        self._btf_loader = btf_loader
        self._module_loader = module_loader
        self._btf = None
        self._modules = None
        self._derived = {}
        self.facts = {f.origin: f for f in facts}   # origin -> analyzer.kernel.facts.KernelFacts
        self._symbols = symbols                     # analyzer.kernel.symbols.KernelSymbols, loaded lazily
        self._symbols_meta = symbols_meta if symbols is None else symbols.meta()
        self._symbols_loader = symbols_loader
        self.import_report = []

    @property
    def symbols(self):
        """analyzer.kernel.symbols.KernelSymbols (what kallsyms would list), or None when the snapshot
        has no symbol table. Older snapshots' function_symbols become a function-only table."""
        if self._symbols is None:
            if self._symbols_loader is not None:
                self._symbols = self._symbols_loader()
                self._symbols_loader = None
            elif self.function_symbols is not None:
                from analyzer.kernel.symbols import from_function_list
                self._symbols = from_function_list(self.function_symbols, "the vmlinux symbol table")
        return self._symbols

    @property
    def symbols_meta(self):
        """The meta.json `symbols` record ({member, source, functions, data, filtered}) or None."""
        if self._symbols_meta is None and self._symbols is not None and self.function_symbols is None:
            self._symbols_meta = self._symbols.meta()
        return self._symbols_meta

    def set_facts(self, kf):
        """Attach (or replace) the facts of one origin ("source" or "probe")."""
        self.facts[kf.origin] = kf
        self._derived.pop("merged_facts", None)

    def drop_facts(self, keep=()):
        """Forget the facts of every origin not in `keep` (BTF-only predictions when keep is empty)."""
        for origin in [o for o in self.facts if o not in keep]:
            del self.facts[origin]
        self._derived.pop("merged_facts", None)

    @property
    def merged_facts(self):
        """analyzer.kernel.facts.MergedFacts over every origin this snapshot holds (probe wins)."""
        from analyzer.kernel.facts import merged
        return self._memo("merged_facts", lambda: merged(self.facts.values()))

    def __repr__(self):
        return f"<KernelSnapshot {self.id} {self.release} {self.arch}>"

    # -- BTF
    @property
    def btf_bytes(self) -> bytes:
        if self._btf_bytes is None:
            self._btf_bytes = self._btf_loader()
        return self._btf_bytes

    @property
    def btf(self) -> Btf:
        if self._btf is None:
            self._btf = Btf(self.btf_bytes, path=f"{self.path or self.id}: vmlinux.btf")
        return self._btf

    @property
    def modules(self) -> dict:
        if self._modules is None:
            mods = {}
            loader = getattr(self._module_loader, "many", None)
            datas = loader(self.module_names) if loader else {n: self._module_loader(n) for n in self.module_names}
            for name in self.module_names:
                mods[name] = Btf(datas[name], base=self.btf, path=f"{self.path or self.id}: modules/{name}.btf")
            self._modules = mods
        return self._modules

    def _memo(self, key, fn):
        got = self._derived.get(key)
        if got is None:
            got = fn()
            self._derived[key] = got
        return got

    # -- enums
    def _named(self, name, kinds):
        """IDs of vmlinux types named `name` of the given kinds, without building the name index."""
        btf = self.btf
        if btf._name_index is not None:
            return [i for i in btf.find_own(name) if btf.kind_of(i) in kinds]
        out = []
        for k in kinds:
            out.extend(i for i in btf.ids_of_kind(k) if btf.name_of(i) == name)
        return sorted(out)

    def enum(self, name) -> dict:
        """Enumerators of `enum name` ({} when the kernel's BTF has no such enum); __MAX_* sentinels dropped."""
        def build():
            vals = {}
            for tid in self._named(name, (K.ENUM, K.ENUM64)):
                for v in self.btf.type(tid).values:
                    if not v.name.startswith("__"):
                        vals.setdefault(v.name, v.value)
            return vals
        return self._memo(("enum", name), build)

    @property
    def prog_types(self) -> dict:
        return self.enum("bpf_prog_type")

    @property
    def attach_types(self) -> dict:
        return self.enum("bpf_attach_type")

    @property
    def map_types(self) -> dict:
        return self.enum("bpf_map_type")

    @property
    def helpers(self) -> dict:
        return self.enum("bpf_func_id")

    @property
    def link_types(self) -> dict:
        return self.enum("bpf_link_type")

    # -- contexts
    @property
    def contexts(self) -> dict:
        """Program types compiled into the kernel (struct bpf_ctx_convert):
        "BPF_PROG_TYPE_XDP" -> ("struct xdp_md", "struct xdp_buff")."""
        def build():
            out = {}
            ids = self._named("bpf_ctx_convert", (K.STRUCT,))
            if not ids:
                return out
            btf = self.btf
            members = btf.type(ids[0]).members
            prog = {m.name[:-5]: m.type for m in members if m.name.endswith("_prog")}
            kern = {m.name[:-5]: m.type for m in members if m.name.endswith("_kern")}
            for m in members:
                if m.name.endswith("_prog"):
                    pt = m.name[:-5]
                    out[pt] = (render.type_name(btf, prog[pt]),
                               render.type_name(btf, kern[pt]) if pt in kern else "")
            return out
        return self._memo("contexts", build)

    # -- struct_ops
    @property
    def struct_ops(self) -> dict:
        """{"tcp_congestion_ops": STRUCT id} for every STRUCT bpf_struct_ops_<name> that wraps STRUCT <name>
        (libbpf find_struct_ops_kern_types: the value struct has a member of the kernel type)."""
        def build():
            out = {}
            base_names = {}
            for tid in self.btf.ids_of_kind(K.STRUCT):
                base_names.setdefault(self.btf.name_of(tid), tid)
            for btf in [self.btf] + list(self.modules.values()):
                own = btf is not self.btf
                structs = btf.ids_of_kind(K.STRUCT, own_only=True)
                names = base_names
                if own:
                    names = {}
                    for tid in structs:
                        names.setdefault(btf.name_of(tid), tid)
                for tid in structs:
                    vname = btf.name_of(tid)
                    if not vname.startswith("bpf_struct_ops_"):
                        continue
                    name = vname[len("bpf_struct_ops_"):]
                    kid = names.get(name) or base_names.get(name)
                    if not kid:
                        continue
                    if any(btf.skip_mods(m.type) == kid for m in btf.type(tid).members):
                        out.setdefault(name, kid)
            return dict(sorted(out.items()))
        return self._memo("struct_ops", build)

    # -- attach targets
    @property
    def functions(self) -> frozenset:
        """FUNC names in vmlinux BTF (fentry/fexit/fmod_ret/kprobe targets)."""
        return self._memo("functions", lambda: frozenset(self.btf.name_of(i) for i in self.btf.ids_of_kind(K.FUNC)))

    @property
    def tracepoints(self) -> frozenset:
        """Raw tracepoints with BTF (tp_btf/X): TYPEDEF btf_trace_X -> "X"."""
        def build():
            btf = self.btf
            return frozenset(n[10:] for n in (btf.name_of(i) for i in btf.ids_of_kind(K.TYPEDEF))
                             if n.startswith("btf_trace_"))
        return self._memo("tracepoints", build)

    @property
    def lsm_hooks(self) -> frozenset:
        """LSM hooks a BPF LSM program can attach to: FUNC bpf_lsm_<hook>, where <hook> is an LSM hook
        (a member of struct security_hook_heads or lsm_static_calls_table when those are in BTF)."""
        def build():
            btf = self.btf
            cands = {n[8:] for n in (btf.name_of(i) for i in btf.ids_of_kind(K.FUNC)) if n.startswith("bpf_lsm_")}
            hooks = set()
            for sname in ("security_hook_heads", "lsm_static_calls_table"):
                for sid in self._named(sname, (K.STRUCT,)):
                    hooks.update(m.name for m in btf.type(sid).members)
            return frozenset(cands & hooks if hooks else cands)
        return self._memo("lsm_hooks", build)

    @property
    def iterators(self) -> frozenset:
        """BPF iterator targets (iter/X): FUNC bpf_iter_X declared by DEFINE_BPF_ITER_FUNC, i.e. returning
        int with struct bpf_iter_meta * as first parameter (this skips helpers like bpf_iter_get_info and
        the open-coded iterator kfuncs bpf_iter_<type>_new/next/destroy)."""
        def build():
            btf = self.btf
            out = set()
            for fid in btf.ids_of_kind(K.FUNC):
                n = btf.name_of(fid)
                if not n.startswith("bpf_iter_"):
                    continue
                proto = btf.type(btf.type(fid).type)
                if proto.kind != K.FUNC_PROTO or not proto.params or \
                        btf.kind_of(btf.skip_mods(proto.type)) != K.INT:
                    continue
                p = btf.skip_mods(proto.params[0].type)
                if btf.kind_of(p) == K.PTR and btf.name_of(btf.skip_mods(btf.type(p).type)) == "bpf_iter_meta":
                    out.add(n[9:])
            return frozenset(out)
        return self._memo("iterators", build)

    # -- kfunc helpers
    def kfunc(self, name) -> Optional[Kfunc]:
        return self.kfuncs.get(name)

    def kfunc_counts(self) -> dict:
        c = {"total": len(self.kfuncs)}
        for k in self.kfuncs.values():
            for m in k.found_by:
                c[m] = c.get(m, 0) + 1
        c["impl"] = sum(1 for k in self.kfuncs.values() if k.is_impl)
        return c

    def counts(self) -> dict:
        return {
            "types": self.btf.type_count - 1,
            "kfuncs": len(self.kfuncs),
            "prog_types": len(self.prog_types),
            "attach_types": len(self.attach_types),
            "map_types": len(self.map_types),
            "helpers": len(self.helpers),
            "contexts": len(self.contexts),
            "struct_ops": len(self.struct_ops),
            "functions": len(self.functions),
            "tracepoints": len(self.tracepoints),
            "lsm_hooks": len(self.lsm_hooks),
            "iterators": len(self.iterators),
            "function_symbols": len(self.function_symbols) if self.function_symbols is not None else None,
            "symbols": (None if self.symbols_meta is None else
                        {"functions": self.symbols_meta.get("functions"), "data": self.symbols_meta.get("data")}),
            "modules": len(self.module_names),
        }

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "id": self.id,
            "release": self.release,
            "arch": self.arch,
            "source": self.source,
            "file": str(self.path) if self.path else None,
            "counts": self.counts(),
            "kfunc_counts": self.kfunc_counts(),
            "config": self.config,
            "kfuncs": [k.to_json() for k in self.kfuncs.values()],
            "prog_types": self.prog_types,
            "attach_types": self.attach_types,
            "map_types": self.map_types,
            "helpers": self.helpers,
            "contexts": {k: list(v) for k, v in self.contexts.items()},
            "struct_ops": self.struct_ops,
            "lsm_hooks": sorted(self.lsm_hooks),
            "iterators": sorted(self.iterators),
            "modules": self.module_names,
            "symbols": self.symbols_meta,
            "facts": [f.to_json() for f in self.facts.values()],
            "notes": self.notes,
        }

    def meta(self) -> dict:
        return {
            "schema": SCHEMA,
            "name": self.name,      # None: the snapshot is named by its file stem
            "release": self.release,
            "arch": self.arch,
            "source": self.source,
            "version_banner": self.version_banner,
            "config": self.config,
            "kfuncs": [k.to_json() for k in self.kfuncs.values()],
            "function_symbols": self.function_symbols,
            "symbols": self.symbols_meta,
            "import": self.import_report,
            "modules": self.module_names,
            "facts": [f.to_json() for _, f in sorted(self.facts.items())],
            "notes": self.notes,
        }


# ------------------------------------------------------------------------------ import
def _progress_adapter(progress):
    """btf.containers calls progress(done, total, note); analyzer.cli.progress.Progress counts steps.
    A plain callable is passed through unchanged."""
    if progress is None:
        return None
    if not hasattr(progress, "advance"):
        return progress

    def cb(done, total, note=""):
        if total and progress.total != total:
            progress.total = total
        progress.advance(max(done - progress.done, 0), note)
    return cb


def import_kernel(src, *, config_path=None, name=None, with_modules=False, progress=None,
                  system_map=None) -> KernelSnapshot:
    """Build a snapshot from "running", any file btf.containers.open_kernel accepts, or one kernel's
    Debian packages (a list of paths; analyzer.kernel.debian). `snap.import_report` lists what was
    found and what was not: [(item, found, text)] for image, config, System.map, modules."""
    from btf import containers
    from analyzer.kernel import sources as kernel_import
    srcs = [str(s) for s in src] if isinstance(src, (list, tuple)) else [str(src)]
    src = srcs[0]
    cb = _progress_adapter(progress)
    arts, report = kernel_import.open_any(srcs, config_path=config_path, system_map=system_map,
                                          with_modules=with_modules, progress=cb)
    where = "running" if src == "running" else src
    if progress is not None and hasattr(progress, "advance"):
        progress.advance(0, "parsing BTF")
    btf = Btf(arts.btf, path=f"{where}: BTF")
    btf.validate()
    loop = btf.loop_at()
    if loop is not None:
        raise InputError(btf.path, f"type loop at [{loop}] (the kernel's BTF verifier refuses such BTF)")
    kfuncs, notes = collect_kfuncs(btf, arts.btf_ids)
    mod_btfs = {}
    for mname, data in sorted((arts.modules or {}).items()):
        try:
            mb = Btf(data, base=btf, path=f"{where}: module {mname}")
            mb.validate()
            loop = mb.loop_at()
            if loop is not None:
                raise InputError(mb.path, f"type loop at [{loop}]")
        except InputError as e:
            notes.append(f"module {mname} skipped: {e.problem}")
            continue
        mod_btfs[mname] = data
        mk, mnotes = collect_kfuncs(mb, None, module=mname, own_only=True)
        notes.extend(mnotes)
        for kname, k in mk.items():
            kfuncs.setdefault(kname, k)
    if arts.btf_ids is None:
        notes.append("no .BTF_ids section in the source: kfuncs come from bpf_kfunc decl tags only")
    kfuncs = dict(sorted(kfuncs.items()))
    snap = KernelSnapshot(
        id=name or arts.release or Path(src).name, release=arts.release, arch=arts.arch,
        source=arts.origin, config=bpf_config_subset(arts.config), kfuncs=kfuncs, btf_bytes=arts.btf,
        module_names=mod_btfs.keys(), module_loader=mod_btfs.__getitem__,
        function_symbols=arts.function_symbols, notes=notes, version_banner=arts.version_banner,
        symbols=getattr(arts, "symbols", None))
    snap._btf = btf
    snap.name = name
    snap.import_report = [{"item": i, "found": bool(f), "text": t} for i, f, t in report]
    # The whole config text, kept only in memory: source analysis (kernel import --source) needs every
    # CONFIG_ option for #ifdef blocks; the saved snapshot keeps the BPF-relevant subset.
    snap.full_config_text = arts.config if isinstance(arts.config, str) else None
    return snap


# ------------------------------------------------------------------------------ file format
def save_snapshot(snap: KernelSnapshot, path):
    """Write `snap` to `path` atomically (temp file in the same directory, then rename)."""
    path = Path(path)
    meta = snap.meta()
    d = path.parent if str(path.parent) else Path(".")
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".bpfk-", suffix=".tmp", dir=d)
    except OSError as e:
        raise InputError(path, f"cannot write: {e.strerror or e}")
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_LZMA) as z:
            z.writestr("meta.json", json.dumps(meta, separators=(",", ":")))
            z.writestr("vmlinux.btf", snap.btf_bytes)
            if snap.symbols_meta is not None:
                from analyzer.kernel.symbols import MEMBER
                z.writestr(MEMBER, snap.symbols.to_bytes())
            for name in snap.module_names:
                z.writestr(f"modules/{name}.btf", snap._module_loader(name))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise InputError(path, f"cannot write: {e.strerror or e}")
        raise
    return path


def _read_member(z, path, name):
    try:
        info = z.getinfo(name)
    except KeyError:
        raise InputError(path, f"not a bpfstab kernel snapshot (no {name})") from None
    cap = limits.get("MAX_DECOMPRESSED")
    if info.file_size > cap:
        raise limits.breach(path, "MAX_DECOMPRESSED", f"snapshot member {name} ({info.file_size} bytes declared)")
    try:
        # small reads: each call inflates at most a few MiB, so a member lying about its size is
        # caught by the cap (and by zipfile's size/CRC check), never inflated whole first
        out = io.BytesIO()
        with z.open(info) as fp:
            while True:
                chunk = fp.read(1 << 12)
                if not chunk:
                    break
                out.write(chunk)
                if out.tell() > cap:
                    raise limits.breach(path, "MAX_DECOMPRESSED", f"snapshot member {name}")
        return out.getvalue()
    except (zipfile.BadZipFile, lzma.LZMAError, zlib.error, EOFError, ValueError, NotImplementedError) as e:
        raise InputError(path, f"corrupt snapshot member {name}: {e}") from None
    except OSError as e:
        raise InputError(path, f"cannot read snapshot member {name}: {e.strerror or e}") from None


def _open_zip(path):
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a kernel snapshot") from None
    except (zipfile.BadZipFile, EOFError, ValueError) as e:
        raise InputError(path, f"not a bpfstab kernel snapshot (corrupt or truncated zip: {e})") from None
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None


def _read_meta(path):
    with _open_zip(path) as z:
        raw = _read_member(z, path, "meta.json")
    try:
        meta = json.loads(raw)
    except RecursionError:
        raise limits.breach(path, "MAX_JSON_DEPTH", "nesting of meta.json") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(path, f"corrupt snapshot meta.json: {e}") from None
    if not isinstance(meta, dict) or meta.get("schema") != SCHEMA:
        got = meta.get("schema") if isinstance(meta, dict) else type(meta).__name__
        raise InputError(path, f"unsupported snapshot schema {got!r} (expected {SCHEMA!r})")
    for key, typ in (("kfuncs", list), ("config", dict), ("modules", list)):
        if not isinstance(meta.get(key), typ):
            raise InputError(path, f"corrupt snapshot meta.json: '{key}' is missing or not a {typ.__name__}")
    from .snapshot_schema import validate_meta
    return validate_meta(path, meta)


def load_snapshot(path) -> KernelSnapshot:
    """Read a *.bpfk file. The BTF is decompressed and parsed on first use."""
    path = Path(path)
    meta = _read_meta(path)
    try:
        kfuncs = {}
        for d in meta["kfuncs"]:
            k = Kfunc.from_json(d)
            kfuncs[k.name] = k
    except TypeError as e:
        raise InputError(path, f"corrupt snapshot meta.json: bad kfunc record ({e})") from None
    from analyzer.kernel.facts import KernelFacts
    try:
        facts = [KernelFacts.from_json(d) for d in meta.get("facts") or ()]
    except (TypeError, ValueError) as e:
        raise InputError(path, f"corrupt snapshot meta.json: bad facts record ({e})") from None

    def btf_loader():
        with _open_zip(path) as z:
            return _read_member(z, path, "vmlinux.btf")

    def module_loader(name):
        with _open_zip(path) as z:
            return _read_member(z, path, f"modules/{name}.btf")

    def many(names):
        with _open_zip(path) as z:
            return {n: _read_member(z, path, f"modules/{n}.btf") for n in names}
    module_loader.many = many

    sym_meta = meta.get("symbols")
    symbols_loader = None
    if sym_meta is not None:
        from analyzer.kernel import symbols as kernel_symbols
        if not isinstance(sym_meta, dict) or sym_meta.get("member") != kernel_symbols.MEMBER:
            raise InputError(path, "corrupt snapshot meta.json: bad 'symbols' record")

        def symbols_loader():
            with _open_zip(path) as z:
                raw = _read_member(z, path, kernel_symbols.MEMBER)
            return kernel_symbols.KernelSymbols.from_bytes(raw, f"{path}: {kernel_symbols.MEMBER}",
                                                           source=str(sym_meta.get("source") or ""))

    snap = KernelSnapshot(
        id=meta.get("name") or _stem(path), release=meta.get("release"), arch=meta.get("arch"),
        source=meta.get("source") or str(path), config=meta["config"], kfuncs=kfuncs,
        btf_loader=btf_loader, module_names=meta["modules"], module_loader=module_loader,
        function_symbols=meta.get("function_symbols"), path=path, notes=meta.get("notes") or (),
        version_banner=meta.get("version_banner"), facts=facts, symbols_meta=sym_meta,
        symbols_loader=symbols_loader)
    snap.name = meta.get("name")
    rep = meta.get("import") or []
    if not isinstance(rep, list) or not all(isinstance(r, dict) and isinstance(r.get("item"), str)
                                            and isinstance(r.get("text"), str) for r in rep):
        raise InputError(path, "corrupt snapshot meta.json: bad 'import' record")
    snap.import_report = [{"item": r["item"], "found": bool(r.get("found")), "text": r["text"]} for r in rep]
    # Make sure the BTF member is present and intact now, so a broken file fails at load, not later.
    with _open_zip(path) as z:
        if "vmlinux.btf" not in z.namelist():
            raise InputError(path, "not a bpfstab kernel snapshot (no vmlinux.btf)")
    return snap


def read_meta(path) -> dict:
    """A snapshot's meta.json, checked (every problem an InputError naming the file)."""
    return _read_meta(path)


def snapshot_stem(path) -> str:
    """A snapshot's name from its file (the stem, less a cache key)."""
    return _stem(path)


def snapshot_summary(path) -> dict:
    """id, release, arch, source, kfunc count and file of a snapshot, reading only meta.json."""
    meta = _read_meta(path)
    return {"id": meta.get("name") or _stem(path), "release": meta.get("release"), "arch": meta.get("arch"),
            "source": meta.get("source"), "kfuncs": len(meta["kfuncs"]), "modules": len(meta["modules"]),
            "file": str(path)}


def _stem(path):
    """A snapshot's name from its file: the stem, less the "--<cache key>" of cached imports."""
    n = Path(path).name
    n = n[:-len(SUFFIX)] if n.endswith(SUFFIX) else Path(path).stem
    return re.sub(r"--[0-9a-f]{16}$", "", n)


# ------------------------------------------------------------------------------ names, cache
def cache_dir() -> Path:
    env = os.environ.get("BPFSTAB_CACHE")
    if env:
        return Path(env)
    return Path(os.path.expanduser("~")) / ".cache" / "bpfstab" / "kernels"


def bundled_dir() -> Optional[Path]:
    """The first of BUNDLED_PLACES that holds snapshots, or None."""
    for d in BUNDLED_PLACES:
        if d.is_dir() and any(p.is_file() for p in d.glob("*" + SUFFIX)):
            return d
    return None


def bundled_kernels() -> list:
    d = bundled_dir()
    if d is None:
        return []
    return sorted(p for p in d.glob("*" + SUFFIX) if p.is_file())


def _bundled_or_error(what):
    """bundled_kernels(), or an InputError when this installation has none (a broken install must not
    silently check fewer kernels)."""
    found = bundled_kernels()
    if not found:
        raise InputError(what, "no bundled kernel snapshots in this installation (looked in "
                         + ", ".join(str(d) for d in BUNDLED_PLACES) + ")")
    return found


def cached_kernels() -> list:
    d = cache_dir()
    if not d.is_dir():
        return []
    return sorted(p for p in d.glob("*" + SUFFIX) if p.is_file())


def _safe(text):
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text or "kernel")[:80]


def cache_key(src: str) -> str:
    """Key of an import source: 8 hex digits for which source (absolute path; the running kernel: its
    release and build), then 8 for its state (size and mtime). A changed source gets a new key with the
    same first half, so its stale cache entry can be dropped."""
    if src == "running":
        st = os.stat(RUNNING_BTF)
        un = os.uname()
        who = f"running|{un.release}|{un.version}"
    else:
        who = os.path.abspath(src)
        try:
            st = os.stat(who)
        except OSError as e:
            raise InputError(src, e.strerror or str(e)) from None
    state = f"{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(who.encode()).hexdigest()[:8] + hashlib.sha256(state.encode()).hexdigest()[:8]


def cache_path_for(src: str, release=None) -> Path:
    label = release if release and release != "unknown" else ("running" if src == "running" else Path(src).name)
    return cache_dir() / f"{_safe(label)}--{cache_key(src)}{SUFFIX}"


def _cached(src):
    """(fresh cache entry or None, stale entries of the same source)."""
    key = cache_key(src)
    fresh, stale = None, []
    for p in cached_kernels():
        m = re.search(r"--([0-9a-f]{16})" + re.escape(SUFFIX) + "$", p.name)
        if not m:
            continue
        if m.group(1) == key:
            fresh = p
        elif m.group(1)[:8] == key[:8]:
            stale.append(p)
    return fresh, stale


def import_to_cache(src, *, config_path=None, name=None, with_modules=False, progress=None, system_map=None):
    snap = import_kernel(src, config_path=config_path, name=name, with_modules=with_modules, progress=progress,
                         system_map=system_map)
    src = str(src[0]) if isinstance(src, (list, tuple)) else str(src)
    _, stale = _cached(src)
    out = cache_path_for(src, snap.release)
    save_snapshot(snap, out)
    for old in stale:
        if old != out:
            try:
                old.unlink()
            except OSError:
                pass
    snap.path = out
    return snap, out


def _is_snapshot_file(p: Path):
    try:
        with open(p, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _bundled_by_name():
    return {_stem(p): p for p in bundled_kernels()}


class _NoProgress:
    """What an import on the fly reports to when no front end installed a progress bar."""

    def __init__(self, total, label, quiet=False):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, *args, **kwargs):
        pass


_progress_factory = _NoProgress


def set_progress_factory(factory):
    """The front end's progress bar (analyzer.cli.progress.Progress: factory(total, label, quiet=...)),
    used when a kernel given by file is imported on the fly. The kernel layer knows no terminal."""
    global _progress_factory
    _progress_factory = factory or _NoProgress


def resolve_kernel(spec: str, *, quiet=False) -> KernelSnapshot:
    """A snapshot from a name: snapshot path, bundled name, short version, "running", or importable file."""
    Progress = _progress_factory
    spec = str(spec)
    bundled = _bundled_by_name()
    if spec in bundled:
        return load_snapshot(bundled[spec])
    if spec == "running":
        if not os.access(RUNNING_BTF, os.R_OK):
            raise InputError("running", f"the running kernel has no readable {RUNNING_BTF}")
        hit = _cached("running")[0]
        if hit is not None:
            return load_snapshot(hit)
        with Progress(0, "importing running kernel", quiet=quiet) as pr:
            snap, _ = import_to_cache("running", progress=pr)
        return snap
    p = Path(spec)
    if p.is_file():
        if _is_snapshot_file(p):
            return load_snapshot(p)
        hit = _cached(spec)[0]
        if hit is not None:
            return load_snapshot(hit)
        with Progress(0, f"importing {p.name}", quiet=quiet) as pr:
            snap, _ = import_to_cache(spec, progress=pr)
        return snap
    if re.fullmatch(r"\d+\.\d+(\.\d+)?", spec):
        hits = []
        for stem, bp in bundled.items():
            rel = snapshot_summary(bp)["release"] or ""
            if rel.startswith(spec + ".") or rel.startswith(spec + "-") or rel.startswith(spec + "+") \
                    or rel == spec:
                hits.append(stem)
        if len(hits) == 1:
            return load_snapshot(bundled[hits[0]])
        if len(hits) > 1:
            raise InputError(spec, f"ambiguous kernel version (matches: {', '.join(sorted(hits))})")
    if p.exists():
        raise InputError(spec, "is not a file")
    names = ", ".join(sorted(bundled)) or "none"
    raise InputError(spec, f"unknown kernel '{spec}' (bundled: {names}; or give a snapshot, "
                           f"a kernel file, or 'running')")


def running_available() -> bool:
    return os.access(RUNNING_BTF, os.R_OK)


def resolve_kernels(specs, *, quiet=False) -> list:
    """Several kernels: "all" = every bundled kernel; nothing = every bundled kernel plus "running" when
    the running kernel's BTF is readable. Duplicates are dropped, order kept."""
    specs = list(specs or [])
    if not specs:
        specs = [_stem(p) for p in _bundled_or_error("default kernels")] + (
            ["running"] if running_available() else [])
    out, seen = [], set()
    for s in specs:
        expanded = [_stem(p) for p in _bundled_or_error("all")] if s == "all" else [s]
        for e in expanded:
            snap = resolve_kernel(e, quiet=quiet)
            key = str(snap.path) if snap.path else snap.id
            if key not in seen:
                seen.add(key)
                out.append(snap)
    return out
