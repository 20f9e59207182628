"""Kernel source tree -> KernelFacts(origin="source"): kfunc flags and program types, helpers per program type.

BTF says a kfunc or helper exists; which program types may call it is decided by C code: kfunc sets
(BTF_KFUNCS_START / BTF_SET8_START + BTF_ID_FLAGS), their registration per program type
(register_btf_kfunc_id_set), the kernel's prog type -> kfunc hook switch, and each program type's
get_func_proto switch. This module finds the files that mention those (a byte search), parses them with
libclang under the kernel's config (analyzer.kernel.source_ast reads the ASTs) and combines the results.

A tree is a directory or a Debian linux-source-X package / linux-source-X.tar.xz; a package is extracted
once (only the files needed) under cache_dir()/source/. The per-file results are cached there per tree and
config (a package by its path, size and mtime; a directory by its path and the mtime of its top level, so
edits deep inside a tree need `kernel facts --no-cache`).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import time
from pathlib import Path

from btf.errors import InputError
from analyzer.kernel.facts import ALL_PROG_TYPES, KernelFacts

EXTRACTOR_VERSION = 5                  # 3: func_protos record "weak"; 4: calls through function-pointer fields;
#                                        5: `# include "x.c"` counts as an include (6.12 build_policy.c -> ext.c)
# a .c file is parsed only when it mentions one of these
NEEDLES = (b"BTF_ID_FLAGS", b"register_btf_kfunc_id_set", b"register_btf_fmodret_id_set",
           b"bpf_verifier_ops", b"enum bpf_func_id func_id", b"bpf_prog_type_to_kfunc_hook")
SKIP_DIRS = ("tools/", "samples/", "Documentation/", "scripts/", "usr/", "rust/")
ARCH = "x86"
# headers the kernel build generates; an empty stand-in lets the preprocessor go on
GENERATED_EMPTY = ("generated/bounds.h", "generated/timeconst.h", "generated/utsrelease.h", "generated/compile.h",
                   "generated/utsversion.h", "generated/asm-offsets.h", "generated/rq-offsets.h",
                   "asm/asm-offsets.h", "asm/unistd_32.h", "asm/unistd_64.h", "asm/unistd_x32.h",
                   "asm/unistd_32_ia32.h", "asm/unistd_64_x32.h", "asm/syscalls_32.h", "asm/syscalls_64.h",
                   "asm/orc_hash.h", "asm/cpufeaturemasks.h", "asm/xen-hypercalls.h", "asm/vdso-image.h")
KEEP_GOING = 0x200                                 # CXTranslationUnit_KeepGoing
DETAILED_RECORD = 0x01                             # CXTranslationUnit_DetailedPreprocessingRecord


# ------------------------------------------------------------------------------ the tree
def tree_version(tree: Path) -> str:
    """VERSION.PATCHLEVEL.SUBLEVEL of the top Makefile (plain `NAME = value` lines)."""
    mk = Path(tree) / "Makefile"
    vals = {}
    try:
        for line in mk.read_text(errors="replace").splitlines()[:20]:
            m = re.match(r"^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)\s*=\s*(\S*)", line)
            if m:
                vals[m.group(1)] = m.group(2)
    except OSError as e:
        raise InputError(str(mk), f"cannot read the kernel's top Makefile: {e.strerror or e}") from None
    if "VERSION" not in vals or "PATCHLEVEL" not in vals:
        raise InputError(str(mk), "no VERSION/PATCHLEVEL: not a kernel tree's top Makefile")
    return f"{vals['VERSION']}.{vals['PATCHLEVEL']}.{vals.get('SUBLEVEL') or 0}{vals.get('EXTRAVERSION', '')}"


def _wanted_c(rel: str) -> bool:
    return rel.endswith(".c") and not rel.startswith(SKIP_DIRS) and \
        not (rel.startswith("arch/") and not rel.startswith(f"arch/{ARCH}/"))


def _mentions(data: bytes) -> bool:
    return any(n in data for n in NEEDLES)


def _included_c(data: bytes) -> list:
    """The .c files a .c file #includes ("ext.c", also written `# include "ext.c"` inside #ifdef
    blocks): those are compiled as part of it. A byte-level look at preprocessor lines, to choose
    which files to parse; the C itself is read by libclang."""
    out = []
    for line in data.split(b"\n"):
        line = line.strip()
        if not line.startswith(b"#"):
            continue
        rest = line[1:].lstrip()
        if not rest.startswith(b"include"):
            continue
        rest = rest[len(b"include"):].strip()
        if rest.startswith(b'"') and rest.endswith(b'.c"'):
            out.append(rest[1:-1].decode("utf-8", "replace"))
    return out


def _header_home(rel: str) -> bool:
    """Headers every file may include: include/, arch/x86/include/."""
    return rel.startswith("include/") or rel.startswith(f"arch/{ARCH}/include/")


def _local_key(rel: str) -> str:
    """Files whose first two directory components match may include each other's local headers."""
    return "/".join(rel.split("/")[:-1][:2])


def source_label(src: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", Path(src).name)[:80]


def _source_cache(src: str) -> Path:
    from analyzer.kernel import snapshot as kernels
    return kernels.cache_dir() / "source" / f"{source_label(src)}--{kernels.cache_key(src)}"


def _open_tarball(src: str, f):
    """The linux-source tarball inside a .deb (a stream of the inner .tar.xz), or the tarball itself."""
    from btf import containers
    import lzma
    if src.endswith(".deb"):
        total = os.fstat(f.fileno()).st_size
        name, off, size = containers.deb_data_member(f, src, total)
        outer = tarfile.open(fileobj=containers.deb_data_stream(f, src, name, off, size), mode="r|")
        for m in outer:
            if re.search(r"usr/src/linux-source-[^/]+\.tar\.(xz|gz|bz2)$", m.name) and m.isfile():
                inner = outer.extractfile(m)
                if m.name.endswith(".xz"):
                    return m.name, lzma.LZMAFile(inner)
                if m.name.endswith(".gz"):
                    import gzip
                    return m.name, gzip.GzipFile(fileobj=inner)
                import bz2
                return m.name, bz2.BZ2File(inner)
        raise InputError(src, "Debian package holds no usr/src/linux-source-*.tar.* tarball")
    if src.endswith((".tar.xz", ".txz")):
        return src, lzma.LZMAFile(f)
    if src.endswith((".tar.gz", ".tgz")):
        import gzip
        return src, gzip.GzipFile(fileobj=f)
    if src.endswith(".tar"):
        return src, f
    raise InputError(src, "not a kernel source tree (a directory, a linux-source .deb or a .tar.xz)")


def extract_tree(src: str, progress=None) -> Path:
    """Extract what the analysis needs from a linux-source package or tarball, once: the top Makefile,
    headers under include/ and arch/x86/include/, the .c files that mention NEEDLES and the headers
    next to them. Returns the tree root in the cache."""
    base = _source_cache(src)
    tree = base / "tree"
    done = base / "extracted"
    if done.is_file():
        return tree
    if base.exists():
        shutil.rmtree(base, ignore_errors=True)
    tree.mkdir(parents=True, exist_ok=True)
    local_h = {}                 # local key -> {rel: bytes}
    c_keys = set()
    n_c = 0
    try:
        with open(src, "rb") as f:
            inner_name, stream = _open_tarball(src, f)
            bstream = io.BufferedReader(stream, 1 << 20) if not isinstance(stream, io.BufferedReader) else stream
            try:
                tf = tarfile.open(fileobj=bstream, mode="r|")
                for m in tf:
                    if not m.isfile():
                        continue
                    parts = m.name.split("/", 1)
                    if len(parts) != 2:
                        continue
                    rel = parts[1]
                    if progress is not None:
                        progress.advance(0, rel[-40:])
                    keep = rel == "Makefile" or (rel.endswith(".h") and _header_home(rel))
                    data = None
                    if not keep and _wanted_c(rel):
                        data = tf.extractfile(m).read()
                        keep = _mentions(data) or bool(_included_c(data))
                        if keep:
                            n_c += 1
                            c_keys.add(_local_key(rel))
                    elif not keep and rel.endswith(".h") and not rel.startswith(SKIP_DIRS) \
                            and not rel.startswith(("arch/", "drivers/gpu/")) and m.size < (1 << 20):
                        local_h.setdefault(_local_key(rel), {})[rel] = tf.extractfile(m).read()
                        continue
                    if not keep:
                        continue
                    if data is None:
                        data = tf.extractfile(m).read()
                    out = tree / rel
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(data)
            except (tarfile.TarError, EOFError, OSError) as e:
                if isinstance(e, InputError):
                    raise
                raise InputError(src, f"corrupt source tarball {inner_name}: {e}") from None
    except (EOFError, ValueError) as e:
        raise InputError(src, f"corrupt source package: {e}") from None
    except OSError as e:
        if isinstance(e, InputError):
            raise
        raise InputError(src, e.strerror or str(e)) from None
    for key in c_keys:
        for rel, data in local_h.get(key, {}).items():
            out = tree / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
    if not (tree / "Makefile").is_file():
        raise InputError(src, "the source tarball has no top-level Makefile: not a kernel tree")
    done.write_text(json.dumps({"source": os.path.abspath(src), "c_files": n_c}))
    return tree


def candidate_files(tree: Path) -> list:
    """Relative paths of the .c files that mention NEEDLES (a byte search, no parsing)."""
    return list(_scan(tree)[0])


def _scan(tree: Path):
    """(candidate .c files, {included .c: including .c}) of a tree."""
    out, includers = [], {}
    for dirpath, dirnames, filenames in os.walk(tree):
        rel_dir = os.path.relpath(dirpath, tree)
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        if rel_dir.startswith(SKIP_DIRS) or (rel_dir.startswith("arch/") and rel_dir.count("/") >= 2
                                             and not rel_dir.startswith(f"arch/{ARCH}/")):
            dirnames[:] = []
            continue
        dirnames.sort()
        for fn in sorted(filenames):
            rel = rel_dir + fn
            if not _wanted_c(rel):
                continue
            try:
                with open(os.path.join(dirpath, fn), "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            if _mentions(data):
                out.append(rel)
            for inc in _included_c(data):
                target = os.path.normpath(os.path.join(rel_dir, inc))
                includers.setdefault(target, rel)
    return out, includers


# ------------------------------------------------------------------------------ config
def config_defines(config_text: str) -> str:
    """include/generated/autoconf.h for a .config, as Kconfig writes it."""
    lines = ["/* generated by bpfstab from the kernel config */"]
    for line in (config_text or "").splitlines():
        m = re.match(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$", line.strip())
        if not m:
            continue
        name, val = m.groups()
        if val == "y":
            lines.append(f"#define {name} 1")
        elif val == "m":
            lines.append(f"#define {name}_MODULE 1")
        elif val and val != "n":
            lines.append(f"#define {name} {val}")
    return "\n".join(lines) + "\n"


def config_hash(config_text: str) -> str:
    return hashlib.sha256((config_text or "").encode()).hexdigest()[:12]


def make_shims(tree: Path, shim: Path, config_text: str, version: str):
    """Headers the build would generate: autoconf.h from the config, linux/version.h, empty stand-ins,
    and asm/X.h -> asm-generic/X.h wrappers where arch/x86 has no asm/X.h (Kbuild's generic-y)."""
    if shim.exists():
        shutil.rmtree(shim)
    (shim / "generated").mkdir(parents=True)
    (shim / "generated" / "autoconf.h").write_text(config_defines(config_text))
    for rel in GENERATED_EMPTY:
        p = shim / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("")
    nums = [int(x) if x.isdigit() else 0 for x in re.split(r"[.\-+]", version)[:3]] + [0, 0, 0]
    code = (nums[0] << 16) + (nums[1] << 8) + min(nums[2], 255)
    (shim / "linux").mkdir(parents=True, exist_ok=True)
    (shim / "linux" / "version.h").write_text(
        f"#define LINUX_VERSION_CODE {code}\n#define KERNEL_VERSION(a,b,c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))\n"
        f"#define LINUX_VERSION_MAJOR {nums[0]}\n#define LINUX_VERSION_PATCHLEVEL {nums[1]}\n"
        f"#define LINUX_VERSION_SUBLEVEL {nums[2]}\n")
    for generic, arch_dir, out_dir in (("include/asm-generic", f"arch/{ARCH}/include/asm", "asm"),
                                       ("include/uapi/asm-generic", f"arch/{ARCH}/include/uapi/asm", "uapi/asm")):
        g = tree / generic
        if not g.is_dir():
            continue
        for h in g.glob("*.h"):
            if (tree / arch_dir / h.name).exists():
                continue
            p = shim / out_dir / h.name
            p.parent.mkdir(parents=True, exist_ok=True)
            if not p.exists():
                p.write_text(f"#include <asm-generic/{h.name}>\n")


def clang_args(tree: Path, shim: Path, rel: str) -> list:
    t = str(tree)
    args = ["-x", "c", "-std=gnu11", "-nostdinc", "-target", "x86_64-linux-gnu", "-D__KERNEL__",
            "-w", "-ferror-limit=0", "-fno-spell-checking",
            f"-I{t}/{os.path.dirname(rel)}",
            f"-I{t}/arch/{ARCH}/include", f"-I{shim}", f"-I{t}/include",
            f"-I{t}/arch/{ARCH}/include/uapi", f"-I{shim}/uapi", f"-I{t}/include/uapi",
            "-include", f"{t}/include/linux/kconfig.h"]
    if (tree / "include/linux/compiler_types.h").is_file():
        args += ["-include", f"{t}/include/linux/compiler_types.h"]
    return args


# ------------------------------------------------------------------------------ parse
def parse_file(index, tree: Path, shim: Path, rel: str, via: str = None):
    """Per-file facts of one .c file (parsed as part of `via` when that file #includes it)."""
    from analyzer.kernel import source_ast as kast
    path = str(tree / rel)
    parsed = via or rel
    tu = index.parse(str(tree / parsed), args=clang_args(tree, shim, parsed), options=KEEP_GOING | DETAILED_RECORD)
    missing = sorted({d.spelling.split("'")[1] for d in tu.diagnostics
                      if "file not found" in d.spelling and d.spelling.count("'") >= 2})
    facts = kast.read_translation_unit(tu, path)
    facts["missing_includes"] = missing
    facts["errors"] = sum(1 for d in tu.diagnostics if d.severity >= 3)
    if via:
        facts["parsed_as_part_of"] = via
    return facts


def parse_prog_types(index, tree: Path, shim: Path):
    """[(BPF_PROG_TYPE_X, name)] of include/linux/bpf_types.h under the config."""
    from analyzer.kernel import source_ast as kast
    rel = "include/linux/bpf_types.h"
    path = str(tree / rel)
    if not (tree / rel).is_file():
        raise InputError(path, "missing: not a kernel tree with BPF")
    args = clang_args(tree, shim, rel) + ["-DBPF_PROG_TYPE(...)=", "-DBPF_MAP_TYPE(...)=", "-DBPF_LINK_TYPE(...)="]
    tu = index.parse(path, args=args, options=KEEP_GOING | DETAILED_RECORD)
    return kast.read_prog_type_list(tu, path)


def analyze_tree(tree: Path, config_text: str, shim: Path, progress=None, files=None) -> dict:
    """Parse the candidate files of a tree; returns the raw per-file facts and what was parsed."""
    import clang.cindex as ci
    tree = Path(tree)
    version = tree_version(tree)
    make_shims(tree, shim, config_text, version)
    found, includers = _scan(tree)
    rels = files if files is not None else found
    index = ci.Index.create()
    t0, c0 = time.monotonic(), time.process_time()
    if progress is not None:
        progress.total = len(rels) + 1
    per_file = {}
    for rel in rels:
        if progress is not None:
            progress.advance(1, rel[-40:])
        via = includers.get(rel)
        per_file[rel] = parse_file(index, tree, shim, rel, via if via and (tree / via).is_file() else None)
    prog_types = parse_prog_types(index, tree, shim)
    if progress is not None:
        progress.advance(1, "bpf_types.h")
    return {"version": version, "files": per_file, "prog_types": prog_types,
            "seconds": round(time.monotonic() - t0, 1), "cpu_seconds": round(time.process_time() - c0, 1)}


# ------------------------------------------------------------------------------ combine
def _lookup(table_by_file, name, rel):
    """A name defined in file `rel` if it is there, else in exactly one other file (else the first)."""
    if name in table_by_file.get(rel, {}):
        return rel, table_by_file[rel][name]
    hits = [(r, t[name]) for r, t in sorted(table_by_file.items()) if name in t]
    return hits[0] if hits else (None, None)


def _link_function(protos_by_file, name, rel):
    """[(file, facts)] of the definitions a call to `name` from file `rel` links to, as the linker
    resolves it: the caller's own definition unless it is a weak one; else every non-static, non-weak
    definition in the tree (more than one means config-exclusive alternatives: their union is an upper
    bound); else the weak default. A static function of another file is never reached."""
    own = protos_by_file.get(rel, {}).get(name)
    if own is not None and (own.get("static") or not own.get("weak")):
        return [(rel, own)]
    strong, weak = [], []
    for r, t in sorted(protos_by_file.items()):
        p = t.get(name)
        if p is None or (p.get("static") and r != rel):
            continue
        (weak if p.get("weak") else strong).append((r, p))
    return strong or weak


def combine(raw: dict) -> KernelFacts:
    """KernelFacts from the per-file facts of analyze_tree()."""
    files = raw["files"]
    warnings = []
    sets = {r: f["sets"] for r, f in files.items()}
    descs = {r: f["descs"] for r, f in files.items()}
    # the kernel's prog type -> kfunc hook switch
    hook_map, common_checked = {}, None
    for r, f in files.items():
        if f["hook_map"]:
            hook_map = f["hook_map"]
            common_checked = f["common_hook_checked"]
    compiled = [pt for pt, _ in raw["prog_types"]]
    universe = sorted(set(compiled) | {p for p in hook_map if p.startswith("BPF_PROG_TYPE_")} - {"BPF_PROG_TYPE_UNSPEC"})

    # kfunc flags: every set that is registered (kfunc sets); fmodret sets are not kfuncs
    kfunc_flags, kfunc_types, fmodret = {}, {}, set()
    n_reg, n_filter = 0, 0
    registered_sets = set()
    for r, f in sorted(files.items()):
        for reg in f["registrations"]:
            drel, desc = _lookup(descs, reg["desc"], r)
            where = f"{r}:{reg['line']}"
            if desc is None:
                warnings.append(f"{where}: kfunc set descriptor {reg['desc']} not found")
                continue
            if not desc["set"]:
                warnings.append(f"{drel}:{desc['line']}: {reg['desc']} has no .set")
                continue
            srel, kset = _lookup(sets, desc["set"], drel)
            if kset is None:
                warnings.append(f"{where}: kfunc set {desc['set']} (of {reg['desc']}) not found")
                continue
            registered_sets.add((srel, desc["set"]))
            names = list(kset["entries"])
            if reg["kind"] == "fmodret":
                fmodret.update(names)
                continue
            n_reg += 1
            n_filter += bool(desc["filter"])
            pt = reg["prog_type"]
            if not hook_map:
                types = [pt]
            elif hook_map.get(pt) == "BTF_KFUNC_HOOK_COMMON" and common_checked is not False:
                types = [ALL_PROG_TYPES]
            elif pt not in hook_map:
                warnings.append(f"{where}: {pt} maps to no kfunc hook; the registration has no effect")
                continue
            else:
                hook = hook_map[pt]
                types = [t for t in universe if hook_map.get(t) == hook]
            for name in names:
                cur = kfunc_types.setdefault(name, set())
                cur.update(types)
                for fl in kset["entries"][name]:
                    lst = kfunc_flags.setdefault(name, [])
                    if fl not in lst:
                        lst.append(fl)
                kfunc_flags.setdefault(name, [])
    # functions only in fmod_ret sets: attachable with fmod_ret, never callable as kfuncs
    for name in sorted(fmodret - set(kfunc_types)):
        kfunc_types[name] = set()
    # BPF_PROG_TYPE_EXT programs are checked as their target's type: anything any type may call
    for name, types in kfunc_types.items():
        if types and ALL_PROG_TYPES not in types:
            types.add("BPF_PROG_TYPE_EXT")
    for r, f in sorted(files.items()):
        for sname, s in f["sets"].items():
            if (r, sname) not in registered_sets and s["entries"]:
                warnings.append(f"{r}:{s['line']}: kfunc set {sname} ({len(s['entries'])} entries) is never "
                                f"registered in the parsed files")

    # helpers: prog type -> verifier ops -> get_func_proto -> case labels, closed over fallbacks
    protos = {r: f["func_protos"] for r, f in files.items()}
    vops = {r: f["verifier_ops"] for r, f in files.items()}
    memo = {}
    proto_fields = {}                   # "struct.field" -> [(file, function)]
    for r, f in sorted(files.items()):
        for k, fns in (f.get("proto_fields") or {}).items():
            proto_fields.setdefault(k, []).extend((r, x) for x in fns)

    def helpers_of(fn, rel, stack=()):
        key = (rel, fn)
        if key in memo:
            return memo[key]
        defs = _link_function(protos, fn, rel)
        if not defs:
            warnings.append(f"helpers: function {fn} (called from {rel}) not found in the parsed files")
            memo[key] = set()
            return memo[key]
        out = set()
        for prel, p in defs:
            out |= set(p["helpers"])
            for callee, refused in p["calls"].items():
                if callee.startswith("*"):          # through a function-pointer field: every function stored there
                    targets = proto_fields.get(callee[1:], [])
                    if not targets:
                        warnings.append(f"helpers: {fn} ({prel}) calls through {callee[1:]}, which no parsed "
                                        f"initializer sets")
                else:
                    targets = [(prel, callee)]
                for trel, tfn in targets:
                    if (trel, tfn) in stack:
                        continue
                    out |= helpers_of(tfn, trel, stack + ((prel, fn),)) - set(refused)
        memo[key] = out
        return out

    helper_types = {}
    so_ops = sorted({v for f in files.values() for v in f["struct_ops_verifier_ops"]})
    for pt, name in raw["prog_types"]:
        vname = f"{name}_verifier_ops"
        vrel, fn = _lookup(vops, vname, "")
        if vrel is None:
            warnings.append(f"helpers: {vname} ({pt}) not found in the parsed files")
            continue
        found = set()
        if fn:
            found |= helpers_of(fn, vrel)
        if pt == "BPF_PROG_TYPE_STRUCT_OPS":
            for v in so_ops:
                orel, ofn = _lookup(vops, v, "")
                if ofn:
                    found |= helpers_of(ofn, orel)
        if pt == "BPF_PROG_TYPE_EXT":
            continue
        helper_types[pt] = found
    if "BPF_PROG_TYPE_EXT" in compiled and helper_types:
        helper_types["BPF_PROG_TYPE_EXT"] = set().union(*helper_types.values())

    missing = sorted({m for f in files.values() for m in f["missing_includes"]})
    if missing:
        warnings.append(f"{len(missing)} headers not found (generated by a build; parsed without them): "
                        + ", ".join(missing[:12]) + (" ..." if len(missing) > 12 else ""))
    for r, f in sorted(files.items()):
        warnings.extend(f["warnings"])
    methods = {
        "kfunc_flags": "BTF_KFUNCS_START/BTF_SET8_START sets, BTF_ID_FLAGS (libclang preprocessing record)",
        "kfunc_prog_types": (f"register_btf_kfunc_id_set ({n_reg} registrations, {n_filter} with a .filter callback "
                             f"that may narrow them) through bpf_prog_type_to_kfunc_hook "
                             f"({len(set(hook_map.values()))} hooks)" if hook_map else
                             "register_btf_kfunc_id_set (no bpf_prog_type_to_kfunc_hook in the tree)")
                            + "; BPF_PROG_TYPE_EXT gets what any type gets (it is checked as its target)"
                            + (f"; {len(fmodret)} functions of fmod_ret sets (register_btf_fmodret_id_set) are "
                               f"callable by no program type unless a kfunc set has them too" if fmodret else ""),
        "helper_prog_types": "bpf_types.h -> <name>_verifier_ops.get_func_proto -> BPF_FUNC_ case labels not "
                             "returning NULL, plus the *_func_proto functions it calls (upper bound)",
        "files_parsed": str(len(files)),
    }
    return KernelFacts(
        origin="source", version=raw["version"],
        kfunc_flags={k: sorted(v) for k, v in sorted(kfunc_flags.items())},
        kfunc_prog_types={k: sorted(v) for k, v in sorted(kfunc_types.items())},
        helper_prog_types={k: sorted(v) for k, v in sorted(helper_types.items())},
        methods=methods, warnings=warnings)


# ------------------------------------------------------------------------------ entry point
def source_facts(src: str, config_text: str, *, config_label="", progress=None, use_cache=True) -> KernelFacts:
    """KernelFacts(origin="source") of a kernel tree (directory, linux-source .deb, or tarball)
    under `config_text`; cached per tree and config."""
    src = str(src)
    if not os.path.exists(src):
        raise InputError(src, "no such file or directory")
    base = _source_cache(src)
    if os.path.isdir(src):
        tree = Path(src)
        tree_version(tree)                           # fail early on a directory that is not a tree
        if not (tree / "include/linux/bpf_types.h").is_file():
            raise InputError(src, "not a kernel source tree with BPF (no include/linux/bpf_types.h)")
    else:
        if progress is not None:
            progress.label = "extracting"
        tree = extract_tree(src, progress)
    cache = base / f"raw-{config_hash(config_text)}-v{EXTRACTOR_VERSION}.json"
    raw = None
    if use_cache and cache.is_file():
        try:
            raw = json.loads(cache.read_text())
        except (ValueError, OSError):
            raw = None
    if raw is None:
        if progress is not None:
            progress.label = "parsing"
        raw = analyze_tree(tree, config_text, base / "shim", progress)
        try:
            base.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(raw))
        except OSError:
            pass
    kf = combine(raw)
    kf.detail = f"{Path(src).name} {raw['version']}" + (f", config {config_label}" if config_label else "")
    kf.methods["seconds"] = f"{raw['seconds']} wall, {raw['cpu_seconds']} CPU"
    return kf


def kfunc_coverage(snap, kf: KernelFacts) -> dict:
    """How many of a snapshot's kfuncs have known program types. A foo_impl record of a KF_IMPLICIT_ARGS
    kfunc counts as known when foo is."""
    known, unknown = [], []
    for name, k in snap.kfuncs.items():
        if k.module:
            continue
        base = k.impl_of if (k.impl_of and "kf_implicit_args" in k.found_by and len(k.found_by) == 1) else name
        (known if base in kf.kfunc_prog_types else unknown).append(name)
    return {"total": len(known) + len(unknown), "known": len(known), "unknown": sorted(unknown),
            "callable_by_none": sorted(n for n in known if not kf.kfunc_prog_types.get(n, [None]))}
