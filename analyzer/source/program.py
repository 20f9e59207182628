"""BPF C source → program facts, read with libclang (clang.cindex) as `clang -target bpf` would see it.

What a developer gets before compiling: the SEC() programs with libbpf's program type, the __ksym
externs (weak or strong) and every call of them per program, helper calls with their ids (from the
`(void *) N` initializer of bpf_helper_defs.h), CO-RE accesses (preserve_access_index structs,
__builtin_preserve_access_index, BPF_CORE_READ) and the existence checks guarding them, BTF-defined
maps and the license. Calls are followed through the static functions of the translation unit
(callbacks passed by address included), so a program owns what its inlined helpers do.

Guards: a call or access is guarded by a literal (atom, polarity) when it is only reached when that
literal holds. Atoms are ("ksym", name) for bpf_ksym_exists(name) (any non-call use of a __ksym in a
condition), ("core", CoreAccess) for bpf_core_field_exists / bpf_core_type_exists /
bpf_core_enum_value_exists (the __builtin_preserve_* calls they expand to) and ("const", name, value)
for a `const volatile` global (.rodata) with its initial value. Conditions are read through
!, &&, ||, == 0, != 0, statement expressions, ?:, and early exits (`if (!guard) return ...;` guards the
rest of the block). Everything is read from the AST; macros are consulted only to name attributes
(section, weak, preserve_access_index), which libclang does not expose.

Type information the rules need (kfunc prototypes for libbpf's compatibility rule, CO-RE roots) is
emitted into a small local BTF (`SourceModel.btf`) so btf.compat and btf.core judge source exactly as
they judge compiled objects.
"""
from __future__ import annotations

import ctypes
import glob
import os
import re
import shlex
import stat
from dataclasses import dataclass, field
from typing import Optional

from btf import kinds as K
from btf.builder import BtfBuilder
from btf.compat import essential_name
from btf.core import (ENUMVAL_EXISTS, FIELD_BYTE_OFFSET, FIELD_EXISTS, TYPE_EXISTS,
                      describe as core_describe, kind_name as core_kind_name)
from btf.errors import InputError
from btf.reader import Btf

from analyzer.objects.maps import map_type_name
from analyzer.objects.model import license_is_gpl_compatible
from analyzer.objects.sections import classify_section

MULTIARCH_INCLUDE = "/usr/include/x86_64-linux-gnu"

# __builtin_preserve_field_info / _type_info / _enum_value second argument -> relocation kind
_FIELD_INFO_KINDS = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5}      # BPF_FIELD_* == FIELD_* relo kinds
_TYPE_INFO_KINDS = {0: 8, 1: 9, 2: 12}                        # BPF_TYPE_EXISTS/SIZE/MATCHES
_ENUM_INFO_KINDS = {0: 10, 1: 11}                              # BPF_ENUMVAL_EXISTS/VALUE
EXISTS_KINDS = frozenset((FIELD_EXISTS, TYPE_EXISTS, ENUMVAL_EXISTS, 12))


# ------------------------------------------------------------------------------------- model
@dataclass(frozen=True)
class CoreAccess:
    """One CO-RE relocation the compiler emits: kind, local root type and access string (in
    SourceModel.btf), a readable path."""
    kind: int
    type_id: int
    access_str: str
    description: str

    @property
    def kind_name(self):
        return core_kind_name(self.kind)

    @property
    def path(self):
        """'task_struct->__state' (the description without its kind)."""
        return self.description.rsplit(" (", 1)[0]


_GUARD_MACROS = {FIELD_EXISTS: "bpf_core_field_exists", TYPE_EXISTS: "bpf_core_type_exists",
                 ENUMVAL_EXISTS: "bpf_core_enum_value_exists", 12: "bpf_core_type_matches"}


def guard_text(literal):
    """'bpf_ksym_exists(f)', '!bpf_core_field_exists(task_struct->__state)' for a guard literal."""
    atom, pol = literal
    if atom[0] == "ksym":
        text = f"bpf_ksym_exists({atom[1]})"
    elif atom[0] == "const":
        text = f"{atom[1]}(={atom[2]})"
    else:
        text = f"{_GUARD_MACROS.get(atom[1].kind, atom[1].kind_name)}({atom[1].path})"
    return text if pol else "!" + text


@dataclass
class SourceCall:
    """A call (helper or kfunc) or a use (CO-RE access, ksym address) at file:line with its guards."""
    name: str
    line: int
    guards: frozenset = frozenset()      # {(atom, polarity)}; atom = ("ksym", name) | ("core", CoreAccess)
    helper_id: Optional[int] = None
    weak: Optional[bool] = None
    core: Optional[CoreAccess] = None
    file: str = ""                       # basename of the file the site is in (a header, maybe)
    function: Optional[str] = None       # the callback it runs in (address-taken function), else None

    @property
    def where(self):
        return f"{self.file}:{self.line}"

    @property
    def ksym_guarded(self):
        """Behind bpf_ksym_exists() of the very ksym it calls (what inspect of an object reports)."""
        return any(a == ("ksym", self.name) and pol for a, pol in self.guards)

    @property
    def core_guarded(self):
        """Behind an existence check of the same field (or a prefix of it), type or enumerator."""
        acc = self.core
        if acc is None:
            return False
        for a, pol in self.guards:
            if a[0] != "core" or not pol or a[1].type_id != acc.type_id:
                continue
            ex = a[1]
            if ex.kind == FIELD_EXISTS and (acc.access_str == ex.access_str
                                            or acc.access_str.startswith(ex.access_str + ":")):
                return True
            if ex.kind == ENUMVAL_EXISTS and acc.access_str == ex.access_str:
                return True
            if ex.kind in (TYPE_EXISTS, 12):
                return True
        return False

    def guard_texts(self):
        return sorted(guard_text(g) for g in self.guards)


@dataclass
class SourceExtern:
    """An `extern ... __ksym` (function = kfunc, or variable), as objects.Extern."""
    name: str
    kind: str                 # "ksym_func" | "ksym_var"
    weak: bool
    line: int
    prototype: str            # C spelling
    btf_type_id: int          # FUNC_PROTO (functions) / variable type in SourceModel.btf
    btf_id: int               # the FUNC / VAR
    essential_name: str
    section: str = ".ksyms"


@dataclass
class SourceMap:
    name: str
    type: object              # "BPF_MAP_TYPE_..." or the raw int
    line: int
    key_type: Optional[str] = None
    value_type: Optional[str] = None
    key_size: int = 0
    value_size: int = 0
    max_entries: int = 0
    map_flags: int = 0
    pinning: int = 0
    numa_node: int = 0
    map_extra: int = 0
    inner: Optional["SourceMap"] = None
    legacy: bool = False
    internal: bool = False
    section: str = ".maps"


@dataclass
class SourceProgram:
    name: str
    section: str
    line: int
    info: object                                     # sections.SectionInfo
    functions: list = field(default_factory=list)    # static functions it reaches (calls, callbacks)
    helper_calls: list = field(default_factory=list)
    kfunc_calls: list = field(default_factory=list)
    ksym_refs: list = field(default_factory=list)    # non-call uses of __ksym (bpf_ksym_exists)
    core_relos: list = field(default_factory=list)   # SourceCall with .core set
    map_refs: list = field(default_factory=list)     # SourceCall named after the map
    callbacks: list = field(default_factory=list)    # SourceCall named after a function whose address is taken


@dataclass
class SourceModel:
    path: str
    args: list
    license: Optional[str] = None
    gpl_compatible: bool = False
    programs: list = field(default_factory=list)
    externs: list = field(default_factory=list)
    maps: list = field(default_factory=list)
    struct_ops: list = field(default_factory=list)   # (variable, struct name, section, line)
    btf: Optional[Btf] = None
    warnings: list = field(default_factory=list)

    def extern(self, name):
        return next((e for e in self.externs if e.name == name), None)

    def location(self, line):
        return f"{os.path.basename(self.path)}:{line}"


# ------------------------------------------------------------------------------------- libclang
_CI = None


def cindex():
    """clang.cindex with its native library loaded; InputError("libclang", why) when it cannot be."""
    global _CI
    if _CI is not None:
        return _CI
    try:
        import clang.cindex as ci
        ci.Index.create()
        lib = ci.conf.lib
    except Exception as e:  # noqa: BLE001 - ImportError, LibclangError, OSError alike
        raise InputError("libclang", f"cannot be loaded ({e}); install the 'libclang' Python package") from None
    for fn, args, res in (("clang_getCursorUnaryOperatorKind", [ci.Cursor], ctypes.c_int),
                          ("clang_getCursorBinaryOperatorKind", [ci.Cursor], ctypes.c_int),
                          ("clang_getUnaryOperatorKindSpelling", [ctypes.c_int], ci._CXString),
                          ("clang_getBinaryOperatorKindSpelling", [ctypes.c_int], ci._CXString),
                          ("clang_Cursor_Evaluate", [ci.Cursor], ctypes.c_void_p),
                          ("clang_EvalResult_getKind", [ctypes.c_void_p], ctypes.c_int),
                          ("clang_EvalResult_getAsLongLong", [ctypes.c_void_p], ctypes.c_longlong),
                          ("clang_EvalResult_dispose", [ctypes.c_void_p], None),
                          ("clang_getCursorPrintingPolicy", [ci.Cursor], ctypes.c_void_p),
                          ("clang_PrintingPolicy_setProperty", [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint], None),
                          ("clang_PrintingPolicy_dispose", [ctypes.c_void_p], None),
                          ("clang_getCursorPrettyPrinted", [ci.Cursor, ctypes.c_void_p], ci._CXString),
                          ("clang_Cursor_isAnonymousRecordDecl", [ci.Cursor], ctypes.c_uint)):
        f = getattr(lib, fn, None)
        if f is None:
            raise InputError("libclang", f"is too old: it lacks {fn} (need libclang >= 17)")
        f.argtypes, f.restype = args, res
    init = getattr(lib, "clang_Cursor_getVarDeclInitializer", None)
    if init is None:
        raise InputError("libclang", "is too old: it lacks clang_Cursor_getVarDeclInitializer")
    init.argtypes, init.restype, init.errcheck = [ci.Cursor], ci.Cursor, ci.Cursor.from_result
    _CI = ci
    return ci


def _op_spelling(c, binary):
    lib = _CI.conf.lib
    if binary:
        k = lib.clang_getCursorBinaryOperatorKind(c)
        return _CI._CXString.from_result(lib.clang_getBinaryOperatorKindSpelling(k)) if k else ""
    k = lib.clang_getCursorUnaryOperatorKind(c)
    return _CI._CXString.from_result(lib.clang_getUnaryOperatorKindSpelling(k)) if k else ""


def _evaluate_int(c):
    lib = _CI.conf.lib
    res = lib.clang_Cursor_Evaluate(c)
    if not res:
        return None
    try:
        return lib.clang_EvalResult_getAsLongLong(res) if lib.clang_EvalResult_getKind(res) == 1 else None
    finally:
        lib.clang_EvalResult_dispose(res)


def libbpf_include_dirs():
    """Where <bpf/bpf_helpers.h> can come from: the system (Debian libbpf-dev) or $BPFSTAB_LIBBPF_INCLUDE."""
    out = []
    env = os.environ.get("BPFSTAB_LIBBPF_INCLUDE")
    if env:
        out.append(env)
    for d in ("/usr/include", "/usr/local/include"):
        if os.path.exists(os.path.join(d, "bpf", "bpf_helpers.h")):
            out.append(d)
    return out


def _resource_dir():
    """A clang resource directory for <stddef.h> & co. (the pip libclang ships none)."""
    cands = sorted(glob.glob("/usr/lib/llvm-*/lib/clang/*/include/stddef.h"),
                   key=lambda p: [int(x) if x.isdigit() else 0 for x in p.split("/")[3][5:].split(".")])
    return os.path.dirname(os.path.dirname(cands[-1])) if cands else None


_C99_COMPAT_WARNINGS = ("implicit-function-declaration", "implicit-int", "int-conversion",
                        "incompatible-function-pointer-types")


def clang_args(path, cflags=None):
    """The arguments `clang -target bpf` gets for `path` (build.sh's, minus codegen), then --cflags."""
    args = ["-target", "bpf", "-O2", "-D__TARGET_ARCH_x86", "-Wno-unused-function", "-Wno-unused-variable",
            # clang >= 16 made these errors; the clang 14-18 that build BPF programs warn (or accept)
            *(f"-Wno-error={w}" for w in _C99_COMPAT_WARNINGS),
            "-I" + (os.path.dirname(os.path.abspath(path)) or ".")]
    if os.path.isdir(MULTIARCH_INCLUDE):
        args.append("-I" + MULTIARCH_INCLUDE)
    res = _resource_dir()
    if res:
        args += ["-resource-dir", res]
    if cflags:
        try:
            args += shlex.split(cflags)
        except ValueError as e:
            raise InputError("--cflags", str(e)) from None
    return args


# ------------------------------------------------------------------------------------- includes
_INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include(?:_next)?[ \t]*([<"])([^>"\n]{1,4096})[>"]', re.M)
_MAX_INCLUDED_FILES = 4096


def _include_dirs(path, args):
    dirs, it = [], iter(args)
    for a in it:
        if a in ("-I", "-isystem", "-iquote", "-idirafter"):
            a = next(it, "")
            dirs.append(a)
        elif a.startswith(("-I", "-isystem", "-iquote", "-idirafter")):
            for pre in ("-isystem", "-iquote", "-idirafter", "-I"):
                if a.startswith(pre):
                    dirs.append(a[len(pre):])
                    break
    res = _resource_dir()
    if res:
        dirs.append(os.path.join(res, "include"))
    dirs += ["/usr/local/include", MULTIARCH_INCLUDE, "/usr/include"]
    return [d for d in dirs if d]


def check_includes(path, args):
    """Refuse what libclang must not be handed: a source or included file that is not a regular
    file (`#include "/dev/zero"` made libclang read without end, take 2 GB and crash with pages of
    output) or is larger than MAX_SOURCE_BYTES. Follows the #include lines it can resolve (quoted
    and angled names against the file's directory and the -I/system directories; a name built by
    a macro cannot be followed), each file once, at most 4096 files; linear in their size."""
    from btf import limits
    cap = limits.get("MAX_SOURCE_BYTES")
    dirs = _include_dirs(path, args)
    seen = set()
    todo = [os.path.abspath(path)]
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        if len(seen) > _MAX_INCLUDED_FILES:
            return
        try:
            st = os.stat(f)
        except OSError:
            continue                        # clang reports what it cannot find
        if not stat.S_ISREG(st.st_mode):
            raise InputError(path, f"includes {f}, which is not a regular file")
        if st.st_size > cap:
            raise limits.breach(path, "MAX_SOURCE_BYTES", f"included file {f} ({st.st_size} bytes)")
        try:
            with open(f, "rb") as fh:
                text = fh.read().decode("latin-1")     # a regular file under the cap (checked above)
        except OSError:
            continue
        here = os.path.dirname(f)
        for m in _INCLUDE_RE.finditer(text):
            name = m.group(2)
            if os.path.isabs(name):
                todo.append(os.path.normpath(name))
                continue
            for d in ([here] if m.group(1) == '"' else []) + dirs:
                cand = os.path.normpath(os.path.join(d, name))
                if os.path.lexists(cand):
                    todo.append(cand)
                    break


# ------------------------------------------------------------------------------------- parsing
def parse_source(path, cflags=None, *, prog_type_overrides=None) -> SourceModel:
    """Parse one BPF C file. InputError on an unreadable file, a file that does not compile (the first
    clang error), or no libclang. prog_type_overrides: {section: BPF_PROG_TYPE_...} (--prog-type)."""
    if not os.path.isfile(path):
        raise InputError(path, "no such file" if not os.path.exists(path) else "not a regular file")
    ci = cindex()
    args = clang_args(path, cflags)
    check_includes(path, args)
    try:
        tu = ci.Index.create().parse(path, args=args)
    except ci.TranslationUnitLoadError as e:
        raise InputError(path, f"libclang could not parse it ({e})") from None
    for d in tu.diagnostics:
        if d.severity >= ci.Diagnostic.Error:
            loc = d.location
            where = f"{os.path.basename(loc.file.name)}:{loc.line}: " if loc.file else ""
            hint = ""
            if d.spelling.endswith("file not found"):
                hint = (" (libbpf's <bpf/...> headers: install libbpf-dev; others: --cflags=\"-I DIR\")"
                        if "'bpf/" in d.spelling else " (add its directory with --cflags=\"-I DIR\")")
            raise InputError(path, f"does not compile: {where}{d.spelling}{hint}")
    model = _Reader(ci, tu, path, args, prog_type_overrides or {}).run()
    for d in tu.diagnostics:        # what newer clang refuses and the clang that builds BPF accepts
        if d.severity == ci.Diagnostic.Warning and d.option.lstrip("-W") in _C99_COMPAT_WARNINGS:
            loc = d.location
            where = f"{os.path.basename(loc.file.name)}:{loc.line}: " if loc.file else ""
            model.warnings.append(f"{where}{d.spelling}")
    return model


class _Reader:
    def __init__(self, ci, tu, path, args, overrides):
        self.ci, self.tu, self.path, self.overrides = ci, tu, path, overrides
        self.K = ci.CursorKind
        self.model = SourceModel(path=path, args=args)
        self.emit = _BtfEmitter(ci)
        self.funcs = {}         # USR -> definition cursor
        self.ksyms = {}         # USR of the extern decl -> SourceExtern
        self.helpers = {}       # USR of the helper var -> (name, id)
        self.maps = {}          # USR -> map name
        self.consts = {}        # USR of a const global (.rodata) -> (name, initial integer value)
        self._facts = {}        # USR of a function -> list of (kind, SourceCall | callee usr, guards)
        self._attrs = {}        # cursor hash -> attributes()

    # -- attributes, as clang prints the declaration (libclang exposes section/weak/preserve_access_index
    # only as UNEXPOSED_ATTR cursors whose tokens are those of the macro that spelled them)
    def attributes(self, cur):
        """{"section": name|None, "weak": bool, "preserve_access_index": bool} of this declaration."""
        key = cur.hash
        got = self._attrs.get(key)
        if got is None:
            got = self._attrs[key] = _printed_attributes(_pretty(cur))
        return got

    # -- top level
    def run(self):
        K = self.K
        m = self.model
        sections = {}           # function USR -> section (attributes sit on any of its declarations)
        for c in self.tu.cursor.get_children():
            if c.kind == K.FUNCTION_DECL:
                usr = c.get_usr()
                if c.is_definition():
                    self.funcs[usr] = c
                sec = self.attributes(c)["section"]
                if sec and usr not in sections:
                    sections[usr] = sec
                if not c.is_definition():
                    self._maybe_ksym(c)
            elif c.kind == K.VAR_DECL:
                self._var(c)
        for usr, sec in sections.items():
            if usr in self.funcs and sec != ".ksyms":
                m.programs.append(self._program(self.funcs[usr], sec))
        m.programs.sort(key=lambda p: p.line)
        if not m.programs:
            m.warnings.append("no SEC() programs (no function definition has a section attribute)")
        m.btf = self.emit.btf()
        return m

    def _line(self, c):
        return c.location.line

    def _maybe_ksym(self, c):
        at = self.attributes(c)
        usr = c.get_usr()
        ext = self.ksyms.get(usr)
        if ext is not None:
            ext.weak = ext.weak or at["weak"]
            return
        if at["section"] != ".ksyms":
            return
        if c.kind == self.K.FUNCTION_DECL:
            proto, fid = self.emit.func(c)
            ext = SourceExtern(c.spelling, "ksym_func", at["weak"], self._line(c), _prototype(c),
                               proto, fid, essential_name(c.spelling))
        else:
            tid, vid = self.emit.var(c)
            ext = SourceExtern(c.spelling, "ksym_var", at["weak"], self._line(c), f"{c.type.spelling} {c.spelling}",
                               tid, vid, essential_name(c.spelling))
        self.ksyms[usr] = ext
        self.model.externs.append(ext)

    def _var(self, c):
        K = self.K
        if c.type.kind == self.ci.TypeKind.POINTER and c.type.get_pointee().kind in (
                self.ci.TypeKind.FUNCTIONPROTO, self.ci.TypeKind.FUNCTIONNOPROTO):
            init = [ch for ch in c.get_children() if ch.kind.is_expression()]
            hid = _int_value(init[-1]) if init else None
            if hid is not None and hid > 0:
                self.helpers[c.get_usr()] = (c.spelling, hid)
            return
        at = self.attributes(c)
        sec = at["section"]
        if sec is None and c.type.is_const_qualified() and c.is_definition() \
                and c.semantic_parent.kind == K.TRANSLATION_UNIT:
            init = _CI.conf.lib.clang_Cursor_getVarDeclInitializer(c)
            value = _int_value(init) if init is not None else 0
            if value is not None:
                self.consts[c.get_usr()] = (c.spelling, value)
        if sec == ".ksyms" or c.get_usr() in self.ksyms:      # (a redeclaration may add __weak)
            self._maybe_ksym(c)
        elif sec == ".maps":
            if c.get_usr() not in self.maps:
                self.maps[c.get_usr()] = c.spelling
                self.model.maps.append(self._map(c, c.type))
        elif sec == "license":
            lits = [ch for ch in c.walk_preorder() if ch.kind == K.STRING_LITERAL]
            if lits:
                self.model.license = "".join(_c_string(t.spelling) for t in lits[0].get_tokens()
                                             if t.spelling.startswith('"')) or _c_string(lits[0].spelling)
                self.model.gpl_compatible = license_is_gpl_compatible(self.model.license)
        elif sec and sec.lstrip("?").startswith(".struct_ops"):
            if c.get_usr() not in self.maps and c.is_definition():
                self.maps[c.get_usr()] = c.spelling
                st = c.type.get_canonical()
                self.emit.struct_ops_var(c, sec)
                self.model.struct_ops.append((c.spelling, st.get_declaration().spelling, sec, self._line(c)))
        elif sec == "maps":
            if c.get_usr() not in self.maps:
                self.maps[c.get_usr()] = c.spelling
                self.model.maps.append(self._legacy_map(c))

    def _map(self, c, typ, name=None):
        """A BTF-defined map from its anonymous struct: __uint(x, N) is `int (*x)[N]`, __type(x, T) is
        `typeof(T) *x`, __array(values, T) `typeof(T) *values[]`."""
        TK = self.ci.TypeKind
        m = SourceMap(name or c.spelling, None, self._line(c))
        decl = typ.get_canonical().get_declaration()
        for f in decl.get_children():
            if f.kind != self.K.FIELD_DECL:
                continue
            t = f.type.get_canonical()
            if f.spelling == "values" and t.kind in (TK.INCOMPLETEARRAY, TK.CONSTANTARRAY):
                m.value_size = 4        # libbpf parse_btf_map_def: `values` makes the value a 4-byte fd/id
                inner = t.element_type.get_pointee()
                if inner.kind == TK.RECORD:
                    m.inner = self._map(c, inner, name=f"{m.name}.inner")
                continue
            if t.kind != TK.POINTER:
                if t.kind == TK.ENUM and f.spelling == "map_extra":
                    vals = [e.enum_value for e in t.get_declaration().get_children()]
                    m.map_extra = vals[0] if vals else 0
                continue
            pt = t.get_pointee()
            if pt.kind == TK.CONSTANTARRAY:           # __uint
                n = pt.element_count
                if f.spelling == "type":
                    m.type = map_type_name(n)
                elif f.spelling in ("max_entries", "map_flags", "pinning", "numa_node", "key_size",
                                    "value_size"):
                    setattr(m, f.spelling, n)
            elif f.spelling in ("key", "value"):      # __type
                orig = f.type.get_pointee()
                setattr(m, f"{f.spelling}_type", _type_label(orig))
                setattr(m, f"{f.spelling}_size", max(pt.get_size(), 0))
        return m

    def _legacy_map(self, c):
        """struct bpf_map_def in SEC("maps"): type, key_size, value_size, max_entries, map_flags in field
        order from the initializer (libclang lists an initializer list in field order)."""
        m = SourceMap(c.spelling, None, self._line(c), legacy=True, section="maps")
        init = _CI.conf.lib.clang_Cursor_getVarDeclInitializer(c)
        if init is None or init.kind != self.K.INIT_LIST_EXPR:
            return m
        vals = [_int_value(x) for x in init.get_children()]
        for attr, v in zip(("type", "key_size", "value_size", "max_entries", "map_flags"), vals):
            if v is None:
                continue
            if attr == "type":
                m.type = map_type_name(v)
            else:
                setattr(m, attr, v)
        return m

    # -- programs and the call graph
    def _program(self, c, section):
        bare = section[1:] if section.startswith("?") else section
        info = classify_section(section, self.overrides.get(section) or self.overrides.get(bare))
        p = SourceProgram(c.spelling, section, self._line(c), info)
        seen = set()

        def visit(usr, guards, callback, depth):
            key = (usr, guards, callback)
            if key in seen or depth > 64:
                return
            seen.add(key)
            for kind, item, g, *rest in self._function_facts(usr):
                site = rest[0] if rest else None
                allg = guards | g
                if kind in ("func", "callback"):
                    fc = self.funcs.get(item)
                    if kind == "callback" and fc is not None:
                        p.callbacks.append(SourceCall(fc.spelling, site.line, allg, file=site.file,
                                                      function=callback))
                    if fc is not None and fc.spelling not in p.functions and item != c.get_usr():
                        p.functions.append(fc.spelling)
                    if fc is not None:
                        visit(item, allg, fc.spelling if kind == "callback" else callback, depth + 1)
                    continue
                s = SourceCall(item.name, item.line, allg, item.helper_id, item.weak, item.core,
                               item.file, callback)
                {"helper": p.helper_calls, "kfunc": p.kfunc_calls, "ksym": p.ksym_refs,
                 "core": p.core_relos, "map": p.map_refs}[kind].append(s)

        visit(c.get_usr(), frozenset(), None, 0)
        return p

    def _function_facts(self, usr):
        got = self._facts.get(usr)
        if got is None:
            self._facts[usr] = got = []         # placeholder stops recursion through cycles
            fc = self.funcs.get(usr)
            if fc is not None:
                body = [ch for ch in fc.get_children() if ch.kind == self.K.COMPOUND_STMT]
                if body:
                    _Walker(self, got).stmt(body[0], frozenset())
        return got


class _Walker:
    """Walks one function body, recording calls and accesses with the guard literals in force."""

    def __init__(self, reader, out):
        self.r, self.out = reader, out
        self.K = reader.K

    def site(self, c, name, **kw):
        loc = c.location
        return SourceCall(name, loc.line, file=os.path.basename(loc.file.name) if loc.file else "?", **kw)

    # statements: returns the guards in force after the statement (early exits add literals)
    def stmt(self, c, g):
        K = self.K
        k = c.kind
        if k == K.COMPOUND_STMT:
            cur = g
            for ch in c.get_children():
                if ch.kind in (K.LABEL_STMT, K.CASE_STMT, K.DEFAULT_STMT):  # entered by goto / switch
                    cur = g
                cur = self.stmt(ch, cur)
            return cur
        if k == K.IF_STMT:
            ch = list(c.get_children())
            cond = ch[0]
            self.expr(cond, g)
            t, f = self.truth(cond)
            then_ok = self._falls_through(ch[1]) if len(ch) > 1 else True
            else_ok = self._falls_through(ch[2]) if len(ch) > 2 else True
            if len(ch) > 1:
                self.stmt(ch[1], g | t)
            if len(ch) > 2:
                self.stmt(ch[2], g | f)
            if not then_ok and else_ok:
                return g | f
            if then_ok and not else_ok:
                return g | t
            return g
        if k in (K.WHILE_STMT, K.FOR_STMT, K.DO_STMT, K.SWITCH_STMT):
            for ch in c.get_children():     # a break leaves the body: what it learnt stays inside
                self.stmt(ch, g) if ch.kind.is_statement() else self.expr(ch, g)
            return g
        if k.is_statement():
            for ch in c.get_children():
                if ch.kind.is_statement():
                    self.stmt(ch, g)
                else:
                    self.expr(ch, g)
            return g
        self.expr(c, g)
        return g

    def _falls_through(self, c):
        K = self.K
        if c.kind in (K.RETURN_STMT, K.BREAK_STMT, K.CONTINUE_STMT, K.GOTO_STMT):
            return False
        if c.kind == K.COMPOUND_STMT:
            ch = list(c.get_children())
            return self._falls_through(ch[-1]) if ch else True
        if c.kind == K.IF_STMT:
            ch = list(c.get_children())
            return len(ch) < 3 or self._falls_through(ch[1]) or self._falls_through(ch[2])
        return True

    # which literals hold when the condition is true / false
    def truth(self, c):
        K = self.K
        k = c.kind
        if k in (K.PAREN_EXPR, K.UNEXPOSED_EXPR, K.CSTYLE_CAST_EXPR):
            ch = [x for x in c.get_children() if x.kind.is_expression() or x.kind == K.COMPOUND_STMT
                  or x.kind.name == "StmtExpr"]
            return self.truth(ch[-1]) if ch else (frozenset(), frozenset())
        if k.name == "StmtExpr":
            body = [x for x in c.get_children() if x.kind == K.COMPOUND_STMT]
            stmts = list(body[0].get_children()) if body else []
            return self.truth(stmts[-1]) if stmts else (frozenset(), frozenset())
        if k == K.UNARY_OPERATOR and _op_spelling(c, False) == "!":
            t, f = self.truth(next(c.get_children()))
            return f, t
        if k == K.BINARY_OPERATOR:
            op = _op_spelling(c, True)
            a, b = list(c.get_children())[:2]
            if op in ("&&", "||"):
                ta, fa = self.truth(a)
                tb, fb = self.truth(b)
                return (ta | tb, fa & fb) if op == "&&" else (ta & tb, fa | fb)
            if op in ("==", "!="):
                for x, y in ((a, b), (b, a)):
                    if _int_value(y) == 0:
                        t, f = self.truth(x)
                        return (f, t) if op == "==" else (t, f)
            return frozenset(), frozenset()
        atom = self.atom(c)
        if atom is not None:
            return frozenset({(atom, True)}), frozenset({(atom, False)})
        return frozenset(), frozenset()

    def atom(self, c):
        """("ksym", name) for a __ksym used as a value; ("core", CoreAccess) for an existence builtin;
        ("const", name, value) for a `const volatile` global (.rodata: the value libbpf loads unless the
        loader rewrites it first, which the object engine assumes too)."""
        K = self.K
        if c.kind == K.DECL_REF_EXPR:
            ref = c.referenced
            usr = ref.get_usr() if ref is not None else None
            ext = self.r.ksyms.get(usr)
            if ext is not None:
                return ("ksym", ext.name)
            if usr in self.r.consts:
                return ("const",) + self.r.consts[usr]
        if c.kind == K.CALL_EXPR:
            acc = self.builtin(c)
            if acc is not None and acc.kind in EXISTS_KINDS:
                return ("core", acc)
        return None

    # expressions
    def expr(self, c, g, in_pai=False):
        K = self.K
        k = c.kind
        if k in (K.STATIC_ASSERT, K.CXX_UNARY_EXPR, K.TYPE_REF):     # no code: _Static_assert, sizeof
            return
        if k == K.VAR_DECL:         # only the initializer is code (not typeof() in its type)
            init = _CI.conf.lib.clang_Cursor_getVarDeclInitializer(c)
            if init is not None:
                self.expr(init, g, in_pai)
            return
        if k == K.CALL_EXPR and c.spelling == "__builtin_constant_p":
            return
        if k == K.CALL_EXPR:
            self.call(c, g, in_pai)
            return
        if k == K.BINARY_OPERATOR:
            op = _op_spelling(c, True)
            if op in ("&&", "||"):
                a, b = list(c.get_children())[:2]
                self.expr(a, g, in_pai)
                ta, fa = self.truth(a)
                self.expr(b, g | (ta if op == "&&" else fa), in_pai)
                return
        if k == K.CONDITIONAL_OPERATOR:
            ch = list(c.get_children())
            if len(ch) == 3:
                self.expr(ch[0], g, in_pai)
                t, f = self.truth(ch[0])
                self.expr(ch[1], g | t, in_pai)
                self.expr(ch[2], g | f, in_pai)
                return
        if k == K.MEMBER_REF_EXPR or (k == K.ARRAY_SUBSCRIPT_EXPR and _indexes_member_array(c, K)):
            acc = self.r.emit.access(c, FIELD_BYTE_OFFSET, in_pai, self.r)
            if acc is not None:
                self.out.append(("core", self.site(c, acc.description, core=acc), g))
                self._under_access(c, g, in_pai)
                return
        if k == K.DECL_REF_EXPR:
            ref = c.referenced
            if ref is not None:
                usr = ref.get_usr()
                if usr in self.r.ksyms:
                    self.out.append(("ksym", self.site(c, self.r.ksyms[usr].name), g))
                elif ref.kind == K.FUNCTION_DECL and usr in self.r.funcs:
                    # address taken: runs as its own subprogram
                    self.out.append(("callback", usr, g, self.site(c, ref.spelling)))
                elif usr in self.r.maps:
                    self.out.append(("map", self.site(c, self.r.maps[usr]), g))
            return
        if k.is_statement():
            self.stmt(c, g)
            return
        for ch in c.get_children():
            if ch.kind.is_statement() and ch.kind != K.COMPOUND_STMT and not ch.kind.is_expression():
                self.stmt(ch, g)
            else:
                self.expr(ch, g, in_pai)

    def _under_access(self, c, g, in_pai):
        """Walk what is below a recorded member-access chain (array indices, the base pointer) without
        recording the chain's own inner members again."""
        K = self.K
        cur = c
        while cur.kind in (K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR, K.PAREN_EXPR, K.UNEXPOSED_EXPR):
            ch = list(cur.get_children())
            if not ch:
                return
            if cur.kind == K.ARRAY_SUBSCRIPT_EXPR:
                for x in ch[1:]:
                    self.expr(x, g, in_pai)
            if cur.kind == K.MEMBER_REF_EXPR and _is_arrow(cur):
                self.expr(ch[0], g, in_pai)
                return
            cur = ch[0]
        self.expr(cur, g, in_pai)

    def callee(self, c):
        ch = list(c.get_children())
        if not ch:
            return None
        x = ch[0]
        while x.kind in (self.K.UNEXPOSED_EXPR, self.K.PAREN_EXPR):
            sub = list(x.get_children())
            if not sub:
                break
            x = sub[0]
        return x.referenced if x.kind == self.K.DECL_REF_EXPR else None

    def builtin(self, c):
        """The CoreAccess of a __builtin_preserve_{field_info,type_info,enum_value} call."""
        name = c.spelling
        if name not in ("__builtin_preserve_field_info", "__builtin_preserve_type_info",
                        "__builtin_preserve_enum_value", "__builtin_btf_type_id"):
            return None
        args = list(c.get_arguments())
        if len(args) != 2:
            return None
        kv = _int_value(args[1])
        if name == "__builtin_btf_type_id":
            kind = {0: 6, 1: 7}.get(kv)          # BPF_TYPE_ID_LOCAL / BPF_TYPE_ID_TARGET
            return self.r.emit.type_access(args[0], kind) if kind is not None else None
        if name == "__builtin_preserve_field_info":
            kind = _FIELD_INFO_KINDS.get(kv)
            return self.r.emit.access(_strip(args[0], self.K), kind, True, self.r) if kind is not None else None
        if name == "__builtin_preserve_type_info":
            kind = _TYPE_INFO_KINDS.get(kv)
            return self.r.emit.type_access(args[0], kind) if kind is not None else None
        kind = _ENUM_INFO_KINDS.get(kv)
        return self.r.emit.enum_access(args[0], kind) if kind is not None else None

    def call(self, c, g, in_pai):
        K = self.K
        name = c.spelling
        args = list(c.get_arguments())
        if (name.startswith("__builtin_preserve_") and name != "__builtin_preserve_access_index") \
                or name == "__builtin_btf_type_id":
            acc = self.builtin(c)
            if acc is not None:
                self.out.append(("core", self.site(c, acc.description, core=acc), g))
            if name == "__builtin_preserve_field_info" and args:
                self._under_access(_strip(args[0], K), g, True)
            return
        if name == "__builtin_preserve_access_index":
            for a in args:
                self.expr(a, g, True)
            return
        ref = self.callee(c)
        if ref is not None:
            usr = ref.get_usr()
            if usr in self.r.helpers:
                hname, hid = self.r.helpers[usr]
                self.out.append(("helper", self.site(c, hname, helper_id=hid), g))
            elif usr in self.r.ksyms:
                ext = self.r.ksyms[usr]
                self.out.append(("kfunc", self.site(c, ext.name, weak=ext.weak), g))
            elif ref.kind == K.FUNCTION_DECL and usr in self.r.funcs:
                self.out.append(("func", usr, g))
        else:
            ch = list(c.get_children())
            if ch:
                self.expr(ch[0], g, in_pai)
        for a in args:
            self.expr(a, g, in_pai)


def _pretty(cur):
    """The declaration as clang prints it, without bodies (TerseOutput): attributes in canonical form."""
    lib = _CI.conf.lib
    pol = lib.clang_getCursorPrintingPolicy(cur)
    try:
        lib.clang_PrintingPolicy_setProperty(pol, _TERSE_OUTPUT, 1)
        return _CI._CXString.from_result(lib.clang_getCursorPrettyPrinted(cur, pol))
    finally:
        lib.clang_PrintingPolicy_dispose(pol)


_TERSE_OUTPUT = 17          # CXPrintingPolicy_TerseOutput
_ATTR_OPEN = "__attribute__(("


def _printed_attributes(text):
    """section / weak / preserve_access_index from clang's printed `__attribute__((name(args)))` forms."""
    out = {"section": None, "weak": False, "preserve_access_index": False}
    i = text.find(_ATTR_OPEN)
    while i >= 0:
        j = i + len(_ATTR_OPEN)
        k = j
        while k < len(text) and (text[k].isalnum() or text[k] == "_"):
            k += 1
        name = text[j:k].strip("_")
        if name == "section" and text.startswith('("', k) and out["section"] is None:
            lit, end = _string_at(text, k + 1)
            out["section"] = lit
            k = end
        elif name == "weak":
            out["weak"] = True
        elif name == "preserve_access_index":
            out["preserve_access_index"] = True
        i = text.find(_ATTR_OPEN, k)
    return out


def _string_at(text, i):
    """The C string literal starting at text[i] == '"' (as clang prints it): (decoded, index after it)."""
    j = i + 1
    while j < len(text) and text[j] != '"':
        j += 2 if text[j] == "\\" else 1
    return _c_string(text[i:j + 1]), j + 1


def _is_arrow(member_ref):
    """`p->x` rather than `s.x`: in C the base of -> is a pointer and the base of . a record."""
    base = next(member_ref.get_children(), None)
    return base is not None and base.type.get_canonical().kind == _CI.TypeKind.POINTER


def _indexes_member_array(c, K):
    """`s->arr[N]`: a subscript of an array member (one CO-RE access with the index in it)."""
    ch = list(c.get_children())
    return len(ch) == 2 and _strip(ch[0], K).kind in (K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR) \
        and _strip(ch[0], K).type.get_canonical().kind != _CI.TypeKind.POINTER


def _strip(c, K):
    while c.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR):
        ch = list(c.get_children())
        if len(ch) != 1:
            break
        c = ch[0]
    return c


def _int_value(c):
    """Integer constant value of an expression (through casts), or None."""
    if c is None:
        return None
    v = _evaluate_int(c)
    if v is not None:
        return v
    K = _CI.CursorKind
    if c.kind in (K.CSTYLE_CAST_EXPR, K.UNEXPOSED_EXPR, K.PAREN_EXPR):
        ch = [x for x in c.get_children() if x.kind.is_expression()]
        return _int_value(ch[-1]) if ch else None
    if c.kind == K.INTEGER_LITERAL:
        toks = [t.spelling for t in c.get_tokens()]
        if toks:
            try:
                return int(toks[0].rstrip("uUlL"), 0)
            except ValueError:
                return None
    return None


def _c_string(tok):
    """The text of one C string literal token (escapes decoded)."""
    s = tok
    if s[:1] in "uUL" and '"' in s:
        s = s[s.index('"'):]
    if s.startswith("u8"):
        s = s[2:]
    if len(s) < 2 or s[0] != '"' or s[-1] != '"':
        return s
    body, out, i = s[1:-1], [], 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "a": "\a",
              "b": "\b", "f": "\f", "v": "\v", "?": "?"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nx = body[i + 1]
            if nx == "x":
                j = i + 2
                while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                    j += 1
                out.append(chr(int(body[i + 2:j] or "0", 16)))
                i = j
                continue
            if nx in "01234567":
                j = i + 1
                while j < min(i + 4, len(body)) and body[j] in "01234567":
                    j += 1
                out.append(chr(int(body[i + 1:j], 8)))
                i = j
                continue
            out.append(simple.get(nx, nx))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _type_label(t):
    """'u32', 'struct switch_stat', 'unsigned int': the name a reader of the source would use."""
    TK = _CI.TypeKind
    if t.kind == TK.ELABORATED:
        t = t.get_named_type()
    decl = t.get_declaration()
    if t.kind == TK.TYPEDEF and decl is not None:
        return decl.spelling
    if t.kind == TK.RECORD:
        return t.get_canonical().spelling
    can = t.get_canonical()
    if can.kind == TK.RECORD or can.kind == TK.ENUM:
        return can.spelling
    s = t.spelling
    if s.startswith("typeof(") and s.endswith(")"):
        return s[7:-1]
    return can.spelling


def _declarator(typ, name):
    return f"{typ}{name}" if typ.endswith("*") else f"{typ} {name}".rstrip()


def _prototype(c):
    """C prototype of a function declaration: 'struct task_struct *bpf_task_from_pid(s32 pid)'."""
    params = ", ".join(_declarator(a.type.spelling, a.spelling) for a in c.get_arguments()) or "void"
    ret = c.result_type.spelling
    sep = "" if ret.endswith("*") else " "
    return f"{ret}{sep}{c.spelling}({params})"


# ------------------------------------------------------------------------------------- local BTF
def record_members(defn):
    """Members of a record definition in BTF order: (name, clang type, bit offset, bitfield bits,
    FIELD_DECL cursor | None, anonymous record cursor | None). libclang does not list the implicit field
    of an anonymous struct/union member, so it is rebuilt from the anonymous record itself."""
    K = _CI.CursorKind
    lib = _CI.conf.lib
    out = []
    for ch in defn.get_children():
        if ch.kind == K.FIELD_DECL:
            if not ch.spelling and ch.is_bitfield():
                continue            # `long: 64;` padding: the compiler emits no BTF member for it
            out.append((ch.spelling, ch.type, ch.get_field_offsetof(),
                        ch.get_bitfield_width() if ch.is_bitfield() else 0, ch, None))
        elif ch.kind in (K.STRUCT_DECL, K.UNION_DECL) and lib.clang_Cursor_isAnonymousRecordDecl(ch):
            out.append(("", ch.type, _anon_offset(defn.type, ch), 0, None, ch))
    return out


def _first_named_field(rec):
    for name, _t, _o, _b, f, anon in record_members(rec):
        if f is not None and name:
            return name
        if anon is not None:
            got = _first_named_field(anon)
            if got:
                return got
    return None


def _anon_offset(parent_type, anon):
    """Bit offset of an anonymous member: a field inside it, in the parent minus in the member."""
    name = _first_named_field(anon)
    if name is None:
        return 0
    outer, inner = parent_type.get_offset(name), anon.type.get_offset(name)
    return outer - inner if outer >= 0 and inner >= 0 else 0


def member_path(rec, fld):
    """Member indices from record `rec` to field `fld`, through anonymous members; None if not there."""
    for i, (_n, _t, _o, _b, f, anon) in enumerate(record_members(rec)):
        if f is not None and f == fld:
            return [i]
        if anon is not None and fld.type.get_canonical().get_declaration() == anon:
            return [i]              # the implicit field of an anonymous member (a MemberExpr of its own)
        if anon is not None:
            sub = member_path(anon, fld)
            if sub is not None:
                return [i] + sub
    return None


class _BtfEmitter:
    """Clang types → BTF, enough for libbpf's kfunc prototype rule and CO-RE matching: ints, pointers,
    arrays, structs/unions (members, offsets, bitfields), forward declarations, enums, typedefs,
    function prototypes. Qualifiers are dropped (both rules skip them)."""

    def __init__(self, ci):
        self.ci = ci
        self.b = BtfBuilder()
        self.ids = {}
        self.shallow = {}       # key -> (definition cursor, name, size, union) of records without members yet
        self._btf = None
        self._int_id = None

    def btf(self):
        if self._btf is None:
            self._btf = Btf(self.b.build(), path="<source BTF>")
        return self._btf

    def _dirty(self):
        self._btf = None

    def _key(self, t):
        decl = t.get_declaration()
        if decl is not None and decl.kind != self.ci.CursorKind.NO_DECL_FOUND and t.kind in (
                self.ci.TypeKind.RECORD, self.ci.TypeKind.ENUM, self.ci.TypeKind.TYPEDEF):
            loc = decl.location          # anonymous records of one parent can share a USR
            return (t.kind.name, decl.get_usr(), loc.file.name if loc.file else "", loc.line, loc.column)
        return (t.kind.name, t.get_canonical().spelling, t.spelling)

    def _replace(self, reserved, fn):
        """Build a type with fn() and move it into the reserved slot (recursive types)."""
        new = fn()
        b = self.b
        b.types[reserved - b.start_id] = b.types.pop(new - b.start_id)

    def type(self, t, shallow=False):
        """BTF id of clang type t. Records reached through a pointer are emitted `shallow` (name and
        size, no members: libbpf's prototype rule compares them by name) until something needs their
        members (a CO-RE root, a by-value use); then the same id is filled in."""
        TK = self.ci.TypeKind
        self._dirty()
        while t.kind in (TK.ELABORATED,):
            t = t.get_named_type()
        if t.kind.name == "TYPEOF" or t.kind == TK.UNEXPOSED or t.kind.name in ("ATTRIBUTED", "BTFTAGATTRIBUTED"):
            t = t.get_canonical()
        if t.kind == TK.VOID:
            return 0
        key = self._key(t)
        got = self.ids.get(key)
        if got is not None:
            if not shallow:
                if key in self.shallow:
                    self._fill(key)
                elif t.kind == TK.TYPEDEF:
                    self.type(t.get_declaration().underlying_typedef_type)
            return got
        b = self.b
        can = t.get_canonical()
        if t.kind == TK.TYPEDEF:
            decl = t.get_declaration()
            slot = b.int("__reserved", 4)
            self.ids[key] = slot
            tgt = self.type(decl.underlying_typedef_type, shallow)
            self._replace(slot, lambda: b.typedef(decl.spelling, tgt))
            return slot
        if can.kind == TK.POINTER:
            slot = b.int("__reserved", 4)
            self.ids[key] = slot
            tgt = self.type(can.get_pointee(), shallow=True)
            self._replace(slot, lambda: b.ptr(tgt))
            return slot
        if can.kind in (TK.CONSTANTARRAY, TK.INCOMPLETEARRAY):
            elem = self.type(can.element_type, shallow)
            n = can.element_count if can.kind == TK.CONSTANTARRAY else 0
            tid = b.array(elem, n, self._int())
            self.ids[key] = tid
            return tid
        if can.kind == TK.RECORD:
            return self._record(can, key, shallow)
        if can.kind == TK.ENUM:
            decl = can.get_declaration()
            vals = [(e.spelling, e.enum_value) for e in decl.get_children()
                    if e.kind == self.ci.CursorKind.ENUM_CONSTANT_DECL]
            size = max(can.get_size(), 1)
            name = decl.spelling if not decl.is_anonymous() else ""
            if any(v > 0xFFFFFFFF or v < -0x80000000 for _, v in vals) or size == 8:
                tid = b.enum64(name, vals, size=size, signed=any(v < 0 for _, v in vals))
            else:
                tid = b.enum(name, [(n, v & 0xFFFFFFFF) for n, v in vals], size=size,
                             signed=any(v < 0 for _, v in vals))
            self.ids[key] = tid
            return tid
        if can.kind in (TK.FUNCTIONPROTO, TK.FUNCTIONNOPROTO):
            ret = self.type(can.get_result(), shallow)
            params = [("", self.type(a, shallow)) for a in can.argument_types()] \
                if can.kind == TK.FUNCTIONPROTO else []
            tid = b.func_proto(ret, params)
            self.ids[key] = tid
            return tid
        if can.kind in (TK.FLOAT, TK.DOUBLE, TK.LONGDOUBLE):
            tid = b.float(can.spelling, can.get_size())
            self.ids[key] = tid
            return tid
        size = can.get_size()
        if size <= 0:
            size = 4
        signed = can.kind in (TK.CHAR_S, TK.SCHAR, TK.SHORT, TK.INT, TK.LONG, TK.LONGLONG, TK.INT128)
        tid = b.int(can.spelling, size, signed=signed, char=can.kind in (TK.CHAR_S, TK.SCHAR, TK.CHAR_U, TK.UCHAR),
                    boolean=can.kind == TK.BOOL)
        self.ids[key] = tid
        return tid

    def _int(self):
        if self._int_id is None:
            self._int_id = self.b.int("int", 4, signed=True)
        return self._int_id

    def _record(self, can, key, shallow):
        b = self.b
        decl = can.get_declaration()
        union = decl.kind == self.ci.CursorKind.UNION_DECL
        name = "" if decl.is_anonymous() else decl.spelling
        defn = decl.get_definition()
        if defn is None:
            tid = b.fwd(name, union=union)
            self.ids[key] = tid
            return tid
        size = max(can.get_size(), 0)
        slot = b.struct(name, size, [], union=union)
        self.ids[key] = slot
        self.shallow[key] = (defn, name, size, union)
        if not shallow:
            self._fill(key)
        return slot

    def _fill(self, key):
        """Give a shallow record its members (same id)."""
        defn, name, size, union = self.shallow.pop(key)
        slot = self.ids[key]
        members = [(mname, self.type(mtype), max(off, 0), bits)
                   for mname, mtype, off, bits, _f, _a in record_members(defn)]
        self._replace(slot, lambda: self.b.struct(name, size, members, union=union))

    def struct_ops_var(self, c, section):
        """VAR + DATASEC for a struct_ops map variable, as the compiler emits them."""
        tid = self.type(c.type)
        vid = self.b.var(c.spelling, tid, linkage=K.VAR_GLOBAL_ALLOCATED)
        size = max(c.type.get_size(), 0)
        self.b.datasec(section, size, [(vid, 0, size)])
        self._dirty()

    def func(self, c):
        proto = self.type(c.type)
        # parameter names for readable prototypes
        fid = self.b.func(c.spelling, proto, linkage=K.FUNC_EXTERN)
        self._dirty()
        return proto, fid

    def var(self, c):
        tid = self.type(c.type)
        vid = self.b.var(c.spelling, tid, linkage=K.VAR_GLOBAL_EXTERN)
        self._dirty()
        return tid, vid

    # CO-RE accesses
    def access(self, c, kind, in_pai, reader):
        """CoreAccess of a member-access chain ending at cursor c (MEMBER_REF_EXPR), or None when the
        compiler would not relocate it (no preserve_access_index on the struct, not inside the builtin)."""
        Kc = self.ci.CursorKind
        TK = self.ci.TypeKind
        chain = []                      # (member name, index) outermost last
        cur = c
        root_type = None
        while True:
            if cur.kind == Kc.MEMBER_REF_EXPR:
                base = next(cur.get_children(), None)
                if base is None:
                    return None
                fld = cur.referenced
                if fld is None or fld.kind != Kc.FIELD_DECL:
                    return None
                arrow = _is_arrow(cur)
                btype = base.type.get_canonical()
                if arrow:
                    btype = btype.get_pointee()
                brec = btype.get_declaration().get_definition() if btype.kind == TK.RECORD else None
                if brec is None:
                    return None
                if not (in_pai or reader.attributes(brec)["preserve_access_index"]
                        or reader.attributes(fld.semantic_parent)["preserve_access_index"]):
                    return None
                path = member_path(brec, fld)
                if path is None:
                    return None
                for idx in reversed(path):
                    chain.append(("m", idx, None))
                if arrow:
                    root_type = btype
                    chain.append(("a", 0, None))
                    break
                cur = _strip(base, Kc)
                if cur.kind not in (Kc.MEMBER_REF_EXPR, Kc.ARRAY_SUBSCRIPT_EXPR):
                    # s.x on a struct value: its address is the base
                    root_type = base.type.get_canonical()
                    chain.append(("a", 0, None))
                    break
            elif cur.kind == Kc.ARRAY_SUBSCRIPT_EXPR:
                ch = list(cur.get_children())
                if len(ch) != 2:
                    return None
                i = _int_value(ch[1])
                if i is None:
                    return None
                arr = _strip(ch[0], Kc)
                if arr.type.get_canonical().kind == TK.POINTER:
                    root_type = arr.type.get_canonical().get_pointee()
                    chain.append(("a", i, None))
                    break
                chain.append(("i", i, None))
                cur = arr
            else:
                return None
        if root_type is None or root_type.kind not in (TK.RECORD,):
            return None
        tid = self.type(root_type)
        access = ":".join(str(x[1]) for x in reversed(chain))
        return CoreAccess(kind, tid, access, core_describe(self.btf(), tid, access, kind))

    def type_access(self, arg, kind):
        """__builtin_preserve_type_info(*(typeof(T) *)0, kind): the type is the operand's."""
        t = arg.type
        tid = self.type(t)
        if tid == 0:
            return None
        return CoreAccess(kind, tid, "0", core_describe(self.btf(), tid, "0", kind))

    def enum_access(self, arg, kind):
        """__builtin_preserve_enum_value(*(typeof(enum E) *)VALUE, kind)."""
        Kc = self.ci.CursorKind
        en = arg.type.get_canonical()
        if en.kind != self.ci.TypeKind.ENUM:
            return None
        ref = [x for x in arg.walk_preorder() if x.kind == Kc.DECL_REF_EXPR
               and x.referenced is not None and x.referenced.kind == Kc.ENUM_CONSTANT_DECL]
        if not ref:
            return None
        consts = [e for e in en.get_declaration().get_children() if e.kind == Kc.ENUM_CONSTANT_DECL]
        names = [e.spelling for e in consts]
        if ref[0].referenced.spelling not in names:
            return None
        idx = names.index(ref[0].referenced.spelling)
        tid = self.type(arg.type)
        return CoreAccess(kind, tid, str(idx), core_describe(self.btf(), tid, str(idx), kind))
