"""Open-time refusals by libbpf: relocations bpf_object__open does not accept.

libbpf classifies every relocation from program code while it opens the object
(bpf_object__collect_relos -> bpf_object__collect_prog_relos -> bpf_program__record_reloc); the
first one it cannot classify returns -LIBBPF_ERRNO__RELOC and bpf_object__open fails, before any
kernel is asked anything, so the verdict is the same on every kernel and nothing else about the
object matters. Source references ([LB] libbpf src/libbpf.c, 2026 tree, unchanged in substance since
libbpf 1.0):
* bpf_object__elf_collect: only `.data`/`.data.*` (SEC_DATA), `.rodata`/`.rodata.*` (SEC_RODATA),
  `.bss`/`.bss.*` (SEC_BSS, NOBITS), `.struct_ops[.link]`, `.addr_space.1` (arena) and `.maps`
  (btf_maps_shndx) are given a role; any other non-executable PROGBITS section is "skipping
  unrecognized data section" (legacy definitions in `maps/NAME`, `<type>/maps`, `maps.NAME`, ...).
  `maps` itself is refused there already ("legacy map definitions in 'maps' section are not
  supported by libbpf v1.0+": LEGACY_MAPS).
* bpf_program__record_reloc: a relocation on an instruction other than call/ld_imm64 ("invalid relo
  against"), a call without src_reg BPF_PSEUDO_CALL or into a section other than .text ("bad call
  relo"), against SHN_UNDEF/special sections ("invalid relo ... in special section"), a misaligned
  subprogram address ("bad subprog addr relo"), arena data without an arena map ("bad arena data
  relocation"), and, for a section whose libbpf_map_type is LIBBPF_MAP_UNSPEC (not a data section),
  anything but `.maps` ("bad map relo against '%s' in section '%s'") or an offset in `.maps` with no
  map ("map relo failed to find map for section").
Relocations in code that belongs to no program (an overridden weak function) are skipped, as libbpf
does ("probably overridden weak function, skipping").
The facts come from analyzer.objects (ObjectModel.open_errors, in libbpf's order).
"""
from analyzer.check.findings import Finding

HINTS = {
    "not_map_section": "define maps in SEC(\".maps\") with BTF (__uint/__type); libbpf >= 1.0 does not read "
                       "legacy map sections",
    "map_not_found": "reference maps by their own symbol in SEC(\".maps\")",
    "arena_data": "define a BPF_MAP_TYPE_ARENA map for the __arena globals",
    "special_section": "initialize the global variable (an uninitialized non-static global is a COMMON "
                       "symbol) or declare it static",
}


def check(obj):
    """OBJECT_OPEN_FAILED for the first relocation libbpf refuses (it stops there), with the others
    counted in the detail; [] when the object opens."""
    errs = getattr(obj, "open_errors", None) or []
    if not errs:
        return []
    first = errs[0]
    more = len(errs) - 1
    msg = f"libbpf cannot open the object: {first['message']}" + (
        f" (and {more} more relocation{'s' if more > 1 else ''} libbpf refuses)" if more else "")
    return [Finding("OBJECT_OPEN_FAILED", msg, hint=HINTS.get(first["reason"]),
                    detail={"reason": first["reason"], "program": first["program"], "symbol": first["symbol"],
                            "section": first["section"], "refused_relocations": len(errs)})]
