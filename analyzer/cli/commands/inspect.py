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
import sys

from btf.inert import inert

from analyzer.cli.commands._common import add_input_args, read_inputs, read_sources, write_output
from analyzer.views.inspect import SCHEMA, document, input_warnings
from reports.registry import renderer


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
        text = renderer("inspect", "json")(document(objects, sources, warnings))
    else:
        for w in input_warnings(objects, warnings):
            print(f"bpfstab: warning: {inert(w)}", file=sys.stderr)
        text = renderer("inspect", "text")(objects, sources)
    write_output(args.output, text)
    return 0
