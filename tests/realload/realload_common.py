"""Shared helpers for host.py and vm.py (standard library only)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD = HERE / "build"
LOADER = BUILD / "loader"
EM_BPF = 247


def is_bpf_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            hdr = f.read(20)
    except OSError:
        return False
    if len(hdr) < 20 or hdr[:4] != b"\x7fELF" or hdr[5] not in (1, 2):
        return False
    (machine,) = struct.unpack_from("<H" if hdr[5] == 1 else ">H", hdr, 18)
    return machine == EM_BPF


def collect_objects(inputs: list[str]) -> list[Path]:
    """Files as given; directories are searched recursively for *.o / *.bpf.o
    files that are ELF with e_machine EM_BPF.  Order is stable (sorted)."""
    out: list[Path] = []
    for inp in inputs:
        p = Path(inp)
        if p.is_dir():
            found = []
            for dirpath, _dirs, files in os.walk(p):
                for fn in files:
                    if fn.endswith(".o") and is_bpf_elf(Path(dirpath) / fn):
                        found.append(Path(dirpath) / fn)
            out.extend(sorted(found))
        elif p.is_file():
            out.append(p)
        else:
            raise SystemExit(f"no such file or directory: {inp}")
    seen = set()
    uniq = []
    for p in out:
        if p not in seen:
            seen.add(p)
            uniq.append(p)
    return uniq


def ensure_loader() -> Path:
    if not LOADER.exists() or any(
            (HERE / f).stat().st_mtime > LOADER.stat().st_mtime
            for f in ("loader.c", "glibc_compat.c", "build.sh")):
        subprocess.run(["sh", str(HERE / "build.sh")], check=True,
                       stdout=subprocess.DEVNULL)
    return LOADER


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prog_type_args(specs: list[str]) -> list[str]:
    args = []
    for s in specs or []:
        if "=" not in s:
            raise SystemExit(f"--prog-type wants SEC=TYPE, got {s!r}")
        args += ["--prog-type", s]
    return args


def parse_jsonl(text: str, where: str = "") -> list[dict]:
    res = []
    bad = 0
    for line in text.splitlines():
        line = line.strip("\r\n\x00 ")
        if not line.startswith("{"):
            continue
        try:
            res.append(json.loads(line))
        except json.JSONDecodeError:
            bad += 1
    if bad:
        print(f"warning: {bad} unparsable result lines {where}", file=sys.stderr)
    return res


def annotate(results: list[dict], objmap: dict[str, Path], extra: dict) -> list[dict]:
    """Replace loader-side object paths by the caller's paths, add sha256 and
    run metadata (kernel package, environment)."""
    digests: dict[Path, str] = {}
    for r in results:
        orig = objmap.get(r.get("object"))
        if orig is not None:
            r["object"] = str(orig)
            if orig not in digests:
                digests[orig] = sha256(orig)
            r["sha256"] = digests[orig]
        r.update(extra)
    return results


def write_results(results: list[dict], out: str | None) -> None:
    text = "".join(json.dumps(r, sort_keys=False) + "\n" for r in results)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text)
    else:
        sys.stdout.write(text)


def write_meta(out: str, meta: dict) -> None:
    p = Path(out)
    name = p.name[:-len(".jsonl")] if p.name.endswith(".jsonl") else p.name
    (p.parent / (name + ".meta.json")).write_text(json.dumps(meta, indent=1) + "\n")


def summarize(results: list[dict]) -> str:
    progs = [r for r in results if r.get("program") is not None]
    ok = sum(1 for r in progs if r.get("loaded"))
    noopen = [r for r in results if r.get("program") is None]
    reasons: dict[str, int] = {}
    for r in progs:
        if not r.get("loaded"):
            k = failure_reason(r)
            reasons[k] = reasons.get(k, 0) + 1
    lines = [f"programs: {len(progs)} loaded: {ok} failed: {len(progs) - ok}"
             f" objects-not-opened/crashed: {len(noopen)}"]
    for k, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:10]:
        lines.append(f"  {n:4d}  {k}")
    return "\n".join(lines)


_HEX = re.compile(r"0x[0-9a-f]+|\b\d+\b")


def failure_reason(r: dict) -> str:
    """A coarse, comparable failure class derived from the libbpf output."""
    if r.get("loaded"):
        return "loaded"
    log = r.get("log") or ""
    fw = r.get("first_warn") or ""
    if r.get("stage") in ("crash", "timeout"):
        return r["stage"]
    m = re.search(r"failed to find kernel BTF type ID of '[^']*'", log)
    if m:
        return "attach target not in kernel BTF (-ESRCH)"
    m = re.search(r"map '([^']*)': failed to create: (-?E?\w+)", log)
    if m:
        return f"map create failed: {m.group(2)}"
    m = re.search(r"extern \((\w+ ?\w*)\) '([^']*)': not found", log)
    if m:
        return f"unresolved extern ({m.group(1)})"
    if "relo #" in log and ("failed to resolve" in log or "unsupported" in log or "invalid" in log):
        return "CO-RE relocation failed"
    if "legacy map definitions" in log:
        return "legacy 'maps' section (libbpf 1.x refuses)"
    if "missing BPF prog type" in log:
        return "unknown section, no prog type"
    if "-- END PROG LOAD LOG --" in log:
        # last non-empty verifier line before the END marker (the BEGIN
        # marker may have been cut off by the 40-line tail)
        body = log.split("-- END PROG LOAD LOG --", 1)[0]
        body = body.split("-- BEGIN PROG LOAD LOG --", 1)[-1]
        vl = [l for l in body.splitlines() if l.strip() and not l.startswith("processed ")
              and not l.startswith("verification time")]
        last = vl[-1] if vl else ""
        last = _HEX.sub("N", last)[:100]
        return f"verifier: {last}"
    e = r.get("errno")
    fw = re.sub(r"'[^']*'", "X", fw)
    if "BPF program load failed" in fw:
        return f"prog load failed, empty verifier log: {r.get('error')} (errno {e})"
    return f"{r.get('error')} (errno {e}); {_HEX.sub('N', fw)[:90]}"
