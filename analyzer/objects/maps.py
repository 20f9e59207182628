"""Map definitions of a BPF object: BTF-defined `.maps`, legacy `maps` (struct bpf_map_def) and
libbpf's internal maps (.data/.rodata/.bss/.kconfig/.struct_ops).

BTF-defined maps (libbpf parse_btf_map_def, bpf_helpers.h; notes §6.6): each VAR of the DATASEC
`.maps` has an anonymous STRUCT type whose member names are attributes and whose member types
encode the values:
    __uint(name, val)   int (*name)[val]            PTR -> ARRAY, nelems = val
    __type(name, T)     typeof(T) *name             PTR -> T (key/value; size from T)
    __array(name, T)    typeof(T) *name[]           ARRAY[0] of PTR -> STRUCT (inner map) / FUNC_PROTO
    __ulong(name, val)  enum { ... = val } name     ENUM/ENUM64 with one enumerator (map_extra)
The legacy `maps` section holds struct bpf_map_def records (5 u32: type, key_size, value_size,
max_entries, map_flags; optionally more); libbpf >= 1.0 refuses it, so such maps carry legacy=True.
"""
from dataclasses import dataclass, field
from typing import Optional

from btf import kinds as K
from btf.errors import InputError

# enum bpf_map_type (include/uapi/linux/bpf.h), index = value
MAP_TYPES = (
    "BPF_MAP_TYPE_UNSPEC", "BPF_MAP_TYPE_HASH", "BPF_MAP_TYPE_ARRAY", "BPF_MAP_TYPE_PROG_ARRAY",
    "BPF_MAP_TYPE_PERF_EVENT_ARRAY", "BPF_MAP_TYPE_PERCPU_HASH", "BPF_MAP_TYPE_PERCPU_ARRAY",
    "BPF_MAP_TYPE_STACK_TRACE", "BPF_MAP_TYPE_CGROUP_ARRAY", "BPF_MAP_TYPE_LRU_HASH",
    "BPF_MAP_TYPE_LRU_PERCPU_HASH", "BPF_MAP_TYPE_LPM_TRIE", "BPF_MAP_TYPE_ARRAY_OF_MAPS",
    "BPF_MAP_TYPE_HASH_OF_MAPS", "BPF_MAP_TYPE_DEVMAP", "BPF_MAP_TYPE_SOCKMAP", "BPF_MAP_TYPE_CPUMAP",
    "BPF_MAP_TYPE_XSKMAP", "BPF_MAP_TYPE_SOCKHASH", "BPF_MAP_TYPE_CGROUP_STORAGE",
    "BPF_MAP_TYPE_REUSEPORT_SOCKARRAY", "BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE", "BPF_MAP_TYPE_QUEUE",
    "BPF_MAP_TYPE_STACK", "BPF_MAP_TYPE_SK_STORAGE", "BPF_MAP_TYPE_DEVMAP_HASH",
    "BPF_MAP_TYPE_STRUCT_OPS", "BPF_MAP_TYPE_RINGBUF", "BPF_MAP_TYPE_INODE_STORAGE",
    "BPF_MAP_TYPE_TASK_STORAGE", "BPF_MAP_TYPE_BLOOM_FILTER", "BPF_MAP_TYPE_USER_RINGBUF",
    "BPF_MAP_TYPE_CGRP_STORAGE", "BPF_MAP_TYPE_ARENA", "BPF_MAP_TYPE_INSN_ARRAY",
)
MAP_TYPE_VALUE = {n: i for i, n in enumerate(MAP_TYPES)}


def map_type_name(value):
    """'BPF_MAP_TYPE_HASH' for 1; the raw int for values this table does not know."""
    if isinstance(value, int) and 0 <= value < len(MAP_TYPES):
        return MAP_TYPES[value]
    return value


def short_map_type(t):
    return t[len("BPF_MAP_TYPE_"):].lower() if isinstance(t, str) else f"type#{t}"


@dataclass
class MapDef:
    name: str
    type: object                      # "BPF_MAP_TYPE_..." or a raw int when unknown
    key_size: int = 0
    value_size: int = 0
    key_type: Optional[int] = None    # BTF id in the object's BTF
    value_type: Optional[int] = None
    max_entries: int = 0
    map_flags: int = 0
    numa_node: int = 0
    pinning: int = 0
    map_extra: int = 0
    inner: Optional["MapDef"] = None
    legacy: bool = False
    internal: bool = False
    section: str = ".maps"
    sec_offset: int = 0               # offset of the definition in its ELF section (relocation matching)
    prog_array_init: dict = field(default_factory=dict)   # slot -> program name (prog arrays, `values`)
    inner_init: dict = field(default_factory=dict)        # slot -> map name (map-in-map, `values`)
    has_values: bool = False          # a `values` member was declared (map-in-map or prog array)
    unknown_attrs: tuple = ()         # attribute names libbpf does not recognise (strict mode fails)
    init_data: Optional[bytes] = None # struct_ops: the initial value bytes of the variable
    member_progs: dict = field(default_factory=dict)      # struct_ops: byte offset in the value -> program name

    @property
    def type_value(self):
        return self.type if isinstance(self.type, int) else MAP_TYPE_VALUE.get(self.type)

    @property
    def short_type(self):
        return short_map_type(self.type)


KNOWN_ATTRS = ("type", "max_entries", "map_flags", "numa_node", "key_size", "key", "value_size",
               "value", "values", "pinning", "map_extra")


class MapErr(Exception):
    pass


def _int_attr(btf, m):
    """Value of a __uint()/__ulong() member; None if the encoding is not one of them."""
    t = btf.type(btf.skip_mods(m.type))
    if t.kind == K.PTR:
        a = btf.type(btf.skip_mods(t.type))
        if a.kind == K.ARRAY:
            return a.nelems
        return None
    if t.kind in (K.ENUM, K.ENUM64) and len(t.values) == 1:
        return t.values[0].value
    return None


def parse_btf_map(btf, name, struct_id, *, inner=False):
    """One BTF-defined map definition (a STRUCT) -> MapDef. Raises MapErr(problem) on what libbpf
    rejects."""
    st = btf.type(btf.skip_mods(struct_id))
    if st.kind != K.STRUCT:
        raise MapErr(f"map '{name}': definition is a {st.kind_name}, not a struct")
    md = MapDef(name=name, type=0)
    type_seen = False
    unknown = []
    for i, m in enumerate(st.members):
        if m.name in ("type", "max_entries", "map_flags", "numa_node", "pinning", "map_extra",
                      "key_size", "value_size"):
            v = _int_attr(btf, m)
            if v is None:
                raise MapErr(f"map '{name}': attr '{m.name}' is not an integer encoding (__uint/__ulong)")
            if m.name == "type":
                md.type = map_type_name(v)
                type_seen = True
            elif m.name == "key_size":
                if md.key_type is not None and md.key_size != v:
                    raise MapErr(f"map '{name}': conflicting key size {md.key_size} != {v}")
                md.key_size = v
            elif m.name == "value_size":
                if md.value_type is not None and md.value_size != v:
                    raise MapErr(f"map '{name}': conflicting value size {md.value_size} != {v}")
                md.value_size = v
            else:
                setattr(md, m.name, v)
        elif m.name in ("key", "value"):
            t = btf.type(btf.skip_mods(m.type))
            if t.kind != K.PTR:
                raise MapErr(f"map '{name}': {m.name} spec is not PTR: {t.kind_name}")
            try:
                sz = btf.resolve_size(t.type)
            except InputError as e:
                raise MapErr(f"map '{name}': can't determine {m.name} size for type [{t.type}]: "
                              f"{e.problem}") from None
            cur = md.key_size if m.name == "key" else md.value_size
            if cur and cur != sz:
                raise MapErr(f"map '{name}': conflicting {m.name} size {cur} != {sz}")
            if m.name == "key":
                md.key_size, md.key_type = sz, t.type
            else:
                md.value_size, md.value_type = sz, t.type
        elif m.name == "values":
            if i != len(st.members) - 1:
                raise MapErr(f"map '{name}': '{m.name}' member should be last")
            if inner:
                raise MapErr(f"map '{name}': multi-level inner maps not supported")
            a = btf.type(btf.skip_mods(m.type))
            if a.kind != K.ARRAY or a.nelems != 0:
                raise MapErr(f"map '{name}': values spec is not a zero-sized array")
            p = btf.type(btf.skip_mods(a.elem_type))
            if p.kind != K.PTR:
                raise MapErr(f"map '{name}': values elements are not pointers")
            target = btf.type(btf.skip_mods(p.type))
            md.has_values = True
            if target.kind == K.FUNC_PROTO:
                if not type_seen or md.type != "BPF_MAP_TYPE_PROG_ARRAY":
                    raise MapErr(f"map '{name}': should be map-in-map or prog-array")
            elif target.kind == K.STRUCT:
                md.inner = parse_btf_map(btf, f"{name}.inner", target.id, inner=True)
            else:
                raise MapErr(f"map '{name}': values element type is {target.kind_name}")
            if md.value_size and md.value_size != 4:
                raise MapErr(f"map '{name}': conflicting value size {md.value_size} != 4")
            md.value_size = 4
        else:
            unknown.append(m.name)
    if not type_seen:
        raise MapErr(f"map '{name}': map type isn't specified")
    md.unknown_attrs = tuple(unknown)
    return md


def parse_legacy_maps(data, symbols, byteorder, section="maps"):
    """struct bpf_map_def records in the legacy `maps` section. `symbols`: [(name, offset)] of the
    section's OBJECT symbols; the record size is the section size divided by their count (libbpf's
    old bpf_object__init_user_maps logic)."""
    syms = sorted((off, name) for name, off in symbols)
    out, warnings = [], []
    if not syms:
        if data:
            warnings.append(f"legacy '{section}' section has no symbols; its {len(data)} bytes are ignored")
        return out, warnings
    rec = len(data) // len(syms)
    if rec < 20 or rec % 4:
        warnings.append(f"legacy '{section}' section: unusual map definition size {rec}")
    for off, name in syms:
        if off + min(rec, 20) > len(data) or rec < 4:
            warnings.append(f"legacy map '{name}' at offset {off} is past the end of '{section}'")
            continue
        words = [int.from_bytes(data[off + 4 * i:off + 4 * i + 4], byteorder)
                 for i in range(min(rec, 36) // 4)]
        words += [0] * (9 - len(words))
        out.append(MapDef(name=name, type=map_type_name(words[0]), key_size=words[1], value_size=words[2],
                          max_entries=words[3], map_flags=words[4], legacy=True, section=section,
                          sec_offset=off))
    return out, warnings


INTERNAL_PREFIXES = (".data", ".rodata", ".bss")


def internal_map_for_section(name, size, *, readonly):
    """libbpf's internal ARRAY map for a global-data section (one entry, value = the section)."""
    flags = 0x80 if readonly else 0          # BPF_F_RDONLY_PROG for .rodata (and .kconfig)
    return MapDef(name=name, type="BPF_MAP_TYPE_ARRAY", key_size=4, value_size=size, max_entries=1,
                  map_flags=flags | 0x400, internal=True, section=name)   # BPF_F_MMAPABLE


def is_data_section(name):
    return any(name == p or name.startswith(p + ".") for p in INTERNAL_PREFIXES)
