"""Facts of other kernels, for a kernel whose snapshot has none.

A snapshot without kernel facts (no `--source`, no probe) cannot say which helpers and kfuncs its
program types may call. Rather than let those rules go quiet, the engine marks the calls unverified
(FACTS_MISSING, info) and, where the nearest bundled kernel whose facts are known refuses the same call to
the same program type, says the call is at risk (FACTS_MISSING_RISK, unknown): the verdict of such a program is
"unknown", not "loads".

Borrowing (`borrow`): a kernel imported without --source whose major.minor is that of a bundled kernel
with source facts (6.12.95 cloud ← 6.12.107) gets those facts as origin "borrowed", labelled
"borrowed from <release>" wherever they decide something. Only the same major.minor: helper and kfunc
access moves between minor releases (6.1 → 6.12: bpf_get_current_pid_tgid reaches XDP), rarely within
one stable series. Other kernels borrow nothing and get the FACTS_MISSING markers.

Reference kernels: the bundled snapshots (corpus/kernels) that carry facts, nearest first by this rule
(`distance`): same major.minor first (then by patch level), then by how far major.minor is. Only
meta.json is read, once per process.
"""
from .versions import parse_release

_CACHE = {}


def distance(a, b):
    """Sort key of release b as a stand-in for release a (smaller is nearer); None when unparsable."""
    va, vb = parse_release(a), parse_release(b)
    if va is None or vb is None:
        return None
    same = (va[0], va[1]) == (vb[0], vb[1])
    return (0 if same else 1, abs((va[0] * 100 + va[1]) - (vb[0] * 100 + vb[1])), abs(va[2] - vb[2]))


def _bundled():
    if "bundled" not in _CACHE:
        from . import snapshot as kernels
        from .facts import KernelFacts, merged
        out = []
        for p in kernels.bundled_kernels():
            try:
                meta = kernels.read_meta(p)
                facts = [KernelFacts.from_json(d) for d in meta.get("facts") or ()]
            except Exception:          # a broken bundled file is reported where it is loaded, not here
                continue
            if facts:
                out.append((meta.get("release") or kernels.snapshot_stem(p), str(p.resolve()), merged(facts), facts))
        _CACHE["bundled"] = out
    return _CACHE["bundled"]


def reference_facts(kernel):
    """[(release, MergedFacts)] of bundled kernels with facts other than `kernel`, nearest first."""
    own = str(kernel.path.resolve()) if getattr(kernel, "path", None) else None
    refs = [(rel, mf) for rel, path, mf, _ in _bundled() if path != own and rel != kernel.release]
    return sorted(refs, key=lambda r: distance(kernel.release, r[0]) or (9, 0, 0))


def refusals_helper(refs, helper, prog_type):
    """[release] of the nearest reference kernel when its facts refuse `helper` to `prog_type`, else []."""
    return [rel for rel, mf in refs[:1] if mf.helper_allowed(helper, prog_type)[0] is False]


def refusals_kfunc(refs, kfunc, prog_type):
    """[release] of the nearest reference kernel when its facts refuse `kfunc` to `prog_type`, else []."""
    return [rel for rel, mf in refs[:1] if mf.kfunc_allowed(kfunc, prog_type)[0] is False]


def borrow(kernel):
    """KernelFacts(origin="borrowed") copied from the nearest bundled kernel of the same major.minor with
    source facts, or None."""
    from .facts import KernelFacts
    if kernel.facts:
        return None
    own = str(kernel.path.resolve()) if getattr(kernel, "path", None) else None
    best = None
    for rel, path, _mf, raw in _bundled():
        src = next((f for f in raw if f.origin == "source"), None)
        d = distance(kernel.release, rel)
        if src is None or d is None or d[0] != 0 or path == own:
            continue
        if best is None or d < best[0]:
            best = (d, rel, src)
    if best is None:
        return None
    _, rel, src = best
    return KernelFacts("borrowed", detail=src.detail, version=src.version, kfunc_flags=dict(src.kfunc_flags),
                       kfunc_prog_types=dict(src.kfunc_prog_types), helper_prog_types=dict(src.helper_prog_types),
                       methods=dict(src.methods), borrowed_from=rel,
                       warnings=[f"borrowed from {rel} ({src.detail}): the source facts of another build of "
                                 f"the same major.minor, not of {kernel.release}"])
