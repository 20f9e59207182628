"""libbpf's ELF section-name table: which program type and expected attach type a SEC() name means.

The table mirrors `section_defs[]` in libbpf's src/libbpf.c (HEAD, mid-2026) entry for entry and in the
same order, because libbpf takes the FIRST matching entry (`find_sec_def`).  Matching rules
(`sec_def_matches`):

* a pattern ending in "/" matches any name that starts with it (the slash is required);
* a pattern ending in "+" matches the bare word exactly or the word followed by "/anything";
* any other pattern matches only exactly.

A leading "?" (`SEC("?xdp")`) only turns autoload off; libbpf strips it before matching.

Per entry we also record:

* `since` -- the first kernel that knows the program type *and* the expected attach type (and, for
  ".s" entries, sleepable programs of that kind).  Sources: load-time-rules.md §6.2/§6.5;
  `since_verified=False` marks versions inferred from patch dates (the "≈" rows) that still need
  checking against real kernels.
* `attach_checked_at_load` -- whether the kernel looks at `expected_attach_type` when the program is
  LOADED.  kernel/bpf/syscall.c `bpf_prog_load_check_attach` switches on the program type and
  rejects a wrong/unknown attach type only for CGROUP_SOCK, CGROUP_SOCK_ADDR, CGROUP_SKB,
  CGROUP_SOCKOPT, SK_LOOKUP, SK_REUSEPORT (5.14+, see ATTACH_CHECKED_SINCE), NETFILTER, and
  SYSCALL/EXT (must be 0); every other type falls through to `return 0`.  TRACING, LSM and
  STRUCT_OPS programs are checked by the verifier (`check_attach_btf_id` /
  `bpf_check_attach_target` switch on expected_attach_type and need attach_btf_id).  For all
  other types (SCHED_CLS with tcx/netkit, KPROBE with kprobe.multi/uprobe.multi/session, XDP
  devmap/cpumap, SK_SKB, ...) a kernel that does not know the attach type still loads the
  program; the mismatch only shows at attach time.
* flags -- libbpf's SEC_* cookie: "exp_attach_opt" (SEC_EXP_ATTACH_OPT: libbpf's
  `libbpf_prepare_prog_load` zeroes expected_attach_type when the kernel lacks
  FEAT_EXP_ATTACH_TYPE, i.e. kernels before 4.17 which have no such attr field), "attachable"
  (legacy, informational only), "attach_btf" (needs "name/target"; target resolved in kernel BTF
  at load), "sleepable" (BPF_F_SLEEPABLE), "xdp_frags" (BPF_F_XDP_HAS_FRAGS), "usdt" (libbpf
  switches expected_attach_type to TRACE_UPROBE_MULTI when the kernel supports uprobe-multi links).
"""
from dataclasses import dataclass
from typing import Optional

from btf.errors import InputError

# enum bpf_prog_type, in UAPI order (index = value).
PROG_TYPES = (
    "BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_SOCKET_FILTER", "BPF_PROG_TYPE_KPROBE",
    "BPF_PROG_TYPE_SCHED_CLS", "BPF_PROG_TYPE_SCHED_ACT", "BPF_PROG_TYPE_TRACEPOINT",
    "BPF_PROG_TYPE_XDP", "BPF_PROG_TYPE_PERF_EVENT", "BPF_PROG_TYPE_CGROUP_SKB",
    "BPF_PROG_TYPE_CGROUP_SOCK", "BPF_PROG_TYPE_LWT_IN", "BPF_PROG_TYPE_LWT_OUT",
    "BPF_PROG_TYPE_LWT_XMIT", "BPF_PROG_TYPE_SOCK_OPS", "BPF_PROG_TYPE_SK_SKB",
    "BPF_PROG_TYPE_CGROUP_DEVICE", "BPF_PROG_TYPE_SK_MSG", "BPF_PROG_TYPE_RAW_TRACEPOINT",
    "BPF_PROG_TYPE_CGROUP_SOCK_ADDR", "BPF_PROG_TYPE_LWT_SEG6LOCAL", "BPF_PROG_TYPE_LIRC_MODE2",
    "BPF_PROG_TYPE_SK_REUSEPORT", "BPF_PROG_TYPE_FLOW_DISSECTOR", "BPF_PROG_TYPE_CGROUP_SYSCTL",
    "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE", "BPF_PROG_TYPE_CGROUP_SOCKOPT", "BPF_PROG_TYPE_TRACING",
    "BPF_PROG_TYPE_STRUCT_OPS", "BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_SK_LOOKUP",
    "BPF_PROG_TYPE_SYSCALL", "BPF_PROG_TYPE_NETFILTER",
)

# enum bpf_attach_type, in UAPI order (index = value); libbpf HEAD include/uapi/linux/bpf.h.
ATTACH_TYPES = (
    "BPF_CGROUP_INET_INGRESS", "BPF_CGROUP_INET_EGRESS", "BPF_CGROUP_INET_SOCK_CREATE",
    "BPF_CGROUP_SOCK_OPS", "BPF_SK_SKB_STREAM_PARSER", "BPF_SK_SKB_STREAM_VERDICT",
    "BPF_CGROUP_DEVICE", "BPF_SK_MSG_VERDICT", "BPF_CGROUP_INET4_BIND", "BPF_CGROUP_INET6_BIND",
    "BPF_CGROUP_INET4_CONNECT", "BPF_CGROUP_INET6_CONNECT", "BPF_CGROUP_INET4_POST_BIND",
    "BPF_CGROUP_INET6_POST_BIND", "BPF_CGROUP_UDP4_SENDMSG", "BPF_CGROUP_UDP6_SENDMSG",
    "BPF_LIRC_MODE2", "BPF_FLOW_DISSECTOR", "BPF_CGROUP_SYSCTL", "BPF_CGROUP_UDP4_RECVMSG",
    "BPF_CGROUP_UDP6_RECVMSG", "BPF_CGROUP_GETSOCKOPT", "BPF_CGROUP_SETSOCKOPT", "BPF_TRACE_RAW_TP",
    "BPF_TRACE_FENTRY", "BPF_TRACE_FEXIT", "BPF_MODIFY_RETURN", "BPF_LSM_MAC", "BPF_TRACE_ITER",
    "BPF_CGROUP_INET4_GETPEERNAME", "BPF_CGROUP_INET6_GETPEERNAME", "BPF_CGROUP_INET4_GETSOCKNAME",
    "BPF_CGROUP_INET6_GETSOCKNAME", "BPF_XDP_DEVMAP", "BPF_CGROUP_INET_SOCK_RELEASE",
    "BPF_XDP_CPUMAP", "BPF_SK_LOOKUP", "BPF_XDP", "BPF_SK_SKB_VERDICT", "BPF_SK_REUSEPORT_SELECT",
    "BPF_SK_REUSEPORT_SELECT_OR_MIGRATE", "BPF_PERF_EVENT", "BPF_TRACE_KPROBE_MULTI",
    "BPF_LSM_CGROUP", "BPF_STRUCT_OPS", "BPF_NETFILTER", "BPF_TCX_INGRESS", "BPF_TCX_EGRESS",
    "BPF_TRACE_UPROBE_MULTI", "BPF_CGROUP_UNIX_CONNECT", "BPF_CGROUP_UNIX_SENDMSG",
    "BPF_CGROUP_UNIX_RECVMSG", "BPF_CGROUP_UNIX_GETPEERNAME", "BPF_CGROUP_UNIX_GETSOCKNAME",
    "BPF_NETKIT_PRIMARY", "BPF_NETKIT_PEER", "BPF_TRACE_KPROBE_SESSION", "BPF_TRACE_UPROBE_SESSION",
    "BPF_TRACE_FSESSION", "BPF_TRACE_FENTRY_MULTI", "BPF_TRACE_FEXIT_MULTI",
    "BPF_TRACE_FSESSION_MULTI",
)
PROG_TYPE_VALUE = {n: i for i, n in enumerate(PROG_TYPES)}
ATTACH_TYPE_VALUE = {n: i for i, n in enumerate(ATTACH_TYPES)}

# libbpf_bpf_prog_type_str() names: the enumerator without its prefix, lower-cased (that is how
# libbpf's prog_type_name[] spells every one of them).
PROG_TYPE_SHORT = {n: n[len("BPF_PROG_TYPE_"):].lower() for n in PROG_TYPES}

# libbpf_bpf_attach_type_str() names: "BPF_" stripped and lower-cased (libbpf's attach_type_name[]
# has no exception; tests/objects/test_sections.py checks every one against libbpf itself).
ATTACH_TYPE_SHORT = {n: n[len("BPF_"):].lower() for n in ATTACH_TYPES}

# First kernel with each program type (load-time-rules.md §6.5).
PROG_TYPE_SINCE = {
    "BPF_PROG_TYPE_SOCKET_FILTER": "3.19", "BPF_PROG_TYPE_KPROBE": "4.1", "BPF_PROG_TYPE_SCHED_CLS": "4.1",
    "BPF_PROG_TYPE_SCHED_ACT": "4.1", "BPF_PROG_TYPE_TRACEPOINT": "4.7", "BPF_PROG_TYPE_XDP": "4.8",
    "BPF_PROG_TYPE_PERF_EVENT": "4.9", "BPF_PROG_TYPE_CGROUP_SKB": "4.10", "BPF_PROG_TYPE_CGROUP_SOCK": "4.10",
    "BPF_PROG_TYPE_LWT_IN": "4.10", "BPF_PROG_TYPE_LWT_OUT": "4.10", "BPF_PROG_TYPE_LWT_XMIT": "4.10",
    "BPF_PROG_TYPE_SOCK_OPS": "4.13", "BPF_PROG_TYPE_SK_SKB": "4.14", "BPF_PROG_TYPE_CGROUP_DEVICE": "4.15",
    "BPF_PROG_TYPE_SK_MSG": "4.17", "BPF_PROG_TYPE_RAW_TRACEPOINT": "4.17",
    "BPF_PROG_TYPE_CGROUP_SOCK_ADDR": "4.17", "BPF_PROG_TYPE_LWT_SEG6LOCAL": "4.18",
    "BPF_PROG_TYPE_LIRC_MODE2": "4.18", "BPF_PROG_TYPE_SK_REUSEPORT": "4.19",
    "BPF_PROG_TYPE_FLOW_DISSECTOR": "4.20", "BPF_PROG_TYPE_CGROUP_SYSCTL": "5.2",
    "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE": "5.2", "BPF_PROG_TYPE_CGROUP_SOCKOPT": "5.3",
    "BPF_PROG_TYPE_TRACING": "5.5", "BPF_PROG_TYPE_STRUCT_OPS": "5.6", "BPF_PROG_TYPE_EXT": "5.6",
    "BPF_PROG_TYPE_LSM": "5.7", "BPF_PROG_TYPE_SK_LOOKUP": "5.9", "BPF_PROG_TYPE_SYSCALL": "5.14",
    "BPF_PROG_TYPE_NETFILTER": "6.4",
}

# Program types whose expected_attach_type the kernel validates at load, and since when it does
# (before that version the kernel ignored the field for that type).  SK_REUSEPORT's check came
# with SELECT_OR_MIGRATE (5.14).  TRACING/LSM/STRUCT_OPS: verifier check_attach_btf_id.
ATTACH_CHECKED_SINCE = {
    "BPF_PROG_TYPE_CGROUP_SOCK": "4.17", "BPF_PROG_TYPE_CGROUP_SOCK_ADDR": "4.17",
    "BPF_PROG_TYPE_CGROUP_SKB": "5.2", "BPF_PROG_TYPE_CGROUP_SOCKOPT": "5.3",
    "BPF_PROG_TYPE_SK_LOOKUP": "5.9", "BPF_PROG_TYPE_SK_REUSEPORT": "5.14",
    "BPF_PROG_TYPE_NETFILTER": "6.4", "BPF_PROG_TYPE_SYSCALL": "5.14", "BPF_PROG_TYPE_EXT": "5.6",
    "BPF_PROG_TYPE_TRACING": "5.5", "BPF_PROG_TYPE_LSM": "5.7", "BPF_PROG_TYPE_STRUCT_OPS": "5.6",
}

FLAG_NAMES = frozenset({"exp_attach_opt", "attachable", "attach_btf", "sleepable", "xdp_frags", "usdt"})


@dataclass(frozen=True)
class SecDef:
    pattern: str
    prog_type: str
    attach_type: Optional[str]
    flags: frozenset
    since: Optional[str]
    attach_checked_at_load: bool
    since_verified: bool = True

    def matches(self, name: str) -> bool:
        """libbpf `sec_def_matches` on a name without its "?" prefix."""
        pat = self.pattern
        if pat.endswith("/"):
            return name.startswith(pat)
        if pat.endswith("+"):
            word = pat[:-1]
            if not name.startswith(word):
                return False
            return len(name) == len(word) or name[len(word)] == "/"
        return name == pat

    @property
    def word(self) -> str:
        """The pattern without its trailing "+"."""
        return self.pattern[:-1] if self.pattern.endswith("+") else self.pattern


# (pattern, prog type, attach type, flags, since, since_verified) -- libbpf section_defs[] order.
_N = ()
_ATT = ("attachable",)
_ATT_OPT = ("attachable", "exp_attach_opt")
_BTF = ("attach_btf",)
_BTF_S = ("attach_btf", "sleepable")
_S = ("sleepable",)
_FR = ("xdp_frags",)
_ROWS = (
    ("socket", "SOCKET_FILTER", None, _N, "3.19", True),
    ("sk_reuseport/migrate", "SK_REUSEPORT", "SK_REUSEPORT_SELECT_OR_MIGRATE", _ATT, "5.14", True),
    ("sk_reuseport", "SK_REUSEPORT", "SK_REUSEPORT_SELECT", _ATT, "4.19", True),
    ("kprobe+", "KPROBE", None, _N, "4.1", True),
    ("uprobe+", "KPROBE", None, _N, "4.3", True),
    ("uprobe.s+", "KPROBE", None, _S, "6.0", False),
    ("kretprobe+", "KPROBE", None, _N, "4.1", True),
    ("uretprobe+", "KPROBE", None, _N, "4.3", True),
    ("uretprobe.s+", "KPROBE", None, _S, "6.0", False),
    ("kprobe.multi+", "KPROBE", "TRACE_KPROBE_MULTI", _N, "5.18", True),
    ("kretprobe.multi+", "KPROBE", "TRACE_KPROBE_MULTI", _N, "5.18", True),
    ("kprobe.session+", "KPROBE", "TRACE_KPROBE_SESSION", _N, "6.10", True),
    ("uprobe.multi+", "KPROBE", "TRACE_UPROBE_MULTI", _N, "6.6", True),
    ("uretprobe.multi+", "KPROBE", "TRACE_UPROBE_MULTI", _N, "6.6", True),
    ("uprobe.session+", "KPROBE", "TRACE_UPROBE_SESSION", _N, "6.13", True),
    ("uprobe.multi.s+", "KPROBE", "TRACE_UPROBE_MULTI", _S, "6.6", False),
    ("uretprobe.multi.s+", "KPROBE", "TRACE_UPROBE_MULTI", _S, "6.6", False),
    ("uprobe.session.s+", "KPROBE", "TRACE_UPROBE_SESSION", _S, "6.13", False),
    ("ksyscall+", "KPROBE", None, _N, "4.1", True),
    ("kretsyscall+", "KPROBE", None, _N, "4.1", True),
    ("usdt+", "KPROBE", None, ("usdt",), "4.3", True),
    ("usdt.s+", "KPROBE", None, ("usdt", "sleepable"), "6.0", False),
    ("tc/ingress", "SCHED_CLS", "TCX_INGRESS", _N, "6.6", True),
    ("tc/egress", "SCHED_CLS", "TCX_EGRESS", _N, "6.6", True),
    ("tcx/ingress", "SCHED_CLS", "TCX_INGRESS", _N, "6.6", True),
    ("tcx/egress", "SCHED_CLS", "TCX_EGRESS", _N, "6.6", True),
    ("tc", "SCHED_CLS", None, _N, "4.1", True),
    ("classifier", "SCHED_CLS", None, _N, "4.1", True),
    ("action", "SCHED_ACT", None, _N, "4.1", True),
    ("netkit/primary", "SCHED_CLS", "NETKIT_PRIMARY", _N, "6.7", True),
    ("netkit/peer", "SCHED_CLS", "NETKIT_PEER", _N, "6.7", True),
    ("tracepoint+", "TRACEPOINT", None, _N, "4.7", True),
    ("tp+", "TRACEPOINT", None, _N, "4.7", True),
    ("tracepoint.s+", "TRACEPOINT", None, _S, "7.2", False),
    ("tp.s+", "TRACEPOINT", None, _S, "7.2", False),
    ("raw_tracepoint+", "RAW_TRACEPOINT", None, _N, "4.17", True),
    ("raw_tp+", "RAW_TRACEPOINT", None, _N, "4.17", True),
    ("raw_tracepoint.s+", "RAW_TRACEPOINT", None, _S, "7.2", False),
    ("raw_tp.s+", "RAW_TRACEPOINT", None, _S, "7.2", False),
    ("raw_tracepoint.w+", "RAW_TRACEPOINT_WRITABLE", None, _N, "5.2", True),
    ("raw_tp.w+", "RAW_TRACEPOINT_WRITABLE", None, _N, "5.2", True),
    ("tp_btf+", "TRACING", "TRACE_RAW_TP", _BTF, "5.5", True),
    ("tp_btf.s+", "TRACING", "TRACE_RAW_TP", _BTF_S, "7.2", False),
    ("fentry+", "TRACING", "TRACE_FENTRY", _BTF, "5.5", True),
    ("fmod_ret+", "TRACING", "MODIFY_RETURN", _BTF, "5.7", True),
    ("fexit+", "TRACING", "TRACE_FEXIT", _BTF, "5.5", True),
    ("fentry.s+", "TRACING", "TRACE_FENTRY", _BTF_S, "5.10", True),
    ("fmod_ret.s+", "TRACING", "MODIFY_RETURN", _BTF_S, "5.10", True),
    ("fexit.s+", "TRACING", "TRACE_FEXIT", _BTF_S, "5.10", True),
    ("fsession+", "TRACING", "TRACE_FSESSION", _BTF, "7.0", False),
    ("fsession.s+", "TRACING", "TRACE_FSESSION", _BTF_S, "7.0", False),
    ("fsession.multi+", "TRACING", "TRACE_FSESSION_MULTI", _N, "7.2", False),
    ("fsession.multi.s+", "TRACING", "TRACE_FSESSION_MULTI", _S, "7.2", False),
    ("fentry.multi+", "TRACING", "TRACE_FENTRY_MULTI", _N, "7.2", False),
    ("fexit.multi+", "TRACING", "TRACE_FEXIT_MULTI", _N, "7.2", False),
    ("fentry.multi.s+", "TRACING", "TRACE_FENTRY_MULTI", _S, "7.2", False),
    ("fexit.multi.s+", "TRACING", "TRACE_FEXIT_MULTI", _S, "7.2", False),
    ("freplace+", "EXT", None, _BTF, "5.6", True),
    ("lsm+", "LSM", "LSM_MAC", _BTF, "5.7", True),
    ("lsm.s+", "LSM", "LSM_MAC", _BTF_S, "5.11", True),
    ("lsm_cgroup+", "LSM", "LSM_CGROUP", _BTF, "6.0", True),
    ("iter+", "TRACING", "TRACE_ITER", _BTF, "5.8", True),
    ("iter.s+", "TRACING", "TRACE_ITER", _BTF_S, "5.18", False),
    ("syscall", "SYSCALL", None, _S, "5.14", True),
    ("xdp.frags/devmap", "XDP", "XDP_DEVMAP", _FR, "5.18", True),
    ("xdp/devmap", "XDP", "XDP_DEVMAP", _ATT, "5.8", True),
    ("xdp.frags/cpumap", "XDP", "XDP_CPUMAP", _FR, "5.18", True),
    ("xdp/cpumap", "XDP", "XDP_CPUMAP", _ATT, "5.9", True),
    ("xdp.frags", "XDP", "XDP", _FR, "5.18", True),
    ("xdp", "XDP", "XDP", _ATT_OPT, "4.8", True),
    ("perf_event", "PERF_EVENT", None, _N, "4.9", True),
    ("lwt_in", "LWT_IN", None, _N, "4.10", True),
    ("lwt_out", "LWT_OUT", None, _N, "4.10", True),
    ("lwt_xmit", "LWT_XMIT", None, _N, "4.10", True),
    ("lwt_seg6local", "LWT_SEG6LOCAL", None, _N, "4.18", True),
    ("sockops", "SOCK_OPS", "CGROUP_SOCK_OPS", _ATT_OPT, "4.13", True),
    ("sk_skb/stream_parser", "SK_SKB", "SK_SKB_STREAM_PARSER", _ATT_OPT, "4.14", True),
    ("sk_skb/stream_verdict", "SK_SKB", "SK_SKB_STREAM_VERDICT", _ATT_OPT, "4.14", True),
    ("sk_skb/verdict", "SK_SKB", "SK_SKB_VERDICT", _ATT_OPT, "5.15", True),
    ("sk_skb", "SK_SKB", None, _N, "4.14", True),
    ("sk_msg", "SK_MSG", "SK_MSG_VERDICT", _ATT_OPT, "4.17", True),
    ("lirc_mode2", "LIRC_MODE2", "LIRC_MODE2", _ATT_OPT, "4.18", True),
    ("flow_dissector", "FLOW_DISSECTOR", "FLOW_DISSECTOR", _ATT_OPT, "4.20", True),
    ("cgroup_skb/ingress", "CGROUP_SKB", "CGROUP_INET_INGRESS", _ATT_OPT, "4.10", True),
    ("cgroup_skb/egress", "CGROUP_SKB", "CGROUP_INET_EGRESS", _ATT_OPT, "4.10", True),
    ("cgroup/skb", "CGROUP_SKB", None, _N, "4.10", True),
    ("cgroup/sock_create", "CGROUP_SOCK", "CGROUP_INET_SOCK_CREATE", _ATT, "4.10", True),
    ("cgroup/sock_release", "CGROUP_SOCK", "CGROUP_INET_SOCK_RELEASE", _ATT, "5.9", True),
    ("cgroup/sock", "CGROUP_SOCK", "CGROUP_INET_SOCK_CREATE", _ATT_OPT, "4.10", True),
    ("cgroup/post_bind4", "CGROUP_SOCK", "CGROUP_INET4_POST_BIND", _ATT, "4.17", True),
    ("cgroup/post_bind6", "CGROUP_SOCK", "CGROUP_INET6_POST_BIND", _ATT, "4.17", True),
    ("cgroup/bind4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_BIND", _ATT, "4.17", True),
    ("cgroup/bind6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_BIND", _ATT, "4.17", True),
    ("cgroup/connect4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_CONNECT", _ATT, "4.17", True),
    ("cgroup/connect6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_CONNECT", _ATT, "4.17", True),
    ("cgroup/connect_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_CONNECT", _ATT, "6.7", True),
    ("cgroup/sendmsg4", "CGROUP_SOCK_ADDR", "CGROUP_UDP4_SENDMSG", _ATT, "4.18", True),
    ("cgroup/sendmsg6", "CGROUP_SOCK_ADDR", "CGROUP_UDP6_SENDMSG", _ATT, "4.18", True),
    ("cgroup/sendmsg_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_SENDMSG", _ATT, "6.7", True),
    ("cgroup/recvmsg4", "CGROUP_SOCK_ADDR", "CGROUP_UDP4_RECVMSG", _ATT, "5.2", True),
    ("cgroup/recvmsg6", "CGROUP_SOCK_ADDR", "CGROUP_UDP6_RECVMSG", _ATT, "5.2", True),
    ("cgroup/recvmsg_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_RECVMSG", _ATT, "6.7", True),
    ("cgroup/getpeername4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_GETPEERNAME", _ATT, "5.8", True),
    ("cgroup/getpeername6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_GETPEERNAME", _ATT, "5.8", True),
    ("cgroup/getpeername_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_GETPEERNAME", _ATT, "6.7", True),
    ("cgroup/getsockname4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_GETSOCKNAME", _ATT, "5.8", True),
    ("cgroup/getsockname6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_GETSOCKNAME", _ATT, "5.8", True),
    ("cgroup/getsockname_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_GETSOCKNAME", _ATT, "6.7", True),
    ("cgroup/sysctl", "CGROUP_SYSCTL", "CGROUP_SYSCTL", _ATT, "5.2", True),
    ("cgroup/getsockopt", "CGROUP_SOCKOPT", "CGROUP_GETSOCKOPT", _ATT, "5.3", True),
    ("cgroup/setsockopt", "CGROUP_SOCKOPT", "CGROUP_SETSOCKOPT", _ATT, "5.3", True),
    ("cgroup/dev", "CGROUP_DEVICE", "CGROUP_DEVICE", _ATT_OPT, "4.15", True),
    ("struct_ops+", "STRUCT_OPS", None, _N, "5.6", True),
    ("struct_ops.s+", "STRUCT_OPS", None, _S, "6.3", False),
    ("sk_lookup", "SK_LOOKUP", "SK_LOOKUP", _ATT, "5.9", True),
    ("netfilter", "NETFILTER", "NETFILTER", _N, "6.4", True),
)


def _build_table():
    out = []
    for pattern, ptype, atype, flags, since, verified in _ROWS:
        prog_type = "BPF_PROG_TYPE_" + ptype
        attach_type = "BPF_" + atype if atype else None
        assert prog_type in PROG_TYPE_VALUE and (attach_type is None or attach_type in ATTACH_TYPE_VALUE)
        assert set(flags) <= FLAG_NAMES
        out.append(SecDef(pattern, prog_type, attach_type, frozenset(flags), since,
                          prog_type in ATTACH_CHECKED_SINCE, verified))
    return tuple(out)


SECTION_DEFS = _build_table()


@dataclass(frozen=True)
class SectionInfo:
    section: str                  # the name as written, including any "?"
    sec_def: Optional[SecDef]
    prog_type: Optional[str]
    attach_type: Optional[str]
    attach_target: Optional[str]
    autoload: bool
    sleepable: bool
    xdp_frags: bool


def find_sec_def(name: str) -> Optional[SecDef]:
    """First entry of the table matching `name` (without "?"), like libbpf's find_sec_def."""
    for sd in SECTION_DEFS:
        if sd.matches(name):
            return sd
    return None


def classify_section(name: str, prog_type_override: Optional[str] = None) -> SectionInfo:
    """What libbpf makes of SEC(name).

    `prog_type_override` (a full enum name such as "BPF_PROG_TYPE_XDP", e.g. from --prog-type) plays
    the role of bpf_program__set_type(): it replaces the program type; the expected attach type of
    the matched entry is kept only when the override agrees with the entry's program type.
    """
    autoload = not name.startswith("?")
    bare = name[1:] if not autoload else name
    sd = find_sec_def(bare)
    prog_type = sd.prog_type if sd else None
    attach_type = sd.attach_type if sd else None
    target = None
    if sd is not None and sd.pattern.endswith("+"):
        rest = bare[len(sd.word):]          # "" or "/anything"
        target = rest[1:] or None
    elif sd is not None and sd.pattern.endswith("/"):
        target = bare[len(sd.pattern):] or None
    if prog_type_override is not None:
        override = normalize_prog_type(prog_type_override)
        if override is None:
            raise InputError("--prog-type", f"unknown program type {prog_type_override!r}")
        if override != prog_type:
            attach_type = None
        prog_type = override
    flags = sd.flags if sd else frozenset()
    return SectionInfo(section=name, sec_def=sd, prog_type=prog_type, attach_type=attach_type,
                       attach_target=target, autoload=autoload,
                       sleepable="sleepable" in flags or prog_type == "BPF_PROG_TYPE_SYSCALL",
                       xdp_frags="xdp_frags" in flags)


def normalize_prog_type(value: str) -> Optional[str]:
    """'xdp', 'XDP', 'BPF_PROG_TYPE_XDP', 'sched_cls' -> 'BPF_PROG_TYPE_...'; None when unknown."""
    v = value.strip().upper().replace("-", "_")
    if not v.startswith("BPF_PROG_TYPE_"):
        v = "BPF_PROG_TYPE_" + v
    if v in PROG_TYPE_VALUE and v != "BPF_PROG_TYPE_UNSPEC":
        return v
    return None


def parse_prog_type_overrides(values) -> dict:
    """Parse repeated "--prog-type SEC=TYPE" values into {section name: BPF_PROG_TYPE_...}."""
    out = {}
    for raw in values or ():
        sec, sep, typ = raw.rpartition("=")
        if not sep or not sec or not typ:
            raise InputError("--prog-type", f"expected SECTION=TYPE, got {raw!r}")
        full = normalize_prog_type(typ)
        if full is None:
            known = ", ".join(PROG_TYPE_SHORT[n] for n in PROG_TYPES[1:])
            raise InputError("--prog-type", f"unknown program type {typ!r} in {raw!r} (known: {known})")
        out[sec] = full
    return out


def short_prog_type(name) -> str:
    """'BPF_PROG_TYPE_SOCKET_FILTER' -> 'socket_filter' (libbpf_bpf_prog_type_str); None -> 'unspec'."""
    if name is None:
        return "unspec"
    return PROG_TYPE_SHORT.get(name) or name.lower().removeprefix("bpf_prog_type_")


def full_prog_type(short) -> str:
    """'socket_filter' -> 'BPF_PROG_TYPE_SOCKET_FILTER': the inverse of short_prog_type."""
    return "BPF_PROG_TYPE_" + short.upper()


def short_attach_type(name) -> str:
    """'BPF_TRACE_FENTRY' -> 'trace_fentry' (libbpf_bpf_attach_type_str); None -> '-' (none set)."""
    if name is None:
        return "-"
    return ATTACH_TYPE_SHORT.get(name) or name.lower().removeprefix("bpf_")
