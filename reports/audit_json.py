"""JSON report of `audit`: the "bpfstab.audit/1" document (schema in analyzer/audit.py)."""
import json


def render(doc):
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
