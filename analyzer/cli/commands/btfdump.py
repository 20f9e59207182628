"""`bpfstab btf dump FILE`: print BTF types like `bpftool btf dump file FILE` (raw or C).

FILE is raw BTF (/sys/kernel/btf/*, a snapshot's vmlinux.btf) or any ELF with a .BTF section
(.bpf.o, vmlinux, .ko, also compressed .ko.xz/.ko.zst). Module BTF is split BTF: give its base
with --base (vmlinux BTF, raw or ELF). Without --base, a .ko that carries a distilled .BTF.base
is read over that, and /sys/kernel/btf/<module> over /sys/kernel/btf/vmlinux, as bpftool does.
"""
import os
import sys

from btf import kinds as K
from btf.containers import elf_btf_sections, load_bytes
from btf.errors import InputError
from btf.reader import Btf
from btf import render

_ELF_MAGIC = b"\x7fELF"
_BTF_MAGICS = (b"\x9f\xeb", b"\xeb\x9f")
_KIND_WORDS = {"struct": (K.STRUCT,), "union": (K.UNION,), "enum": (K.ENUM, K.ENUM64),
               "typedef": (K.TYPEDEF,), "func": (K.FUNC,), "var": (K.VAR,),
               "datasec": (K.DATASEC,), "fwd": (K.FWD,)}
# kinds that `--format c` prints for a whole file (every named one, plus anonymous enums)
_C_KINDS = (K.STRUCT, K.UNION, K.ENUM, K.ENUM64, K.TYPEDEF)


def register(subparsers):
    p = subparsers.add_parser("btf", help="BTF utilities (dump types as bpftool does)",
                              description="BTF utilities.")
    sub = p.add_subparsers(dest="btf_command", metavar="SUBCOMMAND", parser_class=type(p))
    sub.required = True
    d = sub.add_parser(
        "dump", help="print types of a BTF file (raw like bpftool, or C)",
        description="Print the types of raw BTF or of an ELF's .BTF section. --format raw (default) "
                    "prints exactly what `bpftool btf dump file FILE` prints; --format c prints C "
                    "definitions (all named structs, unions, enums and typedefs in ID order when no "
                    "--type is given; this is a per-type listing, not a dependency-ordered header).")
    d.add_argument("file", metavar="FILE", help="raw BTF, or an ELF with .BTF (.bpf.o, vmlinux, .ko)")
    d.add_argument("--base", metavar="FILE", help="base BTF for split (module) BTF: raw or ELF vmlinux")
    d.add_argument("--type", dest="types", action="append", default=[], metavar="NAME|ID",
                   help="only this type (repeatable): an ID, a name, or 'struct NAME', "
                        "'union NAME', 'enum NAME', 'typedef NAME', 'func NAME'")
    d.add_argument("--format", choices=("raw", "c"), default="raw", help="output format (default raw)")
    d.add_argument("--kfuncs", action="store_true",
                   help="print `extern <prototype> __ksym;` for every FUNC tagged bpf_kfunc, by name")
    d.add_argument("--no-type-tags", action="store_true",
                   help="C output: leave out btf_type_tag attributes")
    d.set_defaults(func=run_dump)
    return p


# ---------------------------------------------------------------------------------- loading
def _btf_bytes(path):
    """(BTF bytes, distilled base bytes or None) of a raw BTF file or an ELF's .BTF section."""
    data = load_bytes(path)
    if data[:2] in _BTF_MAGICS:
        return data, None
    if data[:4] == _ELF_MAGIC:
        secs = elf_btf_sections(data, path)
        if ".BTF" not in secs:
            raise InputError(path, "ELF file has no .BTF section")
        return secs[".BTF"], secs.get(".BTF.base")
    raise InputError(path, "neither raw BTF (magic 0xeb9f) nor an ELF file")


def _parse(data, path, base=None, split_hint=False):
    try:
        return Btf(data, base=base, path=path)
    except InputError as e:
        if split_hint and base is None and "empty string" in e.problem:
            raise InputError(path, f"{e.problem} (split BTF? give its base with --base)") from None
        raise


def load_btf(path, base_path=None):
    """The Btf of FILE, over --base (or the distilled/sysfs base) when it is split BTF."""
    data, distilled = _btf_bytes(path)
    base = None
    if base_path:
        bdata, _ = _btf_bytes(base_path)
        base = _parse(bdata, base_path)
    elif distilled is not None:
        base = _parse(distilled, f"{path}:.BTF.base")
    else:
        real = os.path.realpath(path)
        if (os.path.dirname(real) == "/sys/kernel/btf" and os.path.basename(real) != "vmlinux"
                and os.path.exists("/sys/kernel/btf/vmlinux")):
            vdata, _ = _btf_bytes("/sys/kernel/btf/vmlinux")
            base = _parse(vdata, "/sys/kernel/btf/vmlinux")
    return _parse(data, path, base, split_hint=True)


# ---------------------------------------------------------------------------------- selection
def select_types(btf, specs):
    """Type IDs for --type arguments: an ID, a name, or '<kind word> NAME'; in the order given."""
    out = []
    for spec in specs:
        s = spec.strip()
        if s.isdigit():
            tid = int(s)
            if not 1 <= tid < btf.type_count:
                raise InputError(btf.path, f"no type with id {tid} (ids are 1..{btf.type_count - 1})")
            out.append(tid)
            continue
        kinds = None
        word, _, rest = s.partition(" ")
        if rest.strip() and word.lower() in _KIND_WORDS:
            kinds = _KIND_WORDS[word.lower()]
            s = rest.strip()
        ids = btf.find_all(s)
        if kinds is not None:
            ids = [i for i in ids if btf.kind_of(i) in kinds]
        if not ids:
            raise InputError(btf.path, f"no type named '{spec}'")
        out.extend(ids)
    return out


def kfunc_ids(btf):
    """FUNCs carrying a whole-function bpf_kfunc DECL_TAG (this BTF's own types), sorted by name."""
    funcs = set()
    for tid in btf.ids_of_kind(K.DECL_TAG, own_only=True):
        t = btf.type(tid)
        if t.name == "bpf_kfunc" and t.component_idx == -1 and btf.kind_of(t.type) == K.FUNC:
            funcs.add(t.type)
    return sorted(funcs, key=lambda i: (btf.name_of(i), i))


def c_ids(btf):
    """Types a whole-file C dump defines: named structs/unions/enums/typedefs, anonymous enums."""
    out = []
    for tid in btf.own_ids():
        k = btf.kind_of(tid)
        if k in _C_KINDS and (btf.name_of(tid) or k in (K.ENUM, K.ENUM64)):
            out.append(tid)
    return out


# ---------------------------------------------------------------------------------- output
def _write(chunks):
    w = sys.stdout.write
    buf = []
    for c in chunks:
        buf.append(c)
        if len(buf) >= 2048:
            w("".join(buf))
            buf.clear()
    if buf:
        w("".join(buf))
    sys.stdout.flush()


def run_dump(args):
    btf = load_btf(args.file, args.base)
    tags = not args.no_type_tags
    if args.kfuncs:
        _write(render.bounded(btf, (f"extern {render.func_proto(btf, tid, tags=tags)} __ksym;\n"
                                    for tid in kfunc_ids(btf))))
        return 0
    ids = select_types(btf, args.types) if args.types else None
    if args.format == "raw":
        _write(render.bounded(btf, (s + "\n" for s in render.raw_dump_all(btf, ids))))
    else:
        ids = ids if ids is not None else c_ids(btf)
        _write(render.bounded(btf, (render.type_definition(btf, tid, tags=tags) + "\n\n" for tid in ids)))
    return 0
