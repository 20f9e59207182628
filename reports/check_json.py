"""JSON report of `check`: the stable "bpfstab.check/1" contract."""
import json

SCHEMA = "bpfstab.check/1"


def kernel_json(k):
    return {"id": k.id, "release": k.release, "arch": k.arch, "source": k.source}


def document(results, kernels, min_kernel=None):
    """`min_kernel`: the rows of analyzer.check.min_kernel.min_kernels (check --min-kernel), added as
    "min_kernel": [{object, program, min_kernel, min_release, older: [...]}]."""
    doc = {"schema": SCHEMA, "kernels": [kernel_json(k) for k in kernels],
           "results": [r.to_json() for r in results]}
    if min_kernel is not None:
        doc["min_kernel"] = min_kernel
    return doc


def render(results, kernels, min_kernel=None):
    return json.dumps(document(results, kernels, min_kernel), indent=2, sort_keys=False) + "\n"
