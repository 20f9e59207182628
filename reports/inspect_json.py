"""JSON report of `inspect`: the "bpfstab.inspect/1" document (analyzer.views.inspect.document)."""
import json


def render(doc):
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
