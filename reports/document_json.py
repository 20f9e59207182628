"""JSON report of `kfuncs`, `diff` and `timeline`: their documents ("bpfstab.kfuncs/1", "bpfstab.diff/1",
"bpfstab.timeline/1") as built by their commands and views, one-space indented."""
import json


def render(doc):
    return json.dumps(doc, indent=1) + "\n"
