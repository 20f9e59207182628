"""Harness: btf.containers (compression detection, capped decompression, kernel blob dispatch)."""
import gzip
import lzma
import zlib

from hypothesis import strategies as st

from btf import containers as C
from btf.errors import InputError

from .common import mutated

_PAYLOAD = b"\x7fELF" + bytes(60) + b"Linux version 6.1.0 (x@y) #1 SMP\n" * 4


def _seeds():
    import bz2
    return (gzip.compress(_PAYLOAD), lzma.compress(_PAYLOAD), bz2.compress(_PAYLOAD),
            zlib.compress(_PAYLOAD), b"\0" * 600 + gzip.compress(_PAYLOAD), _PAYLOAD)


strategy = st.tuples(mutated(_seeds), st.sampled_from(["gzip", "xz", "bzip2", "zstd", "lz4-frame", "lz4-legacy",
                                                       "lzma"]))


def target(x):
    data, fmt = x
    C.compression_of(data)
    try:
        C.decompress(data, fmt, "fuzz.bin", 1 << 20, allow_truncated=True)
    except InputError:
        pass
    try:
        C._open_blob(data, "fuzz.bin", "fuzz")
    except InputError:
        pass
