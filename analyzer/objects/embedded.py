"""Finding BPF objects: plain .bpf.o files, objects embedded in executables and libraries (libbpf
skeletons keep the whole object in .rodata), skeleton headers (*.skel.h: the object is a C string
literal), Debian packages (.deb: ar archive + data.tar.{xz,zst,gz,bz2}) and directories.

Rules:
* A BPF object is an ELF file with e_machine == 247 (EM_BPF), either byte order, 32 or 64 bit.
* Inside another file every b"\\x7fELF" is a candidate; it is kept when its header says EM_BPF and
  the object cut at its true end -- max(e_shoff + e_shnum * e_shentsize, end of every section's
  data) -- parses with pyelftools (all section headers and names readable).
* Names: "<path>" for a file that is itself an object; "<path>#<skeleton name>" when the skeleton
  name is recoverable, else "<path>#<N>" (N = index among the objects of that file, from 0).
  For .deb members <path> is "<deb>:<member without ./>".
  Skeleton names: in a skel.h, the `<name>__elf_bytes` (newer bpftool) or `<name>__create_skeleton`
  function; in a binary, the NUL-terminated "<name>_bpf" string that bpftool's generated
  `<name>__create_skeleton` stores as the object name, chosen among candidates by how many of the
  object's program names appear as strings near it (the skeleton also stores every program name).
* Duplicates: when the same bytes occur more than once in one container (a package shipping both
  x.bpf.o and a tool embedding it, a binary linked twice with one skeleton) every occurrence is
  kept -- each is a separate place a user may need to fix -- and later ones carry
  `duplicate_of` = the name of the first.  Consumers that analyse objects can skip duplicates.
* Errors: an input that cannot be read, or is none of the supported kinds, or is a BPF object that
  does not parse, raises InputError.  A bad member inside a package or directory (truncated,
  unreadable) becomes a warning string and the scan goes on; a package whose data archive ends
  early keeps what was found before the damage and warns.
"""
import bisect
import hashlib
import io
import lzma
import os
import re
import stat
import struct
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import Optional

from btf.containers import deb_data_member, deb_data_stream, read_capped
from btf import limits
from btf.errors import InputError

EM_BPF = 247
ELF_MAGIC = b"\x7fELF"
SKEL_SUFFIXES = (".skel.h", ".skeleton.h")
# Sizes are named limits (btf/limits.py): a package member over MAX_MEMBER_BYTES is skipped with a
# warning; the objects kept from one input together stay under MAX_HELD_OBJECT_BYTES.


@dataclass
class EmbeddedObject:
    name: str
    container: str
    member: Optional[str]
    offset: int
    data: bytes
    duplicate_of: Optional[str] = field(default=None)

    @property
    def size(self):
        return len(self.data)


# ---------------------------------------------------------------------------------------------
# ELF helpers

def _elf_header(buf, off=0):
    """(little_endian, is64, e_machine, e_shoff, e_shentsize, e_shnum) or None when not an ELF header."""
    if buf[off:off + 4] != ELF_MAGIC or len(buf) < off + 52:
        return None
    cls, data = buf[off + 4], buf[off + 5]
    if cls not in (1, 2) or data not in (1, 2):
        return None
    e = "<" if data == 1 else ">"
    (machine,) = struct.unpack_from(e + "H", buf, off + 18)
    if cls == 2:
        if len(buf) < off + 64:
            return None
        (shoff,) = struct.unpack_from(e + "Q", buf, off + 0x28)
        shentsize, shnum = struct.unpack_from(e + "HH", buf, off + 0x3A)
    else:
        (shoff,) = struct.unpack_from(e + "I", buf, off + 0x20)
        shentsize, shnum = struct.unpack_from(e + "HH", buf, off + 0x2E)
    return data == 1, cls == 2, machine, shoff, shentsize, shnum


def is_bpf_elf(data) -> bool:
    """ELF header with e_machine EM_BPF (247), little or big endian."""
    h = _elf_header(data, 0)
    return h is not None and h[2] == EM_BPF


def _object_end(buf, off, budget=None):
    """True end (relative to off) of the ELF object starting at off, or None when it cannot be cut.
    `budget`: a one-item list of section headers still allowed to be read (charged shnum)."""
    h = _elf_header(buf, off)
    if h is None:
        return None
    le, is64, _, shoff, shentsize, shnum = h
    want = 64 if is64 else 40
    if shoff == 0 or shnum == 0 or shentsize < want:
        return None
    end = shoff + shnum * shentsize
    if off + end > len(buf):
        return None
    if budget is not None:
        budget[0] -= shnum
        if budget[0] < 0:
            raise _TooMany("section headers")
    e = "<" if le else ">"
    fields = "IIQQQQ" if is64 else "IIIIII"      # name, type, flags, addr, offset, size
    fmt = e + fields + "x" * (shentsize - struct.calcsize("<" + fields))
    table = memoryview(buf)[off + shoff:off + shoff + shnum * shentsize]
    for _, sh_type, _, _, sh_offset, sh_size in struct.iter_unpack(fmt, table):
        if sh_type in (0, 8):        # SHT_NULL, SHT_NOBITS: no bytes in the file
            continue
        if sh_offset + sh_size > end:
            end = sh_offset + sh_size
    if off + end > len(buf):
        return None
    return end


def _names_table_ok(buf, off, h):
    """Cheap test before pyelftools: e_shstrndx names a SHT_STRTAB section inside the table."""
    le, is64, _, shoff, shentsize, shnum = h
    e = "<" if le else ">"
    (ndx,) = struct.unpack_from(e + "H", buf, off + (0x3E if is64 else 0x32))
    if not 0 < ndx < shnum:
        return False
    (typ,) = struct.unpack_from(e + "I", buf, off + shoff + ndx * shentsize + 4)
    return typ == 3


class _TooMany(Exception):
    """A file holds more candidate objects (or section headers) than the limits allow."""


class _View(io.RawIOBase):
    """A seekable read-only file over a memoryview: pyelftools reads a candidate in place."""

    def __init__(self, mv):
        self.mv, self.pos = mv, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, off, whence=0):
        self.pos = off if whence == 0 else (self.pos + off if whence == 1 else len(self.mv) + off)
        return self.pos

    def tell(self):
        return self.pos

    def readinto(self, b):
        chunk = self.mv[self.pos:self.pos + len(b)]
        n = len(chunk)
        b[:n] = chunk
        self.pos += n
        return n


def _validate(data):
    """Raise ValueError when pyelftools cannot read every section header and name (bytes, or a
    memoryview read in place)."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    try:
        elf = ELFFile(io.BytesIO(data) if isinstance(data, bytes) else io.BufferedReader(_View(data)))
        if elf["e_machine"] not in ("EM_BPF", EM_BPF):
            raise ValueError(f"e_machine is {elf['e_machine']}, not EM_BPF")
        for sec in elf.iter_sections():
            sec.name  # noqa: B018 - forces the string table lookup
            if sec["sh_type"] != "SHT_NOBITS" and sec["sh_offset"] + sec["sh_size"] > len(data):
                raise ValueError(f"section {sec.name!r} extends past the end of the object")
    except (ELFError, struct.error, UnicodeDecodeError, IndexError, KeyError) as e:
        raise ValueError(str(e) or type(e).__name__) from None


def program_sections(data):
    """Names of the executable (SHF_EXECINSTR, PROGBITS) sections of a BPF object, in file order."""
    from elftools.elf.elffile import ELFFile
    elf = ELFFile(io.BytesIO(data))
    out = []
    for sec in elf.iter_sections():
        if sec["sh_type"] == "SHT_PROGBITS" and sec["sh_flags"] & 0x4 and sec["sh_size"]:
            out.append(sec.name)
    return out


def program_names(data):
    """Names of global/static FUNC symbols in executable sections (the BPF programs)."""
    from elftools.elf.elffile import ELFFile
    try:
        elf = ELFFile(io.BytesIO(data))
        symtab = elf.get_section_by_name(".symtab")
        if symtab is None:
            return []
        execs = {i for i, s in enumerate(elf.iter_sections())
                 if s["sh_type"] == "SHT_PROGBITS" and s["sh_flags"] & 0x4}
        return [s.name for s in symtab.iter_symbols()
                if s.name and s["st_info"]["type"] == "STT_FUNC" and s["st_shndx"] in execs]
    except Exception:   # naming is best effort; the object itself was validated already
        return []


def _embedded_in(buf):
    """[(offset, bytes)] of every valid BPF object inside buf (not counting one at offset 0).

    Linear in the file: the b"\\x7fELF" search never goes back, at most MAX_EMBEDDED_OBJECTS EM_BPF
    headers are examined and 64 section headers per examined object on average are read, and a
    candidate is validated in place (no copy) -- only objects that are kept are copied out."""
    from btf import limits
    out = []
    cap = limits.get("MAX_EMBEDDED_OBJECTS")
    tries = 0
    budget = [64 * cap]
    mv = memoryview(buf)
    pos = buf.find(ELF_MAGIC, 1)
    while pos >= 0:
        h = _elf_header(buf, pos)
        if h is not None and h[2] == EM_BPF:
            tries += 1
            if tries > cap:
                raise _TooMany("EM_BPF headers")
            end = _object_end(buf, pos, budget)
            if end is not None and _names_table_ok(buf, pos, h):
                try:
                    _validate(mv[pos:pos + end])
                except ValueError:
                    pass
                else:
                    out.append((pos, bytes(mv[pos:pos + end])))
                    pos = buf.find(ELF_MAGIC, pos + end)
                    continue
        pos = buf.find(ELF_MAGIC, pos + 1)
    return out


_SKEL_NAME_RE = re.compile(rb"\x00([A-Za-z_][A-Za-z0-9_]*_bpf)\x00")


def _skeleton_names(buf, objects):
    """Best-effort skeleton name per object (None when not recoverable), see module doc.

    Candidates are NUL-terminated "<name>_bpf" strings.  bpftool's <name>__create_skeleton() also
    stores every program name as a string literal, and compilers keep those literals together, so
    the right candidate is the one with the most of the object's program names within
    NEAR bytes -- not counting the object's own string table.  A tie means "don't know"."""
    cands = [(m.start(1), m.group(1).decode()) for m in _SKEL_NAME_RE.finditer(buf)
             if not m.group(1).startswith(b"BPF_FUNC_")]
    if len(cands) * len(objects) > _NAMING_WORK:
        return [None] * len(objects)     # best effort: too many pairs to score in bounded time
    names = []
    for off, data in objects:
        if not cands:
            names.append(None)
            continue
        progs = [b"\x00" + p.encode() + b"\x00" for p in program_names(data)]
        end = off + len(data)
        best, best_score, tie = None, 0, False
        for at, cand in cands:
            lo, hi = max(0, at - _NEAR), at + _NEAR
            parts = [buf[lo:min(hi, off)], buf[max(lo, end):hi]]   # skip the object itself
            score = sum(1 for p in progs if any(p in w for w in parts))
            if score > best_score:
                best, best_score, tie = cand, score, False
            elif score == best_score and score and cand != best:
                tie = True
        if best is None and len(cands) == 1 and len(objects) == 1:
            best = cands[0][1]        # a single skeleton string and a single object
        names.append(None if tie or best is None else best[:-len("_bpf")])
    return names


_NEAR = 8192
_NAMING_WORK = 65536    # (candidate, object) pairs scored at most; beyond, objects stay numbered


# ---------------------------------------------------------------------------------------------
# skeleton headers: C string literals

# The tokenizer is a hand-written scanner (str.find and one-character-class searches): linear in
# the text whatever it holds. A backtracking regular expression here took exponential time on a
# literal made of backslash-newlines and quadratic time on unterminated comments.
_INTERESTING = re.compile(r"[\"'/]")


def _c_tokens(text):
    """Yield (kind, start, end) for comments ("comment"), string literals ("string", the body is
    text[start + 1:end - 1]) and character literals ("char") of C source, in order.

    An unterminated literal ends its line (the rest of the line is skipped); an unterminated block
    comment is not a comment (scanning goes on after its "/*"), like a C lexer recovering."""
    n = len(text)
    i = 0
    no_close_after = n + 1          # no "*/" at or after this position (memo: each find is done once)
    search = _INTERESTING.search
    while True:
        m = search(text, i)
        if m is None:
            return
        i = m.start()
        ch = text[i]
        if ch == "/":
            nxt = text[i + 1:i + 2]
            if nxt == "*":
                j = -1 if i + 2 >= no_close_after else text.find("*/", i + 2)
                if j < 0:
                    no_close_after = min(no_close_after, i + 2)
                    i += 1
                    continue
                yield "comment", i, j + 2
                i = j + 2
            elif nxt == "/":
                j = text.find("\n", i + 2)
                j = n if j < 0 else j
                yield "comment", i, j
                i = j
            else:
                i += 1
            continue
        end, resume = _literal_end(text, i + 1, ch)
        if end is None:
            if resume is None:      # runs to the end of the text: not a literal
                return
            i = resume              # unterminated on its line
            continue
        yield ("string" if ch == '"' else "char"), i, end + 1
        i = end + 1


def _escaped(text, p, lo):
    """Is text[p] preceded by an odd run of backslashes (not looking before lo)?"""
    m = p
    while m > lo and text[m - 1] == "\\":
        m -= 1
    return (p - m) & 1 == 1


def _literal_end(text, j, q):
    """(index of the closing quote, None) of a literal whose body starts at j, or (None, resume
    position) when a newline not escaped by a backslash ends it first, or (None, None) when it
    runs to the end. Work is proportional to the quotes and newlines inside, not the characters."""
    lo = j
    nl = text.find("\n", j)
    while True:
        k = text.find(q, j)
        while nl >= 0 and (k < 0 or nl < k):
            if not _escaped(text, nl, lo):
                return None, nl + 1
            nl = text.find("\n", nl + 1)
        if k < 0:
            return None, None
        if _escaped(text, k, lo):
            j = k + 1
            continue
        return k, None




_ESC = re.compile(r"\\(x[0-9A-Fa-f]+|[0-7]{1,3}|.|\n)", re.S)
_SIMPLE = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, "'": 39, '"': 34,
           "?": 63, "e": 27}


def _hex_only(body):
    """Bytes of a body made only of two-digit \\xHH escapes (what bpftool writes for a skeleton's
    object), decoded in C (str slicing, bytes.fromhex); None for anything else."""
    b = body.replace("\\\n", "") if "\\\n" in body else body
    n = len(b)
    if not n or n % 4 or b[0::4] != "\\" * (n // 4) or b[1::4] != "x" * (n // 4):
        return None
    h = b.replace("\\x", "")
    if not h.isalnum():
        return None
    try:
        return bytes.fromhex(h)
    except ValueError:
        return None


def decode_c_string(body: str, want=None) -> bytes:
    """Bytes of one C string literal body (between the quotes, source read as latin-1 so every
    character is one source byte), with C escape semantics:
    \\x takes every following hex digit, octal takes up to three digits, backslash-newline vanishes.
    `want`: stop once that many bytes are decoded (the result may be a little longer)."""
    fast = _hex_only(body)
    if fast is not None:
        return fast
    out = bytearray()
    pos = 0
    for m in _ESC.finditer(body):
        if want is not None and len(out) >= want:
            return bytes(out)
        if m.start() > pos:
            out += body[pos:m.start()].encode("latin-1")
        e = m.group(1)
        if e == "x":
            raise ValueError("\\x used with no following hex digits")
        if e[0] == "x":
            out.append(int(e[1:], 16) & 0xFF)
        elif e[0] in "01234567":
            out.append(int(e, 8) & 0xFF)
        elif e == "\n":
            pass
        elif e in _SIMPLE:
            out.append(_SIMPLE[e])
        else:
            raise ValueError(f"unknown escape \\{e}")
        pos = m.end()
    out += body[pos:].encode("latin-1")
    return bytes(out)


def _string_runs(text):
    """[(char offset, [(body start, body end), ...])] of every run of adjacent string literals
    (separated only by whitespace and comments, which the compiler concatenates)."""
    runs = []
    cur, cur_start, last_end = None, 0, None
    for kind, a, b in _c_tokens(text):
        if kind == "comment":
            if cur is not None and text[last_end:a].strip() == "":
                last_end = b             # a comment between adjacent literals keeps them joined
            continue
        if kind == "string":
            adjacent = cur is not None and text[last_end:a].strip() == ""
            if not adjacent:
                if cur is not None:
                    runs.append((cur_start, cur))
                cur, cur_start = [], a
            cur.append((a + 1, b - 1))
            last_end = b
        else:   # character literal ends any literal run
            if cur is not None:
                runs.append((cur_start, cur))
                cur = None
    if cur is not None:
        runs.append((cur_start, cur))
    return runs


def c_string_blobs(text: str):
    """[(char offset, bytes)] of every string literal in C source, adjacent literals (separated
    only by whitespace and comments) concatenated like the compiler does."""
    return [(at, b"".join(decode_c_string(text[x:y]) for x, y in parts)) for at, parts in _string_runs(text)]


def _run_head(text, parts, want):
    """The first `want` bytes of a run of literals, decoding only as much as that needs."""
    out = b""
    for x, y in parts:
        out += decode_c_string(text[x:y], want)
        if len(out) >= want:
            break
    return out[:want]


_ELF_BYTES_FN = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)__elf_bytes\s*\(")
_CREATE_FN = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)__create_skeleton\s*\(")


_IDENT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _fn_names(text, suffix):
    """[(end, name)] for every `<name><suffix>(` (spaces allowed before the parenthesis) in text:
    what re.finditer(r"\\b([A-Za-z_][A-Za-z0-9_]*)" + suffix + r"\\s*\\(") finds, by str.find on the
    suffix and a walk back over the identifier (fast on megabytes of hex escapes)."""
    out = []
    i = text.find(suffix)
    while i >= 0:
        j = i + len(suffix)
        while j < len(text) and text[j] in " \t\n\r\f\v":
            j += 1
        if j < len(text) and text[j] == "(":
            a = i
            while a > 0 and text[a - 1] in _IDENT:
                a -= 1
            if a < i and not text[a].isdigit():
                out.append((j + 1, text[a:i]))
        i = text.find(suffix, i + 1)
    return out


def _name_before(matches, at):
    """The name of the last match ending at or before `at` ([(end, name)] sorted by end)."""
    i = bisect.bisect_right(matches, (at, "\U0010ffff"))
    return matches[i - 1][1] if i else None


def _objects_in_skeleton(text):
    """[(skeleton name or None, bytes)] of the BPF objects in a skeleton header's text."""
    # the object literal is by far the largest part of the header: only runs that start with the
    # ELF magic are decoded in full; skeleton names are found in one pass over the text, and each
    # object takes the last one before it (linear however many literals the header has)
    from btf import limits
    objs = []
    elf_fns = cre_fns = None
    cap = limits.get("MAX_EMBEDDED_OBJECTS")
    for at, parts in _string_runs(text):
        head = _run_head(text, parts, 64)
        if not (head.startswith(ELF_MAGIC) and is_bpf_elf(head)):
            continue
        if len(objs) >= cap:
            raise _TooMany("BPF objects in one header")
        blob = b"".join(decode_c_string(text[x:y]) for x, y in parts)
        if not is_bpf_elf(blob):
            continue
        if elf_fns is None:
            elf_fns = _fn_names(text, "__elf_bytes")
            cre_fns = _fn_names(text, "__create_skeleton")
        objs.append((_name_before(elf_fns, at) or _name_before(cre_fns, at), blob))
    return objs


# ---------------------------------------------------------------------------------------------
# .deb: ar archive, then a (compressed) tar stream

# The ar + tar reading lives in btf/containers.py (deb_data_member, deb_data_stream).


# ---------------------------------------------------------------------------------------------
# driver

class _Collector:
    def __init__(self, container):
        self.container = container
        self.objects = []
        self.warnings = []
        self._seen = {}
        self._data = {}         # digest -> the bytes, so duplicates share one copy
        self._names = set()
        self.held = 0

    def add(self, base, member, offset, data, label=None):
        digest = hashlib.sha256(data).digest()
        if digest not in self._seen:         # new bytes: they count against the limit
            self.held += len(data)
            if self.held > limits.get("MAX_HELD_OBJECT_BYTES"):
                raise limits.breach(self.container, "MAX_HELD_OBJECT_BYTES", "BPF objects found in this input")
        else:
            data = self._data[digest]        # the same bytes, held once
        name = base if label == "" else f"{base}#{label}"
        if name in self._names:
            n = sum(1 for o in self.objects if o.name.startswith(base + "#"))
            name = f"{base}#{n}"
        self._names.add(name)
        obj = EmbeddedObject(name=name, container=self.container, member=member, offset=offset,
                             data=data, duplicate_of=self._seen.get(digest))
        self._seen.setdefault(digest, name)
        self._data.setdefault(digest, data)
        self.objects.append(obj)


def _scan_bytes(col, buf, base, member, *, where, strict):
    """Objects in one file's bytes.  `strict`: the file was named by the user (errors are fatal)."""
    if buf[:4] == ELF_MAGIC:
        h = _elf_header(buf, 0)
        if h is None:
            if strict:
                raise InputError(where, "truncated or corrupt ELF header")
            col.warnings.append(f"{where}: truncated or corrupt ELF header")
            return
        if h[2] == EM_BPF:
            try:
                end = _object_end(buf, 0)
                if end is None:
                    raise ValueError("section headers or data lie past the end of the file (truncated?)")
                _validate(bytes(buf[:end]))
            except ValueError as e:
                if strict:
                    raise InputError(where, f"corrupt BPF object: {e}") from None
                col.warnings.append(f"{where}: corrupt BPF object: {e}")
                return
            col.add(base, member, 0, bytes(buf), label="")
            return
        try:
            found = _embedded_in(buf)
        except _TooMany as e:
            err = limits.breach(where, "MAX_EMBEDDED_OBJECTS", f"candidate embedded objects ({e})")
            if strict:
                raise err from None
            col.warnings.append(str(err))
            return
        names = _skeleton_names(buf, found)
        for i, ((off, data), nm) in enumerate(zip(found, names)):
            col.add(base, member, off, data, label=nm or str(i))
        return
    if base.endswith(SKEL_SUFFIXES) or (member or "").endswith(SKEL_SUFFIXES):
        text = bytes(buf).decode("latin-1")     # one char per byte: literal text maps back exactly
        try:
            objs = _objects_in_skeleton(text)
        except _TooMany as e:
            err = limits.breach(where, "MAX_EMBEDDED_OBJECTS", f"{e}")
            if strict:
                raise err from None
            col.warnings.append(str(err))
            return
        except ValueError as e:
            if strict:
                raise InputError(where, f"bad C string literal: {e}") from None
            col.warnings.append(f"{where}: bad C string literal: {e}")
            return
        for i, (nm, data) in enumerate(objs):
            try:
                end = _object_end(data, 0)
                if end is None:
                    raise ValueError("object is truncated")
                _validate(data[:end])
            except ValueError as e:
                msg = f"{where}: embedded object {nm or i} is corrupt: {e}"
                if strict:
                    raise InputError(where, msg.split(": ", 1)[1]) from None
                col.warnings.append(msg)
                continue
            col.add(base, member, 0, data[:end], label=nm or str(i))
        return
    if strict:
        raise InputError(where, "unsupported input (not an ELF file, skeleton header, .deb or directory)")


def _scan_deb(col, path, progress):
    with open(path, "rb") as f:
        total = os.fstat(f.fileno()).st_size
        name, start, size = deb_data_member(f, path, total, allow_truncated=True)
        if start + size > total:
            col.warnings.append(f"{path}: {name} is truncated ({total - start} of {size} bytes)")
            size = total - start
        stream = deb_data_stream(f, path, name, start, size)
        try:
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for m in tar:
                    if not m.isreg():
                        continue
                    mname = m.name if m.name.startswith("./") else "./" + m.name
                    base = f"{path}:{mname[2:]}"
                    if progress is not None:
                        progress.advance(0, note=mname)
                    fobj = tar.extractfile(m)
                    head = fobj.peek(4)[:4]
                    if head != ELF_MAGIC and not mname.endswith(SKEL_SUFFIXES):
                        continue
                    if m.size > limits.get("MAX_MEMBER_BYTES"):
                        col.warnings.append(str(limits.breach(base, "MAX_MEMBER_BYTES",
                                                              f"member size ({m.size} bytes); skipped:")))
                        continue
                    buf = fobj.read(m.size)         # one buffer of the member's size, no copies
                    if len(buf) != m.size:
                        col.warnings.append(f"{base}: member truncated ({len(buf)} of {m.size} bytes)")
                        continue
                    _scan_bytes(col, buf, base, mname, where=base, strict=False)
        except _stream_errors() as e:
            col.warnings.append(f"{path}: {name} is damaged, scan stopped early: {type(e).__name__}: {e}")


def _stream_errors():
    errors = [tarfile.TarError, EOFError, lzma.LZMAError, OSError, zlib.error]
    try:
        import zstandard
        errors.append(zstandard.ZstdError)
    except ImportError:
        pass
    return tuple(errors)


def _scan_file(col, path, base, *, strict, progress):
    try:
        with open(path, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise InputError(path, "not a regular file (devices, FIFOs and sockets are not read)")
            head = f.read(24)
            is_deb = head.startswith(b"!<arch>\ndebian-binary") or path.endswith(".deb")
            if is_deb:
                f.close()
                _scan_deb(col, path, progress)
                return
            if not strict and head[:4] != ELF_MAGIC and not path.endswith(SKEL_SUFFIXES):
                return
            f.seek(0)
            buf = read_capped(f, path)
    except InputError:
        if strict:
            raise
        col.warnings.append(str(InputError(path, "unreadable package")))
        return
    except OSError as e:
        if strict:
            raise InputError(path, f"cannot read: {e.strerror or e}") from None
        col.warnings.append(f"{path}: cannot read: {e.strerror or e}")
        return
    _scan_bytes(col, buf, base, None, where=path, strict=strict)


def find_objects(path: str, *, progress=None):
    """All BPF objects in `path` (a BPF object, ELF binary/library, skeleton header, .deb or
    directory) and a list of warnings about members that could not be scanned."""
    path = str(path)
    col = _Collector(path)
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for fn in sorted(files):
                p = os.path.join(root, fn)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                if progress is not None:
                    progress.advance(0, note=os.path.relpath(p, path))
                try:
                    _scan_file(col, p, p, strict=False, progress=progress)
                except InputError as e:
                    col.warnings.append(str(e))
        return col.objects, col.warnings
    if not os.path.exists(path):
        raise InputError(path, "no such file or directory")
    _scan_file(col, path, path, strict=True, progress=progress)
    return col.objects, col.warnings
