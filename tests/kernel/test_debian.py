"""Debian kernel packages in every form (analyzer/kernel/debian.py, analyzer/kernel/sources.py), kernel
symbols (analyzer/kernel/symbols.py) and the rules that use them, and the facts-missing markers.

Synthetic packages are written by the tests (ar + tar, the layouts Debian uses: 6.x linux-image with
boot/, 7.x linux-binary[-unsigned] + linux-base + linux-modules + a meta linux-image, -dbg with the real
System.map); tests on the real packages skip when they are not in /work/cache/kernels."""
import glob
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from types import SimpleNamespace

import pytest

from analyzer.kernel import debian as kernel_debian, sources as kernel_import, symbols as KS
from analyzer.kernel import snapshot as KK
from analyzer.check.rules import externs, progtype
from btf import kinds as K
from btf.errors import InputError
from tests.support.debs import ar_archive, fake_module, tar_bytes, tiny_btf
from tests.support import paths

ROOT = paths.ROOT
REL = "7.9.1+deb13-amd64"
CONFIG = b"CONFIG_BPF_SYSCALL=y\nCONFIG_KALLSYMS=y\nCONFIG_KALLSYMS_ALL=y\nCONFIG_DEBUG_INFO_BTF=y\n"
PLACEHOLDER = b"ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n"
SYSMAP = (b"ffffffff81000000 T _stext\n"
          b"ffffffff81000100 T do_thing\n"
          b"ffffffff81000200 t dup_fn\n"
          b"ffffffff81000300 t dup_fn\n"
          b"ffffffff81000400 t foo.isra.0\n"
          b"ffffffff82000000 T _etext\n"
          b"ffffffff82100000 D bpf_prog_fops\n"
          b"ffffffff82200000 d __func__.123\n"
          b"ffffffff83000000 T _sinittext\n"
          b"ffffffff83000010 T init_fn\n"
          b"ffffffff83001000 T _einittext\n"
          b"ffffffff84000000 B init_net\n"
          b"ffffffff84000100 b twice\n"
          b"ffffffff84000200 b twice\n"
          b"ffffffff84000300 D __start_things\n")


def control(pkg, depends=""):
    text = f"Package: {pkg}\nVersion: 7.9.1-1\nArchitecture: amd64\n"
    if depends:
        text += f"Depends: {depends}\n"
    return tar_bytes([("./control", text.encode())])


def deb(d, pkg, files, depends=""):
    path = os.path.join(str(d), f"{pkg}_7.9.1-1_amd64.deb")
    with open(path, "wb") as f:
        f.write(ar_archive([("debian-binary", b"2.0\n"), ("control.tar.xz", control(pkg, depends)),
                            ("data.tar.xz", tar_bytes(files))]))
    return path


def seven_x(d, *, dbg=True, modules=True):
    """A Debian 7.x kernel: meta linux-image, linux-binary-unsigned, linux-base, linux-modules, -dbg."""
    m = f"./usr/lib/modules/{REL}"
    out = {
        "meta": deb(d, f"linux-image-{REL}", [(f"./usr/share/doc/linux-image-{REL}/copyright", b"x")],
                    depends=f"linux-base-{REL} (= 7.9.1-1), linux-binary-{REL} (= 7.9.1-1), "
                            f"linux-modules-{REL} (= 7.9.1-1)"),
        "binary": deb(d, f"linux-binary-unsigned-{REL}", [(f"{m}/vmlinuz.unsigned", tiny_btf())],
                      depends=f"linux-base-{REL} (= 7.9.1-1)"),
        "base": deb(d, f"linux-base-{REL}", [(f"{m}/System.map", PLACEHOLDER), (f"{m}/config", CONFIG),
                                             (f"{m}/modules.order", b"")]),
    }
    if modules:
        out["modules"] = deb(d, f"linux-modules-{REL}",
                             [(f"{m}/kernel/net/nf_thing.ko", fake_module("nf_thing")),
                              (f"{m}/kernel/net/other.ko", fake_module("other"))])
    if dbg:
        out["dbg"] = deb(d, f"linux-image-{REL}-dbg", [(f"./usr/lib/debug/lib/modules/{REL}/System.map", SYSMAP),
                                                      (f"./usr/lib/debug/lib/modules/{REL}/kernel/x.ko", b"dwarf")])
    return out


def items(report):
    return {i: (found, text) for i, found, text in report}


# ---------------------------------------------------------------------------- symbols
def test_system_map_classes_follow_kallsyms_text_ranges():
    s = KS.from_system_map(SYSMAP.decode(), "System.map")
    assert s.is_function("do_thing") and s.is_function("init_fn") and s.is_function("foo.isra.0")
    assert not s.is_function("bpf_prog_fops") and not s.is_function("init_net")
    assert s.kallsyms("do_thing", False) == "found"               # text: visible on every config
    assert s.kallsyms("init_net", True) == "found"
    assert s.kallsyms("init_net", False) == "absent"              # data without CONFIG_KALLSYMS_ALL
    assert s.kallsyms("init_net", None) == "unknown"
    assert s.kallsyms("dup_fn", False) == "ambiguous" and s.kallsyms("twice", True) == "ambiguous"
    assert s.kallsyms("__start_things", False) == "found"         # section markers are always kept
    assert s.kallsyms("nope", True) == "absent"
    assert "__func__.123" not in s.table                          # not a C identifier: no ksym can name it
    back = KS.KernelSymbols.from_bytes(s.to_bytes(), "m")
    assert back.table == s.table and back.has_data and not back.filtered
    assert s.meta()["functions"] == 9 and s.meta()["member"] == "symbols.txt"


def test_placeholder_and_garbage_system_maps_are_refused():
    assert KS.placeholder_of(PLACEHOLDER.decode()) == "linux-image-<version>-dbg"
    with pytest.raises(InputError, match="placeholder System.map"):
        KS.from_system_map(PLACEHOLDER.decode(), "System.map")
    with pytest.raises(InputError, match="line 2"):
        KS.from_system_map("ffffffff81000000 T _stext\n<script>\n", "x")
    with pytest.raises(InputError, match="bad line"):
        KS.KernelSymbols.from_bytes(b"# bpfstab.symbols/1 data=1 filtered=0\nq name\n", "m")
    with pytest.raises(InputError, match="header"):
        KS.KernelSymbols.from_bytes(b"t name\n", "m")


def test_elf_symtab_and_kallsyms_sources():
    from tests.support.containers import make_elf
    elf = make_elf([(".text", b"\0" * 64, 0x1000), (".data", b"\0" * 64, 0x2000)],
                   [("_stext", 0x1000, 0, 0, ".text"), ("_etext", 0x1040, 0, 0, ".text"),
                    ("a_func", 0x1010, 8, 2, ".text"), ("a_var", 0x2000, 8, 1, ".data")])
    s = KS.from_elf_symtab(elf, "vmlinux", "vmlinux: .symtab")
    assert s.is_function("a_func") and s.table["a_var"] == KS.DATA
    k = KS.from_kallsyms("0 T a_func\n0 D a_var\n0 t mod_fn\t[nf_thing]\n0 t a_func\n")
    assert k.filtered and k.kallsyms("a_var", False) == "found"     # kallsyms is already filtered
    assert k.kallsyms("a_func", None) == "found"                    # zero addresses (no root): not ambiguous
    assert "mod_fn" not in k.table


# ---------------------------------------------------------------------------- rules
def kernel_ns(symbols, config=None):
    from btf.reader import Btf
    return SimpleNamespace(symbols=symbols, config=config if config is not None else {"CONFIG_KALLSYMS_ALL": "y"},
                           release=REL, btf=Btf(tiny_btf()), modules={})


def typeless(name, weak=False):
    return SimpleNamespace(name=name, essential_name=name, weak=weak, btf_type_id=0, kind="ksym_var")


@pytest.mark.parametrize("name,config,weak,code,resolved", [
    ("init_net", {"CONFIG_KALLSYMS_ALL": "y"}, False, None, True),
    ("init_net", {"CONFIG_KALLSYMS_ALL": "n"}, False, "KSYM_UNRESOLVED", False),
    ("init_net", {"CONFIG_KALLSYMS": "y"}, True, None, False),       # weak: 0, no finding
    ("init_net", {}, False, "KSYM_UNVERIFIABLE", False),             # no config: KALLSYMS_ALL unknown
    ("do_thing", {"CONFIG_KALLSYMS_ALL": "n"}, False, None, True),   # text is always in kallsyms
    ("missing", {"CONFIG_KALLSYMS_ALL": "y"}, False, "KSYM_UNRESOLVED", False),
    ("dup_fn", {"CONFIG_KALLSYMS_ALL": "y"}, True, "KSYM_AMBIGUOUS", False),   # fails even when weak
])
def test_typeless_ksyms_from_symbols(name, config, weak, code, resolved):
    syms = KS.from_system_map(SYSMAP.decode(), "System.map")
    findings = []
    r = externs._resolve_var(None, typeless(name, weak), kernel_ns(syms, config), findings)
    assert [f.code for f in findings] == ([code] if code else [])
    assert r.resolved is resolved
    if code == "KSYM_UNRESOLVED":
        assert f"extern '{name}' (strong): not resolved" in findings[0].message
    if code == "KSYM_UNVERIFIABLE":
        assert "--config" in findings[0].message


def test_typeless_ksym_without_symbols_names_the_file_that_settles_it():
    findings = []
    externs._resolve_var(None, typeless("bpf_prog_fops"), kernel_ns(None), findings)
    (f,) = findings
    assert f.code == "KSYM_UNVERIFIABLE" and f.severity == "unknown"
    assert "System.map" in f.message and f"linux-image-{REL}-dbg" in f.message


def info(section, target, prog_type, attach_type, flags=("attach_btf",)):
    return SimpleNamespace(section=section, attach_target=target, prog_type=prog_type, attach_type=attach_type,
                           sec_def=SimpleNamespace(flags=frozenset(flags)))


def test_fentry_target_in_btf_needs_an_address():
    from btf.builder import BtfBuilder
    from btf.reader import Btf
    b = BtfBuilder()
    p = b.func_proto(0, [])
    b.func("inlined_fn", p)
    b.func("do_thing", p)
    kernel = SimpleNamespace(btf=Btf(b.build()), modules={}, release=REL,
                             symbols=KS.from_system_map(SYSMAP.decode(), "System.map"))
    fe = info("fentry/inlined_fn", "inlined_fn", "BPF_PROG_TYPE_TRACING", "BPF_TRACE_FENTRY")
    (f,) = progtype.check_attach_target(fe, kernel)
    assert f.code == "ATTACH_ADDRESS_MISSING" and f.severity == "error"
    assert "The address of function inlined_fn cannot be found" in f.message
    ok = info("fexit/do_thing", "do_thing", "BPF_PROG_TYPE_TRACING", "BPF_TRACE_FEXIT")
    assert progtype.check_attach_target(ok, kernel) == []
    kernel.symbols = None                                      # no symbol table: BTF decides alone
    assert progtype.check_attach_target(fe, kernel) == []
    # kprobes: the symbol table decides (not BTF) when there is one
    kernel.symbols = KS.from_system_map(SYSMAP.decode(), "System.map")
    kp = info("kprobe/foo.isra.0", "foo.isra.0", "BPF_PROG_TYPE_KPROBE", None, flags=())
    assert progtype.check_attach_target(kp, kernel) == []
    kp2 = info("kprobe/inlined_fn", "inlined_fn", "BPF_PROG_TYPE_KPROBE", None, flags=())
    (f,) = progtype.check_attach_target(kp2, kernel)
    assert f.code == "KPROBE_TARGET_MISSING" and "symbol table" in f.message


# ---------------------------------------------------------------------------- Debian packages
def test_meta_package_finds_every_sibling(tmp_path):
    p = seven_x(tmp_path)
    arts, report = kernel_debian.open_debian([p["meta"]])
    it = items(report)
    assert arts.release == REL and arts.arch == "x86_64" and arts.btf == tiny_btf()
    assert it["image"][0] and "vmlinuz.unsigned" in it["image"][1] and "linux-binary-unsigned" in it["image"][1]
    assert it["config"][0] and "linux-base" in it["config"][1] and "CONFIG_KALLSYMS_ALL=y" in arts.config
    assert it["System.map"][0] and "-dbg" in it["System.map"][1]
    assert arts.symbols.is_function("do_thing")
    assert not it["modules"][0] and "--modules" in it["modules"][1]


def test_modules_are_found_in_the_modules_package_or_refused_clearly(tmp_path):
    p = seven_x(tmp_path)
    arts, report = kernel_debian.open_debian([p["binary"]], with_modules=True)
    assert sorted(arts.modules) == ["nf_thing", "other"]
    assert "linux-modules" in items(report)["modules"][1]
    # given together: the modules package alone implies --modules
    arts, report = kernel_debian.open_debian([p["binary"], p["modules"], p["base"]])
    assert sorted(arts.modules) == ["nf_thing", "other"] and items(report)["modules"][0]
    os.unlink(p["modules"])
    with pytest.raises(InputError, match="no module BTF found.*linux-modules-" + re.escape(REL)):
        kernel_debian.open_debian([p["binary"]], with_modules=True)


def test_meta_without_siblings_says_which_to_fetch(tmp_path):
    p = seven_x(tmp_path)
    lone = tmp_path / "lone"
    lone.mkdir()
    meta = lone / os.path.basename(p["meta"])
    os.rename(p["meta"], meta)
    with pytest.raises(InputError, match="is a meta package: the kernel image is in linux-binary-" + re.escape(REL)):
        kernel_debian.open_debian([str(meta)])


def test_binary_alone_reports_what_is_missing(tmp_path):
    p = seven_x(tmp_path)
    solo = tmp_path / "solo"
    solo.mkdir()
    b = solo / os.path.basename(p["binary"])
    os.rename(p["binary"], b)
    arts, report = kernel_debian.open_debian([str(b)])
    it = items(report)
    assert it["image"][0] and not it["config"][0] and not it["System.map"][0]
    assert f"linux-base-{REL}" in it["config"][1] and "--config" in it["config"][1]
    assert f"linux-image-{REL}-dbg" in it["System.map"][1]
    assert getattr(arts, "symbols", None) is None and arts.config is None


def test_six_x_single_package_and_placeholder_system_map(tmp_path):
    rel = "6.12.99+deb13-amd64"
    path = tmp_path / f"linux-image-{rel}-unsigned_6.12.99-1_amd64.deb"
    path.write_bytes(ar_archive([
        ("debian-binary", b"2.0\n"), ("control.tar.xz", control(f"linux-image-{rel}-unsigned")),
        ("data.tar.xz", tar_bytes([(f"./boot/System.map-{rel}", PLACEHOLDER), (f"./boot/config-{rel}", CONFIG),
                                   (f"./boot/vmlinuz-{rel}", tiny_btf()),
                                   (f"./usr/lib/modules/{rel}/kernel/nf_thing.ko", fake_module("nf_thing"))]))]))
    arts, report = kernel_debian.open_debian([str(path)], with_modules=True)
    it = items(report)
    assert arts.release == rel and it["config"][0] and list(arts.modules) == ["nf_thing"]
    assert not it["System.map"][0] and "placeholder" in it["System.map"][1]


def test_packages_of_different_kernels_are_refused(tmp_path):
    p = seven_x(tmp_path)
    other = deb(tmp_path, "linux-base-7.9.2+deb13-amd64", [("./usr/lib/modules/7.9.2+deb13-amd64/config", CONFIG)])
    with pytest.raises(InputError, match="different kernels"):
        kernel_debian.open_debian([p["binary"], other])
    with pytest.raises(InputError, match="not a Debian package"):
        kernel_import.open_any([p["binary"], __file__])


def test_corrupt_control_is_one_input_error(tmp_path):
    path = tmp_path / "linux-base-x_1_amd64.deb"
    path.write_bytes(ar_archive([("debian-binary", b"2.0\n"), ("control.tar.xz", b"\xfd7zXZ\0garbage"),
                                 ("data.tar.xz", tar_bytes([]))]))
    with pytest.raises(InputError, match="corrupt package control data"):
        kernel_debian.open_debian([str(path)])


def test_kernel_file_siblings_config_and_system_map(tmp_path):
    rel = "6.1.0-99-amd64"
    img = tmp_path / f"{rel}.btf"
    img.write_bytes(tiny_btf())
    arts, report = kernel_import.open_any([str(img)])
    assert not items(report)["config"][0] and not items(report)["System.map"][0]
    (tmp_path / f"config-{rel}").write_bytes(CONFIG)
    (tmp_path / f"System.map-{rel}").write_bytes(SYSMAP)
    arts, report = kernel_import.open_any([str(img)])
    it = items(report)
    assert it["config"][0] and "next to the image" in it["config"][1] and "CONFIG_KALLSYMS_ALL=y" in arts.config
    assert it["System.map"][0] and arts.symbols.is_function("init_fn")
    with pytest.raises(InputError, match="carries no modules"):
        kernel_import.open_any([str(img)], with_modules=True)


def run(*args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "analyzer", *args], capture_output=True, text=True, cwd=ROOT,
                          env=e, timeout=300)


def test_cli_import_several_packages_report_symbols_member_and_show(tmp_path):
    p = seven_x(tmp_path)
    out = tmp_path / "k.bpfk"
    r = run("kernel", "import", p["binary"], p["base"], p["modules"], "-o", str(out),
            env={"BPFSTAB_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr
    for line in ("image:      found", "config:     found", "System.map: found", "modules:    found",
                 "facts:      NOT FOUND"):
        assert line in r.stderr, r.stderr
    with zipfile.ZipFile(out) as z:
        assert "symbols.txt" in z.namelist()
        meta = json.loads(z.read("meta.json"))
    assert meta["symbols"]["member"] == "symbols.txt" and meta["symbols"]["functions"] == 9
    assert [i["item"] for i in meta["import"]] == ["image", "config", "System.map", "modules"]
    snap = KK.load_snapshot(out)
    assert snap._symbols is None                      # lazy: not read until a rule asks
    assert snap.symbols.is_function("do_thing") and snap.symbols_meta["data"] == meta["symbols"]["data"]
    r = run("kernel", "show", str(out))
    assert r.returncode == 0, r.stderr
    assert "kernel facts: none" in r.stdout and "symbols: 9 functions" in r.stdout
    assert "import   System.map: found" in r.stdout
    # a bad input is one line, exit 2
    r = run("kernel", "import", p["binary"], "/nonexistent.deb", "-o", str(out))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_source_without_config_warns_loudly(tmp_path):
    img = tmp_path / "6.1.0-99-amd64.btf"
    img.write_bytes(tiny_btf())
    tree = tmp_path / "tree"
    (tree / "kernel" / "bpf").mkdir(parents=True)
    (tree / "Makefile").write_text("VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 99\n")
    r = run("kernel", "import", str(img), "--source", str(tree), "-o", str(tmp_path / "o.bpfk"), "-q",
            env={"BPFSTAB_CACHE": str(tmp_path / "cache")})
    assert "WARNING: no kernel config" in r.stderr and "--config" in r.stderr, (r.returncode, r.stderr)


# ---------------------------------------------------------------------------- real Debian packages
CACHE = "/work/cache/kernels"


def real(pattern):
    got = sorted(glob.glob(os.path.join(CACHE, pattern)))
    if not got:
        pytest.skip(f"{pattern} not in {CACHE} (fetch it with debian-get)")
    return got[0]


def test_real_734_unsigned_binary_with_base_and_dbg_siblings():
    b = real("linux-binary-unsigned-7.3.4+deb13-amd64_*.deb")
    real("linux-base-7.3.4+deb13-amd64_*.deb")
    real("linux-image-7.3.4+deb13-amd64-dbg_*.deb")
    arts, report = kernel_debian.open_debian([b])
    it = items(report)
    assert arts.release == "7.3.4+deb13-amd64" and "vmlinuz.unsigned" in it["image"][1]
    assert it["config"][0] and it["System.map"][0]
    s = arts.symbols
    assert s.kallsyms("init_net", True) == "found" and s.kallsyms("bpf_prog_fops", False) == "absent"
    assert not s.is_function("blk_account_io_done")           # inlined: in BTF, no address (real load: ENOENT)


def test_real_734_meta_package_without_modules_package():
    m = real("linux-image-7.3.4+deb13-amd64_*.deb")
    real("linux-binary-7.3.4+deb13-amd64_*.deb")
    arts, report = kernel_debian.open_debian([m])
    assert "linux-binary-7.3.4+deb13-amd64_" in items(report)["image"][1]


# ---------------------------------------------------------------------------- borrowed facts
def bundled_release(prefix):
    for p in KK.bundled_kernels():
        rel = KK.snapshot_summary(p)["release"] or ""
        if rel.startswith(prefix):
            return rel
    pytest.skip(f"no bundled {prefix} kernel")


def test_borrow_only_from_the_same_major_minor(tmp_path):
    from analyzer.kernel.facts_reference import borrow
    rel612 = bundled_release("6.12.")
    img = tmp_path / "6.12.1-test.btf"
    img.write_bytes(tiny_btf())
    snap = KK.import_kernel(str(img))
    kf = borrow(snap)
    assert kf.origin == "borrowed" and kf.borrowed_from == rel612 and kf.helper_prog_types
    assert "borrowed from" in kf.warnings[0]
    far = tmp_path / "6.5.0-test.btf"
    far.write_bytes(tiny_btf())
    assert borrow(KK.import_kernel(str(far))) is None            # 6.5: no bundled 6.5 → nothing borrowed
    # the facts round-trip with their origin, and a rule names where they came from
    snap.set_facts(kf)
    out = KK.save_snapshot(snap, tmp_path / "b.bpfk")
    back = KK.load_snapshot(out)
    assert back.facts["borrowed"].borrowed_from == rel612
    from analyzer.check.rules.hooks import origin_text
    assert origin_text(back, "borrowed").startswith(f"kernel source facts borrowed from {rel612}")


def test_cli_import_borrows_and_says_so(tmp_path):
    rel612 = bundled_release("6.12.")
    img = tmp_path / "6.12.1-test.btf"
    img.write_bytes(tiny_btf())
    out = tmp_path / "k.bpfk"
    r = run("kernel", "import", str(img), "-o", str(out), env={"BPFSTAB_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr
    assert f"facts:      BORROWED: facts borrowed from {rel612} source" in r.stderr
    r = run("kernel", "import", str(img), "-o", str(out), "--no-borrow", env={"BPFSTAB_CACHE": str(tmp_path / "cache")})
    assert "facts:      NOT FOUND" in r.stderr
    assert json.loads(zipfile.ZipFile(out).read("meta.json"))["facts"] == []
