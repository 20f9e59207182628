"""btf/containers.py: every wrapper a kernel's BTF ships in, built byte-exact here, plus real Debian packages."""
import bz2
import glob
import gzip
import lzma
import os
import struct
import time

import pytest

from btf import containers as C
from btf.builder import BtfBuilder
from btf.errors import InputError
from btf.reader import Btf
from tests.support.containers import make_elf
from tests.support.debs import ar_archive, tar_bytes

DEBS = "/tmp/debs"
BANNER = b"Linux version 6.1.0-99-amd64 (test@example.org) (gcc 12) #1 SMP PREEMPT_DYNAMIC Debian 6.1.1-1\n"


# ---------------------------------------------------------------------------- builders
def tiny_btf():
    b = BtfBuilder()
    i = b.int("int", 4, signed=True)
    proto = b.func_proto(i, [("x", i)])
    b.func("bpf_foo", proto)
    b.func("bpf_bar", proto)
    return b.build()


def fake_vmlinux(btf=None, *, with_symtab=True):
    btf = btf or tiny_btf()
    ids = struct.pack("<6I", 1, 1, 3, 0x11, 0, 0)
    rodata = b"\0" * 16 + BANNER + b"\0"
    syms = [("bpf_foo", 0xffffffff81000000, 16, 2, ".text"), ("bpf_bar", 0xffffffff81000010, 16, 2, ".text"),
            ("__BTF_ID__set8__test_set", 0xffffffff82100000, 16, 1, ".BTF_ids"),
            ("linux_banner", 0xffffffff82000010, len(BANNER) + 1, 1, ".rodata")] if with_symtab else ()
    return make_elf([(".text", b"\xc3" * 32, 0xffffffff81000000), (".rodata", rodata, 0xffffffff82000000),
                     (".BTF", btf, 0xffffffff82080000), (".BTF_ids", ids, 0xffffffff82100000)], syms)


def lz4_legacy(data):
    import lz4.block
    out = struct.pack("<I", C._LZ4_LEGACY_MAGIC)
    for i in range(0, len(data), C._LZ4_LEGACY_CHUNK):
        c = lz4.block.compress(data[i:i + C._LZ4_LEGACY_CHUNK], store_size=False)
        out += struct.pack("<I", len(c)) + c
    return out


def compressors():
    import zstandard
    return {
        "gzip": gzip.compress,
        "xz": lambda d: lzma.compress(d, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32),
        "zstd": lambda d: zstandard.ZstdCompressor().compress(d),
        "lz4-legacy": lz4_legacy,
        "bzip2": bz2.compress,
        "lzma": lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE),
    }


def fake_bzimage(payload_plain, fmt):
    """An x86 boot image: setup sectors with the HdrS header, then the compressed kernel + size trailer."""
    comp = compressors()[fmt](payload_plain) + struct.pack("<I", len(payload_plain))
    setup = bytearray(1024)
    setup[0x1F1] = 1
    setup[0x202:0x206] = b"HdrS"
    setup[0x206:0x208] = struct.pack("<H", 0x20F)
    setup[0x248:0x24C] = struct.pack("<I", 0x100)
    setup[0x24C:0x250] = struct.pack("<I", len(comp))
    return bytes(setup) + b"\x90" * 0x100 + comp + b"\0" * 64


def fake_deb(path, files, comp="xz"):
    data = tar_bytes(files, comp)
    member = f"data.tar.{comp}" if comp else "data.tar"
    with open(path, "wb") as f:
        f.write(ar_archive([("debian-binary", b"2.0\n"), ("control.tar.xz", tar_bytes([("./control", b"x")])),
                            (member, data)]))
    return path


def fake_module(name="nf_thing", base=None):
    base = base or Btf(tiny_btf())
    m = BtfBuilder(base=base)
    m.struct("mod_struct", 4, [("a", 1, 0)])
    modinfo = b"license=GPL\0name=" + name.encode() + b"\0vermagic=6.1.0-99-amd64 SMP mod_unload\0"
    return make_elf([(".modinfo", modinfo, 0), (".BTF", m.build(), 0)], etype=1)


# ---------------------------------------------------------------------------- synthetic inputs
def test_raw_btf_with_release_in_file_name(tmp_path):
    p = tmp_path / "6.1.0-99-amd64.btf"
    p.write_bytes(tiny_btf())
    a = C.open_kernel(str(p))
    assert a.btf == tiny_btf() and a.release == "6.1.0-99-amd64" and a.btf_ids is None
    q = tmp_path / "vmlinux"
    q.write_bytes(tiny_btf())
    assert C.open_kernel(str(q)).release is None


def test_split_btf_alone_is_refused(tmp_path):
    p = tmp_path / "nf_conntrack"
    base = Btf(tiny_btf())
    m = BtfBuilder(base=base)
    m.struct("mod_struct", 4, [("a", 1, 0)])
    p.write_bytes(m.build())
    with pytest.raises(InputError, match="split BTF"):
        C.open_kernel(str(p))


def test_vmlinux_elf(tmp_path):
    p = tmp_path / "vmlinux"
    p.write_bytes(fake_vmlinux())
    a = C.open_kernel(str(p))
    assert a.btf == tiny_btf()
    assert a.release == "6.1.0-99-amd64" and a.version_banner == BANNER.decode().strip()
    assert a.arch == "x86_64"
    assert a.function_symbols == ["bpf_foo", "bpf_bar"]
    ids = a.btf_ids
    assert ids.addr == 0xffffffff82100000 and ids.byteorder == "little" and len(ids.data) == 24
    assert ids.symbols == [("__BTF_ID__set8__test_set", 0xffffffff82100000, 16)]
    secs = C.elf_btf_sections(fake_vmlinux(), "x")
    assert set(secs) == {".BTF", ".BTF_ids"}


def test_stripped_vmlinux_banner_from_rodata(tmp_path):
    p = tmp_path / "vmlinux"
    p.write_bytes(fake_vmlinux(with_symtab=False))
    a = C.open_kernel(str(p))
    assert a.release == "6.1.0-99-amd64" and a.function_symbols is None and a.btf_ids.symbols is None


def test_config_path_gz(tmp_path):
    p = tmp_path / "vmlinux"
    p.write_bytes(fake_vmlinux())
    cfg = tmp_path / "config.gz"
    cfg.write_bytes(gzip.compress(b"CONFIG_BPF=y\nCONFIG_DEBUG_INFO_BTF=y\n"))
    assert "CONFIG_DEBUG_INFO_BTF=y" in C.open_kernel(str(p), config_path=str(cfg)).config
    bad = tmp_path / "notconfig"
    bad.write_bytes(b"hello")
    with pytest.raises(InputError, match="notconfig"):
        C.open_kernel(str(p), config_path=str(bad))


@pytest.mark.parametrize("fmt", ["gzip", "xz", "zstd", "lz4-legacy", "bzip2", "lzma"])
def test_bzimage_every_compression(tmp_path, fmt):
    p = tmp_path / "vmlinuz"
    p.write_bytes(fake_bzimage(fake_vmlinux(), fmt))
    a = C.open_kernel(str(p))
    assert a.btf == tiny_btf() and a.release == "6.1.0-99-amd64" and a.arch == "x86_64"


def test_lz4_legacy_multiple_chunks():
    plain = os.urandom(1000) * 9000 + b"tail"       # > 8 MB: two chunks
    assert C.decompress(lz4_legacy(plain) + struct.pack("<I", len(plain)), "lz4-legacy", "x") == plain


@pytest.mark.parametrize("fmt", ["gzip", "xz", "zstd"])
def test_image_without_boot_header_is_scanned(tmp_path, fmt):
    """Other architectures: no HdrS header, the compressed kernel sits somewhere inside."""
    p = tmp_path / "Image.mixed"
    p.write_bytes(b"MZ" + b"\0" * 4000 + compressors()[fmt](fake_vmlinux()) + b"\0" * 100)
    assert C.open_kernel(str(p)).release == "6.1.0-99-amd64"


def test_compressed_raw_image_finds_btf(tmp_path):
    """arm64 Image.gz: no ELF headers at all, the BTF blob is found by its header."""
    head = b"\0" * 4096 + BANNER
    image = head + b"\0" * (4 - len(head) % 4) + tiny_btf() + b"\xff" * 512     # .BTF is 4-byte aligned
    p = tmp_path / "Image.gz"
    p.write_bytes(gzip.compress(image))
    a = C.open_kernel(str(p))
    assert a.btf == tiny_btf() and a.release == "6.1.0-99-amd64"


def test_module_ko_needs_base_and_open_module(tmp_path):
    import zstandard
    ko = fake_module()
    for suffix, data in ((".ko", ko), (".ko.xz", lzma.compress(ko)),
                         (".ko.zst", zstandard.ZstdCompressor().compress(ko)), (".ko.gz", gzip.compress(ko))):
        p = tmp_path / ("nf-thing" + suffix)
        p.write_bytes(data)
        with pytest.raises(InputError, match="kernel module.*vmlinux"):
            C.open_kernel(str(p))
        m = C.open_module(str(p))
        assert m.name == "nf_thing" and m.vermagic.startswith("6.1.0-99-amd64")
        split = Btf(m.btf, base=Btf(tiny_btf()))
        assert split.find("mod_struct") is not None
        assert C.load_bytes(str(p)) == ko


def test_module_with_kfunc_set_keeps_symbols(tmp_path):
    base = Btf(tiny_btf())
    m = BtfBuilder(base=base)
    m.struct("mod_struct", 4, [("a", 1, 0)])
    ids = struct.pack("<4I", 1, 1, 2, 0)
    ko = make_elf([(".modinfo", b"name=tcp_bbr\0", 0), (".BTF", m.build(), 0), (".BTF_ids", ids, 0)],
                  [("__BTF_ID__set8__tcp_bbr_check_kfunc_ids", 0, 16, 1, ".BTF_ids")], etype=1)
    p = tmp_path / "tcp_bbr.ko"
    p.write_bytes(ko)
    mod = C.open_module(str(p))
    assert mod.name == "tcp_bbr" and mod.btf_ids.data == ids
    assert mod.btf_ids.symbols == [("__BTF_ID__set8__tcp_bbr_check_kfunc_ids", 0, 16)]
    big = make_elf([(".modinfo", b"name=x\0", 0), (".BTF", m.build(), 0)], etype=1, big=True)
    assert C._quick_sections(big)[".modinfo"] == b"name=x\0"
    assert C._module_from_bytes(big, "x.ko").name == "x"


def test_deb_with_config(tmp_path):
    rel = "6.1.0-99-amd64"
    img = fake_bzimage(fake_vmlinux(), "xz")
    deb = fake_deb(str(tmp_path / f"linux-image-{rel}-unsigned_6.1.1-1_amd64.deb"),
                   [("./boot/System.map-" + rel, b"x"), ("./boot/config-" + rel, b"CONFIG_BPF=y\n"),
                    ("./boot/vmlinuz-" + rel, img),
                    (f"./lib/modules/{rel}/kernel/net/nf-thing.ko", fake_module())])
    calls = []
    a = C.open_kernel(deb, progress=lambda done, total, note: calls.append((done, total)))
    assert a.release == rel and a.arch == "x86_64" and a.config == "CONFIG_BPF=y\n"
    assert a.origin == f"linux-image-{rel}-unsigned_6.1.1-1_amd64.deb: boot/vmlinuz-{rel}"
    assert a.modules == {} and calls and calls[-1][0] == calls[-1][1] == os.path.getsize(deb)
    full = C.open_kernel(deb, with_modules=True)
    assert set(full.modules) == {"nf_thing"}
    Btf(full.modules["nf_thing"], base=Btf(full.btf))


def test_deb_zstd_binary_package_with_sibling_base(tmp_path):
    rel = "7.2.1+deb14-amd64"
    img = fake_bzimage(fake_vmlinux(), "zstd").replace(b"6.1.0-99-amd64", b"7.2.1+deb14-amd64"[:14])
    # keep the banner release consistent with the package path
    vm = fake_vmlinux().replace(BANNER, BANNER.replace(b"6.1.0-99-amd64", rel.encode()[:14]))
    rel = rel[:14]
    img = fake_bzimage(vm, "zstd")
    meta = fake_deb(str(tmp_path / f"linux-image-{rel}_7.2.1-1_amd64.deb"), [("./usr/share/doc/x", b"")], "xz")
    fake_deb(str(tmp_path / f"linux-binary-{rel}_7.2.1-1_amd64.deb"),
             [(f"./usr/lib/modules/{rel}/vmlinuz", img)], "zst")
    fake_deb(str(tmp_path / f"linux-base-{rel}_7.2.1-1_amd64.deb"),
             [(f"./usr/lib/modules/{rel}/config", b"CONFIG_X=y\n")], "xz")
    for path in (meta, str(tmp_path / f"linux-binary-{rel}_7.2.1-1_amd64.deb")):
        a = C.open_kernel(path)
        assert a.release == rel and a.config == "CONFIG_X=y\n" and "linux-base" in a.origin


def test_deb_release_mismatch(tmp_path):
    deb = fake_deb(str(tmp_path / "linux-image-9.9.9-1-amd64_1_amd64.deb"),
                   [("./boot/vmlinuz-9.9.9-1-amd64", fake_bzimage(fake_vmlinux(), "gzip"))])
    with pytest.raises(InputError, match="banner says release 6.1.0-99-amd64"):
        C.open_kernel(deb)


# ---------------------------------------------------------------------------- corrupt and hostile inputs
def test_corrupt_inputs_raise_input_error_with_path(tmp_path):
    good = fake_deb(str(tmp_path / "good.deb"), [("./boot/vmlinuz-6.1.0-99-amd64",
                                                  fake_bzimage(fake_vmlinux(), "xz"))])
    raw = open(good, "rb").read()
    cases = {
        "truncated.deb": raw[:len(raw) - 100],
        "badtar.deb": ar_archive([("debian-binary", b"2.0\n"), ("data.tar.xz", lzma.compress(b"not a tar" * 100))]),
        "badxz.deb": ar_archive([("data.tar.xz", b"\xfd7zXZ\0" + b"\x01" * 300)]),
        "nodata.deb": ar_archive([("debian-binary", b"2.0\n")]),
        "badhdr.deb": b"!<arch>\n" + b"x" * 70,
        "garbage-gz": b"\x1f\x8b\x08\x00" + b"\xff" * 200,
        "garbage-xz": b"\xfd7zXZ\x00" + b"\x13" * 200,
        "garbage-zst": b"\x28\xb5\x2f\xfd" + b"\x00\xff" * 100,
        "bzimage-garbage": fake_bzimage(fake_vmlinux(), "gzip")[:1024 + 0x100 + 20],
        "elf-truncated": fake_vmlinux()[:len(fake_vmlinux()) // 2],
        "elf-no-btf": make_elf([(".text", b"\xc3", 0x1000)]),
        "bpf-object": make_elf([(".BTF", tiny_btf(), 0)], etype=1, machine=247),
        "empty": b"",
        "text": b"hello world\n" * 10,
        "btf-short": b"\x9f\xeb\x01\x00",
    }
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(InputError) as ei:
            C.open_kernel(str(p))
            pytest.fail(f"{name} was accepted")
        assert str(p) in str(ei.value), name
        assert "\n" not in str(ei.value), name
    with pytest.raises(InputError, match="No such file"):
        C.open_kernel(str(tmp_path / "missing"))


def test_elf_section_past_end_named(tmp_path):
    elf = bytearray(fake_vmlinux())
    # grow .BTF's sh_size (section header 3, field at +32) far beyond the file
    shoff = struct.unpack_from("<Q", elf, 0x28)[0]
    struct.pack_into("<Q", elf, shoff + 3 * 64 + 32, 1 << 40)
    with pytest.raises(InputError, match="extends past the end"):
        C.elf_btf_sections(bytes(elf), "vm")


def test_decompression_is_capped(monkeypatch, tmp_path):
    bomb = b"\0" * (8 << 20)
    for fmt, comp in compressors().items():
        with pytest.raises(InputError, match="exceeds MAX_DECOMPRESSED .1 MiB"):
            C.decompress(comp(bomb), fmt, "bomb", limit=1 << 20)
    monkeypatch.setenv("BPFSTAB_MAX_DECOMPRESSED", "1M")
    p = tmp_path / "bomb.xz"
    p.write_bytes(lzma.compress(bomb))
    with pytest.raises(InputError, match="bomb.xz.*exceeds"):
        C.load_bytes(str(p))


def test_truncated_stream_is_an_error():
    data = lzma.compress(os.urandom(100000))
    with pytest.raises(InputError, match="truncated"):
        C.decompress(data[:len(data) // 2], "xz", "half.xz")


# ---------------------------------------------------------------------------- real kernels
REAL = {
    "5.10.0-32-amd64": "linux-image-5.10.0-32-amd64-unsigned_*.deb",
    "6.1.0-56-amd64": "linux-image-6.1.0-56-amd64-unsigned_*.deb",
    "6.12.107+deb13-amd64": "linux-image-6.12.107+deb13-amd64-unsigned_*.deb",
    "7.2.13+deb14-amd64": "linux-binary-7.2.13+deb14-amd64_*.deb",
}


@pytest.fixture(scope="module")
def real_kernels():
    out = {}
    for rel, pattern in REAL.items():
        hits = glob.glob(os.path.join(DEBS, pattern))
        if hits:
            t = time.monotonic()
            out[rel] = (C.open_kernel(hits[0]), time.monotonic() - t)
    return out


@pytest.mark.parametrize("rel", list(REAL))
def test_real_debian_package(real_kernels, rel):
    if rel not in real_kernels:
        pytest.skip(f"{REAL[rel]} not in {DEBS}")
    a, _secs = real_kernels[rel]
    assert a.release == rel and a.arch == "x86_64"
    assert a.version_banner.startswith(f"Linux version {rel} ")
    assert "CONFIG_DEBUG_INFO_BTF=y" in a.config
    assert a.btf_ids is not None and a.btf_ids.symbols is None and a.function_symbols is None
    b = Btf(a.btf)
    assert b.find("task_struct") is not None


def test_real_meta_package_follows_linux_binary():
    hits = glob.glob(os.path.join(DEBS, "linux-image-7.2.13+deb14-amd64_*.deb"))
    if not hits or not glob.glob(os.path.join(DEBS, "linux-binary-7.2.13+deb14-amd64_*.deb")):
        pytest.skip("7.2 meta/binary packages not in /tmp/debs")
    a = C.open_kernel(hits[0])
    assert a.release == "7.2.13+deb14-amd64" and a.config


def test_running_kernel():
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        pytest.skip("no /sys/kernel/btf/vmlinux")
    a = C.read_running_kernel()
    assert a.release == os.uname().release and a.arch == os.uname().machine
    assert a.btf == open("/sys/kernel/btf/vmlinux", "rb").read()
    assert a.version_banner.startswith("Linux version ")
