"""The limits table in SECURITY.md is the one btf/limits.py defines."""
import os

from btf import limits

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_security_md_lists_every_limit_with_its_default():
    text = open(os.path.join(ROOT, "SECURITY.md")).read()
    assert limits.table_markdown() in text


def test_every_limit_is_used_somewhere():
    src = ""
    for d in ("btf", "analyzer"):
        for root, _dirs, files in os.walk(os.path.join(ROOT, d)):
            for fn in files:
                if fn.endswith(".py") and fn != "limits.py":
                    src += open(os.path.join(root, fn)).read()
    for name in limits.LIMITS:
        assert f'"{name}"' in src, f"{name} is declared but never enforced"
