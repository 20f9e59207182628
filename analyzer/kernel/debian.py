"""Debian kernel packages → kernel artifacts, in every form Debian ships for a kernel.

Found by content and Debian's conventions, never by one file-name pattern:
* `linux-image-<rel>[-unsigned]` (≤ 6.x: image, config, System.map and modules in one package);
* `linux-binary[-unsigned]-<rel>` (7.x: only the image, `usr/lib/modules/<rel>/vmlinuz[.unsigned]`);
* `linux-base-<rel>` (7.x: `config` and `System.map`), `linux-modules-<rel>` (7.x: the `.ko` files);
* `linux-image-<rel>` as a 7.x *meta* package: no files, Depends on the siblings above;
* `linux-image-<rel>-dbg`: the real System.map (the image packages ship a one-line placeholder that
  says so) and DWARF; read here for its System.map only.

Several packages may be given together (`kernel import image.deb modules.deb base.deb`); what is
missing is looked for next to them (`<sibling>_*.deb`, names from the control file's Depends and the
conventions above). Each package's data.tar is streamed once, and only the members needed are read.
`open_debian` returns the artifacts plus a report of what was found and what was not.
"""
import glob
import os
import re
import tarfile
import lzma
import zlib

from btf import containers
from btf.errors import InputError

from . import symbols as kernel_symbols

_ROLE_RE = re.compile(r"^linux-(?P<kind>image|binary-unsigned|binary|base|modules)-(?P<rel>.+?)"
                      r"(?P<suffix>-unsigned|-dbg)?$")
_IMAGE_RE = re.compile(r"^(?:\./)?(?:boot/vmlinu[xz]-(?P<r1>[^/]+)|(?:usr/)?lib/modules/(?P<r2>[^/]+)/"
                       r"vmlinu[xz](?:\.[A-Za-z0-9_-]+)?)$")
_CONFIG_RE = re.compile(r"^(?:\./)?(?:boot/config-(?P<r1>[^/]+)|(?:usr/)?lib/modules/(?P<r2>[^/]+)/config)$")
_SYSMAP_RE = re.compile(r"^(?:\./)?(?:usr/lib/debug/)?(?:boot/System\.map-(?P<r1>[^/]+)|"
                        r"(?:usr/)?lib/modules/(?P<r2>[^/]+)/System\.map)$")
_KO_RE = re.compile(r"^(?:\./)?(?:usr/)?lib/modules/(?P<rel>[^/]+)/.+\.ko(?:\.(?:xz|zst|gz))?$")
MAX_CONTROL = 1 << 20
MAX_TEXT = 64 << 20


class DebPackage:
    def __init__(self, path):
        self.path = path
        self.base = os.path.basename(path)
        fields = read_control(path)
        self.package = fields.get("Package") or self.base.split("_")[0]
        self.version = fields.get("Version")
        self.arch = fields.get("Architecture")
        self.depends = _dep_names(fields.get("Depends", ""))
        m = _ROLE_RE.match(self.package)
        self.kind = (m.group("kind") + (m.group("suffix") or "")) if m else None
        self.release = m.group("rel") if m else None
        self.found = {}          # "image" | "config" | "sysmap" -> (member, bytes|str)
        self.modules = 0
        self.walked = False

    def label(self):
        return self.base


def _dep_names(depends):
    out = []
    for part in depends.split(","):
        for alt in part.split("|"):
            name = alt.strip().split(" ", 1)[0].split(":", 1)[0]
            if name:
                out.append(name)
    return out


def read_control(path) -> dict:
    """The fields of a .deb's control file (Package, Version, Depends, ...)."""
    try:
        total = os.path.getsize(path)
        f = open(path, "rb")
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None
    with f:
        got = containers.deb_member(f, path, total, "control.tar")
        if got is None:
            raise InputError(path, "Debian package has no control.tar member")
        name, off, size = got
        try:
            tf = tarfile.open(fileobj=containers.deb_data_stream(f, path, name, off, size), mode="r|")
            text = None
            for ti in tf:
                if ti.isfile() and ti.name.lstrip("./") == "control":
                    if ti.size > MAX_CONTROL:
                        raise InputError(path, f"control file is implausibly large ({ti.size} bytes)")
                    text = tf.extractfile(ti).read().decode("utf-8", "replace")
                    break
        except InputError:
            raise
        except (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error, ValueError) as e:
            raise InputError(path, f"corrupt package control data ({name}): {e}") from None
        except Exception as e:          # zstandard errors
            raise InputError(path, f"corrupt package control data ({name}): {type(e).__name__}: {e}") from None
    if text is None:
        raise InputError(path, "Debian package has no control file")
    fields, key = {}, None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and key:
            fields[key] += " " + line.strip()
        elif ":" in line:
            key, _, val = line.partition(":")
            key = key.strip()
            fields[key] = val.strip()
    return fields


def _rel(m):
    return m.group("r1") or m.group("r2") if "r1" in m.re.groupindex else m.group("rel")


def walk(pkg: DebPackage, *, want_image, want_config, want_sysmap, ko_sink=None, progress=None):
    """Stream pkg's data.tar once, reading the wanted members (and every .ko when ko_sink is given)."""
    path = pkg.path
    try:
        total = os.path.getsize(path)
        f = open(path, "rb")
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None
    pkg.walked = True
    with f:
        name, off, size = containers.deb_data_member(f, path, total)
        try:
            tf = tarfile.open(fileobj=containers.deb_data_stream(f, path, name, off, size), mode="r|")
            n = 0
            for ti in tf:
                n += 1
                if progress is not None and n % 200 == 0:
                    progress(0, 0, f"{pkg.base}: {ti.name[-50:]}")
                if not ti.isfile():
                    continue
                member = ti.name
                debug = "usr/lib/debug/" in member
                m = None if debug else _IMAGE_RE.match(member)
                if m and want_image and "image" not in pkg.found:
                    if ti.size > containers.MAX_RAW_FILE:
                        raise InputError(path, f"{member} is implausibly large ({ti.size} bytes)")
                    pkg.found["image"] = (member, tf.extractfile(ti).read(), _rel(m))
                elif _CONFIG_RE.match(member) and not debug:
                    if want_config and "config" not in pkg.found:
                        if ti.size > MAX_TEXT:
                            raise InputError(path, f"{member} is implausibly large ({ti.size} bytes)")
                        pkg.found["config"] = (member, tf.extractfile(ti).read().decode("utf-8", "replace"),
                                               _rel(_CONFIG_RE.match(member)))
                elif _SYSMAP_RE.match(member):
                    if want_sysmap and "sysmap" not in pkg.found:
                        if ti.size > MAX_TEXT * 2:
                            raise InputError(path, f"{member} is implausibly large ({ti.size} bytes)")
                        pkg.found["sysmap"] = (member, tf.extractfile(ti).read().decode("ascii", "replace"),
                                               _rel(_SYSMAP_RE.match(member)))
                elif not debug and _KO_RE.match(member):
                    pkg.modules += 1
                    if ko_sink is not None and ti.size < (256 << 20):
                        ko_sink(member, tf.extractfile(ti).read())
                done = ((not want_image or "image" in pkg.found) and (not want_config or "config" in pkg.found)
                        and (not want_sysmap or "sysmap" in pkg.found))
                if done and ko_sink is None:
                    break
        except InputError:
            raise
        except (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error, ValueError) as e:
            raise InputError(path, f"corrupt package data ({name}): {e}") from None
        except Exception as e:
            raise InputError(path, f"corrupt package data ({name}): {type(e).__name__}: {e}") from None


def _siblings(pkgs, names):
    """Packages named `names` next to any given package (newest version last), not already given."""
    have = {os.path.abspath(p.path) for p in pkgs}
    dirs = []
    for p in pkgs:
        d = os.path.dirname(os.path.abspath(p.path))
        if d not in dirs:
            dirs.append(d)
    out = []
    for n in names:
        for d in dirs:
            for cand in sorted(glob.glob(os.path.join(d, glob.escape(n) + "_*.deb"))):
                if os.path.abspath(cand) not in have and cand not in out:
                    out.append(cand)
    return out


def _conventional(release, kind):
    """Debian's package names for one role of a kernel release."""
    return {
        "image": [f"linux-binary-{release}", f"linux-binary-unsigned-{release}",
                  f"linux-image-{release}-unsigned", f"linux-image-{release}"],
        "base": [f"linux-base-{release}"],
        "modules": [f"linux-modules-{release}"],
        "dbg": [f"linux-image-{release}-dbg"],
    }[kind]


def _dep_or_conv(pkgs, release, kind, prefix):
    names = [d for p in pkgs for d in p.depends if d.startswith(prefix)]
    return list(dict.fromkeys(names + _conventional(release, kind)))


def open_debian(paths, *, config_path=None, sysmap_path=None, with_modules=False, progress=None):
    """(containers.KernelArtifacts, report) for one kernel given as one or more Debian packages.

    report: [(item, found: bool, text)] for image, config, System.map and modules."""
    pkgs = [DebPackage(p) for p in paths]
    rels = {p.release for p in pkgs if p.release}
    if len(rels) > 1:
        raise InputError(paths[0], "the packages are of different kernels (" + ", ".join(sorted(rels)) + ")")
    release = next(iter(rels), None)
    if any(p.kind == "modules" for p in pkgs):
        with_modules = True          # a modules package given explicitly: its modules are wanted
    modules, module_ids = {}, {}
    skipped = []

    def ko_sink(member, raw):
        try:
            mod = containers.module_from_bytes(raw, member)
        except InputError as e:
            skipped.append(e.problem)
            return
        modules[mod.name] = mod.btf
        if mod.btf_ids is not None:
            module_ids[mod.name] = mod.btf_ids

    def walk_all(group, **want):
        for p in group:
            if not p.walked:
                sink = ko_sink if with_modules and p.kind not in ("dbg", "image-dbg", "base") else None
                walk(p, ko_sink=sink, progress=progress, **want)

    want = dict(want_image=True, want_config=config_path is None, want_sysmap=sysmap_path is None)
    walk_all([p for p in pkgs if p.kind not in ("image-dbg",)], **want)

    def first(key):
        for p in pkgs:
            if key in p.found:
                return p, p.found[key]
        return None, None

    report = []
    ip, img = first("image")
    if img is None and release:
        for sib in _siblings(pkgs, _dep_or_conv(pkgs, release, "image", "linux-binary")):
            sp = DebPackage(sib)
            pkgs.append(sp)
            walk_all([sp], **want)
            ip, img = first("image")
            if img is not None:
                break
    if img is None:
        given = ", ".join(p.package for p in pkgs)
        if release:
            need = next((d for p in pkgs for d in p.depends if d.startswith("linux-binary")), None) \
                or f"linux-binary-{release} (or linux-image-{release}-unsigned)"
            if any(p.kind == "image" and not p.found for p in pkgs):
                why = f"{pkgs[0].package} is a meta package: the kernel image is in {need}"
            else:
                why = f"no kernel image in {given}: it is in {need}"
            raise InputError(paths[0], f"{why}; fetch it and give it too, or put it next to this package")
        raise InputError(paths[0], "Debian package holds no kernel image (boot/vmlinuz-*, "
                                   "usr/lib/modules/*/vmlinuz*) and is not a Debian kernel package")
    member, image, member_rel = img
    release = release or member_rel
    arts = containers.open_image_bytes(image, f"{ip.path}: {member}", f"{ip.base}: {member.lstrip('./')}")
    if arts.release is None:
        arts.release = member_rel
    elif member_rel and member_rel != arts.release:
        raise InputError(ip.path, f"kernel banner says release {arts.release} but the package path says "
                                  f"{member_rel}")
    if release and release != arts.release:
        raise InputError(ip.path, f"package name says release {release} but the kernel image is {arts.release}")
    release = arts.release
    if arts.arch is None:
        arts.arch = containers.debian_arch(ip.arch or ip.base.rsplit("_", 1)[-1].removesuffix(".deb"))
    report.append(("image", True, f"{member.lstrip('./')} in {ip.base}"))

    # config and System.map: the packages given, then the linux-base sibling
    def need_base():
        return (config_path is None and first("config")[1] is None) or \
               (sysmap_path is None and _real_sysmap(first("sysmap")[1]) is None)
    if need_base():
        for sib in _siblings(pkgs, _dep_or_conv(pkgs, release, "base", "linux-base")):
            sp = DebPackage(sib)
            pkgs.append(sp)
            walk_all([sp], want_image=False, want_config=config_path is None, want_sysmap=sysmap_path is None)
            if not need_base():
                break
    # config
    if config_path is not None:
        arts.config = containers.read_config(config_path)
        report.append(("config", True, f"{config_path} (--config)"))
    else:
        cp, cfg = first("config")
        if cfg is not None:
            if cfg[2] and cfg[2] != release:
                raise InputError(cp.path, f"{cfg[0]} is the config of {cfg[2]}, not of {release}")
            arts.config = cfg[1]
            report.append(("config", True, f"{cfg[0].lstrip('./')} in {cp.base}"))
            if cp is not ip:
                arts.origin += f" (config from {cp.base})"
        elif arts.config:
            report.append(("config", True, "embedded in the image (CONFIG_IKCONFIG)"))
        else:
            report.append(("config", False, f"not in the packages; linux-base-{release} holds it in 7.x, "
                                            "or pass --config"))
    # System.map
    symbols = None
    if sysmap_path is not None:
        symbols = kernel_symbols.from_system_map(_read_text(sysmap_path), sysmap_path)
        report.append(("System.map", True, f"{sysmap_path} (--system-map)"))
    else:
        sp, sm = first("sysmap")
        placeholder = sm is not None and _real_sysmap(sm) is None
        if sm is None or placeholder:
            dbg = _siblings(pkgs, _conventional(release, "dbg"))
            given_dbg = [p for p in pkgs if p.kind == "image-dbg"]
            for d in [p.path for p in given_dbg] + dbg:
                dp = next((p for p in pkgs if p.path == d), None) or DebPackage(d)
                if dp not in pkgs:
                    pkgs.append(dp)
                walk(dp, want_image=False, want_config=False, want_sysmap=True, progress=progress)
                if _real_sysmap(dp.found.get("sysmap")) is not None:
                    sp, sm = dp, dp.found["sysmap"]
                    break
        if sm is not None and _real_sysmap(sm) is not None:
            symbols = kernel_symbols.from_system_map(sm[1], f"{sp.path}: {sm[0]}")
            symbols.source = f"{sp.base}: {sm[0].lstrip('./')}"
            report.append(("System.map", True, f"{sm[0].lstrip('./')} in {sp.base}"))
        elif sm is not None:
            where = kernel_symbols.placeholder_of(sm[1])
            report.append(("System.map", False, f"{sm[0].lstrip('./')} in {sp.base} is a placeholder (it says "
                                                f"the real one is in {where}); give linux-image-{release}-dbg "
                                                f"too, or --system-map"))
        else:
            report.append(("System.map", False, f"not in the packages (Debian: linux-image-{release}-dbg); "
                                                "pass --system-map"))
    if symbols is not None:
        arts.symbols = symbols
    # modules
    if with_modules and not modules:
        for sib in _siblings(pkgs, _dep_or_conv(pkgs, release, "modules", "linux-modules")):
            sp = DebPackage(sib)
            pkgs.append(sp)
            walk(sp, want_image=False, want_config=False, want_sysmap=False, ko_sink=ko_sink, progress=progress)
            if modules:
                break
    count = sum(p.modules for p in pkgs)
    if with_modules:
        if not modules:
            what = (f"{count} .ko files without BTF" if count else "no .ko files")
            raise InputError(paths[0], f"--modules: no module BTF found ({what} in "
                                       f"{', '.join(p.base for p in pkgs)}); Debian 7.x ships modules in "
                                       f"linux-modules-{release}: give it too")
        src = sorted({p.base for p in pkgs if p.modules})
        report.append(("modules", True, f"{len(modules)} with BTF (of {count} .ko) from {', '.join(src)}"
                                        + (f", {len(skipped)} skipped" if skipped else "")))
    else:
        if ip.kind and ip.kind.startswith("image"):
            where = f"the .ko files are in {ip.base}"
        else:
            sib = _siblings(pkgs, _dep_or_conv(pkgs, release, "modules", "linux-modules"))
            where = (f"{os.path.basename(sib[0])} is next to it" if sib else
                     f"Debian 7.x ships them in linux-modules-{release}: give it too")
        report.append(("modules", False, f"not imported (add --modules; {where})"))
    arts.modules.update(modules)
    arts.module_btf_ids.update(module_ids)
    return arts, report


def _real_sysmap(found):
    """The System.map text of a found member unless it is Debian's placeholder."""
    if found is None:
        return None
    text = found[1]
    return None if kernel_symbols.placeholder_of(text) is not None else text


def _read_text(path):
    data = containers.load_bytes(path)
    return data.decode("utf-8", "replace")
