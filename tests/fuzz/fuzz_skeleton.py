"""Harness: analyzer.objects.embedded on skeleton headers and binaries (C tokenizer, literal decoding,
embedded-object search) built from a real object."""
from hypothesis import strategies as st

from analyzer.objects import embedded as E
from btf.errors import InputError

from .common import mutated, seed_objects

_PIECES = ['"', "\\", "\n", "\\\n", "/*", "*/", "//", "'", "\\x", "7f", "\\0", "\\e", " ", "x__elf_bytes(",
           "y__create_skeleton (", "\\\\"]


@st.composite
def _header(draw):
    obj = draw(mutated(seed_objects))
    lit = "".join(f"\\x{b:02x}" for b in obj)
    junk = "".join(draw(st.lists(st.sampled_from(_PIECES), max_size=30)))
    cut = draw(st.integers(0, len(lit)))
    return "static const void *t__elf_bytes(size_t *sz) { return \"" + lit[:cut] + junk + lit[cut:] + "\"; }\n"


strategy = st.one_of(_header(), st.lists(st.sampled_from(_PIECES + ["a", "b"]), max_size=200).map("".join),
                     mutated(seed_objects).map(lambda b: b"\x7fELF" + bytes(60) + b * 2))


def target(x):
    col = E._Collector("fuzz")
    if isinstance(x, str):
        try:
            E.c_string_blobs(x)         # its contract: ValueError on a bad escape
        except ValueError as e:
            assert "int()" not in str(e), e
        buf = x.encode("latin-1", "replace")
        try:
            E._scan_bytes(col, buf, "fuzz.skel.h", None, where="fuzz.skel.h", strict=True)
        except InputError:
            pass
    else:
        try:
            E._scan_bytes(col, x, "fuzz.bin", None, where="fuzz.bin", strict=True)
        except InputError:
            pass
