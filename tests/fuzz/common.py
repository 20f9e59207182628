"""Shared pieces of the fuzz harnesses (hypothesis; see tests/fuzz/README.md).

Each harness module defines `strategy` (a hypothesis strategy of inputs) and `target(x)`, which
must return normally or raise btf.errors.InputError: anything else is a bug (a traceback in the
CLI). Binary harnesses mutate real seeds from the repository (corpus objects, their BTF) rather
than drawing random bytes, so they get past the magic numbers."""
import functools
import os

from hypothesis import strategies as st

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGS = os.path.join(ROOT, "corpus", "programs")


@functools.lru_cache(None)
def seed_objects():
    out = []
    for sub in ("basic", "kfuncs", "isa"):
        d = os.path.join(PROGS, sub)
        if not os.path.isdir(d):
            continue
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".bpf.o") and os.path.getsize(os.path.join(d, fn)) < 16384:
                out.append(open(os.path.join(d, fn), "rb").read())
    return tuple(out[:24])


@functools.lru_cache(None)
def seed_btfs():
    from btf.containers import elf_btf_sections
    out = []
    for data in seed_objects():
        try:
            secs = elf_btf_sections(data, "seed")
        except Exception:
            continue
        b = secs.get(".BTF") if isinstance(secs, dict) else None
        if b:
            out.append(bytes(b))
    return tuple(out)


@st.composite
def mutated(draw, seeds):
    """A seed with a few byte overwrites, an optional splice of random bytes and a truncation."""
    data = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF, draw(st.integers(0, 255))]))
    if draw(st.booleans()):
        i = draw(st.integers(0, len(data)))
        data[i:i] = draw(st.binary(max_size=64))
    if draw(st.integers(0, 4)) == 0:
        data = data[:draw(st.integers(0, len(data)))]
    return bytes(data)


NAMES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40) | \
    st.sampled_from(["sec\n::error file=x::forged", "\x1b[31mred\x07", "a|b`c<d>[e](javascript:x)", "\u202eevil",
                     "\x00\x01\x0b", "xdp", ""])
