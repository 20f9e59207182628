"""JSON report of `check`: the stable "bpfstab.check/1" contract."""
import json

SCHEMA = "bpfstab.check/1"


def kernel_json(k):
    """"facts": the origins of the kernel facts the snapshot carries ([] = none: helper/kfunc access per
    program type unverified, FACTS_MISSING findings); "symbols": whether it has a symbol table."""
    facts = sorted(getattr(k, "facts", None) or ())
    has_syms = getattr(k, "symbols_meta", None) is not None or getattr(k, "function_symbols", None) is not None
    out = {"id": k.id, "release": k.release, "arch": k.arch, "source": k.source, "facts": facts,
           "symbols": has_syms}
    if "borrowed" in facts:
        out["facts_borrowed_from"] = k.facts["borrowed"].borrowed_from
    return out


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
