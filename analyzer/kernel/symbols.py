"""A kernel's symbols as kallsyms would show them: what typeless ksyms, fentry and kprobe targets need.

BTF says a function or variable exists; the kernel and libbpf also need its *address*:
* libbpf resolves a typeless `extern const void init_net __ksym;` from /proc/kallsyms
  (`bpf_object__read_kallsyms_file` → `kallsyms_cb`): found → the address; the same name at two
  addresses → "extern (ksym) 'X': resolution is ambiguous" (-EINVAL, weak or not); never found →
  "extern 'X' (strong): not resolved" (-ESRCH), a weak one defaults to 0.
* the kernel's `bpf_check_attach_target` asks `kallsyms_lookup_name()` for an fentry/fexit/fmod_ret/LSM
  target: a function in BTF but without a symbol (inlined everywhere) → "The address of function X
  cannot be found" (-ENOENT).
* a kprobe attaches by symbol name.

kallsyms (scripts/kallsyms.c `symbol_valid`) keeps every symbol inside the text ranges
[_stext, _etext] and [_sinittext, _einittext]; other (data) symbols only when the kernel was built with
CONFIG_KALLSYMS_ALL. So each name is recorded with a class: text (always visible), data (visible only
with KALLSYMS_ALL), and whether it has several distinct addresses (ambiguous for libbpf).

Sources: a System.map (Debian's image packages ship a one-line placeholder naming the -dbg package;
that is recognised and refused), a vmlinux ELF's .symtab (the -dbg package's vmlinux), or
/proc/kallsyms (the running kernel: already filtered by its own KALLSYMS_ALL).

Stored in a snapshot as the member `symbols.txt` (LZMA in the zip; loaded on first use):
    # bpfstab.symbols/1 data=<0|1> filtered=<0|1>
    <flags> <name>            sorted by name; flags: t text, d data, 2 several addresses
and described in meta.json by `symbols` (see SYMBOLS_META_FIELDS).
"""
import re
import struct
from typing import Optional

from btf.errors import InputError

FORMAT = "bpfstab.symbols/1"
MEMBER = "symbols.txt"
TEXT, DATA, AMBIGUOUS = 1, 2, 4
# meta.json "symbols" record: {field: (type, meaning)} — for a schema validator and ARCHITECTURE.md
SYMBOLS_META_FIELDS = {
    "member": ("str", "zip member holding the table (always 'symbols.txt')"),
    "source": ("str", "where the symbols came from (file, package member, /proc/kallsyms)"),
    "functions": ("int", "names in the kallsyms text ranges"),
    "data": ("int|null", "names outside them (null: the source had function symbols only)"),
    "filtered": ("bool", "true when the source is kallsyms itself (data already reflects KALLSYMS_ALL)"),
}
_PLACEHOLDER = re.compile(r"^[0-9a-fA-F]+\s+\w\s+The real System\.map is in (?:the )?(\S+)")
_MAP_LINE = re.compile(r"^([0-9a-fA-F]{1,16})\s+([A-Za-z])\s+(\S+)")
_TEXT_RANGES = (("_stext", "_etext"), ("_sinittext", "_einittext"))
_SKIP_TYPES = set("UuNnwv?")
MAX_SYMBOLS = 4_000_000


class KernelSymbols:
    """name -> class bits (TEXT | DATA | AMBIGUOUS)."""

    def __init__(self, table: dict, *, has_data=True, filtered=False, source=""):
        self.table = table
        self.has_data = has_data        # False: the source listed function symbols only
        self.filtered = filtered        # True: /proc/kallsyms (already what kallsyms shows)
        self.source = source

    def __len__(self):
        return len(self.table)

    def counts(self):
        f = sum(1 for v in self.table.values() if v & TEXT)
        d = sum(1 for v in self.table.values() if v & DATA) if self.has_data else None
        return f, d

    def is_function(self, name) -> bool:
        """Has an address in kallsyms' text ranges (what kallsyms_lookup_name finds on any config)."""
        return bool(self.table.get(name, 0) & TEXT)

    def kallsyms(self, name, kallsyms_all) -> str:
        """What libbpf's kallsyms pass finds for a typeless ksym: 'found', 'ambiguous', 'absent', or
        'unknown' (a data symbol on a kernel whose KALLSYMS_ALL is unknown; or no data in the table).
        kallsyms_all: True/False/None (unknown)."""
        v = self.table.get(name, 0)
        visible = bool(v & TEXT)
        if v & DATA:
            if self.filtered or kallsyms_all is True:
                visible = True
            elif kallsyms_all is None and not visible:
                return "unknown"
        if visible:
            return "ambiguous" if v & AMBIGUOUS else "found"
        if not self.has_data:
            return "unknown"
        return "absent"

    # -- storage
    def to_bytes(self) -> bytes:
        lines = [f"# {FORMAT} data={int(self.has_data)} filtered={int(self.filtered)}"]
        for name in sorted(self.table):
            v = self.table[name]
            lines.append(("t" if v & TEXT else "") + ("d" if v & DATA else "") + ("2" if v & AMBIGUOUS else "")
                         + " " + name)
        return ("\n".join(lines) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes, path, source=""):
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise InputError(path, f"corrupt snapshot member {MEMBER}: not ASCII") from None
        lines = text.split("\n")
        m = re.match(r"^# " + re.escape(FORMAT) + r" data=([01]) filtered=([01])$", lines[0] if lines else "")
        if not m:
            raise InputError(path, f"corrupt snapshot member {MEMBER}: no '# {FORMAT}' header")
        table = {}
        bits = {"t": TEXT, "d": DATA, "2": AMBIGUOUS}
        for n, line in enumerate(lines[1:], 2):
            if not line:
                continue
            flags, sep, name = line.partition(" ")
            if not sep or not name or not flags or any(c not in bits for c in flags):
                raise InputError(path, f"corrupt snapshot member {MEMBER}: bad line {n}")
            table[name] = sum(bits[c] for c in set(flags))
        return cls(table, has_data=m.group(1) == "1", filtered=m.group(2) == "1", source=source)

    def meta(self) -> dict:
        f, d = self.counts()
        return {"member": MEMBER, "source": self.source, "functions": f, "data": d, "filtered": self.filtered}


def _classify(entries, source, filtered=False):
    """entries: iterable of (address, nm type letter, name). kallsyms' text ranges from the _stext...
    markers when present, else the nm letter (t/T/W = text)."""
    addrs = {}
    types = {}
    marks = {}
    for addr, typ, name in entries:
        if typ in _SKIP_TYPES or not name:
            continue
        addrs.setdefault(name, set()).add(addr)
        types.setdefault(name, set()).add(typ)
        if name in ("_stext", "_etext", "_sinittext", "_einittext"):
            marks[name] = addr
        if len(addrs) > MAX_SYMBOLS:
            raise InputError(source, f"more than {MAX_SYMBOLS} symbols: not a kernel symbol table")
    ranges = [(marks[a], marks[b], b) for a, b in _TEXT_RANGES
              if a in marks and b in marks and marks[a] < marks[b]]
    table = {}
    for name, al in addrs.items():
        v = 0
        for a in al:
            # symbol_in_range is inclusive; symbols at _etext/_einittext other than the marker are dropped
            if ranges:
                v |= TEXT if any(lo <= a <= hi and (a != hi or name == end) for lo, hi, end in ranges) else DATA
        if not ranges:
            v = TEXT if types[name] & set("tTW") else DATA
        if name.startswith(("__start_", "__stop_")):
            v = (v & ~DATA) | TEXT          # kallsyms keeps section markers on every config
        if len(al) > 1:
            v |= AMBIGUOUS
        table[name] = v
        if v & DATA and "." in name:
            # not a C identifier, so no ksym can name it (kept only as the ".llvm." suffix libbpf
            # strips from 'd' symbols); text names keep their dots (kprobes attach to foo.isra.0)
            del table[name]
            if v & TEXT:
                table[name] = v & ~DATA
            if ".llvm." in name:
                base = name.split(".llvm.", 1)[0]
                table[base] = table.get(base, 0) | DATA
    return KernelSymbols(table, has_data=True, filtered=filtered, source=source)


def placeholder_of(text: str) -> Optional[str]:
    """The package a placeholder System.map points at ("linux-image-<version>-dbg"), or None."""
    first = text.lstrip().split("\n", 1)[0]
    m = _PLACEHOLDER.match(first)
    return m.group(1) if m and text.strip().count("\n") == 0 else None


def from_system_map(text: str, source: str) -> KernelSymbols:
    where = placeholder_of(text)
    if where is not None:
        raise InputError(source, f"is a placeholder System.map (it says the real one is in {where})")
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _MAP_LINE.match(line)
        if not m:
            raise InputError(source, f"not a System.map: line {n} is not 'ADDRESS TYPE NAME'")
        entries.append((int(m.group(1), 16), m.group(2), m.group(3)))
    if not entries:
        raise InputError(source, "not a System.map: no symbols")
    return _classify(entries, source)


def from_kallsyms(text: str, source="/proc/kallsyms") -> KernelSymbols:
    """/proc/kallsyms of the running kernel, vmlinux symbols only ('[module]' lines are skipped)."""
    entries = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            try:
                entries.append((int(parts[0], 16), parts[1], parts[2]))
            except ValueError:
                continue
    if not entries:
        raise InputError(source, "no symbols")
    # Without root every address reads 0: distinct addresses cannot be told apart then.
    zero = all(a == 0 for a, _t, _n in entries)
    syms = _classify(entries, source, filtered=True)
    if zero:
        for k in syms.table:
            syms.table[k] &= ~AMBIGUOUS
    return syms


def from_elf_symtab(data, path, source) -> Optional[KernelSymbols]:
    """A vmlinux ELF's .symtab (an unstripped vmlinux, e.g. Debian's -dbg package), read with struct
    (pyelftools decodes each of ~200k symbols slowly). None when there is no .symtab."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return None
    bo = "<" if data[5] == 1 else ">"
    try:
        shoff, = struct.unpack_from(bo + "Q", data, 0x28)
        shentsize, shnum, _ = struct.unpack_from(bo + "HHH", data, 0x3A)
        if shentsize != 64 or shoff + shnum * 64 > len(data):
            raise InputError(path, "malformed ELF section header table")
        hdrs = [struct.unpack_from(bo + "IIQQQQIIQQ", data, shoff + i * 64) for i in range(shnum)]
        sym = next((h for h in hdrs if h[1] == 2), None)        # SHT_SYMTAB
        if sym is None:
            return None
        _n, _t, _f, _a, off, size, link, _i, _al, entsize = sym
        if entsize != 24 or link >= shnum or off + size > len(data):
            raise InputError(path, "malformed ELF symbol table")
        stroff, strsize = hdrs[link][4], hdrs[link][5]
        if stroff + strsize > len(data):
            raise InputError(path, "malformed ELF string table")
        strtab = bytes(data[stroff:stroff + strsize])
        entries = []
        for name_off, info, _other, shndx, value, _size in struct.iter_unpack(bo + "IBBHQQ", data[off:off + size]):
            stype = info & 0xF
            if shndx == 0 or stype in (3, 4) or name_off == 0 or name_off >= strsize:   # UNDEF, SECTION, FILE
                continue
            end = strtab.find(b"\0", name_off)
            name = strtab[name_off:end if end >= 0 else None].decode("utf-8", "replace")
            entries.append((value, "t" if stype == 2 else "d", name))
    except struct.error as e:
        raise InputError(path, f"malformed ELF symbol table: {e}") from None
    if not entries:
        return None
    return _classify(entries, source)


def from_function_list(names, source) -> KernelSymbols:
    """Older snapshots' `function_symbols` (a vmlinux .symtab's STT_FUNC names): no data symbols."""
    return KernelSymbols({n: TEXT for n in names}, has_data=False, source=source)


def kallsyms_all_of(config: dict) -> Optional[bool]:
    """CONFIG_KALLSYMS_ALL from a snapshot's config subset: True/False, None without a config."""
    if not config:
        return None
    v = config.get("CONFIG_KALLSYMS_ALL")
    if v == "y":
        return True
    return False
