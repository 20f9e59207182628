"""The `inspect` document ("bpfstab.inspect/1", schema in analyzer/cli/commands/inspect.py) built from
the object and C-source models, and the BTF type names both the document and the text report show."""
from btf.errors import InputError

from analyzer.objects.helpers import helper_name
from analyzer.source.program import EXISTS_KINDS

SCHEMA = "bpfstab.inspect/1"


def document(objects, sources, warnings):
    """The bpfstab.inspect/1 document of the objects and C sources (`warnings`: the input warnings)."""
    return {"schema": SCHEMA, "warnings": list(input_warnings(objects, warnings)),
            "objects": [object_json(o) for o in objects] + [source_json(m) for m in sources]}


def input_warnings(objects, warnings):
    """Warnings not already carried by an object (those are printed with the object)."""
    own = {f"{o.name}: {w}" for o in objects for w in o.warnings}
    return [w for w in warnings if w not in own]


def type_str(btf, tid):
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


def extern_type(btf, e):
    if btf is None or not e.btf_type_id:
        return None
    try:
        if e.kind == "ksym_func":
            from btf.render import func_proto
            return func_proto(btf, e.btf_type_id, e.name)
        return type_str(btf, e.btf_type_id)
    except (InputError, ImportError, ValueError, KeyError, IndexError, RecursionError):
        return f"[{e.btf_type_id}]"


def map_json(btf, m):
    from analyzer.objects.maps import short_map_type
    return {"name": m.name, "type": short_map_type(m.type), "key_size": m.key_size,
            "value_size": m.value_size, "max_entries": m.max_entries, "map_flags": m.map_flags,
            "numa_node": m.numa_node, "pinning": m.pinning, "map_extra": m.map_extra,
            "key_type": type_str(btf, m.key_type), "value_type": type_str(btf, m.value_type),
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
                     "section": e.section, "btf_type_id": e.btf_type_id, "type": extern_type(o.btf, e)}
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
