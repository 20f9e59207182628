"""Named resource limits: how much of a hostile input bpfstab is willing to read, inflate and print.

Every limit has a name, a default chosen well above what real inputs need (the note says what real
inputs look like), and an environment variable `BPFSTAB_<NAME>` that overrides it (sizes accept
`K`, `M` and `G` suffixes: `BPFSTAB_MAX_DECOMPRESSED=2G`). The CLI's `--limit NAME=VALUE` sets the
same thing for one run. A breach is an InputError naming the file and the limit (exit 2), e.g.

    vmlinuz: decompressed data exceeds MAX_DECOMPRESSED (512 MiB; set BPFSTAB_MAX_DECOMPRESSED to raise it)

SECURITY.md lists the same table; tests/btf/test_limits.py checks the two agree.
"""
import os
from typing import NamedTuple

from .errors import InputError, LimitError


class Limit(NamedTuple):
    name: str
    default: int
    unit: str           # "bytes" or "count"
    doc: str


_KI, _MI, _GI = 1 << 10, 1 << 20, 1 << 30

LIMITS = {l.name: l for l in (
    Limit("MAX_INPUT_BYTES", 1 * _GI, "bytes",
          "a file read whole into memory (object, binary, header, BTF, kernel image, source file)"),
    Limit("MAX_DECOMPRESSED", 512 * _MI, "bytes",
          "one decompressed stream: a kernel payload, a compressed module or BTF, a snapshot member "
          "(enforced while inflating; declared sizes are never trusted). A vmlinux is 60-100 MB"),
    Limit("MAX_PACKAGE_STREAM", 4 * _GI, "bytes",
          "the decompressed data.tar of one .deb, walked once as a stream"),
    Limit("MAX_MEMBER_BYTES", 256 * _MI, "bytes",
          "one package member or archive entry that is read (a .bpf.o, an ELF binary, a .ko); "
          "larger members are skipped with a warning"),
    Limit("MAX_HELD_OBJECT_BYTES", 256 * _MI, "bytes",
          "all BPF objects found in one input and kept for checking, together"),
    Limit("MAX_CANDIDATES", 64, "count",
          "compressed-payload candidates tried in one kernel image; embedded-object candidates "
          "are bounded by MAX_EMBEDDED_OBJECTS"),
    Limit("MAX_SCAN_DECOMPRESSED", 1 * _GI, "bytes",
          "decompressed bytes spent on all the candidates of one kernel image together"),
    Limit("MAX_EMBEDDED_OBJECTS", 1024, "count",
          "BPF objects in one skeleton header, and EM_BPF headers examined in one binary (with "
          "64 section headers each on average)"),
    Limit("MAX_PROGRAMS", 4096, "count", "programs in one BPF object"),
    Limit("MAX_INSNS", 4 * _MI, "count",
          "instructions in one BPF object (the kernel verifies at most 1M per program)"),
    Limit("MAX_RENDER_BYTES", 32 * _MI, "bytes",
          "text printed by one `btf dump` (raw or C): reused long names and many large types cannot "
          "grow the output without bound. A whole vmlinux dumps to 12 MB raw, 3 MB of C"),
    Limit("MAX_TYPE_TEXT_BYTES", 4 * _MI, "bytes",
          "the C text of one type definition: nested anonymous aggregates and padding fillers "
          "cannot make it exponential or huge (the largest in a vmlinux is about 100 KB)"),
    Limit("MAX_JSON_DEPTH", 64, "count", "nesting of JSON read from a snapshot's meta.json"),
    Limit("MAX_SOURCE_BYTES", 64 * _MI, "bytes",
          "one BPF C source file and each file it includes, as handed to libclang"),
    Limit("MAX_GUARD_SOURCES", 256, "count",
          "`bpf_ksym_exists()`/CO-RE exists tests tried (nearest first) as the guard of one weak "
          "kfunc call or CO-RE access; a call preceded by more of them, none guarding it, is "
          "reported as not guarded"),
)}

_overrides = {}


def parse_value(text, unit="count"):
    """'512M' -> 536870912; plain integers pass; suffixes K/M/G (binary) for any unit."""
    s = str(text).strip()
    mult = 1
    if s and s[-1] in "kKmMgG":
        mult = {"k": _KI, "m": _MI, "g": _GI}[s[-1].lower()]
        s = s[:-1]
        if s.endswith(("i", "I")):
            s = s[:-1]
    elif s.lower().endswith(("kib", "mib", "gib")):
        mult = {"k": _KI, "m": _MI, "g": _GI}[s[-3].lower()]
        s = s[:-3]
    if not s.isdigit():
        raise ValueError(f"not a size or count: {text!r}")
    v = int(s) * mult
    if v <= 0:
        raise ValueError(f"a limit must be positive: {text!r}")
    return v


def get(name) -> int:
    """The value of limit `name`: a --limit override, else BPFSTAB_<NAME>, else the default."""
    got = _overrides.get(name)
    if got is not None:
        return got
    lim = LIMITS[name]
    env = os.environ.get("BPFSTAB_" + name)
    if env:
        try:
            return parse_value(env, lim.unit)
        except ValueError:
            raise InputError("BPFSTAB_" + name, f"bad limit value {env!r} (an integer, optionally "
                                                f"with K, M or G)") from None
    return lim.default


def set_override(spec):
    """Apply one `NAME=VALUE` (the CLI's --limit); ValueError with a one-line reason when bad."""
    name, sep, value = str(spec).partition("=")
    name = name.strip().upper()
    if name.startswith("BPFSTAB_"):
        name = name[len("BPFSTAB_"):]
    if not sep or name not in LIMITS:
        raise ValueError(f"unknown limit {spec!r} (known: {', '.join(LIMITS)})")
    _overrides[name] = parse_value(value, LIMITS[name].unit)


def clear_overrides():
    _overrides.clear()


def human(name, value=None) -> str:
    """'512 MiB' / '4096' for messages."""
    v = get(name) if value is None else value
    if LIMITS[name].unit == "bytes":
        for div, suf in ((_GI, "GiB"), (_MI, "MiB"), (_KI, "KiB")):
            if v >= div and v % div == 0:
                return f"{v // div} {suf}"
        return f"{v} bytes"
    return str(v)


def breach(path, name, what, value=None) -> InputError:
    """The error for exceeding limit `name` (whose value in force is `value`, default get(name)):
    '<path>: <what> exceeds NAME (value; set BPFSTAB_NAME or --limit NAME=N to raise it)'."""
    return LimitError(path, f"{what} exceeds {name} ({human(name, value)}; set BPFSTAB_{name} or "
                            f"--limit {name}=N to raise it)")


def table_markdown() -> str:
    """The limits as a Markdown table (SECURITY.md carries this table)."""
    rows = ["| limit | default | environment variable | bounds |", "|---|---|---|---|"]
    for lim in LIMITS.values():
        rows.append(f"| `{lim.name}` | {human(lim.name, lim.default)} | `BPFSTAB_{lim.name}` | {lim.doc} |")
    return "\n".join(rows) + "\n"
