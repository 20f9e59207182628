"""Text report of `inspect`: per object its license, BTF, maps, externs and programs (type, helpers,
kfuncs, map references, CO-RE relocations, ISA, subprograms); per C source the same from libclang."""
from analyzer.objects.helpers import helper_name
from analyzer.source.program import EXISTS_KINDS
from analyzer.views.inspect import extern_type, type_str
from btf.inert import inert_text


def render(objects, sources):
    # control characters from names are escaped (the layout's own newlines and tabs are kept)
    return inert_text("\n".join([object_text(o) for o in objects] + [source_text(m) for m in sources]))


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
        kv = f" key {type_str(btf, m.key_type) or m.key_size}, value {type_str(btf, m.value_type) or m.value_size}"
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
        typ = extern_type(o.btf, e) or "(typeless)"
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
