"""JSON report of `check`: the stable "bpfstab.check/1" contract."""
import json

SCHEMA = "bpfstab.check/1"


def kernel_json(k):
    return {"id": k.id, "release": k.release, "arch": k.arch, "source": k.source}


def document(results, kernels):
    return {"schema": SCHEMA, "kernels": [kernel_json(k) for k in kernels],
            "results": [r.to_json() for r in results]}


def render(results, kernels):
    return json.dumps(document(results, kernels), indent=2, sort_keys=False) + "\n"
