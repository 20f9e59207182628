#!/usr/bin/env python3
"""Extract BPF ELF objects (e_machine 247, EM_BPF) from Debian packages.

Shipped BPF programs come either as standalone ``.o`` files or embedded in
user-space binaries (libbpf skeletons, QEMU's RSS steering program): the
object is stored verbatim as a byte array.  Embedded images are found by
scanning for ``\\x7fELF`` headers whose e_machine is 247 and cut at the end
of the section-header table (e_shoff + e_shnum * e_shentsize), which is where
clang/llvm-objcopy put it (checked against the section extents).

usage: extract.py OUT_DIR DEB_OR_FILE_OR_DIR...

Writes ``OUT_DIR/<pkg>__<binary>__<N>.bpf.o`` (N counts objects inside one
binary) and ``OUT_DIR/manifest.json``.  Byte-identical objects found again in
the same package (e.g. qemu-system-x86_64 and qemu-system-i386 both embed the
RSS program) are written once; the manifest lists every location.

Standard library only (uses ``dpkg-deb -x`` when available, otherwise a
minimal ar + tarfile reader for .gz/.xz/.bz2/uncompressed data members).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

EM_BPF = 247
ELF_MAGIC = b"\x7fELF"


def bpf_elf_size(buf: bytes | memoryview, off: int) -> int | None:
    """Return the byte size of a BPF ELF image starting at ``off`` or None."""
    if len(buf) - off < 64 or bytes(buf[off:off + 4]) != ELF_MAGIC:
        return None
    ei_class, ei_data = buf[off + 4], buf[off + 5]
    if ei_class != 2 or ei_data not in (1, 2):  # BPF objects are ELF64
        return None
    e = "<" if ei_data == 1 else ">"
    (e_machine,) = struct.unpack_from(e + "H", buf, off + 18)
    if e_machine != EM_BPF:
        return None
    (e_shoff,) = struct.unpack_from(e + "Q", buf, off + 0x28)
    e_shentsize, e_shnum = struct.unpack_from(e + "HH", buf, off + 0x3A)
    if e_shentsize != 64 or e_shnum == 0 or e_shoff < 64:
        return None
    size = e_shoff + e_shnum * e_shentsize
    if off + size > len(buf):
        return None
    # every section must lie inside the image (SHT_NOBITS=8 takes no space)
    end = size
    for i in range(e_shnum):
        sh = off + e_shoff + i * 64
        sh_type, = struct.unpack_from(e + "I", buf, sh + 4)
        sh_offset, sh_size = struct.unpack_from(e + "QQ", buf, sh + 0x18)
        if sh_type != 8 and sh_type != 0:
            end = max(end, sh_offset + sh_size)
    if end > size:
        # section data after the header table: unusual; accept if it fits
        if off + end > len(buf):
            return None
        size = end
    return size


def find_bpf_objects(data: bytes) -> list[tuple[int, int]]:
    """(offset, size) of every BPF ELF image in ``data``."""
    found = []
    mv = memoryview(data)
    pos = 0
    while True:
        pos = data.find(ELF_MAGIC, pos)
        if pos < 0:
            break
        size = bpf_elf_size(mv, pos)
        if size:
            found.append((pos, size))
            pos += size
        else:
            pos += 1
    return found


def _ar_members(path: Path):
    with open(path, "rb") as f:
        if f.read(8) != b"!<arch>\n":
            raise ValueError(f"{path}: not an ar archive")
        while True:
            hdr = f.read(60)
            if len(hdr) < 60:
                return
            name = hdr[:16].decode().strip().rstrip("/")
            size = int(hdr[48:58].decode().strip())
            body = f.read(size)
            if size % 2:
                f.read(1)
            yield name, body


def unpack_deb(deb: Path, dest: Path) -> dict:
    """Unpack a .deb into dest; return its control fields (Package, Version)."""
    dest.mkdir(parents=True, exist_ok=True)
    fields = {}
    if shutil.which("dpkg-deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
        for key in ("Package", "Version"):
            out = subprocess.run(["dpkg-deb", "-f", str(deb), key], check=True,
                                 capture_output=True, text=True).stdout.strip()
            fields[key] = out
        return fields
    for name, body in _ar_members(deb):
        if name.startswith("control.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as t:
                for m in t.getmembers():
                    if m.name.lstrip("./") == "control":
                        text = t.extractfile(m).read().decode()
                        for line in text.splitlines():
                            k, _, v = line.partition(":")
                            if k in ("Package", "Version"):
                                fields[k] = v.strip()
        elif name.startswith("data.tar"):
            if name.endswith(".zst"):
                raise RuntimeError(f"{deb}: data.tar.zst needs dpkg-deb")
            with tarfile.open(fileobj=io.BytesIO(body)) as t:
                t.extractall(dest, filter="data")
    return fields


def short_version(version: str) -> str:
    v = version.split(":", 1)[-1]
    return re.sub(r"[^A-Za-z0-9.+~-]", "_", v)


def iter_files(root: Path):
    for dirpath, _dirs, files in os.walk(root):
        for fn in sorted(files):
            p = Path(dirpath) / fn
            if p.is_symlink() or not p.is_file():
                continue
            yield p


def extract_tree(root: Path, pkg: str, out: Path, manifest: list, seen: dict,
                 source: str) -> int:
    n_written = 0
    for p in sorted(iter_files(root)):
        try:
            with open(p, "rb") as f:
                head = f.read(4)
                if head != ELF_MAGIC:
                    continue
                data = head + f.read()
        except OSError:
            continue
        rel = str(p.relative_to(root))
        binary = re.sub(r"[^A-Za-z0-9._+-]", "_", p.name)
        for idx, (off, size) in enumerate(find_bpf_objects(data)):
            blob = data[off:off + size]
            digest = hashlib.sha256(blob).hexdigest()
            entry = {"package": pkg, "source": source, "path": "/" + rel,
                     "offset": off, "size": size, "sha256": digest,
                     "embedded": not (off == 0 and size == len(data))}
            key = (pkg, digest)
            if key in seen:
                entry["duplicate_of"] = seen[key]
            else:
                name = f"{pkg}__{binary}__{idx}.bpf.o"
                (out / name).write_bytes(blob)
                seen[key] = name
                entry["file"] = name
                n_written += 1
            manifest.append(entry)
    return n_written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("inputs", nargs="+", type=Path,
                    help=".deb files, binaries/objects, or directories")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    manifest: list = []
    seen: dict = {}
    total = 0
    for inp in args.inputs:
        if inp.suffix == ".deb":
            with tempfile.TemporaryDirectory(prefix="bpfstab-extract-") as tmp:
                fields = unpack_deb(inp, Path(tmp))
                pkg = f"{fields.get('Package', inp.name.split('_')[0])}_" \
                      f"{short_version(fields.get('Version', 'unknown'))}"
                n = extract_tree(Path(tmp), pkg, args.out, manifest, seen, inp.name)
        else:
            pkg = "local"
            if inp.is_dir():
                n = extract_tree(inp, pkg, args.out, manifest, seen, str(inp))
            else:
                tmpdir = inp.parent
                n = 0
                data = inp.read_bytes()
                for idx, (off, size) in enumerate(find_bpf_objects(data)):
                    blob = data[off:off + size]
                    name = f"{pkg}__{inp.name}__{idx}.bpf.o"
                    (args.out / name).write_bytes(blob)
                    manifest.append({"package": pkg, "source": str(inp), "path": str(inp),
                                     "offset": off, "size": size, "file": name,
                                     "sha256": hashlib.sha256(blob).hexdigest(),
                                     "embedded": not (off == 0 and size == len(data))})
                    n += 1
                del tmpdir
        print(f"{inp}: {n} BPF objects", file=sys.stderr)
        total += n
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"total: {total} objects in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
