"""Getting a kernel's BTF (and what travels with it) out of whatever wraps it.

Inputs are recognised by content, never by file name: raw BTF, a vmlinux ELF, a module .ko
(possibly .xz/.zst/.gz compressed), a bzImage/vmlinuz or compressed raw Image, a Debian package.
Every decompression is capped (hostile input must not exhaust memory) and every failure becomes
one InputError naming the file.
"""
import bz2
import glob
import gzip
import io
import lzma
import os
import re
import stat
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import Optional

from . import limits
from .errors import InputError, LimitError

# Caps are named limits (btf/limits.py): MAX_DECOMPRESSED for one decompressed object,
# MAX_PACKAGE_STREAM for the data.tar of a .deb, MAX_INPUT_BYTES for a file read whole,
# MAX_CANDIDATES / MAX_SCAN_DECOMPRESSED for the payload scan of a kernel image.
_LZ4_LEGACY_MAGIC = 0x184C2102
_LZ4_LEGACY_CHUNK = 8 << 20     # kernel/lib/decompress_unlz4.c: LZ4_DEFAULT_UNCOMPRESSED_CHUNK_SIZE
_PREFIX = 1 << 20               # bytes of a scanned candidate inflated before trusting it

# (name, magic) in the order extract_vmlinux tries them when it has to scan.
_MAGICS = (
    ("gzip", b"\x1f\x8b\x08"),
    ("xz", b"\xfd7zXZ\x00"),
    ("zstd", b"\x28\xb5\x2f\xfd"),
    ("bzip2", b"BZh"),
    ("lz4-legacy", b"\x02\x21\x4c\x18"),
    ("lz4-frame", b"\x04\x22\x4d\x18"),
    ("lzma", b"\x5d\x00\x00"),
    ("lzo", b"\x89LZO\x00\r\n\x1a\n"),
)
_ELF_MAGIC = b"\x7fELF"
_BTF_MAGICS = (b"\x9f\xeb", b"\xeb\x9f")

# ELF e_machine (pyelftools names) -> uname -m
_MACHINE_ARCH = {
    "EM_X86_64": "x86_64", "EM_AARCH64": "aarch64", "EM_386": "i686", "EM_ARM": "armv7l",
    "EM_S390": "s390x", "EM_RISCV": "riscv64", "EM_LOONGARCH": "loongarch64", "EM_MIPS": "mips64",
    "EM_SPARCV9": "sparc64", "EM_PARISC": "parisc64",
}
# Debian architecture -> uname -m
_DEB_ARCH = {
    "amd64": "x86_64", "arm64": "aarch64", "i386": "i686", "armhf": "armv7l", "armel": "armv5tel",
    "ppc64el": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64",
    "loong64": "loongarch64", "mips64el": "mips64", "mipsel": "mips", "sparc64": "sparc64",
}
_RELEASE_RE = re.compile(r"^\d+\.\d+(\.\d+)?[-+.\w]*$")


@dataclass
class BtfIdsSection:
    """The raw .BTF_ids section of a vmlinux ELF (or .ko)."""
    data: bytes
    addr: int                       # sh_addr of the section
    byteorder: str                  # 'little' | 'big'
    symbols: Optional[list] = None  # [(name, st_value, st_size)] inside the section, when .symtab exists


@dataclass
class KernelArtifacts:
    btf: bytes
    release: Optional[str]
    version_banner: Optional[str]
    arch: Optional[str]
    config: Optional[str]
    origin: str
    btf_ids: Optional[BtfIdsSection] = None
    function_symbols: Optional[list] = None
    modules: dict = field(default_factory=dict)
    module_btf_ids: dict = field(default_factory=dict)   # module name -> BtfIdsSection (modules with kfunc sets)


@dataclass
class ModuleBtf:
    """A kernel module's split BTF (it needs its vmlinux BTF as base to be parsed)."""
    name: str
    btf: bytes
    vermagic: Optional[str] = None
    btf_ids: Optional[BtfIdsSection] = None


# ---------------------------------------------------------------------------- decompression
def compression_of(data) -> Optional[str]:
    """Name of the compression format whose magic starts `data`, or None."""
    head = bytes(data[:16])
    for name, magic in _MAGICS:
        if head.startswith(magic):
            if name == "bzip2" and not (len(head) >= 10 and head[3:4] in b"123456789"
                                        and head[4:10] == b"\x31\x41\x59\x26\x53\x59"):
                continue
            if name == "lzma" and len(head) >= 5 and int.from_bytes(head[1:5], "little") < 4096:
                continue        # lzma-alone: props 0x5d then a dictionary size (kernel uses >= 1 MB)
            return name
    return None


def _too_big(path, limit, name="MAX_DECOMPRESSED"):
    return limits.breach(path, name, "decompressed data", limit)


class _Sink:
    """Where decompressed output goes: refuses to grow past `limit` (checked on every write, so
    the cap holds while inflating, whatever sizes the input declares), and hands back bytes
    without a second copy (BytesIO.getvalue shares its buffer)."""

    __slots__ = ("buf", "n", "limit", "path", "name", "head")

    def __init__(self, path, limit, name="MAX_DECOMPRESSED", head=False):
        self.buf, self.n, self.limit, self.path, self.name = io.BytesIO(), 0, limit, path, name
        self.head = head

    def write(self, chunk):
        self.n += len(chunk)
        if self.n > self.limit:
            if self.head:
                self.buf.write(chunk[:len(chunk) - (self.n - self.limit)])
                self.n = self.limit
                raise _Enough
            raise _too_big(self.path, self.limit, self.name)
        self.buf.write(chunk)

    def __len__(self):
        return self.n

    def value(self):
        v = self.buf.getvalue()
        self.buf = None
        return v


_STEP = 1 << 22         # at most this much output per decompressor call


class _Enough(Exception):
    """decompress(head=N) has its N bytes."""


def _stdlib_stream(dec, data, out, what):
    """Drive an lzma/bz2 decompressor with max_length so no call returns more than _STEP."""
    out.write(dec.decompress(data, max_length=_STEP))
    while not dec.eof:
        if dec.needs_input:
            if len(out):
                break        # truncated stream: keep what we got only if caller accepts it
            raise InputError(out.path, f"{what} data is truncated")
        out.write(dec.decompress(b"", max_length=_STEP))
    return dec.eof


def decompress(data, fmt, path, limit=None, *, allow_truncated=False, limit_name="MAX_DECOMPRESSED",
               head=None) -> bytes:
    """Decompress one stream of `fmt`, stopping at its end (trailing bytes are ignored).

    Output is capped at `limit` (default: the MAX_DECOMPRESSED limit) while it is produced; any
    decompressor error becomes an InputError naming `path`. `head=N`: only the first N bytes of
    the output are wanted (a stream that ends earlier gives what it has).
    """
    if limit is None:
        limit = limits.get(limit_name)
    mv = memoryview(data)
    out = _Sink(path, head if head is not None else limit, limit_name, head=head is not None)
    try:
        if fmt == "gzip":
            d = zlib.decompressobj(31)
            out.write(d.decompress(mv, _STEP))
            while not d.eof and d.unconsumed_tail:
                out.write(d.decompress(d.unconsumed_tail, _STEP))
            complete = d.eof
        elif fmt in ("xz", "lzma"):
            dec = lzma.LZMADecompressor(lzma.FORMAT_XZ if fmt == "xz" else lzma.FORMAT_ALONE)
            complete = _stdlib_stream(dec, mv, out, fmt)
        elif fmt == "bzip2":
            complete = _stdlib_stream(bz2.BZ2Decompressor(), mv, out, fmt)
        elif fmt == "zstd":
            complete = _zstd(mv, out)
        elif fmt == "lz4-legacy":
            complete = _lz4_legacy(mv, out)
        elif fmt == "lz4-frame":
            complete = _lz4_frame(mv, out)
        elif fmt == "lzo":
            raise InputError(path, "LZO-compressed kernels are not supported (decompress it with lzop first)")
        else:
            raise InputError(path, f"unknown compression {fmt!r}")
    except _Enough:
        return out.value()
    except InputError:
        raise
    except MemoryError:
        raise InputError(path, f"out of memory decompressing {fmt} data")
    except Exception as e:   # zlib.error, lzma.LZMAError, OSError, zstd/lz4 errors, EOFError ...
        raise InputError(path, f"corrupt {fmt} data: {e}")
    if not complete and not allow_truncated:
        raise InputError(path, f"{fmt} data is truncated")
    return out.value()


def _zstd(mv, out):
    import zstandard
    # A decompressobj stops at the end of the frame (the kernel appends a 4-byte size after it);
    # feeding 1 KiB at a time bounds each call's output (a zstd block is at most 128 KiB).
    d = zstandard.ZstdDecompressor(max_window_size=1 << 28).decompressobj()
    pos, n = 0, len(mv)
    while pos < n and not d.eof:
        out.write(d.decompress(mv[pos:pos + 1024]))
        pos += 1024
    return d.eof


def _lz4_legacy(mv, out):
    """The kernel's legacy lz4 format: magic, then {le32 csize, block} chunks of <= 8 MB output."""
    import lz4.block
    bound = _LZ4_LEGACY_CHUNK + _LZ4_LEGACY_CHUNK // 255 + 16
    pos, n = 4, len(mv)
    while pos + 4 <= n:
        csize = int.from_bytes(mv[pos:pos + 4], "little")
        if csize == _LZ4_LEGACY_MAGIC:
            pos += 4
            continue
        if csize == 0 or csize > bound or pos + 4 + csize > n:
            if len(out):
                break        # the size trailer the kernel build appends, or trailing garbage
            raise InputError(out.path, f"corrupt lz4 data: bad chunk size {csize}")
        out.write(lz4.block.decompress(bytes(mv[pos + 4:pos + 4 + csize]), uncompressed_size=_LZ4_LEGACY_CHUNK))
        pos += 4 + csize
    if not len(out):
        raise InputError(out.path, "lz4 data is truncated")
    return True


def _lz4_frame(mv, out):
    import lz4.frame
    d = lz4.frame.LZ4FrameDecompressor()
    out.write(d.decompress(bytes(mv), max_length=_STEP))
    while not d.eof and d.needs_input is False:
        out.write(d.decompress(b"", max_length=_STEP))
    return d.eof


def read_capped(f, path, limit=None, name="MAX_INPUT_BYTES") -> bytes:
    """The rest of open file `f`, refused (limit `name`) when it holds more than `limit` bytes.
    Never allocates the limit up front: a regular file is sized by fstat, anything else is read
    in chunks."""
    if limit is None:
        limit = limits.get(name)
    try:
        st = os.fstat(f.fileno())
        if stat.S_ISREG(st.st_mode):
            if st.st_size - f.tell() > limit:
                raise limits.breach(path, name, f"file size ({st.st_size} bytes)")
            data = f.read()
        else:
            buf = io.BytesIO()
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                buf.write(chunk)
                if buf.tell() > limit:
                    break
            data = buf.getvalue()
    except OSError as e:
        raise InputError(path, e.strerror or str(e))
    if len(data) > limit:
        raise limits.breach(path, name, "file size")
    return data


def _read_file(path, limit=None) -> bytes:
    try:
        f = open(path, "rb")
    except OSError as e:
        raise InputError(path, e.strerror or str(e))
    with f:
        return read_capped(f, path, limit)


def load_bytes(path) -> bytes:
    """The whole file, transparently decompressed when it starts with a compression magic."""
    data = _read_file(path)
    fmt = compression_of(data)
    if fmt and fmt != "lzma":       # lzma-alone magic is too weak to trust at offset 0 of arbitrary files
        return decompress(data, fmt, path)
    return data


# ---------------------------------------------------------------------------- ELF
class _Elf:
    """The parts of an ELF we need, with every section bounds-checked against the buffer."""

    def __init__(self, data, path):
        from elftools.elf.elffile import ELFFile
        self.data = data
        self.path = path
        try:
            self.elf = ELFFile(io.BytesIO(data))
            self.byteorder = "little" if self.elf.little_endian else "big"
            self.machine = self.elf["e_machine"]
            self.etype = self.elf["e_type"]
            self.sections = {}
            self.index = {}
            for i, s in enumerate(self.elf.iter_sections()):
                if s["sh_type"] != "SHT_NOBITS" and s["sh_size"]:
                    if s["sh_offset"] + s["sh_size"] > len(data):
                        raise InputError(path, f"ELF section {s.name or i} extends past the end of the file "
                                               f"(offset {s['sh_offset']} + size {s['sh_size']} > {len(data)})")
                self.sections.setdefault(s.name, s)
                self.index[i] = s
        except InputError:
            raise
        except Exception as e:    # ELFError, ELFParseError, struct.error, ValueError ...
            raise InputError(path, f"malformed ELF: {e}")

    def has(self, name):
        return name in self.sections

    def bytes_of(self, name) -> Optional[bytes]:
        s = self.sections.get(name)
        if s is None or s["sh_type"] == "SHT_NOBITS":
            return None
        off = s["sh_offset"]
        return bytes(self.data[off:off + s["sh_size"]])

    def addr_of(self, name):
        return self.sections[name]["sh_addr"]

    def symbols(self):
        """(name, value, size, type, shndx) of .symtab entries, or None when there is no .symtab."""
        st = self.sections.get(".symtab")
        if st is None or st["sh_type"] != "SHT_SYMTAB":
            return None
        try:
            out = []
            for sym in st.iter_symbols():
                out.append((sym.name, sym["st_value"], sym["st_size"], sym["st_info"]["type"], sym["st_shndx"]))
            return out
        except Exception as e:
            raise InputError(self.path, f"malformed ELF symbol table: {e}")

    def read_addr(self, addr, size):
        """Bytes at a virtual address, from whichever allocated section holds them."""
        for s in self.index.values():
            a, n = s["sh_addr"], s["sh_size"]
            if s["sh_type"] != "SHT_NOBITS" and a and a <= addr and addr + size <= a + n:
                off = s["sh_offset"] + addr - a
                return bytes(self.data[off:off + size])
        return None


def elf_btf_sections(data, path) -> dict:
    """'.BTF', '.BTF.ext', '.BTF_ids', '.BTF.base' bytes of any ELF (only those present)."""
    e = _Elf(data, path)
    out = {}
    for name in (".BTF", ".BTF.ext", ".BTF_ids", ".BTF.base"):
        b = e.bytes_of(name)
        if b is not None:
            out[name] = b
    return out


def _btf_ids_of(e: _Elf, syms) -> Optional[BtfIdsSection]:
    data = e.bytes_of(".BTF_ids")
    if data is None:
        return None
    inside = None
    if syms is not None:
        shndx = next(i for i, s in e.index.items() if s is e.sections[".BTF_ids"])
        inside = [(n, v, sz) for (n, v, sz, _t, ndx) in syms if ndx == shndx and n]
    return BtfIdsSection(data=data, addr=e.addr_of(".BTF_ids"), byteorder=e.byteorder, symbols=inside)


def _arch_of(e: _Elf) -> Optional[str]:
    m = e.machine
    if m == "EM_PPC64":
        return "ppc64le" if e.byteorder == "little" else "ppc64"
    return _MACHINE_ARCH.get(m)


# ---------------------------------------------------------------------------- banner, config
_BANNER_RE = re.compile(rb"Linux version ([^\s%\x00]+) [^\x00\n]*")


def find_banner(data) -> Optional[str]:
    """The `linux_banner` text ("Linux version <release> (...) #1 ...") found anywhere in data."""
    best = None
    for m in _BANNER_RE.finditer(data):
        text = m.group(0)
        if b"#" in text and b"(" in text:       # the real banner, not a format string or a message
            return text.decode("utf-8", "replace").strip()
        best = best or text
    return best.decode("utf-8", "replace").strip() if best else None


def release_of_banner(banner: Optional[str]) -> Optional[str]:
    if not banner:
        return None
    parts = banner.split()
    return parts[2] if len(parts) >= 3 and parts[0] == "Linux" and parts[1] == "version" else None


def _ikconfig(data, path) -> Optional[str]:
    """CONFIG_IKCONFIG embeds the gzipped .config between IKCFG_ST and IKCFG_ED markers."""
    i = data.find(b"IKCFG_ST")
    if i < 0:
        return None
    try:
        return decompress(data[i + 8:i + 8 + (4 << 20)], "gzip", path, 16 << 20).decode("utf-8", "replace")
    except InputError:
        return None


def _banner_from_elf(e: _Elf, syms) -> Optional[str]:
    if syms:
        for name, value, size, _t, _n in syms:
            if name == "linux_banner" and 0 < size < 4096:
                raw = e.read_addr(value, size)
                if raw:
                    return raw.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
                break
    ro = e.bytes_of(".rodata")
    b = find_banner(ro) if ro else None
    return b or find_banner(e.data)


# ---------------------------------------------------------------------------- raw BTF in a blob
def _btf_header_total(data, off):
    """Total length of a plausible BTF blob starting at off, or None."""
    if data[off:off + 2] == b"\x9f\xeb":
        bo = "little"
    elif data[off:off + 2] == b"\xeb\x9f":
        bo = "big"
    else:
        return None
    if data[off + 2] != 1 or data[off + 3] != 0:
        return None
    u32 = lambda k: int.from_bytes(data[off + k:off + k + 4], bo)  # noqa: E731
    hdr_len = u32(4)
    if hdr_len not in (24, 32):
        return None
    type_off, type_len, str_off, str_len = u32(8), u32(12), u32(16), u32(20)
    if type_off != 0 or str_off < type_len or str_len == 0:
        return None
    total = hdr_len + str_off + str_len
    if off + total > len(data):
        return None
    if data[off + hdr_len + str_off] != 0:
        return None        # base BTF strings start with NUL
    return total


def find_raw_btf(data) -> Optional[bytes]:
    """The largest consistent BTF blob inside a raw kernel Image (no ELF section headers)."""
    best = None
    for magic in (b"\x9f\xeb\x01\x00", b"\xeb\x9f\x01\x00"):
        i = data.find(magic)
        tries = 0
        while i >= 0 and tries < 10000:
            tries += 1
            total = _btf_header_total(data, i) if i % 4 == 0 else None
            if total and (best is None or total > len(best)):
                best = bytes(data[i:i + total])
            i = data.find(magic, i + 1)
    return best


# ---------------------------------------------------------------------------- bzImage
def _bzimage_payload(image):
    """(offset, length) of the compressed payload announced by an x86 boot header, or None."""
    if len(image) < 0x250 or image[0x202:0x206] != b"HdrS":
        return None
    version = int.from_bytes(image[0x206:0x208], "little")
    if version < 0x208:
        return None
    setup_sects = image[0x1F1] or 4
    start = (setup_sects + 1) * 512
    off = int.from_bytes(image[0x248:0x24C], "little")
    length = int.from_bytes(image[0x24C:0x250], "little")
    if start + off >= len(image) or length == 0:
        return None
    return start + off, min(length, len(image) - start - off)


def _looks_like_kernel(blob):
    return blob.startswith(_ELF_MAGIC) or b"Linux version " in blob


def _starts_like_kernel(head):
    """The first bytes of a decompressed candidate: an ELF, an arm64/riscv Image header, or a
    kernel banner early on."""
    return (head.startswith(_ELF_MAGIC) or head[56:60] in (b"ARM\x64", b"RSC\x05")
            or b"Linux version " in head)


def extract_vmlinux(image: bytes, path) -> bytes:
    """bzImage/vmlinuz (or any image with an embedded compressed kernel) -> the vmlinux ELF/Image.

    The x86 boot header names the payload; otherwise scan for compression magics like
    scripts/extract-vmlinux does, trying each candidate until one decompresses to a kernel.
    """
    where = _bzimage_payload(image)
    if where is not None:
        off, length = where
        fmt = compression_of(image[off:off + 16])
        if fmt is None:
            raise InputError(path, f"bzImage payload at offset {off} has an unknown compression "
                                   f"(starts with {bytes(image[off:off + 8]).hex()})")
        out = decompress(image[off:off + length], fmt, path)
        if not _looks_like_kernel(out):
            raise InputError(path, f"bzImage payload ({fmt}) does not decompress to a kernel")
        return out
    errors = []
    candidates = []
    max_cand = limits.get("MAX_CANDIDATES")
    for fmt, magic in _MAGICS:
        i = image.find(magic)
        n = 0
        while i >= 0 and n < max_cand:
            if compression_of(image[i:i + 16]) == fmt:
                candidates.append((i, fmt))
                n += 1
            i = image.find(magic, i + 1)
    candidates.sort()
    # Each candidate is first inflated to _PREFIX bytes and must start like a kernel (what
    # scripts/extract-vmlinux checks); only then is it inflated in full. The bytes spent on all
    # candidates together are bounded too, so a file of many compressed-looking blobs costs at
    # most MAX_SCAN_DECOMPRESSED, not MAX_CANDIDATES times MAX_DECOMPRESSED.
    budget = limits.get("MAX_SCAN_DECOMPRESSED")
    mv = memoryview(image)
    for off, fmt in candidates[:max_cand]:
        try:
            # a bounded slice of input is enough for _PREFIX bytes of output (a legacy lz4 chunk
            # can hold 8 MB): feeding the whole image made zlib copy its unconsumed tail each time
            head = decompress(mv[off:off + (_LZ4_LEGACY_CHUNK * 2 if fmt == "lz4-legacy" else _PREFIX * 2)],
                              fmt, path, allow_truncated=True, head=_PREFIX)
        except InputError as e:
            errors.append(f"{fmt}@{off}: {e.problem}")
            continue
        budget -= len(head)
        if not _starts_like_kernel(head):
            errors.append(f"{fmt}@{off}: does not decompress to a kernel")
            continue
        if budget <= 0:
            raise limits.breach(path, "MAX_SCAN_DECOMPRESSED", "decompressing candidate payloads")
        try:
            out = decompress(mv[off:], fmt, path, min(budget, limits.get("MAX_DECOMPRESSED")),
                             allow_truncated=False)
        except LimitError:
            raise                   # it starts like a kernel: the limit is the answer
        except InputError as e:
            errors.append(f"{fmt}@{off}: {e.problem}")
            budget -= _PREFIX
            continue
        budget -= len(out)
        if _looks_like_kernel(out):
            return out
    if errors:
        raise InputError(path, "no embedded kernel could be decompressed (" + "; ".join(errors[:3]) + ")")
    raise InputError(path, "not a kernel image: no boot header and no compressed payload found")


# ---------------------------------------------------------------------------- modules
def _module_name(e: _Elf, fallback):
    return _modinfo(e.bytes_of(".modinfo") or b"", fallback)


def _modinfo(info, fallback):
    name = vermagic = None
    for item in info.split(b"\0"):
        if item.startswith(b"name=") and name is None:
            name = item[5:].decode("utf-8", "replace")
        elif item.startswith(b"vermagic=") and vermagic is None:
            vermagic = item[9:].decode("utf-8", "replace")
    if not name:
        base = os.path.basename(fallback)
        base = base.split(".ko")[0]
        name = base.replace("-", "_")
    return name, vermagic


def _is_module(e: _Elf):
    return e.etype == "ET_REL" and (e.has(".modinfo") or e.has(".gnu.linkonce.this_module"))


def _quick_sections(data):
    """{name: bytes} of an ELF's sections from the raw header table, or None if anything looks odd.

    pyelftools decodes each header through `construct`, which dominates when a package holds
    thousands of modules; this reads only the fixed-size tables and leaves every doubt to _Elf.
    """
    import struct
    if len(data) < 64 or data[4] not in (1, 2) or data[5] not in (1, 2):
        return None
    bo = "<" if data[5] == 1 else ">"
    if data[4] == 2:
        shoff, = struct.unpack_from(bo + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(bo + "HHH", data, 0x3A)
        fmt, need = bo + "IIQQQQ", 64
    else:
        shoff, = struct.unpack_from(bo + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(bo + "HHH", data, 0x2E)
        fmt, need = bo + "IIIIII", 40
    if shentsize != need or shnum == 0 or shstrndx >= shnum or shoff + shnum * need > len(data):
        return None
    hdrs = [struct.unpack_from(fmt, data, shoff + k * need) for k in range(shnum)]
    _n, _t, _f, _a, stroff, strsize = hdrs[shstrndx]
    if stroff + strsize > len(data):
        return None
    out = {}
    for name_off, typ, _flags, _addr, off, size in hdrs:
        end = data.find(b"\0", stroff + name_off, stroff + strsize)
        if name_off >= strsize or end < 0:
            return None
        name = data[stroff + name_off:end].decode("ascii", "replace")
        if typ != 8 and off + size > len(data):       # 8 = SHT_NOBITS
            return None
        out.setdefault(name, data[off:off + size] if typ != 8 else None)
    return out


def _module_from_bytes(data, path, *, with_ids=True) -> ModuleBtf:
    fmt = compression_of(data)
    if fmt and fmt != "lzma":
        data = decompress(data, fmt, path)
    if not data.startswith(_ELF_MAGIC):
        raise InputError(path, "not an ELF kernel module")
    quick = _quick_sections(data)
    if quick is not None and int.from_bytes(data[16:18], "little" if data[5] == 1 else "big") == 1 \
            and ".BTF_ids" not in quick and ".modinfo" in quick:
        # ET_REL module without kfunc sets: no symbol table needed, skip the full parse
        if not quick.get(".BTF"):
            raise InputError(path, "kernel module has no .BTF section (built without CONFIG_DEBUG_INFO_BTF_MODULES)")
        name, vermagic = _modinfo(quick[".modinfo"], path)
        return ModuleBtf(name=name, btf=bytes(quick[".BTF"]), vermagic=vermagic)
    e = _Elf(data, path)
    if not _is_module(e):
        raise InputError(path, "ELF file is not a kernel module (no .modinfo)")
    btf = e.bytes_of(".BTF")
    if btf is None:
        raise InputError(path, "kernel module has no .BTF section (built without CONFIG_DEBUG_INFO_BTF_MODULES)")
    name, vermagic = _module_name(e, path)
    ids = _btf_ids_of(e, e.symbols()) if with_ids and e.has(".BTF_ids") else None
    return ModuleBtf(name=name, btf=btf, vermagic=vermagic, btf_ids=ids)


def open_module(path) -> ModuleBtf:
    """A module .ko (.ko.xz/.ko.zst/.ko.gz): its split BTF, name, vermagic and .BTF_ids."""
    return _module_from_bytes(_read_file(path), path)


# ---------------------------------------------------------------------------- Debian packages
class _Window(io.RawIOBase):
    """A read-only view of [start, start+size) of an open file; counts bytes for progress."""

    def __init__(self, f, start, size):
        self.f, self.start, self.size, self.pos = f, start, size, 0

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.size - self.pos)
        if n <= 0:
            return 0
        self.f.seek(self.start + self.pos)
        got = self.f.readinto(memoryview(b)[:n])
        self.pos += got or 0
        return got


class _Capped(io.RawIOBase):
    """Pass-through reader that raises once more than `limit` bytes came out (decompression bombs)."""

    def __init__(self, inner, limit, path, name="MAX_PACKAGE_STREAM"):
        self.inner, self.limit, self.path, self.count, self.name = inner, limit, path, 0, name

    def readable(self):
        return True

    def readinto(self, b):
        data = self.inner.read(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        if self.count > self.limit:
            raise _too_big(self.path, self.limit, self.name)
        return n


def _ar_members(f, path, total, *, allow_truncated=False):
    """[(name, offset, declared size)] of a Unix ar archive (what dpkg writes). With allow_truncated,
    a last member cut short is returned as declared (the caller clips and warns) instead of failing."""
    f.seek(0)
    if f.read(8) != b"!<arch>\n":
        raise InputError(path, "not a Debian package (no ar archive header)")
    out = []
    pos = 8
    while pos < total:
        f.seek(pos)
        hdr = f.read(60)
        if len(hdr) == 0:
            break
        if len(hdr) < 60 or hdr[58:60] != b"`\n":
            raise InputError(path, f"truncated or corrupt ar member header at offset {pos}")
        name = hdr[0:16].decode("ascii", "replace").strip().rstrip("/")
        try:
            size = int(hdr[48:58].decode("ascii").strip())
        except ValueError:
            raise InputError(path, f"corrupt ar member size at offset {pos}")
        if pos + 60 + size > total:
            if allow_truncated:
                out.append((name, pos + 60, size))
                break
            raise InputError(path, f"ar member {name!r} is truncated ({size} bytes declared, "
                                   f"{total - pos - 60} present)")
        out.append((name, pos + 60, size))
        pos += 60 + size + (size & 1)
    return out


def deb_member(f, path, total, prefix, *, allow_truncated=False):
    """(name, offset, declared size) of the first ar member of an open .deb whose name starts with
    `prefix` ("control.tar", "data.tar"), or None."""
    for name, off, size in _ar_members(f, path, total, allow_truncated=allow_truncated):
        if name.startswith(prefix):
            return name, off, size
    return None


def deb_data_member(f, path, total, *, allow_truncated=False):
    """(name, offset, declared size) of the data.tar.* member of an open .deb."""
    for name, off, size in _ar_members(f, path, total, allow_truncated=allow_truncated):
        if name.startswith("data.tar"):
            return name, off, size
    raise InputError(path, "Debian package has no data.tar member")


def deb_data_stream(f, path, name, off, size):
    """The decompressed data.tar stream of a .deb member, capped against decompression bombs,
    for tarfile's stream mode ("r|")."""
    return _tar_stream(_Window(f, off, size), name, path)


def _tar_stream(window, name, path):
    """A decompressed stream of data.tar.* (tarfile reads it in stream mode, once)."""
    ext = name.rsplit(".", 1)[-1] if name.count(".") >= 2 else ""
    buf = io.BufferedReader(window, 1 << 20)
    if ext == "xz":
        raw = lzma.LZMAFile(buf)
    elif ext == "zst":
        import zstandard
        raw = zstandard.ZstdDecompressor(max_window_size=1 << 28).stream_reader(buf, read_across_frames=True)
    elif ext == "gz":
        raw = gzip.GzipFile(fileobj=buf)
    elif ext == "bz2":
        raw = bz2.BZ2File(buf)
    elif ext in ("", "tar"):
        raw = buf
    else:
        raise InputError(path, f"unsupported data member compression {name!r}")
    # small reads: a truncated stream still yields every member before the damage
    return io.BufferedReader(_Capped(raw, limits.get("MAX_PACKAGE_STREAM"), path, "MAX_PACKAGE_STREAM"), 1 << 16)


_VMLINUZ_RE = re.compile(r"^(?:\./)?(?:boot/vmlinu[xz]-(?P<r1>[^/]+)|(?:usr/)?lib/modules/(?P<r2>[^/]+)/vmlinu[xz])$")
_CONFIG_RE = re.compile(r"^(?:\./)?(?:boot/config-(?P<r1>[^/]+)|(?:usr/)?lib/modules/(?P<r2>[^/]+)/config)$")
_KO_RE = re.compile(r"^(?:\./)?(?:usr/)?lib/modules/(?P<rel>[^/]+)/.*?(?P<base>[^/]+)\.ko(?:\.(?:xz|zst|gz))?$")


def _walk_deb(path, want_kernel=True, want_config=True, with_modules=False, progress=None, ko_sink=None):
    """Stream a .deb's data.tar once; return {'kernel': (member, bytes), 'config': (member, text)}."""
    try:
        total = os.path.getsize(path)
        f = open(path, "rb")
    except OSError as e:
        raise InputError(path, e.strerror or str(e))
    found = {}
    with f:
        name, off, size = deb_data_member(f, path, total)
        window = _Window(f, off, size)
        try:
            stream = _tar_stream(window, name, path)
            tf = tarfile.open(fileobj=stream, mode="r|")
            last_note = 0
            for ti in tf:
                if progress is not None and window.pos - last_note >= (1 << 20):
                    last_note = window.pos
                    progress(off + window.pos, total, ti.name)
                if not ti.isfile():
                    continue
                if want_kernel and "kernel" not in found and _VMLINUZ_RE.match(ti.name):
                    if ti.size > limits.get("MAX_INPUT_BYTES"):
                        raise limits.breach(path, "MAX_INPUT_BYTES", f"{ti.name} ({ti.size} bytes)")
                    found["kernel"] = (ti.name, tf.extractfile(ti).read(ti.size))
                elif want_config and "config" not in found and _CONFIG_RE.match(ti.name):
                    if ti.size > (64 << 20):
                        raise InputError(path, f"{ti.name} is implausibly large ({ti.size} bytes)")
                    found["config"] = (ti.name, tf.extractfile(ti).read(ti.size).decode("utf-8", "replace"))
                elif with_modules and ko_sink is not None and ti.size <= limits.get("MAX_MEMBER_BYTES"):
                    m = _KO_RE.match(ti.name)
                    if m:
                        ko_sink(ti.name, tf.extractfile(ti).read(ti.size))
                if not with_modules and (not want_kernel or "kernel" in found) \
                        and (not want_config or "config" in found):
                    break
        except InputError:
            raise
        except (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error, ValueError) as e:
            raise InputError(path, f"corrupt package data ({name}): {e}")
        except Exception as e:      # zstandard.ZstdError and other decompressor errors
            raise InputError(path, f"corrupt package data ({name}): {type(e).__name__}: {e}")
        if progress is not None:
            progress(total, total, "done")
    return found


def _deb_arch(path):
    m = re.search(r"_([a-z0-9]+)\.deb$", os.path.basename(path))
    return _DEB_ARCH.get(m.group(1)) if m else None


def _release_from_member(member):
    for rx in (_VMLINUZ_RE, _CONFIG_RE):
        m = rx.match(member)
        if m:
            return m.group("r1") or m.group("r2")
    return None


def _open_deb(path, config_path, with_modules, progress) -> KernelArtifacts:
    modules, module_ids = {}, {}

    def ko_sink(member, raw):
        try:
            mod = _module_from_bytes(raw, f"{path}: {member}")
        except InputError:
            return          # a module without BTF (or odd file) is not fatal for the package
        modules[mod.name] = mod.btf
        if mod.btf_ids is not None:
            module_ids[mod.name] = mod.btf_ids

    found = _walk_deb(path, want_config=config_path is None, with_modules=with_modules,
                      progress=progress, ko_sink=ko_sink)
    pkg = os.path.basename(path)
    if "kernel" not in found:
        # Debian >= 7.x: linux-image-<rel> is a meta package; the image is in linux-binary-<rel>.
        m = re.match(r"linux-image-(.+?)(?:-unsigned)?_", pkg)
        sib = sorted(glob.glob(os.path.join(os.path.dirname(path) or ".",
                                            f"linux-binary-{glob.escape(m.group(1))}_*.deb"))) if m else []
        if sib:
            arts = _open_deb(sib[0], config_path, with_modules, progress)
            if with_modules:
                arts.modules.update(modules)
                arts.module_btf_ids.update(module_ids)
            return arts
        raise InputError(path, "Debian package holds no kernel image (boot/vmlinuz-* or usr/lib/modules/*/vmlinuz)")
    member, image = found["kernel"]
    inner = f"{path}: {member}"
    arts = _open_blob(image, inner, origin=f"{pkg}: {member.lstrip('./')}")
    pkg_release = _release_from_member(member)
    if arts.release is None:
        arts.release = pkg_release
    elif pkg_release and pkg_release != arts.release:
        raise InputError(path, f"kernel banner says release {arts.release} but the package path says {pkg_release}")
    if arts.arch is None:
        arts.arch = _deb_arch(path)
    if config_path is not None:
        arts.config = read_config(config_path)
    elif "config" in found:
        arts.config = found["config"][1]
    elif arts.config is None and arts.release:
        # Debian's linux-binary-* packages leave the config to linux-base-<release>.
        for sib in sorted(glob.glob(os.path.join(os.path.dirname(path) or ".",
                                                 f"linux-base-{glob.escape(arts.release)}_*.deb"))):
            got = _walk_deb(sib, want_kernel=False, progress=None)
            if "config" in got:
                arts.config = got["config"][1]
                arts.origin += f" (config from {os.path.basename(sib)})"
                break
    if with_modules:
        arts.modules.update(modules)
        arts.module_btf_ids.update(module_ids)
    return arts


# ---------------------------------------------------------------------------- dispatch
def read_config(path) -> str:
    data = load_bytes(path)
    text = data.decode("utf-8", "replace")
    if "CONFIG_" not in text:
        raise InputError(path, "does not look like a kernel .config (no CONFIG_ lines)")
    return text


def _from_elf(data, path, origin) -> KernelArtifacts:
    e = _Elf(data, path)
    if e.machine == "EM_BPF":
        raise InputError(path, "is a BPF object file, not a kernel")
    if _is_module(e):
        raise InputError(path, "is a kernel module: its BTF is split BTF and needs the vmlinux BTF of the "
                               "same kernel as base (open the vmlinux/vmlinuz/package instead, or use open_module)")
    btf = e.bytes_of(".BTF")
    if btf is None:
        raise InputError(path, "ELF file has no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF?)")
    if not btf.startswith(_BTF_MAGICS):
        raise InputError(path, ".BTF section does not start with the BTF magic")
    syms = e.symbols()
    banner = _banner_from_elf(e, syms)
    funcs = None
    if syms is not None:
        seen = set()
        funcs = []
        for name, _v, _s, typ, ndx in syms:
            if typ == "STT_FUNC" and name and ndx != "SHN_UNDEF" and name not in seen:
                seen.add(name)
                funcs.append(name)
    return KernelArtifacts(btf=btf, release=release_of_banner(banner), version_banner=banner,
                           arch=_arch_of(e), config=_ikconfig(data, path), origin=origin,
                           btf_ids=_btf_ids_of(e, syms), function_symbols=funcs)


def _from_raw_btf(data, path, origin) -> KernelArtifacts:
    bo = "little" if data[:2] == b"\x9f\xeb" else "big"
    if len(data) < 24:
        raise InputError(path, "raw BTF is too short for a header")
    hdr_len = int.from_bytes(data[4:8], bo)
    str_off = int.from_bytes(data[16:20], bo)
    str_len = int.from_bytes(data[20:24], bo)
    s = hdr_len + str_off
    if str_len and s < len(data) and data[s] != 0:
        raise InputError(path, "this is split BTF (a kernel module's): it needs its vmlinux BTF as base")
    stem = os.path.basename(str(path))
    for suffix in (".btf", ".raw", ".BTF"):
        if stem.endswith(suffix):
            stem = stem[:-len(suffix)]
    release = stem if _RELEASE_RE.match(stem) else None
    return KernelArtifacts(btf=bytes(data), release=release, version_banner=None, arch=None, config=None,
                           origin=origin)


def _open_blob(data, path, origin, depth=0) -> KernelArtifacts:
    if depth > 3:
        raise InputError(path, "too many nested compression layers")
    if data[:2] in _BTF_MAGICS:
        return _from_raw_btf(data, path, origin)
    if data.startswith(_ELF_MAGIC):
        return _from_elf(data, path, origin)
    fmt = compression_of(data)
    if fmt and fmt != "lzma":
        return _open_blob(decompress(data, fmt, path), path, origin, depth + 1)
    if _bzimage_payload(data) is not None or depth == 0:
        try:
            inner = extract_vmlinux(data, path)
        except LimitError:
            raise
        except InputError:
            if _bzimage_payload(data) is not None:
                raise
            inner = None
        if inner is not None:
            return _open_blob(inner, path, origin, depth + 1)
    # A raw (non-ELF) Image, e.g. arm64 Image: the BTF blob sits between __start_BTF/__stop_BTF.
    btf = find_raw_btf(data)
    if btf is not None:
        banner = find_banner(data)
        return KernelArtifacts(btf=btf, release=release_of_banner(banner), version_banner=banner, arch=None,
                               config=_ikconfig(data, path), origin=origin)
    raise InputError(path, "not a kernel: no raw BTF, vmlinux ELF, kernel image or Debian package found")


def open_kernel(path: str, *, config_path: Optional[str] = None, with_modules: bool = False,
                progress=None) -> KernelArtifacts:
    """Whatever the file is (raw BTF, vmlinux, vmlinuz, compressed Image, .deb): the kernel's artifacts."""
    path = str(path)
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise InputError(path, e.strerror or str(e))
    if head == b"!<arch>\n":
        return _open_deb(path, config_path, with_modules, progress)
    data = _read_file(path)
    if progress is not None:
        progress(len(data), len(data), os.path.basename(path))
    arts = _open_blob(data, path, origin=path)
    if config_path is not None:
        arts.config = read_config(config_path)
    return arts


def read_running_kernel(*, with_modules=False) -> KernelArtifacts:
    """The running kernel: /sys/kernel/btf/vmlinux, uname, /proc/version, its config and module BTF."""
    btf_path = "/sys/kernel/btf/vmlinux"
    btf = _read_file(btf_path)
    if btf[:2] not in _BTF_MAGICS:
        raise InputError(btf_path, "does not hold BTF")
    un = os.uname()
    try:
        with open("/proc/version", encoding="utf-8", errors="replace") as f:
            banner = f.read().strip()
    except OSError:
        banner = None
    config = None
    for cand in ("/proc/config.gz", f"/boot/config-{un.release}", f"/usr/lib/modules/{un.release}/config",
                 f"/lib/modules/{un.release}/config"):
        if os.path.exists(cand):
            try:
                config = read_config(cand)
                break
            except InputError:
                continue
    funcs = None
    try:
        with open("/proc/kallsyms", encoding="utf-8", errors="replace") as f:
            seen = set()
            funcs = []
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[1] in ("t", "T") and parts[2] not in seen:
                    seen.add(parts[2])
                    funcs.append(parts[2])
    except OSError:
        pass
    modules = {}
    if with_modules:
        for p in sorted(glob.glob("/sys/kernel/btf/*")):
            name = os.path.basename(p)
            if name != "vmlinux":
                modules[name] = _read_file(p)
    return KernelArtifacts(btf=btf, release=un.release, version_banner=banner, arch=un.machine, config=config,
                           origin=f"running kernel {un.release} ({btf_path})", btf_ids=None,
                           function_symbols=funcs, modules=modules)


# ---------------------------------------------------------------------------- hooks for callers that read packages themselves
def open_image_bytes(data, path, origin) -> KernelArtifacts:
    """The artifacts of kernel image bytes already read (e.g. a package member): raw BTF, vmlinux ELF,
    vmlinuz/bzImage or compressed Image, recognised by content as open_kernel does for a file."""
    return _open_blob(data, path, origin)


def module_from_bytes(data, path) -> ModuleBtf:
    """A module .ko (possibly compressed) already read: its split BTF, name, vermagic and .BTF_ids."""
    return _module_from_bytes(data, path)


def read_file(path, limit=None) -> bytes:
    """The whole file, refusing one larger than `limit` (default: MAX_INPUT_BYTES, btf/limits.py); every failure an InputError naming it."""
    return _read_file(path, limit)


def debian_arch(name) -> Optional[str]:
    """uname -m of a Debian architecture name ("amd64" -> "x86_64"), or None."""
    return _DEB_ARCH.get(name or "")
