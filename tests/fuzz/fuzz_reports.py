"""Harness: the check/kfuncs renderers (text, Markdown, SARIF, JUnit) with names from the input:
the output must stay inert (no control characters, no forged lines) and JUnit well-formed."""
import json
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

from hypothesis import strategies as st

from analyzer.check.engine import Result
from analyzer.check.findings import Finding
from reports import check_junit, check_markdown, check_sarif, check_text

from .common import NAMES

_CTRL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

strategy = st.tuples(NAMES, NAMES, NAMES, NAMES, NAMES)


def target(x):
    obj, prog, sec, msg, kid = x
    k = SimpleNamespace(id=kid or "k", release="6.1", arch="x86_64", source="s")
    r = Result(object=obj, program=prog, section=sec, prog_type=None, attach_type=None, kernel=k.id, verdict="fails",
               findings=[Finding("HELPER_UNKNOWN", msg, location=sec, hint=prog)])
    for text in (check_text.render([r], [k]), check_markdown.render([r], [k])):
        assert not _CTRL.search(text), repr(text)
        assert not any(line.startswith("::") for line in text.splitlines())
    json.loads(check_sarif.render([r], [k]))
    ET.fromstring(check_junit.render([r], [k]).encode())
