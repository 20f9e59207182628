"""`kernel show`, `kernel list` and the facts line of `kernel import`/`kernel facts`: a kernel snapshot
(analyzer.kernel.snapshot.KernelSnapshot) or the snapshot summaries as text or JSON."""
import json

from btf.inert import inert

from analyzer.kernel.snapshot import CONFIG_HIGHLIGHTS
from analyzer.kernel.source import kfunc_coverage
from analyzer.kernel.facts import ALL_PROG_TYPES
from analyzer.objects.sections import short_prog_type


def facts_line(snap, kf):
    """One line on a snapshot's kernel facts of one origin (source, probe)."""
    cov = kfunc_coverage(snap, kf)
    who = f"facts borrowed from {kf.borrowed_from} source" if kf.origin == "borrowed" else f"facts from {kf.origin}"
    return (f"{who}: {kf.detail or '-'}: {len(kf.kfunc_prog_types)} kfuncs with program types "
            f"({cov['known']}/{cov['total']} of the snapshot's kfuncs), helpers for "
            f"{len(kf.helper_prog_types)} program types, {len(kf.warnings)} warnings")


def flags_text(k):
    if k.flags is None:
        return ""
    return "|".join(k.flag_names) if k.flag_names else f"0x{k.flags:x}"


def show_json(snap):
    return json.dumps(snap.to_json(), indent=1) + "\n"


def show_text(snap):
    c = snap.counts()
    kc = snap.kfunc_counts()
    out = []

    def w(text):        # one line per call (a leading blank line allowed): names inside are made inert
        lead, trail = text.startswith("\n"), text.endswith("\n")
        core = text[1 if lead else 0:len(text) - 1 if trail else len(text)]
        out.append(("\n" if lead else "") + inert(core) + ("\n" if trail else ""))
    w(f"kernel   {snap.id}\n")
    w(f"release  {snap.release}\n")
    w(f"arch     {snap.arch}\n")
    w(f"source   {snap.source}\n")
    if snap.path:
        w(f"file     {snap.path}\n")
    by = ", ".join(f"{m} {n}" for m, n in kc.items() if m not in ("total", "impl") and n)
    w(f"types {c['types']}  kfuncs {c['kfuncs']} ({by or 'none'}"
      f"{', _impl ' + str(kc['impl']) if kc['impl'] else ''})\n")
    w(f"prog types {c['prog_types']}  attach types {c['attach_types']}  map types {c['map_types']}  "
      f"helpers {c['helpers']}  contexts {c['contexts']}  struct_ops {c['struct_ops']}\n")
    syms = c["function_symbols"]
    w(f"functions {c['functions']}  tracepoints {c['tracepoints']}  lsm hooks {c['lsm_hooks']}  "
      f"iterators {c['iterators']}  symtab functions {syms if syms is not None else '-'}  modules {c['modules']}\n")
    sm = snap.symbols_meta
    if sm is not None:
        w(f"symbols: {sm['functions']} functions, "
          f"{sm['data'] if sm['data'] is not None else 'no'} data symbols (from {sm['source']})\n")
    elif syms is None:
        w("symbols: none (typeless ksyms, fentry addresses and kprobe targets unverified; import with "
          "--system-map, Debian: the System.map of linux-image-<release>-dbg)\n")
    if snap.struct_ops:
        w(f"struct_ops: {' '.join(snap.struct_ops)}\n")
    if snap.config:
        hl = [f"{k[7:]}={snap.config[k]}" for k in CONFIG_HIGHLIGHTS if k in snap.config]
        w(f"config ({len(snap.config)} BPF-relevant options): {' '.join(hl)}\n")
    else:
        w("config: not available\n")
    for n in snap.notes:
        w(f"note: {n}\n")
    for line in import_report_lines(snap)[:-1] if snap.import_report else ():
        w(f"import   {line}\n")
    for origin, kf in sorted(snap.facts.items()):
        w(facts_line(snap, kf) + "\n")
        for k, v in sorted(kf.methods.items()):
            w(f"  {k}: {v}\n")
    if not snap.facts:
        w("kernel facts: none (program-type access of kfuncs and helpers unverified; `bpfstab kernel facts` "
          "adds them)\n")
    w(f"\nkfuncs ({len(snap.kfuncs)}):\n")
    for k in snap.kfuncs.values():
        extra = []
        fl = flags_text(k)
        if fl:
            extra.append(fl)
        if k.fastcall:
            extra.append("fastcall")
        if k.impl_of:
            extra.append(f"impl of {k.impl_of}")
        if k.module:
            extra.append(f"module {k.module}")
        types, origin = snap.merged_facts.kfunc_prog_type_list(k.impl_of if k.impl_of and k.found_by ==
                                                               ["kf_implicit_args"] else k.name)
        if types is not None:
            short = [short_prog_type(t) if t != ALL_PROG_TYPES else "all" for t in types]
            extra.append(f"prog types ({origin}): {' '.join(short) or 'none'}")
        extra.append("found by " + ",".join(k.found_by))
        w(f"  {k.proto};  /* {'; '.join(extra)} */\n")
    return "".join(out)


def import_report_lines(snap):
    """'config:     found: ...' lines: what the import found and what it did not, then the facts."""
    out = [f"{r['item'] + ':':12s}{'found' if r['found'] else 'NOT FOUND'}: {r['text']}"
           for r in snap.import_report]
    src = snap.facts.get("source")
    if src is not None:
        out.append(f"{'facts:':12s}found: {facts_line(snap, src)}")
    elif "borrowed" in snap.facts:
        out.append(f"{'facts:':12s}BORROWED: {facts_line(snap, snap.facts['borrowed'])} (same major.minor; "
                   "--source gives this kernel's own, --no-borrow none)")
    elif not snap.facts:
        out.append(f"{'facts:':12s}NOT FOUND: none (helper/kfunc access per program type unverified on "
                   "this kernel; add --source or `bpfstab kernel facts`)")
    return out


def import_report(snap):
    """What `kernel import` found and did not find (stderr), one item a line."""
    return "".join(line + "\n" for line in import_report_lines(snap))


def list_json(rows):
    return json.dumps(rows, indent=1) + "\n"


def list_text(rows, *, bundled, cache):
    """The snapshot table; `bundled`, `cache`: the directories looked in (named when there is none)."""
    if not rows:
        return f"no kernel snapshots (bundled: {bundled or 'none'}, cache: {cache})\n"
    hdr = ("ID", "RELEASE", "ARCH", "KFUNCS", "WHERE", "SOURCE", "FILE")
    table = [hdr] + [(r["id"], r["release"] or "-", r["arch"] or "-",
                      "-" if r["kfuncs"] is None else str(r["kfuncs"]), r["where"],
                      (r["source"] or r.get("error") or "-")[:60], r["file"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(hdr) - 1)]
    return "".join(inert("  ".join(v.ljust(widths[i]) for i, v in enumerate(row[:-1])) + "  " + row[-1]) + "\n"
                   for row in table)
