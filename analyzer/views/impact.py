"""Who breaks when the kernel changes: programs that load on OLD and fail on NEW.

One implementation of "fails": the check engine (analyzer.check.engine.check_objects) is run on both
kernels, so the programs named here are exactly those `check` says load on OLD and fail on NEW.
What this module adds is the selection (users of one kfunc, or everything) and the explanation:
the findings each program gets on NEW, which of them concern the kfunc asked about, and the
changes the diff engine reports for items the program depends on.

JSON schema "bpfstab.impact/1":
    {"schema", "old": KERNEL, "new": KERNEL, "kfunc": str|null,
     "kfunc_change": [CHANGE],             # what analyzer.views.diff says about that kfunc, OLD -> NEW
     "users": int,                         # programs depending on the kfunc (all programs without --kfunc)
     "programs": [{"object", "program", "section", "package", "old_verdict", "new_verdict",
                   "findings": [FINDING (check's to_json) with "about_kfunc": bool],
                   "changes": [CHANGE]}]}  # changes of items this program requires, each with
                                           # "guarded": the program's uses of the item are guarded
                                           # (weak kfunc / CO-RE existence check), null if not guardable
    KERNEL = {"id", "release", "arch", "source"}; CHANGE = analyzer.views.diff Change.to_json() + "item_type"
    (items the diff engine does not follow -- attach targets, CO-RE targets, kconfig, ksyms -- get
    change "disappeared" when they resolve on OLD and not on NEW, judged as analyzer.views.graph does)
"""
from analyzer.views.diff import diff_kernels, kernel_info
from analyzer.check.engine import check_objects
from analyzer.check.findings import ERROR
from analyzer.views.graph import DIFF_KIND, KernelView, diff_item, node_id, package_of, program_uses, object_uses

SCHEMA = "bpfstab.impact/1"


def _uses_kfunc(obj, prog, name):
    return any(u.item_type == "kfunc" and (u.item == name or u.extern == name) for u in program_uses(obj, prog))


def _mentions(finding, name):
    d = finding.detail or {}
    return d.get("kfunc") == name or f"'{name}'" in finding.message or f"({name})" in finding.message


def impact(objects, old, new, *, kfunc=None):
    """The "bpfstab.impact/1" document for OLD -> NEW (KernelSnapshots)."""
    if kfunc is not None:
        selected = [(o, p) for o in objects for p in o.programs if _uses_kfunc(o, p, kfunc)]
    else:
        selected = [(o, p) for o in objects for p in o.programs]
    keep = {(o.name, p.name) for o, p in selected}
    objs = [o for o in objects if any(o.name == n for n, _ in keep)]
    results = check_objects(objs, [old, new])
    by = {}
    for r in results:
        by.setdefault((r.object, r.program), {})[r.kernel] = r
    changes = diff_kernels(old, new)
    change_by_item = {}                 # item id -> [(Change, its JSON with item_type)]
    for c in changes:
        typ, name = diff_item(c)
        change_by_item.setdefault(node_id(typ, name), []).append((c, dict(c.to_json(), item_type=typ)))
    kf_change = [d for _, d in change_by_item.get(node_id("kfunc", kfunc), [])] if kfunc else []
    out = []
    obj_by_name = {o.name: o for o in objs}
    views = (KernelView(old), KernelView(new))
    resolution = {}
    for (oname, pname), row in sorted(by.items()):
        if (oname, pname) not in keep:
            continue
        ro, rn = row.get(old.id), row.get(new.id)
        if ro is None or rn is None or ro.verdict != "loads" or rn.verdict != "fails":
            continue
        obj = obj_by_name[oname]
        prog = obj.program(pname)
        uses = program_uses(obj, prog) + object_uses(obj)
        items = sorted({node_id(u.item_type, u.item) for u in uses})
        for u in uses:
            iid = node_id(u.item_type, u.item)
            if u.item_type in DIFF_KIND or u.item_type in ("map", "struct_ops_member") or iid in resolution:
                continue
            resolution[iid] = _resolution_change(views, u, obj, prog)
        guarded = {}
        for u in uses:
            if u.guarded is not None:
                iid = node_id(u.item_type, u.item)
                guarded[iid] = guarded.get(iid, True) and u.guarded
        out.append({
            "object": oname, "program": pname, "section": rn.section, "package": package_of(oname)[0],
            "old_verdict": ro.verdict, "new_verdict": rn.verdict,
            "findings": [dict(f.to_json(), about_kfunc=bool(kfunc) and _mentions(f, kfunc))
                         for f in rn.findings if f.severity == ERROR],
            "changes": [dict(d, guarded=guarded.get(i)) for i in items
                        for c, d in change_by_item.get(i, []) + ([(None, resolution[i])] if resolution.get(i) else [])
                        if _concerns(c, prog)],
        })
    return {"schema": SCHEMA, "old": kernel_info(old), "new": kernel_info(new), "kfunc": kfunc,
            "kfunc_change": kf_change, "users": len(selected), "programs": out}


def _concerns(change, prog):
    """A "hooks" change (the program types allowed to call a helper/kfunc) that takes access away
    concerns a program only when its own program type is among those that lost it (Change.loses);
    every other change (and a resolution change, None here) concerns every program that uses the item."""
    if change is None or change.change != "hooks" or not change.lost_types or not prog.info.prog_type:
        return True
    return change.loses(prog.info.prog_type)


def _resolution_change(views, use, obj, prog):
    """A CHANGE for an item the diff engine does not follow (attach target, CO-RE target, kconfig,
    ksym) when it resolves on OLD and not on NEW, judged as analyzer.views.graph does; else None."""
    if use.item_type in ("prog_type", "attach_type", "attach_target"):
        probe = prog.info
    elif use.item_type.startswith("core_"):
        relo = next((c.relo for c in prog.core_relos if c.description == use.detail), None)
        if relo is None or obj.btf is None:
            return None
        probe = (obj.btf, relo)
    else:
        probe = None
    was, now = (v.provides(use.item_type, use.item, probe) is not None for v in views)
    if not was or now:
        return None
    o, n = views[0].kernel, views[1].kernel
    return {"kind": use.item_type, "name": use.item, "change": "disappeared", "breaking": True, "old": None,
            "new": None, "detail": f"resolves on {o.release} but not on {n.release}", "item_type": use.item_type}
