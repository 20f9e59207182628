"""Where a kernel import gets each piece, and the report of what was found and what was not.

`open_any(srcs)` dispatches: "running" (/sys/kernel/btf, /proc/kallsyms, /proc/config.gz or /boot),
one or more Debian packages of one kernel (analyzer.kernel.debian), or one kernel file (raw BTF,
vmlinux, vmlinuz...; btf.containers.open_kernel). Config and System.map come from the input, from a
sibling file next to a kernel file (`config-<release>`, `System.map-<release>`), or from --config /
--system-map. Returns (containers.KernelArtifacts, report) with report = [(item, found, text)].
"""
import os

from btf import containers
from btf.errors import InputError

from . import symbols as kernel_symbols


def _is_deb(path):
    try:
        with open(path, "rb") as f:
            return f.read(8) == b"!<arch>\n"
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None


def open_any(srcs, *, config_path=None, system_map=None, with_modules=False, progress=None):
    srcs = [str(s) for s in srcs]
    if not srcs:
        raise InputError("kernel import", "no input given")
    if srcs[0] == "running":
        if len(srcs) > 1:
            raise InputError(srcs[1], "'running' takes no other inputs")
        return _running(config_path, system_map, with_modules)
    debs = [s for s in srcs if _is_deb(s)]
    if debs:
        if len(debs) != len(srcs):
            other = next(s for s in srcs if s not in debs)
            raise InputError(other, "is not a Debian package: several inputs must all be packages of one kernel")
        from . import debian as kernel_debian
        return kernel_debian.open_debian(srcs, config_path=config_path, sysmap_path=system_map,
                                         with_modules=with_modules, progress=progress)
    if len(srcs) > 1:
        raise InputError(srcs[1], "only Debian packages can be given together; give one kernel file "
                                  "(with --config / --system-map for what it lacks)")
    return _file(srcs[0], config_path, system_map, with_modules, progress)


def _sibling(path, prefix, release):
    if not release:
        return None
    cand = os.path.join(os.path.dirname(os.path.abspath(path)), f"{prefix}-{release}")
    return cand if os.path.isfile(cand) else None


def _file(src, config_path, system_map, with_modules, progress):
    arts = containers.open_kernel(src, config_path=config_path, with_modules=with_modules, progress=progress)
    report = [("image", True, src)]
    # config: --config, the image's own (IKCONFIG), or config-<release> next to it
    if config_path is not None:
        report.append(("config", True, f"{config_path} (--config)"))
    elif arts.config:
        report.append(("config", True, "embedded in the image (CONFIG_IKCONFIG)"))
    else:
        sib = _sibling(src, "config", arts.release)
        if sib is not None:
            arts.config = containers.read_config(sib)
            arts.origin += f" (config from {os.path.basename(sib)})"
            report.append(("config", True, f"{sib} (next to the image)"))
        else:
            report.append(("config", False, f"none in the file and no config-{arts.release or '<release>'} "
                                            "next to it; pass --config"))
    # symbols: --system-map, System.map-<release> next to it, or the ELF's own .symtab
    symbols = None
    if system_map is not None:
        symbols = kernel_symbols.from_system_map(_text(system_map), system_map)
        report.append(("System.map", True, f"{system_map} (--system-map)"))
    else:
        sib = _sibling(src, "System.map", arts.release)
        placeholder = None
        if sib is not None:
            text = _text(sib)
            placeholder = kernel_symbols.placeholder_of(text)
            if placeholder is None:
                symbols = kernel_symbols.from_system_map(text, sib)
                report.append(("System.map", True, f"{sib} (next to the image)"))
        if symbols is None:
            symbols = _elf_symbols(src)
            if symbols is not None:
                report.append(("System.map", True, "the vmlinux ELF's own .symtab"))
                arts.function_symbols = None        # the full table replaces the function list
            elif placeholder is not None:
                report.append(("System.map", False, f"{sib} is a placeholder (the real one is in {placeholder}); "
                                                    "pass --system-map"))
            else:
                report.append(("System.map", False, "the image has no symbol table and no System.map-"
                                                    f"{arts.release or '<release>'} is next to it; pass --system-map"))
    if symbols is not None:
        arts.symbols = symbols
    if with_modules:
        raise InputError(src, "--modules: a kernel file carries no modules; give the kernel's Debian packages "
                              "(7.x: with linux-modules-<release>) or import 'running'")
    report.append(("modules", False, "not imported (a kernel file carries none)"))
    return arts, report


def _elf_symbols(src):
    """The .symtab of an uncompressed vmlinux ELF file (not of a vmlinuz: those are stripped)."""
    try:
        with open(src, "rb") as f:
            if f.read(4) != b"\x7fELF":
                return None
    except OSError:
        return None
    data = containers.read_file(src)
    return kernel_symbols.from_elf_symtab(data, src, f"{os.path.basename(src)}: .symtab")


def _text(path):
    return containers.load_bytes(path).decode("utf-8", "replace")


def _running(config_path, system_map, with_modules):
    arts = containers.read_running_kernel(with_modules=with_modules)
    rel = arts.release
    report = [("image", True, "/sys/kernel/btf/vmlinux")]
    if config_path is not None:
        arts.config = containers.read_config(config_path)
        report.append(("config", True, f"{config_path} (--config)"))
    elif arts.config:
        report.append(("config", True, f"the first readable of /proc/config.gz, /boot/config-{rel}, /usr/lib/modules/{rel}/config"))
    else:
        report.append(("config", False, f"no /proc/config.gz, /boot/config-{rel}; pass --config"))
    symbols = None
    if system_map is not None:
        symbols = kernel_symbols.from_system_map(_text(system_map), system_map)
        report.append(("System.map", True, f"{system_map} (--system-map)"))
    else:
        try:
            with open("/proc/kallsyms", encoding="utf-8", errors="replace") as f:
                symbols = kernel_symbols.from_kallsyms(f.read())
            report.append(("System.map", True, "/proc/kallsyms (what this kernel's kallsyms shows)"))
        except (OSError, InputError):
            boot = f"/boot/System.map-{rel}"
            if os.path.isfile(boot) and kernel_symbols.placeholder_of(_text(boot)) is None:
                symbols = kernel_symbols.from_system_map(_text(boot), boot)
                report.append(("System.map", True, boot))
            else:
                report.append(("System.map", False, "no readable /proc/kallsyms or /boot/System.map-" + rel))
    if symbols is not None:
        arts.symbols = symbols
        arts.function_symbols = None
    report.append(("modules", bool(arts.modules), f"{len(arts.modules)} from /sys/kernel/btf" if with_modules
                   else "not imported (add --modules)"))
    return arts, report
