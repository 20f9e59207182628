"""`bpfstab inspect INPUT... [--json] [--prog-type SEC=TYPE]... [-o FILE] [--quiet]`

Shows what is inside BPF objects (plain .bpf.o, binaries and skeleton headers embedding them,
.deb packages, directories): license, BTF, maps, externs, and per program its section, program
and attach type, helpers, kfuncs, map references, CO-RE relocations, ISA features and the
subprograms appended to it. Nothing here depends on a kernel.

JSON schema "bpfstab.inspect/1" (keys are always present; absent values are null):

    {"schema": "bpfstab.inspect/1",
     "warnings": [str],                             # about inputs (unreadable members, ...)
     "objects": [{
        "name": str,                                # path, or path#N / path#skeleton for embedded objects
        "duplicate_of": str|null,                   # same bytes already listed under that name
        "byteorder": "little"|"big",
        "license": str|null, "gpl_compatible": bool,
        "btf": bool, "btf_ext": bool, "kern_version": int|null,
        "legacy_maps": bool,                        # a legacy "maps" section (refused by libbpf >= 1.0)
        "maps": [MAP], "externs": [EXTERN], "subprograms": [str],   # functions in .text
        "warnings": [str],
        "programs": [{
            "name": str, "section": str,
            "prog_type": str|null, "attach_type": str|null,     # short libbpf names ("xdp", "trace_fentry")
            "attach_target": str|null, "autoload": bool, "sleepable": bool, "xdp_frags": bool,
            "insns": int, "linked_insns": int,      # own instructions / with appended subprograms
            "subprograms": [str],                   # in append order
            "helpers": [{"id": int, "name": str|null, "pos": int, "line": str|null}],
            "kfuncs": [{"name": str, "weak": bool, "guarded": bool|null, "pos": int, "line": str|null}],
            "ksyms": [{"name": str, "pos": int, "line": str|null}],
            "map_refs": [{"map": str, "kind": "map"|"map_value"|"kconfig", "offset": int,
                          "pos": int, "line": str|null}],
            "core_relos": [{"kind": str, "type_id": int, "access_str": str, "description": str,
                            "guarded": bool|null, "pos": int, "line": str|null}],
            "isa_features": [str], "warnings": [str]}]}]}
    MAP    = {"name", "type" (e.g. "hash", or "type#N" when unknown), "key_size", "value_size",
              "max_entries", "map_flags", "numa_node", "pinning", "map_extra",
              "key_type": str|null, "value_type": str|null (C type names), "inner": MAP|null,
              "legacy": bool, "internal": bool, "section": str}
    EXTERN = {"name", "kind": "ksym_func"|"ksym_var"|"kconfig"|"unsupported", "weak": bool,
              "essential_name": str, "section": str|null, "btf_type_id": int,
              "type": str|null (C prototype or type; null when typeless)}

`pos` is the instruction's index in the linked program; `guarded` is null where it does not apply
(strong kfuncs, existence-check relocations themselves). Guard detection is a local pattern
match (see analyzer/objects.py); the check command decides reachability per kernel.

A BPF C source (FILE.c, read with libclang, analyzer/source_program.py) is listed among "objects" in
the same shape, with "source": true (objects carry "source": false) and these differences: "btf",
"btf_ext", "kern_version", "insns", "linked_insns", "pos" and "isa_features" are null (nothing is
compiled); "line" is FILE:LINE of the call or access in the source (a header, when it is in one);
a program has "line" (its definition) and "subprograms" lists every static function it reaches (the
compiler may inline some); each helper, kfunc, ksym and CO-RE entry has "guards": the conditions
it is reached under, e.g. ["bpf_ksym_exists(bpf_task_from_pid)", "!bpf_core_field_exists(task_struct->__state)",
"full_path(=0)"] (the last: a const volatile flag and its initial value);
"guarded" follows the object rule (the same ksym, field, type or enumerator is checked first);
map "key_type"/"value_type" are the names written in the source; an extern's "btf_type_id" is its
id in the local BTF built from the source's types.
"""
import json
import sys

from btf.inert import inert, inert_text
from btf.errors import InputError

from analyzer.objects.helpers import helper_name
from analyzer.source.program import EXISTS_KINDS

from analyzer.cli.commands._common import add_input_args, read_inputs, read_sources, write_output

SCHEMA = "bpfstab.inspect/1"


def register(sub):
    p = sub.add_parser("inspect", help="show programs, maps, externs, helpers, kfuncs and CO-RE relocations",
                       description="Show what BPF objects contain (no kernel needed).")
    add_input_args(p)
    p.add_argument("--json", action="store_true", help=f"machine-readable output (schema {SCHEMA})")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.set_defaults(func=run)


def run(args):
    sources = read_sources(args)
    objects, warnings = read_inputs(args, allow_none=bool(sources))
    if args.json:
        doc = {"schema": SCHEMA, "warnings": list(_input_warnings(objects, warnings)),
               "objects": [object_json(o) for o in objects] + [source_json(m) for m in sources]}
        text = json.dumps(doc, indent=2, sort_keys=False) + "\n"
    else:
        for w in _input_warnings(objects, warnings):
            print(f"bpfstab: warning: {inert(w)}", file=sys.stderr)
        # control characters from names are escaped (the layout's own newlines and tabs are kept)
        text = inert_text("\n".join([object_text(o) for o in objects] + [source_text(m) for m in sources]))
    write_output(args.output, text)
    return 0


def _input_warnings(objects, warnings):
    """Warnings not already carried by an object (those are printed with the object)."""
    own = {f"{o.name}: {w}" for o in objects for w in o.warnings}
    return [w for w in warnings if w not in own]


# ---------------------------------------------------------------------------------------- JSON
def _type_str(btf, tid):
    if btf is None or not tid:
        return None
    try:
        from btf.render import type_name
        return type_name(btf, tid)
    except (InputError, ImportError, ValueError, KeyError, IndexError, RecursionError):
        try:
            return btf.name_of(tid) or f"[{tid}]"
        except InputError:
            return f"[{tid}]"


def _extern_type(btf, e):
    if btf is None or not e.btf_type_id:
        return None
    try:
        if e.kind == "ksym_func":
            from btf.render import func_proto
            return func_proto(btf, e.btf_type_id, e.name)
        return _type_str(btf, e.btf_type_id)
    except (InputError, ImportError, ValueError, KeyError, IndexError, RecursionError):
        return f"[{e.btf_type_id}]"


def map_json(btf, m):
    from analyzer.objects.maps import short_map_type
    return {"name": m.name, "type": short_map_type(m.type), "key_size": m.key_size,
            "value_size": m.value_size, "max_entries": m.max_entries, "map_flags": m.map_flags,
            "numa_node": m.numa_node, "pinning": m.pinning, "map_extra": m.map_extra,
            "key_type": _type_str(btf, m.key_type), "value_type": _type_str(btf, m.value_type),
            "inner": map_json(btf, m.inner) if m.inner is not None else None,
            "legacy": m.legacy, "internal": m.internal, "section": m.section}


def program_json(p):
    from analyzer.objects.sections import short_attach_type, short_prog_type
    info = p.info
    return {
        "name": p.name, "section": p.section,
        "prog_type": short_prog_type(info.prog_type) if info.prog_type else None,
        "attach_type": short_attach_type(info.attach_type) if info.attach_type else None,
        "attach_target": info.attach_target, "autoload": info.autoload, "sleepable": info.sleepable,
        "xdp_frags": info.xdp_frags,
        "insns": len(p.insns), "linked_insns": len(p.linked), "subprograms": list(p.subprograms),
        "helpers": [{"id": h.helper_id, "name": h.helper_name, "pos": h.pos, "line": h.line}
                    for h in p.helper_calls],
        "kfuncs": [{"name": k.name, "weak": k.weak, "guarded": p.kfunc_guarded.get(k.pos) if k.weak else None,
                    "pos": k.pos, "line": k.line} for k in p.kfunc_calls],
        "ksyms": [{"name": n, "pos": pos, "line": line} for pos, n, line in p.ksym_refs],
        "map_refs": [{"map": r.map, "kind": r.kind, "offset": r.offset, "pos": r.pos, "line": r.line}
                     for r in p.map_refs],
        "core_relos": [{"kind": c.relo.kind_name, "type_id": c.relo.type_id, "access_str": c.relo.access_str,
                        "description": c.description, "guarded": p.core_guarded.get(c.pos),
                        "pos": c.pos, "line": c.line} for c in p.core_relos],
        "isa_features": sorted(p.isa_features),
        "warnings": list(p.warnings),
    }


def object_json(o):
    return {
        "name": o.name, "source": False, "duplicate_of": getattr(o, "duplicate_of", None),
        "byteorder": o.byteorder,
        "license": o.license, "gpl_compatible": o.gpl_compatible,
        "btf": o.btf is not None, "btf_ext": o.ext is not None, "kern_version": o.kern_version,
        "legacy_maps": o.legacy_maps,
        "maps": [map_json(o.btf, m) for m in o.maps],
        "externs": [{"name": e.name, "kind": e.kind, "weak": e.weak, "essential_name": e.essential_name,
                     "section": e.section, "btf_type_id": e.btf_type_id, "type": _extern_type(o.btf, e)}
                    for e in o.externs],
        "subprograms": list(o.subprograms),
        "warnings": list(o.warnings),
        "programs": [program_json(p) for p in o.programs],
    }


def source_map_json(m):
    from analyzer.objects.maps import short_map_type
    return {"name": m.name, "type": short_map_type(m.type) if m.type is not None else None,
            "key_size": m.key_size, "value_size": m.value_size, "max_entries": m.max_entries,
            "map_flags": m.map_flags, "numa_node": m.numa_node, "pinning": m.pinning, "map_extra": m.map_extra,
            "key_type": m.key_type, "value_type": m.value_type,
            "inner": source_map_json(m.inner) if m.inner is not None else None,
            "legacy": m.legacy, "internal": m.internal, "section": m.section, "line": m.line}


def source_program_json(p):
    from analyzer.objects.sections import short_attach_type, short_prog_type
    info = p.info
    return {
        "name": p.name, "section": p.section, "line": p.line,
        "prog_type": short_prog_type(info.prog_type) if info.prog_type else None,
        "attach_type": short_attach_type(info.attach_type) if info.attach_type else None,
        "attach_target": info.attach_target, "autoload": info.autoload, "sleepable": info.sleepable,
        "xdp_frags": info.xdp_frags, "insns": None, "linked_insns": None, "subprograms": list(p.functions),
        "helpers": [{"id": h.helper_id, "name": helper_name(h.helper_id), "pos": None, "line": h.where,
                     "guards": h.guard_texts()} for h in p.helper_calls],
        "kfuncs": [{"name": k.name, "weak": k.weak, "guarded": k.ksym_guarded if k.weak else None,
                    "pos": None, "line": k.where, "guards": k.guard_texts()} for k in p.kfunc_calls],
        "ksyms": [{"name": k.name, "pos": None, "line": k.where, "guards": k.guard_texts()} for k in p.ksym_refs],
        "map_refs": [{"map": r.name, "kind": "map", "offset": 0, "pos": None, "line": r.where}
                     for r in p.map_refs],
        "core_relos": [{"kind": c.core.kind_name, "type_id": c.core.type_id, "access_str": c.core.access_str,
                        "description": c.core.description,
                        "guarded": None if c.core.kind in EXISTS_KINDS else c.core_guarded,
                        "pos": None, "line": c.where, "guards": c.guard_texts()} for c in p.core_relos],
        "isa_features": None,
        "warnings": [],
    }


def source_json(m):
    """A SourceModel in the object shape (see the module docstring)."""
    return {
        "name": m.path, "source": True, "duplicate_of": None, "byteorder": "little",
        "license": m.license, "gpl_compatible": m.gpl_compatible,
        "btf": None, "btf_ext": None, "kern_version": None,
        "legacy_maps": any(x.legacy for x in m.maps),
        "maps": [source_map_json(x) for x in m.maps],
        "externs": [{"name": e.name, "kind": e.kind, "weak": e.weak, "essential_name": e.essential_name,
                     "section": e.section, "btf_type_id": e.btf_type_id, "type": e.prototype,
                     "line": m.location(e.line)} for e in m.externs],
        "subprograms": [],
        "warnings": list(m.warnings),
        "programs": [source_program_json(p) for p in m.programs],
    }


# ---------------------------------------------------------------------------------------- text
def _kver(v):
    if v is None:
        return "-"
    return f"{v >> 16}.{(v >> 8) & 0xFF}.{v & 0xFF} (0x{v:x})"


def _lines(items, limit=4):
    ls = [x for x in dict.fromkeys(items) if x]
    if not ls:
        return ""
    more = f", +{len(ls) - limit} more" if len(ls) > limit else ""
    return " at " + ", ".join(ls[:limit]) + more


def _map_text(btf, m, indent="    "):
    from analyzer.objects.maps import short_map_type
    kv = ""
    if m.key_type or m.value_type:
        kv = f" key {_type_str(btf, m.key_type) or m.key_size}, value {_type_str(btf, m.value_type) or m.value_size}"
    else:
        kv = f" key {m.key_size}B, value {m.value_size}B"
    flags = f" flags 0x{m.map_flags:x}" if m.map_flags else ""
    tags = [t for t, on in (("legacy", m.legacy), ("internal", m.internal), ("pinned", m.pinning == 1)) if on]
    tag = f" [{', '.join(tags)}]" if tags else ""
    out = [f"{indent}{m.name}: {short_map_type(m.type)}{kv}, max_entries {m.max_entries}{flags}{tag}"]
    if m.inner is not None:
        out += _map_text(btf, m.inner, indent + "  inner ").splitlines()
    if m.prog_array_init:
        out.append(f"{indent}  slots: " + ", ".join(f"[{k}]={v}" for k, v in sorted(m.prog_array_init.items())))
    if m.inner_init:
        out.append(f"{indent}  slots: " + ", ".join(f"[{k}]={v}" for k, v in sorted(m.inner_init.items())))
    return "\n".join(out)


def _type_line(info):
    """The "type T, attach A[, target X][; flags]" line of a program, object or C source."""
    from analyzer.objects.sections import short_attach_type, short_prog_type
    pt = short_prog_type(info.prog_type) if info.prog_type else "UNKNOWN"
    at = short_attach_type(info.attach_type) if info.attach_type else "-"
    flags = [f for f, on in (("not autoloaded", not info.autoload), ("sleepable", info.sleepable),
                             ("xdp frags", info.xdp_frags)) if on]
    tgt = f", target {info.attach_target}" if info.attach_target else ""
    return f"    type {pt}, attach {at}{tgt}" + (f"; {', '.join(flags)}" if flags else "")


def object_text(o):
    out = []
    dup = f"  (same bytes as {o.duplicate_of})" if getattr(o, "duplicate_of", None) else ""
    out.append(f"{o.name}{dup}")
    lic = f"{o.license!r} ({'GPL-compatible' if o.gpl_compatible else 'not GPL-compatible'})" \
        if o.license is not None else "none (not GPL-compatible)"
    out.append(f"  license: {lic}")
    btf = "yes" if o.btf is not None else "no"
    if o.btf is not None:
        btf += f", {o.btf.type_count - 1} types, .BTF.ext {'yes' if o.ext is not None else 'no'}"
    out.append(f"  BTF: {btf}; byte order: {o.byteorder}; kern_version: {_kver(o.kern_version)}")
    if o.legacy_maps:
        out.append("  legacy 'maps' section: libbpf >= 1.0 refuses it")
    out.append(f"  maps ({len(o.maps)}):")
    out += [_map_text(o.btf, m) for m in o.maps] or ["    -"]
    out.append(f"  externs ({len(o.externs)}):")
    for e in o.externs:
        typ = _extern_type(o.btf, e) or "(typeless)"
        ess = f" [looked up as {e.essential_name}]" if e.essential_name != e.name else ""
        out.append(f"    {e.name}: {e.kind}, {'weak' if e.weak else 'strong'}, {typ}{ess}")
    if not o.externs:
        out.append("    -")
    for w in o.warnings:
        out.append(f"  warning: {w}")
    for p in o.programs:
        out.append(f"  program {p.name}  (section '{p.section}')")
        out.append(_type_line(p.info))
        sub = f"; subprograms: {', '.join(p.subprograms)}" if p.subprograms else ""
        out.append(f"    instructions: {len(p.insns)} own, {len(p.linked)} linked{sub}")
        if p.helper_calls:
            byh = {}
            for h in p.helper_calls:
                byh.setdefault((h.helper_id, h.helper_name), []).append(h.line)
            out.append("    helpers:")
            for (hid, name), lines in sorted(byh.items()):
                out.append(f"      {name or 'UNKNOWN'}({hid}){_lines(lines)}")
        if p.kfunc_calls:
            out.append("    kfuncs:")
            byk = {}
            for k in p.kfunc_calls:
                byk.setdefault((k.name, k.weak), []).append(k)
            for (name, weak), ks in byk.items():
                if weak:
                    g = [p.kfunc_guarded.get(k.pos) for k in ks]
                    guard = "guarded by bpf_ksym_exists" if all(g) else (
                        "NOT guarded" if not any(g) else f"guarded at {sum(map(bool, g))} of {len(g)} calls")
                    kind = f"weak, {guard}"
                else:
                    kind = "strong"
                out.append(f"      {name} ({kind}){_lines(k.line for k in ks)}")
        if p.ksym_refs:
            out.append("    ksym loads: " + ", ".join(dict.fromkeys(n for _, n, _ in p.ksym_refs)))
        if p.map_refs:
            bym = {}
            for r in p.map_refs:
                bym.setdefault(r.map, []).append(r.line)
            out.append("    maps: " + ", ".join(bym))
        if p.core_relos:
            out.append(f"    CO-RE relocations ({len(p.core_relos)}):")
            for c in p.core_relos:
                g = p.core_guarded.get(c.pos)
                gs = " [guarded by existence check]" if g else ""
                desc = c.description if c.relo.kind_name.upper() in c.description \
                    else f"{c.relo.kind_name}: {c.description}"
                out.append(f"      {desc}{gs}" + (f" at {c.line}" if c.line else ""))
        if p.isa_features:
            out.append("    ISA features: " + ", ".join(sorted(p.isa_features)))
        for w in p.warnings:
            if w not in o.warnings:
                out.append(f"    warning: {w}")
    if o.subprograms:
        out.append(f"  .text functions: {', '.join(o.subprograms)}")
    return "\n".join(out) + "\n"


def _guards_note(sites):
    """' [under bpf_ksym_exists(x)]' when every site shares guards, else the guarded share."""
    sets = [tuple(s.guard_texts()) for s in sites]
    if all(sets) and len(set(sets)) == 1:
        return f" [if {' && '.join(sets[0])}]"
    n = sum(1 for g in sets if g)
    return f" [guarded at {n} of {len(sets)} sites]" if n else ""


def _source_map_text(m, indent="    "):
    from analyzer.objects.maps import short_map_type
    typ = short_map_type(m.type) if m.type is not None else "UNKNOWN"
    kv = f" key {m.key_type or str(m.key_size) + 'B'}, value {m.value_type or str(m.value_size) + 'B'}"
    flags = f" flags 0x{m.map_flags:x}" if m.map_flags else ""
    tag = " [legacy]" if m.legacy else (" [pinned]" if m.pinning == 1 else "")
    out = [f"{indent}{m.name}: {typ}{kv}, max_entries {m.max_entries}{flags}{tag} (line {m.line})"]
    if m.inner is not None:
        out += _source_map_text(m.inner, indent + "  inner ").splitlines()
    return "\n".join(out)


def source_text(m):
    """A SourceModel as text, in the layout of object_text."""
    out = [f"{m.path}  (C source, read with libclang)"]
    lic = f"{m.license!r} ({'GPL-compatible' if m.gpl_compatible else 'not GPL-compatible'})" \
        if m.license is not None else "none (not GPL-compatible)"
    out.append(f"  license: {lic}")
    if any(x.legacy for x in m.maps):
        out.append("  legacy 'maps' section: libbpf >= 1.0 refuses it")
    out.append(f"  maps ({len(m.maps)}):")
    out += [_source_map_text(x) for x in m.maps] or ["    -"]
    out.append(f"  externs ({len(m.externs)}):")
    for e in m.externs:
        out.append(f"    {e.name}: {e.kind}, {'weak' if e.weak else 'strong'}, {e.prototype} "
                   f"(line {e.line})")
    if not m.externs:
        out.append("    -")
    for w in m.warnings:
        out.append(f"  warning: {w}")
    for p in m.programs:
        out.append(f"  program {p.name}  (section '{p.section}', line {p.line})")
        out.append(_type_line(p.info))
        if p.functions:
            out.append(f"    functions: {', '.join(p.functions)}")
        if p.helper_calls:
            out.append("    helpers:")
            byh = {}
            for h in p.helper_calls:
                byh.setdefault(h.helper_id, []).append(h)
            for hid, hs in sorted(byh.items()):
                out.append(f"      {helper_name(hid) or 'UNKNOWN'}({hid}){_lines(h.where for h in hs)}"
                           f"{_guards_note(hs)}")
        if p.kfunc_calls:
            out.append("    kfuncs:")
            byk = {}
            for k in p.kfunc_calls:
                byk.setdefault((k.name, k.weak), []).append(k)
            for (name, weak), ks in byk.items():
                if weak:
                    g = [k.ksym_guarded for k in ks]
                    guard = "guarded by bpf_ksym_exists" if all(g) else (
                        "NOT guarded" if not any(g) else f"guarded at {sum(g)} of {len(g)} calls")
                    kind = f"weak, {guard}"
                else:
                    kind = "strong"
                out.append(f"      {name} ({kind}){_lines(k.where for k in ks)}{_guards_note(ks)}")
        if p.ksym_refs:
            out.append("    ksym checks: " + ", ".join(dict.fromkeys(k.name for k in p.ksym_refs)))
        if p.map_refs:
            out.append("    maps: " + ", ".join(dict.fromkeys(r.name for r in p.map_refs)))
        if p.callbacks:
            out.append("    callbacks: " + ", ".join(dict.fromkeys(c.name for c in p.callbacks)))
        if p.core_relos:
            out.append(f"    CO-RE relocations ({len(p.core_relos)}):")
            for c in p.core_relos:
                gs = " [guarded by existence check]" if c.core.kind not in EXISTS_KINDS and c.core_guarded else ""
                gn = f" [if {' && '.join(c.guard_texts())}]" if c.guards and not gs else ""
                out.append(f"      {c.core.description}{gs}{gn} at {c.where}")
    return "\n".join(out) + "\n"
