"""Text report of `bpfstab kfuncs`: one kfunc per entry with prototype, KF_ flags, provenance and the
program types that may call it (from the snapshot's kernel facts, "unknown" when it has none).

Every kfuncs renderer takes the "bpfstab.kfuncs/1" document built by analyzer.cli.commands.kfuncs."""

from btf.inert import inert_doc

from analyzer.kernel.facts import ALL_PROG_TYPES
from analyzer.objects.sections import short_prog_type


def prog_type_label(name):
    """'BPF_PROG_TYPE_SCHED_CLS' -> 'sched_cls'; '*' -> 'all program types'."""
    if name == ALL_PROG_TYPES:
        return "all program types"
    return short_prog_type(name) if name.startswith("BPF_PROG_TYPE_") else name


def hooks_label(row):
    """The program types of one kfunc row as text; 'unknown' when no facts say."""
    if row["hooks"] is None:
        return "unknown"
    if not row["hooks"]:
        return "none"
    return ", ".join(prog_type_label(h) for h in row["hooks"])


def flags_label(row, sep=", "):
    if row["flag_names"] is None:
        return "unknown"
    return sep.join(row["flag_names"]) or "none"


def extras(row):
    out = []
    if row["module"]:
        out.append(f"module {row['module']}")
    if row["impl"]:
        out.append(f"implicit args via {row['impl']}")
    if row["impl_of"]:
        out.append(f"implementation of {row['impl_of']}")
    return out


def facts_line(doc):
    """Where the program-type column comes from, in one sentence."""
    if not doc["hooks_known"]:
        return ("program types that may call each kfunc: unknown (this snapshot carries no kernel-source "
                "or probe facts about kfunc program types)")
    origins = "; ".join(f"{f['origin']}: {f['detail']}" if f["detail"] else f["origin"] for f in doc["facts"])
    return f"program types that may call each kfunc: from kernel facts ({origins})"


def hook_line(doc):
    h = doc["hook"]
    if h is None:
        return None
    return (f"--hook {h['query']} ({h['prog_type']}): {h['may_call']} may be called, "
            f"{h['unknown']} unknown, {h['excluded']} not allowed (not shown)")


def count_label(doc):
    """'42 kfuncs', or '24 of 42 kfuncs' when --hook left some out."""
    if doc["hook"] is None:
        return f"{doc['count']} kfuncs"
    return f"{doc['count']} of {doc['count'] + doc['hook']['excluded']} kfuncs"


def render(doc):
    doc = inert_doc(doc)
    k = doc["kernel"]
    lines = [f"{k['id']} ({k['release']}, {k['arch']}): {count_label(doc)}"
             + (f", {doc['impl_skipped']} _impl entries not shown (--all)" if doc["impl_skipped"] else "")]
    lines.append(facts_line(doc))
    if doc["hook"] is not None:
        lines.append(hook_line(doc))
    lines.append("")
    for r in doc["kfuncs"]:
        ex = extras(r)
        origin = f" [{r['hooks_origin']}]" if r["hooks_origin"] else ""
        lines.append(f"{r['proto']};\n    flags: {flags_label(r, '|')}   found by: {', '.join(r['found_by'])}"
                     f"   hooks: {hooks_label(r)}{origin}" + (f"   ({'; '.join(ex)})" if ex else ""))
    return "\n".join(lines) + "\n"
