"""Names taken from inputs, made inert before they reach a terminal, a CI log or a report.

Section names, program names, kfunc names, file members, BTF strings and the like come from files
we do not trust. Printed raw, a newline in one of them turns a one-line error into several lines
(enough to forge a GitHub Actions `::error` command), an ESC or BEL drives the terminal, and a
control character makes XML ill-formed. `inert()` is the one place that decides what is escaped:

* C0 controls (U+0000-U+001F, newline, carriage return and tab included), DEL and the C1 controls
  (U+0080-U+009F) become `\\n`, `\\r`, `\\t` or `\\xNN`;
* the Unicode line and paragraph separators and the bidirectional overrides/isolates (which can
  reorder what a reader sees, "trojan source") become `\\uNNNN`;
* lone surrogates (from undecodable bytes) become `\\uNNNN` too, so the text always encodes.

Everything else, backslashes included, is left as it is: text from normal inputs comes out
byte-identical. The scan is one character-class regular expression (linear, no backtracking), and
a string with nothing to escape is returned unchanged without copying.
"""
import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m):
    ch = m.group(0)
    got = _NAMED.get(ch)
    if got is not None:
        return got
    o = ord(ch)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def inert(text) -> str:
    """`text` (anything; None gives "") with control characters and line breaks escaped visibly."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if _UNSAFE.search(s) is None:
        return s
    return _UNSAFE.sub(_escape, s)


def is_inert(text) -> bool:
    """True when `text` holds nothing that inert() would escape."""
    return _UNSAFE.search(text) is None


# XML 1.0 forbids these even as character references; JUnit consumers reject the document.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text) -> str:
    """Text that may go into XML 1.0 character data: newlines and tabs kept (the writer escapes
    markup), characters XML cannot carry at all escaped visibly like inert() does."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if _XML_BAD.search(s) is None:
        return s
    return _XML_BAD.sub(_escape, s)


_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def inert_text(text) -> str:
    """Like inert() for multi-line text we produced ourselves (C definitions): newlines and tabs are
    kept, every other control character is escaped. Names inside it must already be inert."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if _UNSAFE_TEXT.search(s) is None:
        return s
    return _UNSAFE_TEXT.sub(_escape, s)


def inert_doc(obj, multiline=frozenset()):
    """A copy of a JSON-like document (dicts, lists, strings, numbers) with every string, dict keys
    included, passed through inert(); strings under a key in `multiline` go through inert_text().
    Text renderers call it on their document first, so no field can smuggle a line break."""
    if isinstance(obj, str):
        return inert(obj)
    if isinstance(obj, dict):
        return {(inert(k) if isinstance(k, str) else k):
                (inert_text(v) if k in multiline and isinstance(v, str) else inert_doc(v, multiline))
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(inert_doc(v, multiline) for v in obj) if isinstance(obj, list) else \
            tuple(inert_doc(v, multiline) for v in obj)
    if isinstance(obj, (set, frozenset)):
        return type(obj)(inert_doc(v, multiline) for v in obj)
    return obj
