"""JSON report of `impact`: the "bpfstab.impact/1" document (schema in analyzer/views/impact.py)."""
import json


def render(doc):
    return json.dumps(doc, indent=2) + "\n"
