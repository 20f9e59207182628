"""The dependency graph of shipped BPF programs: who needs what from which kernel.

Built from the analyzer's object models (what each program asks of the kernel), kernel snapshots
(what each kernel offers) and the diff engine (what changed between kernels), as a
networkx.MultiDiGraph. Nothing here decides a verdict: `check` does that; the graph records
dependencies so that "who uses X" and "who is touched when X changes" can be asked.

Nodes: id "<type>:<name>", attributes `type` and `name` (plus per-type details). Types:
    package            a .deb (its Debian package name) or a plain file the objects came from
    object, program, map
    helper             "bpf_map_lookup_elem"
    kfunc              essential name ("scx_bpf_dsq_insert" for an extern "scx_bpf_dsq_insert___v2")
    ksym               a __ksym variable
    core_type          "struct task_struct" (CO-RE type relocations and the root of field relocations)
    core_field         "task_struct.__state" (CO-RE field relocations; ___flavor suffixes stripped)
    core_enumval       "enum bpf_func_id::BPF_FUNC_loop"
    prog_type, attach_type   kernel enum names ("BPF_PROG_TYPE_XDP", "BPF_TRACE_FENTRY")
    attach_target      "function do_unlinkat", "tracepoint sched_switch", "lsm file_open", "iter task",
                       "kprobe tcp_v4_connect" (only the targets check verifies against BTF)
    struct_ops, struct_ops_member   "tcp_congestion_ops", "tcp_congestion_ops.cong_avoid"
    kconfig            "CONFIG_BPF_SYSCALL", "LINUX_KERNEL_VERSION"
    kernel             a snapshot id
Edges (the edge key is the relation, plus the kernel step for "changed"):
    contains   package -> object -> program
    defines    object -> map
    requires   program (or object, for struct_ops) -> item; attributes: how (sorted list: "call",
               "ksym_exists", "relocation", "exists_check", "section", "map_ref", "kconfig_read",
               "struct_ops"), reloc (sorted list of relocation kinds: "kfunc", "ksym", "helper",
               "map", "map_value", "kconfig", "field_byte_offset", ...), lines, sites, weak,
               guarded (every guardable site guarded; null when nothing is guardable). For a weak
               kfunc, guarded comes from the check engine when some given kernel lacks the kfunc
               (guard_source "check", unguarded_on = kernels where the call is reachable), else
               from the local bpf_ksym_exists() pattern of analyzer.objects.model (guard_source "pattern");
               CO-RE guards are always the pattern test
    member_of  core_field / core_enumval -> core_type, struct_ops_member -> struct_ops
    provides   kernel -> item; attributes: c (C prototype or declaration on that kernel, when known),
               flags (KF_ flags), target, value
    changed    item -> kernel NEW; attributes: from, to, change, breaking, old, new, detail, source
               ("diff": analyzer.views.diff; "resolution": the item stopped/started resolving on the kernel,
               for items the diff engine does not follow: CO-RE targets, attach targets, kconfig, ksyms)
"""
import os
import re
from dataclasses import dataclass
from typing import Optional

import networkx as nx

from btf import kinds as K

from analyzer.objects.model import EXISTS_KINDS, essential_name

SCHEMA = "bpfstab.deps/1"
NODE_TYPES = ("package", "object", "program", "map", "helper", "kfunc", "ksym", "core_type", "core_field",
              "core_enumval", "prog_type", "attach_type", "attach_target", "struct_ops",
              "struct_ops_member", "kconfig", "kernel")
RELATIONS = ("contains", "defines", "requires", "member_of", "provides", "changed")
# items a kernel can provide (everything a program may require except maps)
KERNEL_ITEMS = ("helper", "kfunc", "ksym", "core_type", "core_field", "core_enumval", "prog_type",
                "attach_type", "attach_target", "struct_ops", "struct_ops_member", "kconfig")
CORE_LOCAL_ONLY = (6,)          # TYPE_ID_LOCAL: resolved inside the object, needs nothing from the kernel


def node_id(item_type, name):
    return f"{item_type}:{name}"


@dataclass(frozen=True)
class Use:
    """One site where a program (or object) depends on a kernel item."""
    item_type: str
    item: str
    how: str
    reloc: Optional[str] = None
    line: Optional[str] = None
    weak: Optional[bool] = None
    guarded: Optional[bool] = None
    extern: Optional[str] = None        # the extern's own name when it differs (___flavor)
    detail: Optional[str] = None        # for CO-RE: the relocation as check describes it


# ------------------------------------------------------------------------------ packages
_DEB = re.compile(r"^(?P<deb>.*?\.deb)(?::|$)")


def package_of(obj_name):
    """(package name, kind) of an object name: a Debian package name for objects read from a .deb
    ("libbpf-tools" for "/tmp/libbpf-tools_0.37.0+ds-8_amd64.deb:usr/sbin/biosnoop#biosnoop"), else
    the file the object was found in (the binary for an embedded skeleton)."""
    m = _DEB.match(obj_name)
    if m:
        return os.path.basename(m.group("deb")).split("_", 1)[0], "deb"
    return obj_name.split("#", 1)[0], "file"


# ------------------------------------------------------------------------------ requirements
def _core_item(btf, relo):
    """(item type, name, root type label) of a CO-RE relocation, or None when it needs nothing from
    the kernel or cannot be parsed."""
    from btf.core import ENUM_KINDS, FIELD_KINDS, parse_spec
    if relo.kind in CORE_LOCAL_ONLY:
        return None
    try:
        spec = parse_spec(btf, relo.type_id, relo.access_str, relo.kind)
    except Exception:   # noqa: BLE001 - a malformed relocation is check's business (CORE_RELO_ERROR)
        return None
    if relo.kind in ENUM_KINDS:
        enum_id = spec.accessors[0].type_id if spec.accessors else spec.root_type_id
        tname = _type_label(btf, enum_id)
        val = spec.accessors[0].name if spec.accessors else "?"
        return "core_enumval", f"{tname}::{val}", tname
    tname = _type_label(btf, spec.root_type_id)
    if relo.kind in FIELD_KINDS:
        path = spec.path
        root = spec.root_name or "<anon>"
        rest = path[len(root):] if path.startswith(root) else path
        return "core_field", essential_name(root) + rest, tname
    return "core_type", tname, tname


def _type_label(btf, tid):
    """'struct task_struct' with the ___flavor suffix stripped (libbpf matches essential names)."""
    t = btf.type(btf.skip_mods(tid)) if tid else None
    if t is None:
        return "void"
    kw = {K.STRUCT: "struct ", K.UNION: "union ", K.ENUM: "enum ", K.ENUM64: "enum ",
          K.FWD: "struct "}.get(t.kind, "")
    return kw + essential_name(t.name or "<anon>")


def attach_target_item(info):
    """(node name, lookup name, lookup kind) of an attach target check verifies, else None.
    Mirrors analyzer.check.rules.progtype.check_attach_target."""
    from analyzer.check.rules.progtype import BTF_TARGET, split_module
    target = info.attach_target
    if not target:
        return None
    flags = info.sec_def.flags if info.sec_def is not None else frozenset()
    if "attach_btf" in flags and info.prog_type in ("BPF_PROG_TYPE_TRACING", "BPF_PROG_TYPE_LSM"):
        prefix, kind = BTF_TARGET.get(info.attach_type, ("", K.FUNC))
        _, fn = split_module(target)
        label = {"btf_trace_": "tracepoint", "bpf_lsm_": "lsm", "bpf_iter_": "iter"}.get(prefix, "function")
        return f"{label} {target}", prefix + fn, kind
    if info.prog_type == "BPF_PROG_TYPE_KPROBE" and info.attach_type is None and \
            info.section.split("/")[0] in ("kprobe", "kretprobe"):
        fn = target.split("+")[0]
        if fn:
            return f"kprobe {fn}", fn, K.FUNC
    return None


def program_uses(obj, prog):
    """Every kernel item one program depends on, one Use per site."""
    out = []
    info = prog.info
    if info.prog_type:
        out.append(Use("prog_type", info.prog_type, "section", detail=info.section))
    if info.attach_type:
        out.append(Use("attach_type", info.attach_type, "section", detail=info.section))
    at = attach_target_item(info)
    if at is not None:
        out.append(Use("attach_target", at[0], "section", detail=info.section))
    for h in prog.helper_calls:
        if h.helper_name:
            out.append(Use("helper", "bpf_" + h.helper_name, "call", "helper", h.line))
    ext = {e.name: e for e in obj.externs}
    for k in prog.kfunc_calls:
        e = ext.get(k.name)
        ess = e.essential_name if e is not None else essential_name(k.name)
        out.append(Use("kfunc", ess, "call", "kfunc", k.line, weak=k.weak,
                       guarded=prog.kfunc_guarded.get(k.pos) if k.weak else None,
                       extern=k.name if ess != k.name else None))
    for pos, name, line in prog.ksym_refs:
        e = ext.get(name)
        if e is None:
            continue
        ess = e.essential_name
        if e.kind == "ksym_func":
            out.append(Use("kfunc", ess, "ksym_exists", "ksym", line, weak=e.weak,
                           extern=name if ess != name else None))
        else:
            out.append(Use("ksym", ess, "relocation", "ksym", line, weak=e.weak,
                           extern=name if ess != name else None))
    kc_by_off = {off: name for name, (off, _sz) in obj.kconfig_layout().items()}
    for r in prog.map_refs:
        if r.kind == "kconfig":
            name = kc_by_off.get(r.offset)
            if name is not None:
                e = ext.get(name)
                out.append(Use("kconfig", name, "kconfig_read", "kconfig", r.line,
                               weak=e.weak if e is not None else None))
        else:
            out.append(Use("map", r.map, "map_ref", r.kind, r.line))
    if obj.btf is not None:
        for c in prog.core_relos:
            item = _core_item(obj.btf, c.relo)
            if item is None:
                continue
            typ, name, _root = item
            is_check = c.relo.kind in EXISTS_KINDS
            out.append(Use(typ, name, "exists_check" if is_check else "relocation", c.relo.kind_name, c.line,
                           guarded=None if is_check else bool(prog.core_guarded.get(c.pos)),
                           detail=c.description))
    return out


def object_uses(obj):
    """Object-level dependencies: struct_ops types and the members the object fills (libbpf creates
    struct_ops maps for the whole object; analyzer.check.rules.progtype.check_struct_ops checks them)."""
    out = []
    btf = obj.btf
    if btf is None:
        return out
    for sec in btf.ids_of_kind(K.DATASEC):
        if not btf.name_of(sec).lstrip("?").startswith(".struct_ops"):
            continue
        for si in btf.type(sec).secinfo:
            var = btf.type(si.type)
            st = btf.type(btf.skip_mods(var.type))
            tname = essential_name(st.name)
            out.append(Use("struct_ops", tname, "struct_ops", detail=var.name))
            for m in st.members:
                if m.name:
                    out.append(Use("struct_ops_member", f"{tname}.{m.name}", "struct_ops", detail=var.name))
    return out


def core_roots(obj, prog):
    """{core item node id: root type label} for the member_of edges."""
    out = {}
    if obj.btf is None:
        return out
    for c in prog.core_relos:
        item = _core_item(obj.btf, c.relo)
        if item is not None and item[0] != "core_type":
            out[node_id(item[0], item[1])] = item[2]
    return out


def _aggregate(uses):
    """Sites of one (dependent, item) pair -> the requires edge attributes."""
    how = sorted({u.how for u in uses})
    reloc = sorted({u.reloc for u in uses if u.reloc})
    lines = sorted({u.line for u in uses if u.line})
    weaks = [u.weak for u in uses if u.weak is not None]
    guards = [u.guarded for u in uses if u.guarded is not None]
    attrs = {"relation": "requires", "how": how, "reloc": reloc, "lines": lines, "sites": len(uses),
             "weak": any(weaks) if weaks else None,
             "guarded": all(guards) if guards else None}
    externs = sorted({u.extern for u in uses if u.extern})
    if externs:
        attrs["externs"] = externs
    details = sorted({u.detail for u in uses if u.detail})
    if details:
        attrs["detail"] = details
    return attrs


def weak_verdicts(objects, kernels):
    """{(object, program, extern name): {"reachable": {kernel ids}, "pruned": {kernel ids}}} from the
    check engine, for objects with weak kfunc externs."""
    from analyzer.check.engine import check_objects
    objs = [o for o in objects if any(e.kind == "ksym_func" and e.weak for e in o.externs)]
    out = {}
    for r in check_objects(objs, kernels) if objs and kernels else []:
        for f in r.findings:
            if f.code not in ("KFUNC_WEAK_CALL_REACHABLE", "KFUNC_WEAK_UNRESOLVED"):
                continue
            name = f.detail["kfunc"]          # the engine's KFUNC_WEAK_* findings always name it
            d = out.setdefault((r.object, r.program, name), {"reachable": set(), "pruned": set()})
            d["reachable" if f.code == "KFUNC_WEAK_CALL_REACHABLE" else "pruned"].add(r.kernel)
    return out


def check_guard(attrs, uses, obj_name, prog_name, verdicts):
    """For a weak kfunc requirement: guarded as the check engine's reachability decides it on the
    kernels where the kfunc does not resolve (see weak_verdicts); the local pattern test otherwise."""
    seen = [verdicts.get((obj_name, prog_name, u.extern or u.item)) for u in uses if u.how == "call"]
    seen = [v for v in seen if v]
    if not seen:
        if attrs.get("guarded") is not None:
            attrs["guard_source"] = "pattern"
        return
    unguarded = sorted(set().union(*(v["reachable"] for v in seen)))
    attrs["guarded"] = not unguarded
    attrs["guard_source"] = "check"
    attrs["unguarded_on"] = unguarded


# ------------------------------------------------------------------------------ kernel side
class KernelView:
    """What one kernel offers, item by item, with the same rules check uses."""

    def __init__(self, kernel):
        from analyzer.check.engine import KernelState
        self.kernel = kernel
        self.state = KernelState(kernel)

    def provides(self, item_type, name, probe):
        """None when not provided, else the edge attributes (possibly empty)."""
        k = self.kernel
        if item_type == "kfunc":
            kf = k.kfuncs.get(name)
            if kf is None:
                return None
            return {"c": kf.proto, "flags": list(kf.flag_names) if kf.flags is not None else None}
        if item_type == "helper":
            return {} if "BPF_FUNC_" + name[4:] in k.helpers else None
        if item_type == "ksym":
            from btf.core import find_ksym
            _, tid = find_ksym(k.btf, name, K.VAR, module_btfs=list(k.modules.values()))
            return {} if tid else None
        if item_type in ("prog_type", "attach_type"):
            from analyzer.check.rules.progtype import check_prog_type
            bad = {"prog_type": ("PROG_TYPE_MISSING", "PROG_TYPE_NOT_BUILT"),
                   "attach_type": ("ATTACH_TYPE_MISSING", "ATTACH_TYPE_ATTACH_ONLY")}[item_type]
            if item_type == "attach_type":
                return {} if name in k.attach_types else None
            return None if any(f.code in bad for f in check_prog_type(probe, k)) else {}
        if item_type == "attach_target":
            from analyzer.check.rules.progtype import check_attach_target
            return None if check_attach_target(probe, k) else {}
        if item_type == "struct_ops":
            return {} if name in k.struct_ops else None
        if item_type == "struct_ops_member":
            tname, _, member = name.partition(".")
            sid = k.struct_ops.get(tname)
            if sid is None:
                return None
            from btf import render
            for m in k.btf.type(sid).members:
                if m.name == member:
                    return {"c": render.decl(k.btf, m.type, m.name)}
            return None
        if item_type == "kconfig":
            from analyzer.check.rules.externs import kconfig_value
            v = kconfig_value(name, k)
            return None if v is None else {"value": str(v)}
        if item_type in ("core_type", "core_field", "core_enumval"):
            from btf import core as core_rules
            obj_btf, relo = probe
            res = core_rules.calc_relo(obj_btf, relo.type_id, relo.access_str, relo.kind, k.btf,
                                       module_btfs=list(k.modules.values()), cache=self.state.core_cache)
            if res.status != "ok":
                return None
            if relo.kind in EXISTS_KINDS and not res.target_value:
                return None
            return {"target": res.target_path} if res.target_path else {}
        return None


DIFF_KIND = {"kfunc": "kfunc", "helper": "helper", "prog_type": "prog_type", "attach_type": "attach_type",
              "struct_ops": "struct_ops"}


def diff_item(change):
    """Graph item (type, name) a diff Change is about."""
    if change.kind == "helper":
        return "helper", "bpf_" + change.name[len("BPF_FUNC_"):] if change.name.startswith("BPF_FUNC_") \
            else change.name
    if change.kind == "struct_ops":
        return ("struct_ops_member" if "." in change.name else "struct_ops"), change.name
    return change.kind, change.name


# ------------------------------------------------------------------------------ build
def build_graph(objects, kernels=(), *, changes=True, progress=None):
    """The dependency graph of `objects` (ObjectModels) over `kernels` (KernelSnapshots).

    Without kernels the graph holds only the program side (enough for who-uses). Insertion order is
    sorted, so serialising the same input gives the same bytes."""
    from analyzer.views.diff import diff_kernels, kernel_info, sort_kernels
    from analyzer.objects.maps import short_map_type
    from analyzer.objects.sections import short_attach_type, short_prog_type
    nodes, edges = {}, {}
    probes = {}                       # item node id -> probe for provides (first in sorted order)

    def node(nid, typ, name, **attrs):
        if nid not in nodes:
            nodes[nid] = {"type": typ, "name": name, **{a: v for a, v in attrs.items() if v is not None}}
        return nid

    def edge(u, v, key, attrs):
        edges[(u, v, key)] = attrs

    uses_of = {}                      # (dependent id, item id) -> [Use]
    for obj in sorted(objects, key=lambda o: o.name):
        pkg, pkind = package_of(obj.name)
        pid = node(node_id("package", pkg), "package", pkg, kind=pkind)
        oid = node(node_id("object", obj.name), "object", obj.name, license=obj.license,
                   duplicate_of=getattr(obj, "duplicate_of", None), package=pkg)
        edge(pid, oid, "contains", {"relation": "contains"})
        for m in sorted(obj.maps, key=lambda m: m.name):
            mid = node(node_id("map", f"{obj.name}::{m.name}"), "map", m.name, object=obj.name,
                       map_type=short_map_type(m.type), max_entries=m.max_entries)
            edge(oid, mid, "defines", {"relation": "defines"})
        for u in object_uses(obj):
            iid = node(node_id(u.item_type, u.item), u.item_type, u.item)
            uses_of.setdefault((oid, iid), []).append(u)
            probes.setdefault(iid, None)
        for prog in sorted(obj.programs, key=lambda p: p.name):
            info = prog.info
            prid = node(node_id("program", f"{obj.name}:{prog.name}"), "program", prog.name, object=obj.name,
                        section=prog.section, package=pkg,
                        prog_type=short_prog_type(info.prog_type) if info.prog_type else None,
                        attach_type=short_attach_type(info.attach_type) if info.attach_type else None)
            edge(oid, prid, "contains", {"relation": "contains"})
            roots = core_roots(obj, prog)
            core_probe = {}
            if obj.btf is not None:
                for c in prog.core_relos:
                    item = _core_item(obj.btf, c.relo)
                    if item is not None:
                        cur = core_probe.get(node_id(item[0], item[1]))
                        # a non-existence relocation says more about "provides" than an existence check
                        if cur is None or (cur[1].kind in EXISTS_KINDS and c.relo.kind not in EXISTS_KINDS):
                            core_probe[node_id(item[0], item[1])] = (obj.btf, c.relo)
            for u in program_uses(obj, prog):
                if u.item_type == "map":
                    iid = node_id("map", f"{obj.name}::{u.item}")
                    if iid not in nodes:
                        continue
                else:
                    iid = node(node_id(u.item_type, u.item), u.item_type, u.item)
                    if u.item_type in ("prog_type", "attach_type", "attach_target"):
                        if probes.get(iid) is None:
                            probes[iid] = info
                    elif u.item_type.startswith("core_"):
                        if probes.get(iid) is None or probes[iid][1].kind in EXISTS_KINDS:
                            probes[iid] = core_probe.get(iid, probes.get(iid))
                    else:
                        probes.setdefault(iid, None)
                uses_of.setdefault((prid, iid), []).append(u)
            for iid, root in roots.items():
                tid = node(node_id("core_type", root), "core_type", root)
                edge(iid, tid, "member_of", {"relation": "member_of"})
        if progress is not None:
            progress.advance(1, obj.name)
    verdicts = weak_verdicts(objects, kernels) if kernels else {}
    for (dep, iid), us in uses_of.items():
        attrs = _aggregate(us)
        if nodes[iid]["type"] == "kfunc" and attrs["weak"] and nodes[dep]["type"] == "program":
            check_guard(attrs, us, nodes[dep]["object"], nodes[dep]["name"], verdicts)
        edge(dep, iid, "requires", attrs)
    for iid in list(nodes):
        if nodes[iid]["type"] == "struct_ops_member":
            t = nodes[iid]["name"].partition(".")[0]
            edge(iid, node(node_id("struct_ops", t), "struct_ops", t), "member_of", {"relation": "member_of"})

    kernels = sort_kernels(kernels)
    # a CO-RE type reached only as the root of field relocations has no relocation of its own to
    # try on a kernel: the graph does not claim whether a kernel provides it
    items = sorted(n for n, a in nodes.items() if a["type"] in KERNEL_ITEMS
                   and not (a["type"].startswith("core_") and probes.get(n) is None))
    provided = {}                     # kernel id -> set of item ids
    for k in kernels:
        kid = node(node_id("kernel", k.id), "kernel", k.id, **kernel_info(k))
        view = KernelView(k)
        got = set()
        for iid in items:
            a = nodes[iid]
            p = view.provides(a["type"], a["name"], probes.get(iid))
            if p is not None:
                got.add(iid)
                edge(kid, iid, "provides", {"relation": "provides", **{x: v for x, v in p.items() if v is not None}})
        provided[k.id] = got
    if changes:
        wanted = {t for t in (nodes[i]["type"] for i in items) if t in DIFF_KIND or t == "struct_ops_member"}
        only = {DIFF_KIND.get(t, "struct_ops") for t in wanted}
        for a, b in zip(kernels, kernels[1:]):
            kid = node_id("kernel", b.id)
            covered = set()
            for c in (diff_kernels(a, b, only=only) if only else []):
                typ, name = diff_item(c)
                iid = node_id(typ, name)
                covered.add(iid)
                if iid not in nodes:
                    continue
                edge(iid, kid, f"changed:{a.id}:{c.change}",
                     {"relation": "changed", "from": a.id, "to": b.id, "change": c.change, "breaking": c.breaking,
                      "old": c.old, "new": c.new, "detail": c.detail, "source": "diff"})
            for iid in items:
                if nodes[iid]["type"] in DIFF_KIND or nodes[iid]["type"] == "struct_ops_member" or iid in covered:
                    continue
                was, now = iid in provided[a.id], iid in provided[b.id]
                if was == now:
                    continue
                change = "disappeared" if was else "appeared"
                edge(iid, kid, f"changed:{a.id}:{change}",
                     {"relation": "changed", "from": a.id, "to": b.id, "change": change, "breaking": was,
                      "old": None, "new": None, "source": "resolution",
                      "detail": f"resolves on {a.release} but not on {b.release}" if was else
                                f"does not resolve on {a.release}, resolves on {b.release}"})

    g = nx.MultiDiGraph(schema=SCHEMA, kernels=[k.id for k in kernels])
    for nid in sorted(nodes):
        g.add_node(nid, **nodes[nid])
    for (u, v, key) in sorted(edges):
        g.add_edge(u, v, key=key, **{x: y for x, y in edges[(u, v, key)].items() if y is not None})
    return g


# ------------------------------------------------------------------------------ queries
def _plain(name):
    for p in ("struct ", "union ", "enum "):
        if name.startswith(p):
            return name[len(p):]
    return name


def match_nodes(g, name):
    """Item nodes NAME designates: exact name or id, a type without its struct/union/enum keyword,
    a field written with '->', a helper without 'bpf_', a kfunc/ksym extern's flavored name."""
    want = {name, name.replace("->", "."), _plain(name), _plain(name).replace("->", ".")}
    out = []
    for nid, a in g.nodes(data=True):
        if a["type"] in ("package", "object", "program", "kernel", "map"):
            continue
        n = a["name"]
        cands = {n, _plain(n), nid}
        if a["type"] == "helper":
            cands.add(n[4:])
            cands.add("BPF_FUNC_" + n[4:])
        if a["type"] == "attach_target":
            cands.add(n.split(" ", 1)[1])
        if want & cands:
            out.append(nid)
    if not out:     # a flavored extern name ("scx_bpf_dsq_insert___v2")
        ess = essential_name(name)
        if ess != name:
            return match_nodes(g, ess)
    return sorted(out)


def who_uses(g, name):
    """Rows {item, item_type, dependent, dependent_type, object, program, package, how, reloc, lines,
    weak, guarded, via}: every program or object depending on what NAME designates; for a CO-RE type
    also those reaching it through one of its fields or enum values (via = that item)."""
    rows = []
    for iid in match_nodes(g, name):
        targets = [(iid, None)]
        if g.nodes[iid]["type"] in ("core_type", "struct_ops"):
            for u, _v, key in g.in_edges(iid, keys=True):
                if key == "member_of":
                    targets.append((u, u))
        for tid, via in targets:
            for dep, _v, key, attrs in g.in_edges(tid, keys=True, data=True):
                if key != "requires":
                    continue
                d = g.nodes[dep]
                rows.append({
                    "item": g.nodes[iid]["name"], "item_type": g.nodes[iid]["type"],
                    "via": g.nodes[via]["name"] if via else None,
                    "dependent_type": d["type"],
                    "object": d.get("object", d["name"]) if d["type"] == "program" else d["name"],
                    "program": d["name"] if d["type"] == "program" else None,
                    "package": d.get("package"),
                    "how": attrs.get("how", []), "reloc": attrs.get("reloc", []),
                    "lines": attrs.get("lines", []), "weak": attrs.get("weak"),
                    "guarded": attrs.get("guarded"), "guard_source": attrs.get("guard_source")})
    rows.sort(key=lambda r: (r["item_type"], r["item"], r["object"], r["program"] or "", r["via"] or ""))
    return rows
