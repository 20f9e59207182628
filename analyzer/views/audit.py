"""The kfunc audit: which kfuncs shipped programs depend on, how much, how safely, and how stable
those kfuncs have been across the given kernels.

Dependencies come from the dependency graph's program side (analyzer.views.graph.program_uses: the
same extern/relocation reading check uses), history from analyzer.views.diff.timeline (libbpf's
prototype rule, renames, KF_ flags), program types allowed per kernel from snapshot facts when a
snapshot carries them (analyzer.kernel.facts; "hooks" is null for a snapshot without facts).

Guards: for a weak kfunc, "guarded" is decided by the check engine's reachability (analyzer.check.reach)
on every given kernel where the kfunc does not resolve: guarded when check reports the call pruned
(KFUNC_WEAK_UNRESOLVED) on all of them, unguarded when it is reachable on one
(KFUNC_WEAK_CALL_REACHABLE). When it resolves on every given kernel, the local bpf_ksym_exists()
pattern test of analyzer.objects.model decides instead (`guard_source` "pattern" instead of "check").

Counting: a package is a Debian package (for objects read from a .deb) or the file an object came
from; programs are counted once per distinct object (copies of the same bytes, `duplicate_of`, are
one program but every package shipping a copy counts as a dependent package).

JSON schema "bpfstab.audit/1":
    {"schema": "bpfstab.audit/1",
     "kernels": [{"id", "release", "arch", "source", "modules": int}],   # sorted by release; modules:
                                                              # module BTFs in the snapshot (0: vmlinux only)
     "totals": {"packages", "objects", "programs", "kfunc_users", "kfuncs"},
     "kfuncs": [{                                             # ranked: packages, then programs, then name
        "rank": int, "name": str,
        "packages": [str], "package_count": int, "program_count": int, "object_count": int,
        "calls": {"strong": int, "weak_guarded": int, "weak_unguarded": int},   # per program
        "prog_types": [str],                                   # short names of the calling programs' types
        "present": [kernel id], "first": id|null, "last": id|null,
        "added_in": id|null,        # first given kernel that has it, when an older given kernel lacks it
        "removed_in": id|null,      # first given kernel after its last appearance
        "changes": [{"from", "to", "change", "breaking", "old", "new", "detail"}],   # timeline steps (analyzer.views.diff:
                                    # prototype, flags, renames and, with facts on both kernels, hooks)
        "per_kernel": {kernel id: {"proto": str|null, "flags": [str]|null,
                                   "hooks": [str]|null, "hooks_origin": str|null}},
        "users": [{"package", "object", "program", "prog_type", "how": [str], "weak": bool,
                   "guarded": bool|null, "guard_source": "check"|"pattern"|null,
                   "unguarded_on": [kernel id],   # kernels where check finds the weak call reachable
                   "lines": [str]}]}]}
"""
from analyzer.views.diff import kernel_info, sort_kernels, timeline
from analyzer.views.graph import check_guard, package_of, program_uses, weak_verdicts
from analyzer.objects.sections import short_prog_type

SCHEMA = "bpfstab.audit/1"
def _users(objects, weak_verdicts):
    """kfunc name -> [user dict]; also the totals."""
    by_kfunc = {}
    programs = set()
    users = set()
    for obj in sorted(objects, key=lambda o: o.name):
        pkg = package_of(obj.name)[0]
        canon = getattr(obj, "duplicate_of", None) or obj.name
        for prog in sorted(obj.programs, key=lambda p: p.name):
            programs.add((canon, prog.name))
            sites = {}
            for u in program_uses(obj, prog):
                if u.item_type == "kfunc":
                    sites.setdefault(u.item, []).append(u)
            for name, us in sites.items():
                users.add((canon, prog.name))
                calls = [u for u in us if u.how == "call"]
                weak = any(u.weak for u in us)
                guards = [u.guarded for u in calls if u.guarded is not None]
                g = {"guarded": (all(guards) if guards else None) if weak else None}
                if weak:
                    check_guard(g, us, obj.name, prog.name, weak_verdicts)
                by_kfunc.setdefault(name, []).append({
                    "package": pkg, "object": obj.name, "canonical": canon, "program": prog.name,
                    "prog_type": short_prog_type(prog.info.prog_type) if prog.info.prog_type else None,
                    "how": sorted({u.how for u in us}), "weak": weak,
                    "guarded": g["guarded"], "guard_source": g.get("guard_source"),
                    "unguarded_on": g.get("unguarded_on", []),
                    "lines": sorted({u.line for u in us if u.line})})
    return by_kfunc, programs, users


def _calls(users):
    c = {"strong": 0, "weak_guarded": 0, "weak_unguarded": 0}
    seen = set()
    for u in users:
        key = (u["canonical"], u["program"])
        if key in seen:
            continue
        seen.add(key)
        if not u["weak"]:
            c["strong"] += 1
        elif u["guarded"]:
            c["weak_guarded"] += 1
        else:
            c["weak_unguarded"] += 1
    return c


def audit(objects, kernels):
    """The "bpfstab.audit/1" document for ObjectModels over KernelSnapshots."""
    ks = sort_kernels(kernels)
    by_kfunc, programs, prog_users = _users(objects, weak_verdicts(objects, ks))
    hist = {}
    if ks:
        tl = timeline(ks)
        hist = {e["name"]: e for e in tl["kfuncs"]}
    ids = [k.id for k in ks]
    rows = []
    for name, users in by_kfunc.items():
        h = hist.get(name) or {"present": [], "first": None, "last": None, "changes": []}
        present = h["present"]
        added = removed = None
        if present:
            i0, i1 = ids.index(present[0]), ids.index(present[-1])
            added = present[0] if i0 > 0 else None
            removed = ids[i1 + 1] if i1 + 1 < len(ids) else None
        per_kernel = {}
        for k in ks:
            kf = k.kfuncs.get(name)
            hooks, origin = (None, None)
            if k.facts:
                hooks, origin = k.merged_facts.kfunc_prog_type_list(name)
            per_kernel[k.id] = {"proto": kf.proto if kf else None,
                                "flags": list(kf.flag_names) if kf and kf.flags is not None else None,
                                "hooks": hooks, "hooks_origin": origin}
        pkgs = sorted({u["package"] for u in users})
        rows.append({
            "rank": 0, "name": name, "packages": pkgs, "package_count": len(pkgs),
            "program_count": len({(u["canonical"], u["program"]) for u in users}),
            "object_count": len({u["canonical"] for u in users}),
            "calls": _calls(users),
            "prog_types": sorted({u["prog_type"] for u in users if u["prog_type"]}),
            "present": present, "first": h["first"], "last": h["last"],
            "added_in": added, "removed_in": removed,
            "changes": [{k: c.get(k) for k in ("from", "to", "change", "breaking", "old", "new", "detail")}
                        for c in h["changes"]],
            "per_kernel": per_kernel,
            "users": [{k: u[k] for k in ("package", "object", "program", "prog_type", "how", "weak", "guarded",
                                         "guard_source", "unguarded_on", "lines")} for u in users],
        })
    rows.sort(key=lambda r: (-r["package_count"], -r["program_count"], r["name"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return {"schema": SCHEMA, "kernels": [dict(kernel_info(k), modules=len(k.module_names)) for k in ks],
            "totals": {"packages": len({package_of(o.name)[0] for o in objects}),
                       "objects": len({getattr(o, "duplicate_of", None) or o.name for o in objects}),
                       "programs": len(programs), "kfunc_users": len(prog_users), "kfuncs": len(rows)},
            "kfuncs": rows}
