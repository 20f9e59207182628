"""Agreement between bpfstab check and real loads (the project's headline number).

Reads the real-load results recorded by run.sh (bench/agreement/results/<release>[.fixup-maps].jsonl),
runs the verdict engine on the same objects against the matching kernel snapshot (bundled Debian
kernels; `running` for the host), and prints agreement per kernel and per failure class, plus every
disagreement with the real log's first line next to our findings.

    python3 bench/agreement/compare.py [--mode fixup-maps|as-shipped] [--markdown] [--objects DIR]...
        [--kernel-snapshot RELEASE=SNAPSHOT]... [--without-facts | --facts source,probe]

Each kernel row says which facts its snapshot carries (source/probe: helpers per program type, kfunc
hooks, and for a probe the program variants this kernel refuses; analyzer/facts.py): without them those
rules are not applied. Results of kernel RELEASE (the results file's name without .jsonl, e.g.
host-6.18.44-fc-v782) are compared against `--kernel-snapshot RELEASE=SNAPSHOT` when given (a .bpfk
file or any name `bpfstab check -k` takes); else Debian results against the bundled snapshot and host
results against `running` (the cache entry; `bpfstab kernel probe` adds probe facts to it), and then
only when recorded on the kernel this machine runs now.

Objects are matched by sha256 and program name, so the paths in the results need not exist: any
directory holding the same objects works (tests/realload/build/objects after extract.py, and
corpus/programs).
"""
import argparse
import collections
import glob
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from analyzer.check.engine import check_objects          # noqa: E402
from analyzer.kernel.snapshot import resolve_kernel        # noqa: E402
from analyzer.objects.model import load_object           # noqa: E402
from analyzer.objects.sections import parse_prog_type_overrides  # noqa: E402
from btf.errors import InputError                  # noqa: E402

OVERRIDES = parse_prog_type_overrides(["tun_rss_steering=socket_filter"])


def real_class(rec):
    """A coarse class of the real failure, from libbpf's and the verifier's words."""
    log = (rec.get("log") or "") + " " + (rec.get("error") or "")
    rules = [
        ("kfunc", r"extern \(func ksym\)|kfunc .* (was not resolved|is referenced)|calling kernel function"),
        ("open", r"bad map relo|bad call relo|invalid relo against|map relo failed|bad subprog addr relo"),
        ("license", r"GPL-restricted|GPL compatible license|non-GPL compatible"),
        ("btf_args", r"doesn't have \d+-th argument|Only pointer access is allowed|size \d+ must be 8"),
        ("context", r"invalid bpf_context access"),
        ("attach_policy", r"is not sleepable|points to disabled hook|is not modifiable"),
        ("attach_target", r"failed to find kernel BTF type ID|find_kernel_btf_id|-ESRCH|No such process"),
        ("core", r"CO-RE|failed to resolve CO-RE"),
        ("isa", r"reserved fields|unknown opcode|invalid BPF_ALU|invalid BPF_LD"),
        ("helper", r"invalid func|unknown func|cannot call|program of this type cannot use helper"),
        ("map", r"map create|failed to create map|map '.*':"),
        ("legacy_maps", r"legacy map definitions"),
        ("prog_type", r"missing BPF prog type|prog type|Invalid argument"),
        ("permission", r"Operation not permitted|EPERM"),
    ]
    for name, pat in rules:
        if re.search(pat, log):
            return name
    return "other"


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def index_objects(dirs):
    out = {}
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "**", "*.o"), recursive=True)):
            out.setdefault(sha(path), path)
    return out


def compare(results_file, objects_by_sha, kernel):
    recs = [json.loads(line) for line in open(results_file) if line.strip()]
    by_obj = collections.defaultdict(list)
    for r in recs:
        if r.get("program") is None:          # object failed to open: every program fails
            continue
        by_obj[r.get("sha256")].append(r)
    rows = []
    for digest, progs in sorted(by_obj.items(), key=lambda kv: kv[1][0]["object"]):
        path = objects_by_sha.get(digest)
        if path is None:
            continue
        with open(path, "rb") as f:
            obj = load_object(f.read(), os.path.relpath(path, ROOT), prog_type_overrides=OVERRIDES)
        ours = {r.program: r for r in check_objects([obj], [kernel])}
        for rec in progs:
            mine = ours.get(rec["program"])
            if mine is None:
                continue
            rows.append((rec, mine))
    return rows


def verifier_message(rec):
    """The verifier's own last words in the real log (the line before 'processed N insns'), or ''."""
    lines = [ln.strip() for ln in (rec.get("log") or "").splitlines()]
    for i, ln in enumerate(lines):
        if ln.startswith("processed ") and " insns" in ln and i > 0:
            return lines[i - 1]
    return ""


def cause(rec, mine, kernel):
    """Why bpfstab and the real load disagree, from the real log and our findings (never the case's name)."""
    words = verifier_message(rec)
    cls = real_class(rec)
    has_facts = bool(getattr(kernel, "facts", None))
    if mine.verdict == "loads" and cls == "helper" and re.search(r"cannot use helper|unknown func", words):
        return ("helper not offered to the program type; " +
                ("the snapshot's facts say it is (facts gap)" if has_facts else
                 "the snapshot carries no source/probe facts, so the rule is not applied"))
    if mine.verdict == "loads" and re.search(r"calling kernel function .* is not allowed", words):
        return ("kfunc not registered for the program type's hook; " +
                ("the snapshot's facts say it is (facts gap)" if has_facts else
                 "the snapshot carries no source/probe facts, so the rule is not applied"))
    if mine.verdict == "loads" and rec.get("errno") == 1 and not words:        # EPERM, no verifier log
        probed = "probe" in (getattr(kernel, "facts", None) or {})
        return ("refused with EPERM and an empty verifier log: the loading environment, not the program; " +
                ("the snapshot's probe facts do not record this variant as refused (probe gap)" if probed else
                 "the snapshot carries no probe facts (bpfstab kernel probe), which would record the refusal"))
    if mine.verdict == "fails" and rec.get("loaded") and any(f.code == "PROG_TYPE_REFUSED" for f in mine.findings):
        return "the probe saw this variant refused, the real load did not: the kernel or its policy changed since"
    if mine.verdict == "loads" and re.search(r"unbounded memory access|invalid access to|min value is negative|"
                                             r"invalid mem access|R\d+ .*(out of bounds|invalid)", words):
        return f"verifier value tracking ({words[:80]}): verifier semantics are not modelled"
    return "unexplained: " + (words or (rec.get("first_warn") or rec.get("error") or "")).strip()[:100]


def result_files(mode):
    suffix = ".fixup-maps.jsonl" if mode == "fixup-maps" else ".jsonl"
    files = [f for f in sorted(glob.glob(os.path.join(ROOT, "bench/agreement/results", "*" + suffix)))
             if mode == "fixup-maps" or ".fixup-maps." not in f]
    return suffix, files


def parse_snapshots(values):
    """["host-6.18.44-fc-v782=/path/running.bpfk", ...] -> {release: snapshot spec}."""
    out = {}
    for raw in values or ():
        rel, sep, spec = raw.partition("=")
        if not sep or not rel or not spec:
            raise InputError("--kernel-snapshot", f"expected RELEASE=SNAPSHOT, got {raw!r}")
        out[rel] = spec
    return out


def keep_facts(kernel, origins):
    """Drop the snapshot's facts of every origin not in `origins` (None: keep all)."""
    if origins is None:
        return
    if getattr(kernel, "facts", None):
        kernel.drop_facts(keep=origins)


def agreement(mode, object_dirs, without_facts=False, *, snapshots=None, origins=None, kernels_out=None,
              codes_out=None):
    """Score every results file of `mode` against bpfstab check. Returns (table, classes, disagreements):
    table rows (release, programs, judged, agree, unknown, false loads, false fails, facts), outcome classes
    {(release, class, True|False|"unknown"): n}, disagreements (release, object, program, real, ours,
    class, our codes, real first message, cause). without_facts: drop the snapshots' source/probe facts
    first (what bpfstab predicts from BTF alone); origins: keep only the facts of these origins.
    snapshots: {release: snapshot spec} overriding the default (bundled Debian / `running`).
    kernels_out: a dict that receives {release: origins the snapshot carried before any was dropped}.
    codes_out: a dict that receives {(release, object name, program): our error/unknown codes} for every row."""
    objects = index_objects(object_dirs)
    suffix, files = result_files(mode)
    snapshots = snapshots or {}
    if without_facts:
        origins = ()
    table, classes, disagreements = [], collections.Counter(), []
    for path in files:
        release = os.path.basename(path)[:-len(suffix)]
        spec = snapshots.get(release)
        kept = os.path.join(os.path.dirname(path), release + ".bpfk")
        if spec is None and os.path.isfile(kept):
            spec = kept                         # the snapshot (with its probe facts) kept beside the results
        if spec is None:
            spec = "running" if release.startswith("host-") else "debian-" + release
            if spec == "running" and release[len("host-"):] != os.uname().release:
                print(f"skip {release}: recorded on another host kernel (this one is {os.uname().release}); "
                      f"give --kernel-snapshot {release}=SNAPSHOT", file=sys.stderr)
                continue
        try:
            kernel = resolve_kernel(spec, quiet=True)
        except InputError:
            if release in snapshots:           # asked for by name: a bad name is the user's error
                raise
            print(f"skip {release}: no snapshot {spec!r}", file=sys.stderr)
            continue
        except Exception as e:                 # the host kernel only exists on the machine that ran it
            print(f"skip {release}: {e}", file=sys.stderr)
            continue
        if release.startswith("host-") and kernel.release != release[len("host-"):]:
            print(f"note {release}: compared against a snapshot of {kernel.release}", file=sys.stderr)
        if kernels_out is not None:
            kernels_out[release] = sorted(getattr(kernel, "facts", {}))
        keep_facts(kernel, origins)
        facts = "+".join(sorted(getattr(kernel, "facts", {}))) or "none"
        rows = compare(path, objects, kernel)
        agree = unknown = false_loads = false_fails = 0
        per_class = collections.Counter()
        for rec, mine in rows:
            real = "loads" if rec["loaded"] else "fails"
            cls = "loads" if rec["loaded"] else real_class(rec)
            if codes_out is not None:
                codes_out[(release, os.path.basename(rec["object"]), rec["program"])] = sorted(
                    {f.code for f in mine.findings if f.severity in ("error", "unknown")})
            if mine.verdict == "unknown":
                unknown += 1
                per_class[(cls, "unknown")] += 1
                continue
            ok = mine.verdict == real
            agree += ok
            per_class[(cls, ok)] += 1
            if not ok:
                false_loads += mine.verdict == "loads"
                false_fails += mine.verdict == "fails"
                first = (rec.get("first_warn") or rec.get("error") or "").strip()
                codes = ",".join(f.code for f in mine.findings if f.severity in ("error", "unknown")) or "-"
                disagreements.append((release, os.path.basename(rec["object"]), rec["program"], real,
                                      mine.verdict, cls, codes, first[:140], cause(rec, mine, kernel)))
        judged = len(rows) - unknown
        table.append((release, len(rows), judged, agree, unknown, false_loads, false_fails, facts))
        for k, v in per_class.items():
            classes[(release,) + k] += v
    return table, classes, disagreements


def write_markdown(out, table, classes, disagreements, limit=200):
    out.write("| kernel | kernel facts | programs | judged | agree | agreement | unknown "
              "| predicted loads, really failed | predicted fails, really loaded |\n"
              "|---|---|---|---|---|---|---|---|---|\n")
    for rel, n, judged, agree, unknown, fl, ff, facts in table:
        pct = 100.0 * agree / judged if judged else 0.0
        out.write(f"| {rel} | {facts} | {n} | {judged} | {agree} | {pct:.1f} % | {unknown} | {fl} | {ff} |\n")
    out.write("\n| kernel | real outcome class | agree | disagree |\n|---|---|---|---|\n")
    for rel in sorted({k[0] for k in classes}):
        for cls in sorted({k[1] for k in classes if k[0] == rel}):
            a, d = classes.get((rel, cls, True), 0), classes.get((rel, cls, False), 0)
            out.write(f"| {rel} | {cls} | {a} | {d} |\n")
    out.write(f"\n{len(disagreements)} disagreements, each with its cause:\n\n"
              "| kernel | object | program | real | bpfstab | class | our findings | real first message | cause |\n"
              "|---|---|---|---|---|---|---|---|---|\n")
    for d in disagreements[:limit]:
        out.write("| " + " | ".join(str(x).replace("|", "\\|") for x in d) + " |\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("fixup-maps", "as-shipped"), default="fixup-maps")
    ap.add_argument("--objects", action="append",
                    help="directories holding the objects (default: tests/realload/build/objects and "
                         "corpus/programs)")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--disagreements", type=int, default=200, help="how many to list")
    ap.add_argument("--without-facts", action="store_true",
                    help="ignore the snapshots' source/probe facts (BTF-only predictions)")
    ap.add_argument("--facts", metavar="ORIGINS",
                    help="use only the facts of these origins (comma-separated: source,probe)")
    ap.add_argument("--kernel-snapshot", action="append", metavar="RELEASE=SNAPSHOT",
                    help="compare the results of RELEASE (results file name without .jsonl, e.g. "
                         "host-6.18.44-fc-v782) against this snapshot (.bpfk or a `check -k` name); repeatable")
    args = ap.parse_args()
    dirs = args.objects or [os.path.join(ROOT, "tests/realload/build/objects"), os.path.join(ROOT, "corpus/programs")]
    try:
        for d in args.objects or ():
            if not os.path.isdir(d):
                raise InputError(d, "not a directory (--objects)")
        snapshots = parse_snapshots(args.kernel_snapshot)
        origins = None
        if args.facts is not None:
            origins = tuple(o.strip() for o in args.facts.split(",") if o.strip())
            bad = [o for o in origins if o not in ("source", "probe")]
            if bad:
                raise InputError("--facts", f"unknown origin {', '.join(bad)} (choose from source,probe)")
        table, classes, disagreements = agreement(args.mode, dirs, args.without_facts,
                                                  snapshots=snapshots, origins=origins)
    except InputError as e:
        print(f"compare.py: {e}", file=sys.stderr)
        sys.exit(2)
    out = sys.stdout
    if args.markdown:
        write_markdown(out, table, classes, disagreements, args.disagreements)
        return
    for rel, n, judged, agree, unknown, fl, ff, facts in table:
        pct = 100.0 * agree / judged if judged else 0.0
        out.write(f"{rel:28} programs {n:4}  judged {judged:4}  agree {agree:4}  {pct:5.1f} %  unknown {unknown}"
                  f"  false-loads {fl}  false-fails {ff}  facts {facts}\n")
    out.write(f"\n{len(disagreements)} disagreements:\n")
    for d in disagreements[:args.disagreements]:
        out.write("  " + "  ".join(str(x) for x in d) + "\n")


if __name__ == "__main__":
    main()
