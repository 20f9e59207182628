#!/usr/bin/env python3
"""Load BPF objects into a Debian kernel booted under qemu (TCG).

usage: vm.py --kernel DEB_OR_VMLINUZ [--prog-type SEC=TYPE]... OBJ_OR_DIR...
             [-o results.jsonl]

The kernel comes from a Debian kernel package (linux-image-*-unsigned or
linux-binary-*; for the latter the kernel config is taken from the sibling
linux-base-* package when present) or is a bare vmlinuz.  Extracted kernels
are cached in $XDG_CACHE_HOME/bpfstab/realload (~/.cache/bpfstab/realload).

A gzip'ed cpio (newc) initramfs is written here, in Python: busybox-static,
the static loader (build.sh), the objects and the kernel config (for
libbpf's __kconfig externs, at /boot/config-RELEASE).  /init mounts proc,
sysfs, devtmpfs, bpffs, tracefs, debugfs; raises RLIMIT_MEMLOCK; runs the
loader; prints the JSON lines between markers on the serial console and
powers off.  No kernel modules are available in the guest (module BTF and
module kfuncs are therefore absent), there is no network device.

Standard library only.
"""
from __future__ import annotations

import argparse
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import realload_common as rc  # noqa: E402

BEGIN = "=====BPFSTAB-RESULTS-BEGIN====="
END = "=====BPFSTAB-RESULTS-END====="
INFO_BEGIN = "=====BPFSTAB-INFO-BEGIN====="
INFO_END = "=====BPFSTAB-INFO-END====="
BUSYBOX_CANDIDATES = ["/bin/busybox", "/usr/bin/busybox"]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    d = Path(base) / "bpfstab" / "realload"
    d.mkdir(parents=True, exist_ok=True)
    return d


# --------------------------------------------------------------------------
# kernels


class Kernel:
    def __init__(self, vmlinuz: Path, release: str, config: Path | None, source: str):
        self.vmlinuz = vmlinuz
        self.release = release
        self.config = config
        self.source = source


def _deb_extract_members(deb: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)


def _find_kernel_files(root: Path) -> tuple[Path | None, Path | None, str | None]:
    vmlinuz = config = None
    release = None
    for p in sorted(root.glob("boot/vmlinuz-*")):
        vmlinuz, release = p, p.name[len("vmlinuz-"):]
    for base in ("usr/lib/modules", "lib/modules"):
        for p in sorted(root.glob(f"{base}/*/vmlinuz")):
            vmlinuz, release = p, p.parent.name
    for p in sorted(root.glob("boot/config-*")):
        config = p
    for base in ("usr/lib/modules", "lib/modules"):
        for p in sorted(root.glob(f"{base}/*/config")):
            config = p
    return vmlinuz, config, release


def resolve_kernel(arg: str, config_arg: str | None = None) -> Kernel:
    p = Path(arg)
    if not p.exists():
        raise SystemExit(f"no such kernel: {arg}")
    if p.suffix != ".deb":
        release = re.sub(r"^vmlinuz-?", "", p.name) or "unknown"
        return Kernel(p, release, Path(config_arg) if config_arg else None, p.name)
    cdir = cache_dir() / "kernels" / p.name
    vmlinuz = cdir / "vmlinuz"
    meta = cdir / "release"
    if not (vmlinuz.exists() and meta.exists()):
        with tempfile.TemporaryDirectory(prefix="bpfstab-kernel-") as tmp:
            _deb_extract_members(p, Path(tmp))
            vz, cfg, release = _find_kernel_files(Path(tmp))
            if vz is None:
                raise SystemExit(f"{arg}: no boot/vmlinuz-* or usr/lib/modules/*/vmlinuz")
            if cfg is None:
                # linux-binary-X ships the image, linux-base-X the config/System.map
                for sib in sorted(p.parent.glob(p.name.replace("linux-binary-", "linux-base-", 1))):
                    if sib != p:
                        with tempfile.TemporaryDirectory(prefix="bpfstab-kbase-") as t2:
                            _deb_extract_members(sib, Path(t2))
                            _vz, cfg2, _rel = _find_kernel_files(Path(t2))
                            if cfg2:
                                cdir.mkdir(parents=True, exist_ok=True)
                                shutil.copy(cfg2, cdir / "config")
            cdir.mkdir(parents=True, exist_ok=True)
            if cfg is not None:
                shutil.copy(cfg, cdir / "config")
            shutil.copy(vz, cdir / "vmlinuz.tmp")
            os.replace(cdir / "vmlinuz.tmp", vmlinuz)
            meta.write_text(release + "\n")
    release = meta.read_text().strip()
    config = Path(config_arg) if config_arg else (cdir / "config" if (cdir / "config").exists() else None)
    return Kernel(vmlinuz, release, config, p.name)


# --------------------------------------------------------------------------
# initramfs (cpio "newc")


class Cpio:
    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1000

    def _entry(self, name: str, mode: int, data: bytes = b"", nlink: int = 1,
               rdev: tuple[int, int] = (0, 0)) -> None:
        name_b = name.encode() + b"\0"
        self.ino += 1
        fields = [self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(name_b), 0]
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
        self.buf.write(hdr + name_b)
        self.buf.write(b"\0" * ((4 - (len(hdr) + len(name_b)) % 4) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * ((4 - len(data) % 4) % 4))

    def dir(self, name: str) -> None:
        self._entry(name, 0o040755, nlink=2)

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self._entry(name, 0o100000 | mode, data)

    def symlink(self, name: str, target: str) -> None:
        self._entry(name, 0o120777, target.encode())

    def chardev(self, name: str, major: int, minor: int, mode: int = 0o600) -> None:
        self._entry(name, 0o020000 | mode, rdev=(major, minor))

    def finish(self) -> bytes:
        self._entry("TRAILER!!!", 0, nlink=1)
        data = self.buf.getvalue()
        return data + b"\0" * ((512 - len(data) % 512) % 512)


INIT_SCRIPT = r"""#!/bin/busybox sh
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# keep kernel messages off the serial console while results are printed
echo 1 > /proc/sys/kernel/printk
ulimit -l unlimited
echo @INFO_BEGIN@
echo "uname=$(uname -r)"
echo "jit_enable=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null)"
echo "unprivileged_bpf_disabled=$(cat /proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null)"
echo "btf_vmlinux=$(test -r /sys/kernel/btf/vmlinux && echo yes || echo no)"
echo "memlock=$(ulimit -l)"
echo "mem=$(grep MemTotal /proc/meminfo)"
echo @INFO_END@
T0=$(cut -d' ' -f1 /proc/uptime)
# results go to the console as they are produced: a run cut short by the
# host-side timeout still yields every line printed so far
echo @BEGIN@
/bin/loader @LOADER_ARGS@ 2> /tmp/loader.err
RC=$?
echo @END@
T1=$(cut -d' ' -f1 /proc/uptime)
echo "loader_rc=$RC start=$T0 end=$T1"
if [ -s /tmp/loader.err ]; then echo "--- loader stderr"; tail -n 20 /tmp/loader.err; fi
echo "--- dmesg tail"; dmesg | tail -n 15
sync
poweroff -f
"""


def build_initramfs(objs: list[Path], kernel: Kernel, loader_args: list[str],
                    out: Path) -> dict[str, Path]:
    busybox = next((b for b in BUSYBOX_CANDIDATES if Path(b).exists()), None)
    if busybox is None:
        raise SystemExit("busybox not found: apt-get install -y busybox-static")
    loader = rc.ensure_loader()
    c = Cpio()
    for d in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp",
              "boot", "objs", "etc", "root", "run"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3, 0o666)
    c.file("bin/busybox", Path(busybox).read_bytes(), 0o755)
    c.file("bin/loader", loader.read_bytes(), 0o755)
    if kernel.config is not None:
        c.file(f"boot/config-{kernel.release}", kernel.config.read_bytes())
    guest_paths: dict[str, Path] = {}
    names = []
    for i, p in enumerate(objs):
        gname = f"objs/{i:04d}_{re.sub(r'[^A-Za-z0-9._+-]', '_', p.name)}"
        c.file(gname, p.read_bytes())
        guest_paths["/" + gname] = p
        names.append("/" + gname)
    args = " ".join(loader_args + ["--"] + names)
    init = (INIT_SCRIPT.replace("@LOADER_ARGS@", args)
            .replace("@BEGIN@", BEGIN).replace("@END@", END)
            .replace("@INFO_BEGIN@", INFO_BEGIN).replace("@INFO_END@", INFO_END))
    c.file("init", init.encode(), 0o755)
    out.write_bytes(gzip.compress(c.finish(), compresslevel=6))
    return guest_paths


# --------------------------------------------------------------------------
# boot


def run_vm(kernel: Kernel, initrd: Path, timeout: int, mem: int, log_path: Path | None,
           extra_append: str = "") -> tuple[str, float, bool]:
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        raise SystemExit("qemu-system-x86_64 not found: apt-get install -y qemu-system-x86")
    append = ("console=ttyS0 panic=-1 loglevel=4 nokaslr mitigations=off "
              "rdinit=/init " + extra_append).strip()
    cmd = [qemu, "-accel", "tcg", "-cpu", "max", "-m", str(mem), "-smp", "1",
           "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio",
           "-kernel", str(kernel.vmlinuz), "-initrd", str(initrd), "-append", append]
    t0 = time.monotonic()
    timed_out = False
    # the console goes straight to log_path when given, so a long run can be watched
    with (open(log_path, "w+b") if log_path else tempfile.TemporaryFile()) as outf:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=outf,
                                stderr=subprocess.STDOUT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            proc.wait()
        outf.seek(0)
        console = outf.read().decode("utf-8", errors="replace")
    elapsed = time.monotonic() - t0
    return console, elapsed, timed_out


def parse_console(console: str) -> tuple[list[dict], dict, bool]:
    text = console.replace("\r\n", "\n").replace("\r", "")
    info: dict = {}
    if INFO_BEGIN in text:
        blk = text.split(INFO_BEGIN, 1)[1].split(INFO_END, 1)[0]
        for line in blk.splitlines():
            k, sep, v = line.partition("=")
            if sep:
                info[k.strip()] = v.strip()
    m = re.search(r"loader_rc=(\d+) start=([\d.]+) end=([\d.]+)", text)
    if m:
        info["loader_rc"] = int(m.group(1))
        info["loader_seconds"] = round(float(m.group(3)) - float(m.group(2)), 1)
    complete = BEGIN in text and END in text.split(BEGIN, 1)[1]
    if BEGIN not in text:
        return [], info, False
    body = text.split(BEGIN, 1)[1].split(END, 1)[0]
    return rc.parse_jsonl(body, "from serial console"), info, complete


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", required=True, help="kernel .deb or vmlinuz")
    ap.add_argument("--config", help="kernel config for /boot/config-RELEASE in the guest")
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("-o", "--output")
    ap.add_argument("--prog-type", action="append", default=[], metavar="SEC=TYPE")
    ap.add_argument("--timeout", type=int, default=3600,
                    help="whole-VM seconds (TCG on a loaded 2-core host: a full run can take 20 min)")
    ap.add_argument("--obj-timeout", type=int, default=300, help="per-object seconds in guest")
    ap.add_argument("--mem", type=int, default=1536)
    ap.add_argument("--debug", action="store_true", help="keep libbpf debug lines in log")
    ap.add_argument("--fixup-maps", action="store_true",
                    help="give maps with max_entries 0 (sized by user space at run time) a small size")
    ap.add_argument("--console-log", help="save the raw serial console here")
    ap.add_argument("--append", default="", help="extra kernel command line")
    args = ap.parse_args(argv)

    kernel = resolve_kernel(args.kernel, args.config)
    objs = rc.collect_objects(args.inputs)
    if not objs:
        raise SystemExit("no BPF objects found")
    loader_args = ["--timeout", str(args.obj_timeout)] + rc.prog_type_args(args.prog_type)
    if args.debug:
        loader_args.append("--debug")
    if args.fixup_maps:
        loader_args.append("--fixup-maps")
    with tempfile.TemporaryDirectory(prefix="bpfstab-vm-") as tmp:
        initrd = Path(tmp) / "initramfs.cpio.gz"
        guest_paths = build_initramfs(objs, kernel, loader_args, initrd)
        console, elapsed, timed_out = run_vm(
            kernel, initrd, args.timeout, args.mem,
            Path(args.console_log) if args.console_log else None, args.append)
    results, info, complete = parse_console(console)
    extra = {"env": f"qemu-tcg {kernel.source}"}
    rc.annotate(results, guest_paths, extra)
    out = args.output
    if out and (timed_out or not complete):
        # never replace a complete result file by a cut-short run
        out = out + ".partial"
        print(f"error: incomplete run, {len(results)} results written to {out}", file=sys.stderr)
    rc.write_results(results, out)
    if out:
        qv = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                            text=True).stdout.splitlines()[:1]
        rc.write_meta(out, {
            "env": "qemu-tcg", "kernel_package": kernel.source, "release": kernel.release,
            "kernel_config_in_guest": kernel.config is not None,
            "qemu": qv[0] if qv else None, "mem_mb": args.mem,
            "boot_load_seconds": round(elapsed, 1), "timed_out": timed_out,
            "complete": complete, "objects": len(objs), "guest": info,
            "loader_args": loader_args})
    print(f"kernel {kernel.release} ({kernel.source}): boot+load {elapsed:.1f}s"
          f" (loader {info.get('loader_seconds', '?')}s), {len(objs)} objects,"
          f" guest info {info}", file=sys.stderr)
    if timed_out:
        print(f"error: VM timed out after {args.timeout}s", file=sys.stderr)
    if not complete:
        print("error: results incomplete (no END marker); last console lines:", file=sys.stderr)
        print("\n".join(console.splitlines()[-25:]), file=sys.stderr)
    print(rc.summarize(results), file=sys.stderr)
    seen = {r["object"] for r in results}
    missing = [str(p) for p in objs if str(p) not in seen]
    if missing:
        print(f"warning: no result for {len(missing)} objects: {missing[:5]}", file=sys.stderr)
    return 0 if complete and not timed_out else 1


if __name__ == "__main__":
    sys.exit(main())
