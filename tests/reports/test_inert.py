"""Names from inputs are inert in every text, Markdown, SARIF and JUnit report and in errors."""
import json
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from analyzer.check.engine import Result
from analyzer.check.findings import Finding
from btf import limits
from btf.errors import InputError
from btf.inert import inert, inert_doc, inert_text, xml_safe
from reports import (check_junit, check_markdown, check_sarif, check_text, kfuncs_markdown,
                     kfuncs_text)
from reports.markdown import code, htmltext, md

EVIL = "sec\n::error file=x::forged\x1b[31mred\x07\u202eevil\r"


def test_inert_escapes_controls_visibly_and_leaves_normal_text():
    assert inert("struct task_struct *p") == "struct task_struct *p"
    assert inert("a\\b") == "a\\b"                 # backslashes are not touched
    s = inert(EVIL)
    assert "\n" not in s and "\x1b" not in s and "\x07" not in s and "\r" not in s and "\u202e" not in s
    assert s == "sec\\n::error file=x::forged\\x1b[31mred\\x07\\u202eevil\\r"
    assert inert(None) == "" and inert(5) == "5"
    assert inert_text("struct a {\n\tint x;\x1b\n}") == "struct a {\n\tint x;\\x1b\n}"
    assert xml_safe("a\nb\x00c\x1b") == "a\nb\\x00c\\x1b"


def test_inert_doc_copies_every_string_and_key():
    doc = {"a\nb": ["x\x1b", {"old": "l1\nl2\x07", "n": 3}], "t": ("y\r",)}
    out = inert_doc(doc, frozenset(["old"]))
    assert out == {"a\\nb": ["x\\x1b", {"old": "l1\nl2\\x07", "n": 3}], "t": ("y\\r",)}
    assert doc["a\nb"][0] == "x\x1b"                # the input is not modified


def test_input_error_is_one_line():
    e = InputError("dir/a\nb.o", f"section '{EVIL}' is odd")
    assert "\n" not in str(e) and "\r" not in str(e) and "\x1b" not in str(e)
    assert str(e).startswith("dir/a\\nb.o: section 'sec\\n::error")


def test_markdown_filters():
    assert md("a|b") == "a\\|b" and md("x\ny") == "x y"
    assert "\x1b" not in md("a\x1bb") and md("a\x1bb") == "a\\\\x1bb"
    assert code("bpf_x`<img src=x onerror=alert(1)>`|\n[a](javascript:alert(1))") == \
        "`bpf_x'<img src=x onerror=alert(1)>'\\| [a](javascript:alert(1))`"
    assert code("struct task_struct *bpf_task_acquire(struct task_struct *p)") == \
        "`struct task_struct *bpf_task_acquire(struct task_struct *p)`"
    assert htmltext("<b>\n\x07") == "&lt;b&gt; \\x07"


def _evil_results():
    k = SimpleNamespace(id="k\n1", release="6.1\x1b", arch="x86_64", source="s")
    r = Result(object=f"o{EVIL}.bpf.o", program=f"p{EVIL}", section=EVIL, prog_type=None, attach_type=None,
               kernel=k.id, verdict="fails",
               findings=[Finding("HELPER_UNKNOWN", f"message {EVIL}", location=f"x{EVIL}.c:3", hint=f"h{EVIL}")])
    return [r], [k]


def _no_controls(text, allow="\n"):
    bad = [c for c in text if (ord(c) < 32 and c not in allow) or 0x7f <= ord(c) <= 0x9f or c == "\u202e"]
    assert not bad, bad


def test_check_text_has_no_forged_lines():
    results, kernels = _evil_results()
    out = check_text.render(results, kernels)
    _no_controls(out)
    assert not any(line.startswith("::") for line in out.splitlines())
    assert "sec\\n::error file=x::forged\\x1b[31m" in out
    assert results[0].section == EVIL            # the result itself is untouched


def test_check_markdown_sarif_junit_inert():
    results, kernels = _evil_results()
    out = check_markdown.render(results, kernels)
    _no_controls(out)
    assert not any(line.startswith("::") for line in out.splitlines())
    sarif = check_sarif.render(results, kernels)
    for res in json.loads(sarif)["runs"][0]["results"]:
        _no_controls(res["message"]["text"], allow="")
    xml = check_junit.render(results, kernels)
    root = ET.fromstring(xml.encode())           # well-formed
    for el in root.iter():
        for v in el.attrib.values():
            _no_controls(v, allow="")
    for ch in ("\x00", "\x01", "\x0b"):
        r, k = _evil_results()
        r[0].program = "p" + ch
        ET.fromstring(check_junit.render(r, k).encode())


def _kfuncs_doc(name, proto):
    row = {"name": name, "proto": proto, "flag_names": ["KF_ACQUIRE"], "found_by": ["decl_tag"], "hooks": None,
           "hooks_origin": None, "module": None, "impl": None, "impl_of": None, "fastcall": False, "sets": []}
    return {"kernel": {"id": "k", "release": "6.1", "arch": "x86_64"}, "count": 1, "impl_skipped": 0,
            "hooks_known": False, "facts": [], "hook": None, "kfuncs": [row]}


def test_kfuncs_text_and_markdown_inert():
    doc = _kfuncs_doc("bpf_x\n::error::y", "int bpf_x`|\n<a href=javascript:alert(1)>(void)")
    t = kfuncs_text.render(doc)
    assert not any(line.startswith("::") for line in t.splitlines())
    m = kfuncs_markdown.render(doc)
    span = "`int bpf_x'\\|\\n<a href=javascript:alert(1)>(void)`"
    assert span in m and "<a href" not in m.replace(span, "")


def test_limits_env_and_override(monkeypatch):
    assert limits.get("MAX_DECOMPRESSED") == 512 << 20
    monkeypatch.setenv("BPFSTAB_MAX_DECOMPRESSED", "2G")
    assert limits.get("MAX_DECOMPRESSED") == 2 << 30
    limits.set_override("max_decompressed=1M")
    try:
        assert limits.get("MAX_DECOMPRESSED") == 1 << 20
    finally:
        limits.clear_overrides()
    monkeypatch.setenv("BPFSTAB_MAX_CANDIDATES", "many")
    with pytest.raises(InputError, match="BPFSTAB_MAX_CANDIDATES: bad limit value"):
        limits.get("MAX_CANDIDATES")
    with pytest.raises(ValueError, match="unknown limit"):
        limits.set_override("NOPE=1")
    e = limits.breach("f.bin", "MAX_RENDER_BYTES", "C text")
    assert str(e) == ("f.bin: C text exceeds MAX_RENDER_BYTES (32 MiB; set BPFSTAB_MAX_RENDER_BYTES or "
                      "--limit MAX_RENDER_BYTES=N to raise it)")
