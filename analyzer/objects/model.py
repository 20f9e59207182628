"""BPF ELF object -> ObjectModel: programs, the linked instruction view the verifier sees, helper and
kfunc calls, externs, maps, CO-RE relocations, license.

Follows libbpf (src/libbpf.c): bpf_object__elf_collect (sections), bpf_object__add_programs (a
section holds one program per STT_FUNC symbol; functions in .text are subprograms),
bpf_object__collect_externs, bpf_program__record_reloc (what each relocation means) and
bpf_object__reloc_code (subprograms are appended after the main program, depth first, in the
order of their first call).

The ELF reader is our own (ELF64 only, both byte orders): every malformed input raises InputError
naming the object, never a Python exception from deep inside a parser.

Linked view: `prog.linked[pos]` is a LinkedInsn for every instruction slot of the main program and
then of each appended subprogram (ld_imm64 tails included, so pos arithmetic matches the verifier).
`reloc` on a LinkedInsn is one of
    ("map", map_name)                      ld_imm64 of a map (BTF-defined, legacy or struct_ops)
    ("map_value", map_name, offset)        ld_imm64 of global data (.data/.rodata/.bss/arena)
    ("kfunc", extern_name)                 call of an extern function (src_reg=1 + extern relocation)
    ("ksym", extern_name)                  ld_imm64 of a __ksym variable or of a kfunc's address
    ("kconfig", extern_name, offset)       ld_imm64 of a .kconfig extern (offset in the .kconfig map)
    ("core", CoreRelo)                     a CO-RE relocation from .BTF.ext
    ("call", subprog_name)                 bpf-to-bpf call (call_target = linked pos of the callee)
    ("func", subprog_name)                 ld_imm64 of a subprogram's address (callback; call_target set)
    ("extern", extern_name)                relocation against an extern libbpf cannot classify

Guards (`Program.kfunc_guarded`, `Program.core_guarded`) are a deliberately simple, local test:
the instruction is guarded when, in the same function and before it, the same ksym is loaded by
ld_imm64 (for CO-RE: an existence relocation of the same type/field sets a register to 1), and the
loaded register is compared with 0 by a jeq/jne (64- or 32-bit) before it is redefined, and the
instruction lies on the non-zero side of that jump with no other jump entering the region between
the test and the instruction. Guards in a caller, guards through spilled/copied registers, or
compound conditions are not recognised (reported as unguarded). The verdict engine computes real
per-kernel reachability on `prog.linked`.
"""
import bisect
import os
import struct
from typing import NamedTuple, Optional

from btf import kinds as K
from btf.errors import InputError
from btf.ext import BtfExt, CoreRelo
from btf.reader import Btf

from analyzer.objects import insns as I
from analyzer.objects.helpers import helper_name
from analyzer.objects.maps import (MapDef, MapErr, internal_map_for_section, is_data_section, parse_btf_map,
                   parse_legacy_maps)

EM_BPF = 247
SHT_SYMTAB, SHT_RELA, SHT_NOBITS, SHT_REL = 2, 4, 8, 9
SHF_EXECINSTR = 0x4
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION = 0, 1, 2, 3
STB_LOCAL, STB_GLOBAL, STB_WEAK = 0, 1, 2
SHN_UNDEF, SHN_LORESERVE, SHN_XINDEX = 0, 0xFF00, 0xFFFF

# kernel include/linux/license.h license_is_gpl_compatible()
GPL_COMPATIBLE = ("GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL",
                  "Dual MPL/GPL")

EXISTS_KINDS = (2, 8, 10, 12)     # field_exists, type_exists, enumval_exists, type_matches


def license_is_gpl_compatible(lic):
    return lic in GPL_COMPATIBLE


def essential_name(name):
    """Strip a ___flavor suffix like libbpf's bpf_core_essential_name_len: the last "X___Y" with X
    and Y not underscores marks the cut ("foo___v2" -> "foo")."""
    n = len(name)
    for i in range(n - 5, -1, -1):
        if (name[i] != "_" and name[i + 1:i + 4] == "___" and name[i + 4] != "_"):
            return name[:i + 1]
    return name


# ---------------------------------------------------------------------------------------- ELF
class _Section(NamedTuple):
    idx: int
    name: str
    type: int
    flags: int
    offset: int
    size: int
    link: int
    info: int
    entsize: int


class _Sym(NamedTuple):
    idx: int
    name: str
    info: int
    shndx: int
    value: int
    size: int

    @property
    def bind(self):
        return self.info >> 4

    @property
    def type(self):
        return self.info & 0xF


class _Zeros:
    """Zero-filled bytes of a large SHT_NOBITS section without allocating them."""

    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, k):
        if isinstance(k, slice):
            a, b, _ = k.indices(self.size)
            return bytes(max(0, b - a))
        if not -self.size <= k < self.size:
            raise IndexError(k)
        return 0


class _Elf:
    def __init__(self, data, name):
        self.data = data
        self.name = name
        d = data
        if len(d) < 64 or d[:4] != b"\x7fELF":
            raise InputError(name, "not an ELF file" if d[:4] != b"\x7fELF" else
                             f"truncated ELF header ({len(d)} bytes)")
        if d[4] != 2:
            raise InputError(name, f"not a BPF object (ELF class {d[4]}, BPF objects are 64-bit)")
        if d[5] not in (1, 2):
            raise InputError(name, f"bad ELF data encoding {d[5]}")
        self.bo = "little" if d[5] == 1 else "big"
        p = "<" if d[5] == 1 else ">"
        self.p = p
        (e_type, e_machine, _v, _entry, _phoff, shoff, _flags, _ehsize, _phes, _phnum, shentsize,
         shnum, shstrndx) = struct.unpack_from(p + "HHIQQQIHHHHHH", d, 16)
        if e_machine != EM_BPF:
            raise InputError(name, f"not a BPF object (e_machine {e_machine})")
        if e_type != 1:
            raise InputError(name, f"not a relocatable BPF object (ELF type {e_type})")
        if shoff == 0:
            raise InputError(name, "ELF has no section headers")
        if shentsize != 64:
            raise InputError(name, f"bad ELF section header size {shentsize}")
        if shoff + 64 > len(d):
            raise InputError(name, f"section headers at offset {shoff} are past the end of the file "
                                   f"({len(d)} bytes)")
        if shnum == 0:
            shnum = struct.unpack_from(p + "Q", d, shoff + 32)[0]
        if shstrndx == SHN_XINDEX:
            shstrndx = struct.unpack_from(p + "I", d, shoff + 40)[0]
        if shoff + shnum * 64 > len(d):
            raise InputError(name, f"{shnum} section headers at offset {shoff} run past the end of the "
                                   f"file ({len(d)} bytes)")
        raw = []
        for i in range(shnum):
            sh_name, sh_type, sh_flags, _addr, sh_off, sh_size, sh_link, sh_info, _al, sh_es = \
                struct.unpack_from(p + "IIQQQQIIQQ", d, shoff + 64 * i)
            raw.append((sh_name, sh_type, sh_flags, sh_off, sh_size, sh_link, sh_info, sh_es))
        if shstrndx >= shnum:
            raise InputError(name, f"section name table index {shstrndx} is out of range ({shnum} sections)")
        st = raw[shstrndx]
        self._check_range(st[3], st[4], "section name table")
        self._shstr = d[st[3]:st[3] + st[4]]
        self.sections = []
        for i, (nm, ty, fl, off, sz, lk, inf, es) in enumerate(raw):
            sname = self._str(self._shstr, nm, "section name") if i else ""
            if ty != SHT_NOBITS and i:
                self._check_range(off, sz, f"section '{sname}'")
            self.sections.append(_Section(i, sname, ty, fl, off, sz, lk, inf, es))
        self.by_name = {}
        for s in self.sections:
            self.by_name.setdefault(s.name, s)
        self.symbols = self._read_symbols()

    def _check_range(self, off, size, what):
        if off + size > len(self.data):
            raise InputError(self.name, f"{what} [{off}, {off + size}) is past the end of the file "
                                        f"({len(self.data)} bytes)")

    def _str(self, table, off, what):
        if off >= len(table):
            if off == 0:
                return ""
            raise InputError(self.name, f"{what} offset {off} is past the end of its string table")
        end = table.find(b"\0", off)
        if end < 0:
            end = len(table)
        return table[off:end].decode("utf-8", "replace")

    def sec_data(self, s, zeros=False):
        """Section bytes. SHT_NOBITS (.bss) has no file bytes: b"" unless zeros=True, which gives
        its zero-filled image (lazily for big sections)."""
        if s.type == SHT_NOBITS:
            if not zeros:
                return b""
            return bytes(s.size) if s.size <= (1 << 20) else _Zeros(s.size)
        return self.data[s.offset:s.offset + s.size]

    def _read_symbols(self):
        symtabs = [s for s in self.sections if s.type == SHT_SYMTAB]
        if not symtabs:
            return []
        st = symtabs[0]
        if st.entsize != 24:
            raise InputError(self.name, f"symbol table entry size {st.entsize} is not 24")
        if st.link >= len(self.sections):
            raise InputError(self.name, f"symbol table string table index {st.link} is out of range")
        strs = self.sec_data(self.sections[st.link])
        d = self.sec_data(st)
        out = []
        fmt = self.p + "IBBHQQ"
        for i in range(len(d) // 24):
            nm, info, _other, shndx, value, size = struct.unpack_from(fmt, d, 24 * i)
            out.append(_Sym(i, self._str(strs, nm, "symbol name"), info, shndx, value, size))
        return out


# ---------------------------------------------------------------------------------------- model
class Extern(NamedTuple):
    name: str
    kind: str                 # "ksym_func" | "ksym_var" | "kconfig" | "unsupported"
    weak: bool
    btf_type_id: int          # FUNC_PROTO for funcs, var type (mods/typedefs skipped) for vars, 0 = typeless
    essential_name: str       # name without ___flavor suffix (== name when there is none)
    section: Optional[str]    # ".ksyms" / ".kconfig" / other DATASEC name / None without BTF
    btf_id: int = 0           # the FUNC or VAR itself
    sym_idx: int = 0


class LinkedInsn:
    """One instruction slot of the linked program. `sec_idx` is its index inside its ELF section,
    `pos` its index in the linked program, `func` the function it belongs to."""

    __slots__ = ("pos", "insn", "section", "sec_idx", "line", "reloc", "call_target", "func")

    def __init__(self, pos, insn, section, sec_idx, line, reloc, func):
        self.pos = pos
        self.insn = insn
        self.section = section
        self.sec_idx = sec_idx
        self.line = line
        self.reloc = reloc
        self.call_target = None
        self.func = func

    def __repr__(self):
        return f"<LinkedInsn {self.pos} {self.func}:{self.sec_idx} {self.insn.text()} {self.reloc or ''}>"


class HelperCall(NamedTuple):
    pos: int
    helper_id: int
    helper_name: Optional[str]
    line: Optional[str]


class KfuncCall(NamedTuple):
    pos: int
    name: str
    weak: bool
    line: Optional[str]


class MapRef(NamedTuple):
    pos: int
    map: str
    kind: str                 # "map" | "map_value" | "kconfig"
    offset: int
    line: Optional[str]


class CoreRef(NamedTuple):
    pos: int
    relo: CoreRelo
    description: str
    line: Optional[str] = None


class _Func(NamedTuple):
    shndx: int
    section: str
    name: str
    start: int                # insn index in the section
    end: int                  # exclusive
    bind: int


class Program:
    def __init__(self, func, info, obj):
        self.name = func.name
        self.section = func.section
        self.info = info
        self.insn_off = func.start
        self.insns = obj._sec_insns[func.shndx][func.start:func.end]
        self.line_info = [li for li in (obj.ext.line_info.get(func.section, ()) if obj.ext else ())
                          if func.start <= li.insn_idx < func.end]
        self.func_btf_id = obj._func_btf_ids.get((func.section, func.start))
        self.subprograms = []
        self.linked = []
        self.helper_calls = []
        self.kfunc_calls = []
        self.map_refs = []
        self.core_relos = []
        self.kfunc_guarded = {}   # pos of a weak kfunc call -> guarded by bpf_ksym_exists (simple test)
        self.core_guarded = {}    # pos of a CO-RE relocation -> guarded by an existence check
        self.ksym_refs = []       # (pos, extern name, line)
        self.isa_features = set()
        self.warnings = []
        self._funcs = []          # (start pos, end pos, _Func) in the linked view

    @property
    def autoload(self):
        return self.info.autoload

    @property
    def sleepable(self):
        return self.info.sleepable

    def func_range(self, pos):
        for a, b, f in self._funcs:
            if a <= pos < b:
                return a, b, f
        return 0, len(self.linked), None

    def __repr__(self):
        return f"<Program {self.name} sec={self.section} insns={len(self.insns)} linked={len(self.linked)}>"


class ObjectModel:
    def __init__(self, name):
        self.name = name
        self.byteorder = "little"
        self.btf = None
        self.ext = None
        self.license = None
        self.gpl_compatible = False
        self.kern_version = None
        self.programs = []
        self.subprograms = []     # names of .text functions
        self.maps = []
        self.externs = []
        self.legacy_maps = False
        self.warnings = []
        # relocations bpf_object__open refuses (libbpf bpf_program__record_reloc -> -LIBBPF_ERRNO__RELOC),
        # in libbpf's order: {"reason", "program", "symbol", "section", "message"}; the first one fails the open
        self.open_errors = []
        self._data_sections = {}  # internal map name -> initial bytes
        self._kconfig_layout = {}
        self.duplicate_of = None  # set by load_objects for repeated embedded copies

    def map(self, name):
        for m in self.maps:
            if m.name == name:
                return m
        return None

    def extern(self, name):
        for e in self.externs:
            if e.name == name:
                return e
        return None

    def kconfig_layout(self):
        """{extern name: (offset, size)} in libbpf's .kconfig map layout."""
        return dict(self._kconfig_layout)

    def map_initial_data(self, name):
        """Initial contents of an internal data map (.rodata, .data, .bss -> zeros), else None."""
        return self._data_sections.get(name)

    def program(self, name):
        for p in self.programs:
            if p.name == name:
                return p
        return None

    def __repr__(self):
        return f"<ObjectModel {self.name} progs={len(self.programs)} maps={len(self.maps)}>"


# ---------------------------------------------------------------------------------------- loading
def _classify(section, overrides):
    from analyzer.objects.sections import classify_section
    bare = section[1:] if section.startswith("?") else section
    ov = None
    if overrides:
        ov = overrides.get(section) or overrides.get(bare)
    return classify_section(section, ov)


def _describe(btf, relo):
    try:
        from btf.core import describe
    except ImportError:
        describe = None
    if describe is not None:
        try:
            return describe(btf, relo.type_id, relo.access_str, relo.kind)
        except InputError:
            pass
        except (IndexError, ValueError, KeyError, AttributeError, TypeError):
            pass
    try:
        tname = btf.name_of(relo.type_id) or f"[{relo.type_id}]"
    except InputError:
        tname = f"[{relo.type_id}]"
    return f"{relo.kind_name} {tname} {relo.access_str}"


def load_object(data, name, *, prog_type_overrides=None) -> ObjectModel:
    """Parse one BPF ELF object. Raises InputError (naming `name`) on anything malformed."""
    try:
        return _Loader(bytes(data), name, prog_type_overrides).run()
    except InputError as e:
        if e.path != name and not e.path.startswith(name):
            raise InputError(name, f"{e.path}: {e.problem}") from None
        raise
    except (struct.error, ValueError, IndexError, KeyError, TypeError, OverflowError,
            UnicodeDecodeError, RecursionError) as e:
        raise InputError(name, f"malformed BPF object ({type(e).__name__}: {e})") from None


class _Loader:
    def __init__(self, data, name, overrides):
        self.name = name
        self.overrides = overrides or {}
        self.elf = _Elf(data, name)
        self.obj = ObjectModel(name)
        self.obj.byteorder = self.elf.bo
        self.obj._sec_insns = {}
        self.obj._func_btf_ids = {}
        self.warn = self.obj.warnings.append

    # -------------------------------------------------------------- top level
    def run(self):
        elf, obj = self.elf, self.obj
        self._btf()
        self._license_version()
        self.text_shndx = elf.by_name[".text"].idx if ".text" in elf.by_name else None
        self._programs_sections()
        self._externs()
        self._maps()
        self._relocations()
        self._build_programs()
        return obj

    def _btf(self):
        elf, obj = self.elf, self.obj
        s = elf.by_name.get(".BTF")
        if s is not None:
            obj.btf = Btf(elf.sec_data(s), path=f"{self.name} (.BTF)")
            if obj.btf.byteorder != elf.bo:
                self.warn(f".BTF byte order ({obj.btf.byteorder}) differs from the ELF ({elf.bo})")
        s = elf.by_name.get(".BTF.ext")
        if s is not None:
            if obj.btf is None:
                self.warn(".BTF.ext present without .BTF; ignored (libbpf ignores it too)")
            else:
                obj.ext = BtfExt(elf.sec_data(s), obj.btf, f"{self.name}")
                for sec, recs in obj.ext.func_info.items():
                    for idx, tid in recs:
                        obj._func_btf_ids[(sec, idx)] = tid

    def _license_version(self):
        elf, obj = self.elf, self.obj
        s = elf.by_name.get("license")
        if s is not None:
            raw = elf.sec_data(s)
            obj.license = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
            obj.gpl_compatible = license_is_gpl_compatible(obj.license)
        s = elf.by_name.get("version")
        if s is not None:
            raw = elf.sec_data(s)
            if len(raw) != 4:
                self.warn(f"invalid kver section size {len(raw)} (expected 4)")
            else:
                obj.kern_version = int.from_bytes(raw, elf.bo)

    # -------------------------------------------------------------- code sections and functions
    def _programs_sections(self):
        elf, obj = self.elf, self.obj
        self.prog_secs = {}
        from btf import limits
        room = limits.get("MAX_INSNS") * 8
        for s in elf.sections:
            if s.type == 1 and s.size > 0 and (s.flags & SHF_EXECINSTR):   # SHT_PROGBITS
                room -= s.size
                if room < 0:
                    raise limits.breach(self.name, "MAX_INSNS", "instructions in this object")
                try:
                    obj._sec_insns[s.idx] = I.decode(elf.sec_data(s), elf.bo)
                except ValueError as e:
                    raise InputError(self.name, f"section '{s.name}': {e}") from None
                self.prog_secs[s.idx] = s
        self.funcs = {}
        for sym in elf.symbols:
            if sym.type != STT_FUNC or sym.shndx not in self.prog_secs:
                continue
            s = self.prog_secs[sym.shndx]
            n = len(obj._sec_insns[s.idx])
            if sym.value % 8 or sym.size % 8:
                self.warn(f"function '{sym.name}' in '{s.name}' is not instruction-aligned; skipped")
                continue
            start, end = sym.value // 8, (sym.value + sym.size) // 8
            if start >= n or end > n or end <= start:
                self.warn(f"function '{sym.name}' in '{s.name}' [{start}, {end}) is outside the section "
                          f"({n} instructions); skipped")
                continue
            if s.idx != self.text_shndx and sym.bind == STB_LOCAL:
                self.warn(f"program '{sym.name}' in '{s.name}' is static; libbpf refuses static programs")
            self.funcs.setdefault(s.idx, []).append(_Func(s.idx, s.name, sym.name, start, end, sym.bind))
        for idx, s in self.prog_secs.items():
            fl = self.funcs.get(idx)
            if not fl:
                # no symbols (stripped or hand-made): the whole section is one program
                self.funcs[idx] = [_Func(idx, s.name, s.name if idx != self.text_shndx else ".text", 0,
                                         len(obj._sec_insns[idx]), STB_GLOBAL)]
            else:
                fl.sort(key=lambda f: f.start)
                dedup = []
                for f in fl:
                    if dedup and f.start < dedup[-1].end:
                        self.warn(f"function '{f.name}' overlaps '{dedup[-1].name}' in '{s.name}'; skipped")
                        continue
                    dedup.append(f)
                self.funcs[idx] = dedup
        self._func_starts = {idx: [f.start for f in fl] for idx, fl in self.funcs.items()}

    def func_at(self, shndx, idx):
        fl = self.funcs.get(shndx)
        if not fl:
            return None
        i = bisect.bisect_right(self._func_starts[shndx], idx) - 1
        if i >= 0 and fl[i].start <= idx < fl[i].end:
            return fl[i]
        return None

    # -------------------------------------------------------------- externs
    def _externs(self):
        elf, obj, btf = self.elf, self.obj, self.obj.btf
        self.ext_by_sym = {}
        var_sec = {}
        if btf is not None:
            for sid in btf.ids_of_kind(K.DATASEC):
                sec = btf.type(sid)
                for vs in sec.secinfo:
                    var_sec.setdefault(vs.type, sec.name)
        for sym in elf.symbols:
            if not (sym.shndx == SHN_UNDEF and sym.bind in (STB_GLOBAL, STB_WEAK) and sym.type == STT_NOTYPE):
                continue
            if not sym.name:
                continue
            weak = sym.bind == STB_WEAK
            ess = essential_name(sym.name)
            if btf is None:
                ext = Extern(sym.name, "unsupported", weak, 0, ess, None, 0, sym.idx)
                self.warn(f"extern '{sym.name}' has no BTF (object without .BTF); libbpf refuses it")
            else:
                bid = 0
                for tid in btf.find_own(sym.name):
                    k = btf.kind_of(tid)
                    if k == K.VAR or k == K.FUNC:
                        bid = tid
                        break
                if not bid:
                    self.warn(f"failed to find BTF for extern '{sym.name}'")
                    ext = Extern(sym.name, "unsupported", weak, 0, ess, None, 0, sym.idx)
                else:
                    t = btf.type(bid)
                    if t.kind == K.VAR and t.linkage != K.VAR_GLOBAL_EXTERN or \
                            t.kind == K.FUNC and t.linkage != K.FUNC_EXTERN:
                        self.warn(f"BTF for extern '{sym.name}' is not declared extern (linkage {t.linkage})")
                    secname = var_sec.get(bid)
                    if secname == ".kconfig":
                        kind = "kconfig" if t.kind == K.VAR else "unsupported"
                        tid = t.type
                    elif secname == ".ksyms":
                        kind = "ksym_func" if t.kind == K.FUNC else "ksym_var"
                        tid = btf.skip_mods(t.type) if t.type else 0
                    else:
                        kind, tid = "unsupported", t.type or 0
                        self.warn(f"extern '{sym.name}' is in unrecognized section {secname!r}")
                    ext = Extern(t.name, kind, weak, tid, essential_name(t.name), secname, bid, sym.idx)
            obj.externs.append(ext)
            self.ext_by_sym[sym.idx] = ext
        # .kconfig layout like libbpf: descending alignment, ascending size, then name
        kc = []
        for e in obj.externs:
            if e.kind != "kconfig":
                continue
            try:
                sz = btf.resolve_size(e.btf_type_id)
            except InputError:
                self.warn(f"failed to resolve size of extern (kcfg) '{e.name}'")
                continue
            kc.append((-self._align(e.btf_type_id, sz), sz, e.name))
        kc.sort()
        off = 0
        for negal, sz, nm in kc:
            al = -negal
            off = (off + al - 1) // al * al
            obj._kconfig_layout[nm] = (off, sz)
            off += sz
        self.kconfig_size = off

    def _align(self, tid, sz):
        btf = self.obj.btf
        t = btf.type(btf.skip_mods(tid))
        if t.kind == K.ARRAY:
            try:
                return self._align(t.elem_type, btf.resolve_size(t.elem_type))
            except InputError:
                return 1
        return max(1, min(sz, 8))

    # -------------------------------------------------------------- maps
    def _maps(self):
        elf, obj, btf = self.elf, self.obj, self.obj.btf
        self.map_by_loc = {}      # (shndx, offset) -> map name
        self.data_secs = {}       # shndx -> internal map name
        maps_sec = elf.by_name.get(".maps")
        if maps_sec is not None:
            sym_off = {s.name: s.value for s in elf.symbols if s.shndx == maps_sec.idx and s.name
                       and s.type != STT_SECTION}
            if btf is None:
                self.warn("'.maps' section present but the object has no BTF; maps cannot be parsed")
            else:
                ds = [t for t in (btf.type(i) for i in btf.find_own(".maps", K.DATASEC))]
                if not ds:
                    self.warn("DATASEC '.maps' not found in BTF")
                for sec in ds:
                    for vs in sec.secinfo:
                        v = btf.type(vs.type)
                        if v.kind != K.VAR:
                            self.warn(f"'.maps' entry [{vs.type}] is a {v.kind_name}, not a VAR")
                            continue
                        try:
                            md = parse_btf_map(btf, v.name, v.type)
                        except MapErr as e:
                            self.warn(str(e))
                            continue
                        md.sec_offset = sym_off.get(v.name, vs.offset)
                        obj.maps.append(md)
                        self.map_by_loc[(maps_sec.idx, md.sec_offset)] = md.name
                self._map_values_init(maps_sec)
        legacy = elf.by_name.get("maps")
        if legacy is not None:
            syms = [(s.name, s.value) for s in elf.symbols if s.shndx == legacy.idx and s.name
                    and s.type != STT_SECTION]
            mds, ws = parse_legacy_maps(elf.sec_data(legacy), syms, elf.bo)
            obj.warnings.extend(ws)
            for md in mds:
                obj.maps.append(md)
                self.map_by_loc[(legacy.idx, md.sec_offset)] = md.name
            obj.legacy_maps = True
        for s in elf.sections:
            if s.flags & SHF_EXECINSTR or not s.name:
                continue
            if is_data_section(s.name) and s.type in (1, SHT_NOBITS):
                ro = s.name.startswith(".rodata")
                if s.size == 0:
                    continue
                md = internal_map_for_section(s.name, s.size, readonly=ro)
                obj.maps.append(md)
                self.data_secs[s.idx] = s.name
                obj._data_sections[s.name] = elf.sec_data(s, zeros=True)
            elif s.name == ".addr_space.1":
                self.data_secs[s.idx] = self._arena_map_name()
            elif s.name in (".struct_ops", ".struct_ops.link") or s.name.startswith(".struct_ops."):
                self._struct_ops(s)
        if self.kconfig_size:
            md = internal_map_for_section(".kconfig", self.kconfig_size, readonly=True)
            obj.maps.append(md)

    def _arena_map_name(self):
        for m in self.obj.maps:
            if m.type == "BPF_MAP_TYPE_ARENA":
                return m.name
        self.warn("'.addr_space.1' arena data without an arena map (libbpf: bad arena data relocation)")
        return ".addr_space.1"

    def _struct_ops(self, s):
        btf = self.obj.btf
        if btf is None:
            self.warn(f"'{s.name}' section without BTF")
            return
        sym_off = {x.name: x.value for x in self.elf.symbols if x.shndx == s.idx and x.name}
        for sid in btf.find_own(s.name, K.DATASEC):
            for vs in btf.type(sid).secinfo:
                v = btf.type(vs.type)
                if v.kind != K.VAR:
                    continue
                vt = btf.skip_mods(v.type)
                try:
                    size = btf.resolve_size(vt)
                except InputError:
                    size = 0
                md = MapDef(name=v.name, type="BPF_MAP_TYPE_STRUCT_OPS", key_size=4, value_size=size,
                            value_type=vt, max_entries=1, internal=True, section=s.name,
                            sec_offset=sym_off.get(v.name, vs.offset),
                            map_flags=0x2000 if s.name.endswith(".link") else 0)   # BPF_F_LINK
                data = self.elf.sec_data(s) if s.type != SHT_NOBITS else b""
                md.init_data = bytes(data[md.sec_offset:md.sec_offset + size])
                self.obj.maps.append(md)
                self.map_by_loc[(s.idx, md.sec_offset)] = md.name
        # function-pointer members point at programs through relocations (libbpf bpf_object__collect_st_ops_relos)
        maps = sorted((m.sec_offset, m) for m in self.obj.maps if m.section == s.name)
        for r_off, sym in self._rels_into(s):
            if sym is None or not sym.name:
                continue
            for off, m in maps:
                if off <= r_off < off + m.value_size:
                    m.member_progs[r_off - off] = sym.name

    def _map_values_init(self, maps_sec):
        """`.values = {...}` initialisers of map-in-map and prog arrays (relocations in .rel.maps)."""
        by_off = sorted((m.sec_offset, m) for m in self.obj.maps if m.section == ".maps")
        for r_off, sym in self._rels_into(maps_sec):
            if sym is None:
                continue
            owner = None
            for off, m in by_off:
                if off <= r_off:
                    owner = (off, m)
            if owner is None or not owner[1].has_values:
                continue
            off, m = owner
            # values[] follow the other members: each slot is a pointer (8 bytes)
            st = self.obj.btf.type(self.obj.btf.skip_mods(self._var_type(m.name)))
            if not st.members:
                continue
            vals_off = off + st.members[-1].bit_offset // 8
            slot = (r_off - vals_off) // 8
            if slot < 0:
                continue
            if m.inner is not None:
                m.inner_init[slot] = sym.name
            else:
                m.prog_array_init[slot] = sym.name

    def _var_type(self, name):
        btf = self.obj.btf
        for tid in btf.find_own(name, K.VAR):
            return btf.type(tid).type
        return 0

    # -------------------------------------------------------------- relocations
    def _rels_into(self, target):
        """(r_offset, symbol or None) of every SHT_REL section that relocates section `target`."""
        for rs in self.elf.sections:
            if rs.type == SHT_REL and rs.info == target.idx:
                yield from self._rels(rs)

    def _rels(self, rs):
        """(r_offset, symbol or None) for each entry of a SHT_REL section, validated."""
        elf = self.elf
        if rs.entsize not in (0, 16):
            raise InputError(self.name, f"relocation section '{rs.name}' has entry size {rs.entsize}")
        d = elf.sec_data(rs)
        fmt = elf.p + "QQ"
        out = []
        for i in range(len(d) // 16):
            r_off, r_info = struct.unpack_from(fmt, d, 16 * i)
            si = r_info >> 32
            if si >= len(elf.symbols):
                raise InputError(self.name, f"'{rs.name}': relocation #{i} refers to symbol #{si}, "
                                            f"past the symbol table ({len(elf.symbols)} symbols)")
            sym = elf.symbols[si]
            if sym.shndx >= len(elf.sections) and sym.shndx < SHN_LORESERVE:
                raise InputError(self.name, f"'{rs.name}': corrupted symbol #{si} pointing to invalid "
                                            f"section #{sym.shndx} for relo #{i}")
            out.append((r_off, sym))
        return out

    def _relocations(self):
        """self.relocs[(shndx, insn_idx)] = internal reloc tuple (libbpf bpf_program__record_reloc)."""
        elf = self.elf
        self.relocs = {}
        for rs in elf.sections:
            if rs.type == SHT_RELA and rs.info in self.prog_secs:
                self.warn(f"'{rs.name}': RELA relocations are not processed by libbpf; ignored")
                continue
            if rs.type != SHT_REL or rs.info not in self.prog_secs:
                continue
            sec = self.prog_secs[rs.info]
            insns = self.obj._sec_insns[rs.info]
            for i, (r_off, sym) in enumerate(self._rels(rs)):
                if r_off % 8 or r_off >= sec.size:
                    raise InputError(self.name, f"'{rs.name}': invalid offset 0x{r_off:x} for relo #{i}")
                idx = r_off // 8
                if self.func_at(rs.info, idx) is None:
                    continue     # libbpf: probably an overridden weak function, skipped
                self.relocs[(rs.info, idx)] = self._record(sec, insns[idx], sym, i,
                                                           self.func_at(rs.info, idx).name)

    def _record(self, sec, ins, sym, i, prog_name):
        where = f"section '{sec.name}' insn {ins.idx}"

        def refused(reason, message, section=None):
            """libbpf fails bpf_object__open with -LIBBPF_ERRNO__RELOC and this message."""
            self.warn(f"{where}: {message}")
            self.obj.open_errors.append({"reason": reason, "program": prog_name, "symbol": sym.name,
                                         "section": section, "message": f"prog '{prog_name}': {message}"})
            return ("bad", sym.name)
        if not ins.is_call() and not ins.is_ld_imm64():
            return refused("insn_code", f"invalid relo against '{sym.name}' for insn code 0x{ins.code:x}")
        ext = self.ext_by_sym.get(sym.idx)
        if ext is not None:
            if ins.is_call():
                return ("kfunc", ext.name) if ext.kind == "ksym_func" else ("extern", ext.name)
            if ext.kind == "kconfig":
                return ("kconfig", ext.name, self.obj._kconfig_layout.get(ext.name, (0, 0))[0])
            if ext.kind in ("ksym_func", "ksym_var"):
                return ("ksym", ext.name)
            return ("extern", ext.name)
        if ins.is_call():
            if ins.src != I.BPF_PSEUDO_CALL:
                return refused("call_opcode", f"incorrect bpf_call opcode (relocation against '{sym.name}')")
            if sym.shndx == SHN_UNDEF or sym.shndx != self.text_shndx:
                sname = self._sec_name(sym.shndx)
                return refused("call_section", f"bad call relo against '{sym.name}' in section '{sname}'", sname)
            if sym.value % 8:
                return refused("call_offset", f"bad call relo against '{sym.name}' at offset {sym.value}")
            return ("call_rel", sym.value // 8 + ins.imm + 1)
        if sym.shndx == SHN_UNDEF or sym.shndx >= SHN_LORESERVE:
            return refused("special_section", f"invalid relo against '{sym.name}' in special section "
                           f"0x{sym.shndx:x}; forgot to initialize global var?")
        if sym.shndx == self.text_shndx and (sym.type == STT_FUNC and sym.bind in (STB_GLOBAL, STB_WEAK)
                                             or sym.type == STT_SECTION and sym.bind == STB_LOCAL):
            if (sym.value + ins.imm) % 8:
                return refused("subprog_addr", f"bad subprog addr relo against '{sym.name}' at offset "
                               f"{sym.value}+{ins.imm}")
            return ("func_rel", (sym.value + ins.imm) // 8)
        loc = (sym.shndx, sym.value)
        sname = self._sec_name(sym.shndx)
        if sname == ".addr_space.1":
            if not any(m.type == "BPF_MAP_TYPE_ARENA" for m in self.obj.maps):
                return refused("arena_data", f"bad arena data relocation at insn {ins.idx}, no arena maps "
                               "defined", sname)
            return ("map_value", self.data_secs[sym.shndx], sym.value + ins.imm)
        if sym.shndx in self.data_secs:
            return ("map_value", self.data_secs[sym.shndx], sym.value + ins.imm)
        if sname == "maps":
            # the legacy SEC("maps") already fails the open (LEGACY_MAPS, bpf_object__elf_collect);
            # its definitions are still modelled, so the other findings can be given
            if loc in self.map_by_loc:
                return ("map", self.map_by_loc[loc])
            self.warn(f"{where}: map relo failed to find map for section '{sname}', off {sym.value}")
            return ("bad", sym.name)
        if sname != ".maps":
            # libbpf: not .maps and not a data section (.data*/.rodata*/.bss*): e.g. legacy map definitions
            # in 'maps/NAME' or '<type>/maps' sections (skipped as unrecognized data sections), or a
            # struct_ops map referenced from code
            return refused("not_map_section", f"bad map relo against '{sym.name}' in section '{sname}'", sname)
        if loc in self.map_by_loc:
            return ("map", self.map_by_loc[loc])
        return refused("map_not_found", f"map relo failed to find map for section '{sname}', off {sym.value}",
                       sname)

    def _sec_name(self, shndx):
        secs = self.elf.sections
        return secs[shndx].name if 0 <= shndx < len(secs) else f"#{shndx}"

    # -------------------------------------------------------------- programs and linking
    def _build_programs(self):
        obj = self.obj
        core = {}
        if obj.ext is not None:
            for sec, recs in obj.ext.core_relos.items():
                for r in recs:
                    core[(sec, r.insn_idx)] = r
        self.core = core
        lines = {}
        if obj.ext is not None:
            for sec, recs in obj.ext.line_info.items():
                # line 0 marks compiler-generated code: keep the previous real line
                rs = sorted((r for r in recs if r.line), key=lambda r: r.insn_idx)
                lines[sec] = ([r.insn_idx for r in rs], rs)
        self.lines = lines
        from btf import limits
        n_progs = sum(len(fs) for i, fs in self.funcs.items() if i != self.text_shndx)
        if n_progs > limits.get("MAX_PROGRAMS"):
            raise limits.breach(self.name, "MAX_PROGRAMS", f"programs in this object ({n_progs})")
        for shndx in sorted(self.funcs):
            for f in self.funcs[shndx]:
                if shndx == self.text_shndx:
                    obj.subprograms.append(f.name)
                    continue
                info = _classify(f.section, self.overrides)
                prog = Program(f, info, obj)
                if info.prog_type is None:
                    w = (f"program '{f.name}': unknown section '{f.section}' (libbpf cannot guess the "
                         f"program type; use --prog-type {f.section.lstrip('?')}=TYPE)")
                    prog.warnings.append(w)
                    self.warn(w)
                self._link(prog, f)
                self._analyse(prog)
                obj.programs.append(prog)

    def _line(self, section, idx, fstart):
        got = self.lines.get(section)
        if not got:
            return None
        keys, recs = got
        i = bisect.bisect_right(keys, idx) - 1
        if i < 0 or keys[i] < fstart:
            return None
        r = recs[i]
        return f"{os.path.basename(r.file)}:{r.line}" if r.file else f"?:{r.line}"

    def _link(self, prog, main):
        obj = self.obj
        linked = prog.linked
        placed = {}                    # (shndx, start) -> pos of function start

        def append(f):
            base = len(linked)
            placed[(f.shndx, f.start)] = base
            insns = obj._sec_insns[f.shndx]
            for k in range(f.start, f.end):
                reloc = self.relocs.get((f.shndx, k))
                cr = self.core.get((f.section, k))
                if cr is not None:
                    if reloc is not None and reloc[0] != "bad":
                        self.warn(f"section '{f.section}' insn {k}: CO-RE relocation on an instruction "
                                  f"that also has an ELF relocation")
                    else:
                        reloc = ("core", cr)
                linked.append(LinkedInsn(base + k - f.start, insns[k], f.section, k,
                                         self._line(f.section, k, f.start), reloc, f.name))
            prog._funcs.append((base, len(linked), f))
            if f is not main:
                prog.subprograms.append(f.name)
            return base

        # depth-first like bpf_object__reloc_code: a callee is appended at its first call and
        # processed before the caller continues
        append(main)
        stack = [(main, 0, 0)]          # (func, base pos, next offset)
        while stack:
            f, base, k = stack.pop()
            n = f.end - f.start
            while k < n:
                li = linked[base + k]
                k += 1
                ins = li.insn
                r = li.reloc
                target = None
                if ins.is_pseudo_call():
                    if r is not None and r[0] in ("kfunc", "extern", "bad"):
                        continue
                    if r is not None and r[0] == "call_rel":
                        tsh, tidx = self.text_shndx, r[1]
                    else:
                        tsh, tidx = f.shndx, li.sec_idx + ins.imm + 1
                    target = (tsh, tidx, "call")
                elif ins.is_ld_imm64() and r is not None and r[0] == "func_rel":
                    target = (self.text_shndx, r[1], "func")
                elif ins.is_ld_imm64() and ins.src == 4 and r is None:
                    prog.warnings.append(f"'{li.func}' insn {li.sec_idx}: missing subprog addr relo")
                    continue
                if target is None:
                    continue
                tsh, tidx, what = target
                sub = self.func_at(tsh, tidx)
                if sub is None or (tsh != self.text_shndx and sub.shndx != f.shndx):
                    secname = self.elf.sections[tsh].name if tsh is not None and tsh < len(self.elf.sections) else "?"
                    w = (f"program '{prog.name}': {what} at '{li.func}' insn {li.sec_idx} targets "
                         f"'{secname}' insn {tidx}, which is not in any function")
                    prog.warnings.append(w)
                    self.warn(w)
                    li.reloc = ("bad", f"{secname}+{tidx}")
                    continue
                if sub.shndx != self.text_shndx:
                    prog.warnings.append(f"'{li.func}' calls '{sub.name}' outside .text; libbpf requires "
                                         f"subprograms in .text")
                key = (sub.shndx, sub.start)
                if key not in placed:
                    sbase = append(sub)
                    li.call_target = sbase + (tidx - sub.start)
                    li.reloc = (what, sub.name)
                    stack.append((f, base, k))
                    stack.append((sub, sbase, 0))
                    break
                li.call_target = placed[key] + (tidx - sub.start)
                li.reloc = (what, sub.name)

    def _analyse(self, prog):
        obj = self.obj
        ext_by_name = {e.name: e for e in obj.externs}
        ksym_loads = []
        exists_relos = []
        for li in prog.linked:
            ins, r = li.insn, li.reloc
            if ins.is_helper_call():
                prog.helper_calls.append(HelperCall(li.pos, ins.imm, helper_name(ins.imm), li.line))
            if r is None:
                continue
            kind = r[0]
            if kind == "kfunc":
                e = ext_by_name.get(r[1])
                prog.kfunc_calls.append(KfuncCall(li.pos, r[1], bool(e and e.weak), li.line))
            elif kind == "ksym":
                prog.ksym_refs.append((li.pos, r[1], li.line))
                ksym_loads.append(li)
            elif kind == "map":
                prog.map_refs.append(MapRef(li.pos, r[1], "map", 0, li.line))
            elif kind == "map_value":
                prog.map_refs.append(MapRef(li.pos, r[1], "map_value", r[2], li.line))
            elif kind == "kconfig":
                prog.map_refs.append(MapRef(li.pos, ".kconfig", "kconfig", r[2], li.line))
            elif kind == "core":
                prog.core_relos.append(CoreRef(li.pos, r[1], _describe(obj.btf, r[1]), li.line))
                if r[1].kind in EXISTS_KINDS:
                    exists_relos.append(li)
        prog.isa_features = I.isa_features(prog.linked)
        guards = _Guards(prog)
        loads_by_name = {}
        for li in ksym_loads:
            loads_by_name.setdefault(li.reloc[1], []).append(li)
        for kc in prog.kfunc_calls:
            if kc.weak:
                prog.kfunc_guarded[kc.pos] = guards.guarded(kc.pos, loads_by_name.get(kc.name, ()))
        for cr in prog.core_relos:
            if cr.relo.kind in EXISTS_KINDS:
                continue
            cands = [li for li in exists_relos if _guard_matches(li.reloc[1], cr.relo)]
            prog.core_guarded[cr.pos] = guards.guarded(cr.pos, cands) if cands else False

    def _guarded(self, prog, pos, sources):
        """Is linked[pos] only reached when the register set by one of `sources` is non-zero?"""
        return _Guards(prog).guarded(pos, sources)


class _Guards:
    """The guard analysis of one program, linear-ish however many guarded calls it has.

    For a source (the ld_imm64 of a ksym, or a CO-RE exists relocation) the walk to its first
    `if reg ==/!= 0` test does not depend on the call being judged, so it is done once per source;
    jumps of a function are indexed once by target, so "does any other jump land in the guarded
    region" looks only at jumps into that region. Sources are tried nearest first and at most
    MAX_GUARD_SOURCES of them per call (btf.limits): a call preceded by more tests of the same
    symbol than that, none of which guards it, is reported as not guarded."""

    def __init__(self, prog):
        self.prog = prog
        self.linked = prog.linked
        self._tests = {}            # source pos -> (test pos, insn) | None
        self._jumps = {}            # (fa, fb) -> (sorted targets, [(target, source)])
        self._sorted = {}           # id(sources) -> (sources, sorted by pos, their positions)
        from btf import limits
        self.max_sources = limits.get("MAX_GUARD_SOURCES")

    def _first_test(self, src):
        got = self._tests.get(src.pos, 0)
        if got != 0:
            return got
        linked = self.linked
        fa, fb, _ = self.prog.func_range(src.pos)
        reg = src.insn.dst
        j = src.pos + (2 if src.insn.is_ld_imm64() else 1)
        got = None
        while j < fb:
            ins = linked[j].insn
            if ins.is_ld_imm64_tail:
                j += 1
                continue
            if ins.is_cond_jump() and ins.dst == reg and ins.source == I.BPF_K and ins.imm == 0 \
                    and ins.op in (I.BPF_JEQ, I.BPF_JNE):
                got = (j, ins)
                break
            if _writes(ins, reg):
                break
            j += 1
        self._tests[src.pos] = got
        return got

    def _jump_index(self, fa, fb):
        got = self._jumps.get((fa, fb))
        if got is None:
            pairs = []
            linked = self.linked
            for q in range(fa, fb):
                ins = linked[q].insn
                if ins.is_jump():
                    pairs.append((ins.jump_target(), q))
            pairs.sort()
            got = self._jumps[(fa, fb)] = ([t for t, _ in pairs], pairs)
        return got

    def _entered(self, fa, fb, region, pos, test_pos):
        """Does any jump other than the test itself land inside (region start, pos] from outside?"""
        a = region[0]
        targets, pairs = self._jump_index(fa, fb)
        for i in range(bisect.bisect_left(targets, a), bisect.bisect_right(targets, pos)):
            t, q = pairs[i]
            if q == test_pos or a <= q <= pos:
                continue
            if a < t or a != test_pos + 1:
                return True
        return False

    def guarded(self, pos, sources):
        linked = self.linked
        fa, fb, _ = self.prog.func_range(pos)
        key = id(sources)
        got = self._sorted.get(key)
        if got is None or got[0] is not sources:
            srt = sorted(sources, key=lambda s: s.pos)
            got = self._sorted[key] = (sources, srt, [s.pos for s in srt])
        _, srt, poss = got
        hi = bisect.bisect_left(poss, pos)          # sources before pos, nearest first
        lo = max(bisect.bisect_left(poss, fa), hi - self.max_sources)
        for i in range(hi - 1, lo - 1, -1):
            src = srt[i]
            test = self._first_test(src)
            if test is None:
                continue
            j, ins = test
            if j >= pos:
                continue
            t = ins.jump_target()
            if ins.op == I.BPF_JEQ:
                region = (j + 1, t)
                ok = j < pos < t
            else:
                region = (t, pos + 1)
                prev = linked[t - 1].insn if fa <= t - 1 < fb else None
                ok = t <= pos and prev is not None and (
                    prev.is_exit() or (prev.is_uncond_jump() and prev.jump_target() > pos))
            if ok and not self._entered(fa, fb, region, pos, j):
                return True
        return False


def _guard_matches(ex, relo):
    if ex.type_id != relo.type_id:
        return False
    if ex.kind == 2:                       # field_exists guards accesses to that field
        return relo.access_str == ex.access_str or relo.access_str.startswith(ex.access_str + ":")
    if ex.kind == 10:
        return relo.access_str == ex.access_str
    return True                            # type_exists / type_matches guard any use of the type


def _writes(ins, reg):
    c = ins.cls
    if ins.is_call():
        return reg <= 5
    if c in (I.BPF_ALU, I.BPF_ALU64, I.BPF_LDX) or (c == I.BPF_LD):
        return ins.dst == reg
    if c == I.BPF_STX and ins.mode == I.BPF_ATOMIC and ins.imm & I.BPF_FETCH:
        return ins.src == reg or (ins.imm == I.BPF_CMPXCHG and reg == 0)
    return False


# ---------------------------------------------------------------------------------------- many inputs
def is_bpf_elf(head):
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return False
    bo = "little" if head[5] == 1 else "big"
    return int.from_bytes(head[18:20], bo) == EM_BPF


def load_objects(paths, prog_type_overrides=None, progress=None):
    """Load every BPF object found in `paths` (plain .bpf.o files directly; binaries, skeleton
    headers, packages and directories through analyzer.objects.embedded). A plain object that is
    malformed raises InputError; a malformed object embedded in a container becomes a warning
    (the remaining objects are still analysed). Returns (objects, warnings)."""
    objects, warnings = [], []
    for path in paths:
        p = str(path)
        head = b""
        if not os.path.isdir(p):
            try:
                with open(p, "rb") as fh:
                    head = fh.read(64)
            except OSError as e:
                raise InputError(p, e.strerror or str(e)) from None
            if is_bpf_elf(head):
                try:
                    with open(p, "rb") as fh:
                        data = fh.read()
                except OSError as e:
                    raise InputError(p, e.strerror or str(e)) from None
                obj = load_object(data, p, prog_type_overrides=prog_type_overrides)
                objects.append(obj)
                warnings.extend(f"{obj.name}: {w}" for w in obj.warnings)
                if progress is not None:
                    progress.advance(1, p)
                continue
        from analyzer.objects.embedded import find_objects
        found, ws = find_objects(p, progress=progress)
        warnings.extend(ws)
        if not found:
            why = "no BPF objects found"
            if not os.path.isdir(p) and head[:4] == b"\x7fELF" and len(head) >= 20:
                m = int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")
                why = f"not a BPF object (e_machine {m}) and no embedded BPF objects found"
            warnings.append(f"{p}: {why}")
        for eo in found:
            try:
                obj = load_object(eo.data, eo.name, prog_type_overrides=prog_type_overrides)
            except InputError as e:
                warnings.append(f"{e.path}: {e.problem}")
                continue
            obj.duplicate_of = getattr(eo, "duplicate_of", None)
            objects.append(obj)
            warnings.extend(f"{obj.name}: {w}" for w in obj.warnings)
        if progress is not None:
            progress.advance(1, p)
    return objects, warnings
