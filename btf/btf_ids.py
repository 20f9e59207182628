"""Kfunc ID sets in a kernel's `.BTF_ids` section (include/linux/btf_ids.h, tools/bpf/resolve_btfids).

A kfunc set is a `struct btf_id_set8 { u32 cnt; u32 flags; struct { u32 id; u32 flags; } pairs[]; }`.
With a symbol table every set8 is named by its `__BTF_ID__set8__<name>` symbol. Debian's vmlinuz
images are stripped, so without symbols the sets are recognised structurally: a count, set flags,
then `cnt` pairs whose IDs are FUNCs of the same BTF in ascending order (resolve_btfids sorts set8
pairs by ID) and whose flags use only known KF_* bits.
"""
from array import array
from dataclasses import dataclass, field
from typing import Optional

from . import kinds as K

BTF_SET8_KFUNCS = 1 << 0

# include/linux/btf.h; versions per load-time-rules.md §4.3 ("≈" = inferred, not verified).
KF_FLAGS = {
    "KF_ACQUIRE": 1 << 0,          # 6.0
    "KF_RELEASE": 1 << 1,          # 6.0
    "KF_RET_NULL": 1 << 2,         # 6.0
    "KF_KPTR_GET": 1 << 3,         # 6.0-6.3, removed ≈6.4 (bit left unused)
    "KF_TRUSTED_ARGS": 1 << 4,     # 6.0, removed ≈late 2025/2026 (trusted became the default)
    "KF_SLEEPABLE": 1 << 5,        # 6.1
    "KF_DESTRUCTIVE": 1 << 6,      # 6.1
    "KF_RCU": 1 << 7,              # 6.2
    "KF_ITER_NEW": 1 << 8,         # 6.4
    "KF_ITER_NEXT": 1 << 9,        # 6.4
    "KF_ITER_DESTROY": 1 << 10,    # 6.4
    "KF_RCU_PROTECTED": 1 << 11,   # ≈6.7
    "KF_FASTCALL": 1 << 12,        # 6.13
    "KF_ARENA_RET": 1 << 13,       # ≈6.15
    "KF_ARENA_ARG1": 1 << 14,      # ≈6.15
    "KF_ARENA_ARG2": 1 << 15,      # ≈6.15
    "KF_IMPLICIT_ARGS": 1 << 16,   # ≈7.0
}
KNOWN_KF_MASK = 0
for _v in KF_FLAGS.values():
    KNOWN_KF_MASK |= _v

_SET8_PREFIX = "__BTF_ID__set8__"


def kf_flag_names(flags: int) -> list:
    """KF_* names of the set bits, unknown bits as hex."""
    out = [name for name, bit in KF_FLAGS.items() if flags & bit]
    rest = flags & ~KNOWN_KF_MASK
    if rest:
        out.append(f"0x{rest:x}")
    return out


@dataclass
class KfuncSetEntry:
    btf_id: int
    flags: int


@dataclass
class KfuncSet:
    name: Optional[str]        # e.g. "generic_btf_ids" when symbols exist, else None
    offset: int                # offset of the set within .BTF_ids
    flags: int                 # set8 flags (bit0 BTF_SET8_KFUNCS)
    entries: list = field(default_factory=list)
    method: str = "structural"  # "symtab" or "structural"


def _words(section):
    data = section.data
    a = array("I")
    a.frombytes(data[:len(data) - len(data) % 4])
    import sys
    if section.byteorder != sys.byteorder:
        a.byteswap()
    return a


def _from_symbols(section, btf, words):
    sets = []
    for name, value, size in section.symbols:
        if not name.startswith(_SET8_PREFIX):
            continue
        off = value - section.addr
        if off < 0 or off % 4 or off + 8 > len(section.data) or size < 8:
            continue
        w = off // 4
        cnt, sflags = words[w], words[w + 1]
        stride = (size - 8) // cnt if cnt else 8
        if cnt and (stride < 8 or stride % 4 or off + 8 + cnt * stride > len(section.data)):
            continue
        entries = []
        for k in range(cnt):
            p = (off + 8 + k * stride) // 4
            entries.append(KfuncSetEntry(words[p], words[p + 1]))
        sets.append(KfuncSet(name[len(_SET8_PREFIX):], off, sflags, entries, "symtab"))
    return sets


def _structural(section, btf, words):
    funcs = set(btf.ids_of_kind(K.FUNC))
    n = len(words)
    sets = []
    i = 0
    while i + 4 <= n:
        cnt, sflags = words[i], words[i + 1]
        if 1 <= cnt <= (n - i - 2) // 2 and sflags in (0, BTF_SET8_KFUNCS):
            prev = 0
            ok = True
            for k in range(cnt):
                fid, f = words[i + 2 + 2 * k], words[i + 3 + 2 * k]
                if fid <= prev or fid not in funcs or f & ~KNOWN_KF_MASK:
                    ok = False
                    break
                prev = fid
            if ok:
                entries = [KfuncSetEntry(words[i + 2 + 2 * k], words[i + 3 + 2 * k]) for k in range(cnt)]
                sets.append(KfuncSet(None, i * 4, sflags, entries, "structural"))
                i += 2 + 2 * cnt      # never re-read a window inside an accepted set
                continue
        i += 1
    return sets


def find_set8s(section, btf):
    """Every set8 found (kfunc sets and other set8s such as fmod_ret allow lists)."""
    words = _words(section)
    if section.symbols is not None:
        return _from_symbols(section, btf, words)
    return _structural(section, btf, words)


def find_kfunc_sets(section, btf) -> list:
    """The kfunc set8s of a .BTF_ids section; IDs refer to `btf` (the same kernel's, or module over base).

    Kernels ≥≈6.9 mark kfunc sets with BTF_SET8_KFUNCS, so there other set8s are dropped. Older
    kernels have no marker: every set8 is returned (a few non-kfunc fmod_ret sets may be among them).
    """
    sets = find_set8s(section, btf)
    if any(s.flags & BTF_SET8_KFUNCS for s in sets):
        sets = [s for s in sets if s.flags & BTF_SET8_KFUNCS]
    return sets


def kfunc_flags_by_id(sets) -> dict:
    """btf_id -> OR of its KF flags over every set that lists it (a kfunc may sit in several sets)."""
    out = {}
    for s in sets:
        for e in s.entries:
            out[e.btf_id] = out.get(e.btf_id, 0) | e.flags
    return out
