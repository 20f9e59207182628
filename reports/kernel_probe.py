"""`kernel probe` output: the summary of one probe of the running kernel as text, or its
"bpfstab.probe/1" document (built by the command) as JSON."""
import json

from analyzer.kernel.facts import ALL_PROG_TYPES
from analyzer.objects.sections import short_prog_type


def render_json(doc):
    return json.dumps(doc, indent=1) + "\n"


def summary_lines(snap, facts, stats):
    """Human summary of one probe: counts per category, warnings, disagreements with source facts."""
    out = []
    s = stats.seconds
    out.append(f"probed {facts.version} (running) in {s.get('total', 0):.1f} s, {stats.loads} bpf() calls")
    if facts.prog_types is not None:
        known = [n for n in snap.prog_types if n != "BPF_PROG_TYPE_UNSPEC"]
        no = [short_prog_type(n) for n in known if n not in facts.prog_types]
        out.append(f"prog types   {len(facts.prog_types)}/{len(known)} load"
                   + (f" (not: {', '.join(no)})" if no else ""))
    if facts.map_types is not None:
        vals = {v for n, v in snap.map_types.items() if v != 0}
        got = {snap.map_types[n] for n in facts.map_types if n in snap.map_types}
        no = sorted({n[len("BPF_MAP_TYPE_"):].lower() for n, v in snap.map_types.items()
                     if v != 0 and v not in got and not n.endswith("_DEPRECATED")})
        out.append(f"map types    {len(got)}/{len(vals)} create" + (f" (not: {', '.join(no)})" if no else ""))
    if facts.helper_prog_types:
        sizes = sorted(len(v) for v in facts.helper_prog_types.values())
        total = len([n for n, v in snap.helpers.items() if v != 0])
        pairs = sum(sizes)
        out.append(f"helpers      {len(sizes)} prog types x {total} helpers: {pairs} offered pairs, "
                   f"{sizes[0]}-{sizes[-1]} per prog type")
    if facts.kfunc_prog_types:
        every = sum(1 for v in facts.kfunc_prog_types.values() if ALL_PROG_TYPES in v)
        none = sum(1 for v in facts.kfunc_prog_types.values() if not v)
        some = len(facts.kfunc_prog_types) - every - none
        probed = facts.methods.get("kfunc_probed_prog_types") or []
        out.append(f"kfuncs       {len(facts.kfunc_prog_types)} kfuncs x {len(probed)} prog types: "
                   f"{every} for every type, {some} for some, {none} for none probed")
    for w in facts.warnings:
        out.append(f"warning: {w}")
    return out


def render_text(snap, facts, stats, disagreements, out):
    """The summary, the disagreements with source facts (when the snapshot has them) and the file written."""
    lines = summary_lines(snap, facts, stats)
    if "source" in snap.facts:
        src = snap.facts["source"]
        lines.append(f"source facts ({src.detail or 'kernel source'}): {len(disagreements)} disagreement(s); "
                     "the probe wins")
        lines.extend(f"  {d}" for d in disagreements)
    lines.append(f"wrote {out}")
    return "".join(line + "\n" for line in lines)
