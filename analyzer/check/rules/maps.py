"""Map rules (object-level: libbpf creates every map before loading any program).

max_entries 0 is legal in an object: perf event arrays get the CPU count from libbpf, local
storage maps require 0, and for the rest the loader sets it (bpf_map__set_max_entries); we say so
instead of calling it a failure.

A map-in-map (ARRAY_OF_MAPS / HASH_OF_MAPS) without an inner map definition (`__array(values, ...)`)
gets its inner map from the loader: libbpf bpf_object__create_map passes `inner_map_fd` only when
map->inner_map exists or bpf_map__set_inner_map_fd() set it (src/libbpf.c), and the kernel's
bpf_map_meta_alloc needs that fd (kernel/bpf/map_in_map.c: fdget of attr->inner_map_fd), so creation
fails unless the loader supplies it: a run-time input, reported as "needs the loader" (unknown), not
as loads or fails.
"""
from typing import Optional, Protocol

from analyzer.check.findings import Finding


class MapModel(Protocol):
    """What the map rules read of one map definition. The compiled object's maps
    (analyzer.objects.maps.MapDef) and the C source's (analyzer.source.program.SourceMap) are both
    this model, field for field (tests/test_layout.py holds them to it)."""
    name: str
    type: object              # "BPF_MAP_TYPE_..." or the raw int the kernel enum does not name
    max_entries: int
    inner: Optional["MapModel"]
    legacy: bool              # SEC("maps"), refused by libbpf 1.0+
    internal: bool            # .data/.rodata/.bss/.kconfig: libbpf sizes them


def check(obj, kernel):
    """Map findings of the object (obj.legacy_maps, obj.maps: MapModel)."""
    return check_maps(obj.maps, obj.legacy_maps, kernel)


def check_maps(maps, legacy_maps, kernel):
    """Map findings of these maps (MapModel); `legacy_maps`: the object has SEC("maps") definitions."""
    out = []
    if legacy_maps:
        out.append(Finding("LEGACY_MAPS", "the object defines maps in the legacy SEC(\"maps\") section, "
                           "which libbpf 1.0+ refuses", hint="convert to BTF-defined maps in SEC(\".maps\")"))
    for m in maps:
        if m.legacy:
            continue
        mt = m.type
        if isinstance(mt, int):
            out.append(Finding("MAP_TYPE_MISSING", f"map '{m.name}' has map type {mt}, unknown to kernel "
                               f"{kernel.release}"))
        elif mt and mt not in kernel.map_types:
            out.append(Finding("MAP_TYPE_MISSING", f"map '{m.name}': {mt} is unknown to kernel {kernel.release}",
                               detail={"map_type": mt}))
        if m.inner is not None and isinstance(m.inner.type, str) and m.inner.type not in kernel.map_types:
            out.append(Finding("MAP_TYPE_MISSING", f"inner map of '{m.name}': {m.inner.type} is unknown to "
                               f"kernel {kernel.release}", detail={"map_type": m.inner.type}))
        if mt in ("BPF_MAP_TYPE_ARRAY_OF_MAPS", "BPF_MAP_TYPE_HASH_OF_MAPS") and m.inner is None:
            out.append(Finding("MAP_INNER_UNSET", f"map-in-map '{m.name}' has no inner map definition "
                               "(__array(values, ...)): its loader must give one with bpf_map__set_inner_map_fd() "
                               "before load, or map creation fails",
                               hint="declare the inner map in the definition: __array(values, struct inner_map_def)",
                               detail={"map": m.name}))
        if not m.internal and m.max_entries == 0 and mt not in (
                "BPF_MAP_TYPE_PERF_EVENT_ARRAY", "BPF_MAP_TYPE_SK_STORAGE", "BPF_MAP_TYPE_INODE_STORAGE", "BPF_MAP_TYPE_TASK_STORAGE",
                "BPF_MAP_TYPE_CGRP_STORAGE", "BPF_MAP_TYPE_STRUCT_OPS", "BPF_MAP_TYPE_CGROUP_STORAGE",
                "BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE"):
            out.append(Finding("MAP_MAX_ENTRIES_UNSET", f"map '{m.name}' has max_entries 0: its loader must "
                               "set it (bpf_map__set_max_entries) before load"))
    return out
