"""btf/btf_ids.py: kfunc set8s by symbol and structurally, checked against bpf_kfunc decl tags on real kernels."""
import glob
import os
import struct

import pytest

from btf import btf_ids as B
from btf import containers as C
from btf.builder import BtfBuilder
from btf.reader import Btf

DEBS = "/tmp/debs"


def kernel_btf():
    """INT, a STRUCT and FUNCs; returns (Btf, {name: id})."""
    b = BtfBuilder()
    i = b.int("int", 4, signed=True)
    st = b.struct("task_struct", 8, [("pid", i, 0)])
    proto = b.func_proto(i, [("x", i)])
    ids = {"int": i, "task_struct": st}
    for name in ("bpf_a", "bpf_b", "bpf_c", "bpf_d", "migrate_disable", "bpf_e"):
        ids[name] = b.func(name, proto)
    return Btf(b.build()), ids


def words(*vals, bo="<"):
    return struct.pack(bo + f"{len(vals)}I", *vals)


def layout(ids, kfunc_flag=0):
    """A .BTF_ids section resembling a real one: ID list, BTF_SET, a kfunc set8, an fmod_ret set8."""
    parts = [
        ("list", words(ids["task_struct"], 0, ids["int"], ids["bpf_c"])),                       # BTF_ID_LIST
        ("set", words(3, ids["bpf_a"], ids["bpf_b"], ids["migrate_disable"])),                 # BTF_SET
        ("kf", words(3, kfunc_flag, ids["bpf_a"], B.KF_FLAGS["KF_ACQUIRE"] | B.KF_FLAGS["KF_RET_NULL"],
                     ids["bpf_b"], B.KF_FLAGS["KF_RELEASE"], ids["bpf_d"], 0)),
        ("fmodret", words(1, 0, ids["bpf_e"], 0)),
    ]
    data = b""
    offs = {}
    for name, blob in parts:
        offs[name] = len(data)
        data += blob
    return data, offs


def test_structural_finds_set8_not_lists_or_sets():
    btf, ids = kernel_btf()
    data, offs = layout(ids)
    sec = C.BtfIdsSection(data=data, addr=0x1000, byteorder="little", symbols=None)
    sets = B.find_kfunc_sets(sec, btf)
    assert [(s.offset, s.flags, s.method, s.name) for s in sets] == [(offs["kf"], 0, "structural", None),
                                                                     (offs["fmodret"], 0, "structural", None)]
    assert [(e.btf_id, B.kf_flag_names(e.flags)) for e in sets[0].entries] == [
        (ids["bpf_a"], ["KF_ACQUIRE", "KF_RET_NULL"]), (ids["bpf_b"], ["KF_RELEASE"]), (ids["bpf_d"], [])]


def test_kfuncs_marker_drops_other_set8s():
    """On ≥6.9 kernels kfunc sets carry BTF_SET8_KFUNCS; set8s without it (fmod_ret lists) are not kfuncs."""
    btf, ids = kernel_btf()
    data, offs = layout(ids, kfunc_flag=B.BTF_SET8_KFUNCS)
    sec = C.BtfIdsSection(data=data, addr=0, byteorder="little", symbols=None)
    assert [s.offset for s in B.find_kfunc_sets(sec, btf)] == [offs["kf"]]
    assert len(B.find_set8s(sec, btf)) == 2


@pytest.mark.parametrize("mutate, why", [
    (lambda w, ids: w.__setitem__(4, ids["bpf_d"]) or w.__setitem__(8, ids["bpf_a"]), "unsorted"),
    (lambda w, ids: w.__setitem__(6, ids["task_struct"]), "not a FUNC"),
    (lambda w, ids: w.__setitem__(5, 1 << 30), "unknown KF bit"),
    (lambda w, ids: w.__setitem__(3, 7), "set flags other than BTF_SET8_KFUNCS"),
    (lambda w, ids: w.__setitem__(2, 200), "count past the section"),
])
def test_structural_rejects(mutate, why):
    btf, ids = kernel_btf()
    w = [0, 0, 3, 0, ids["bpf_a"], 0, ids["bpf_b"], 0, ids["bpf_d"], 0]
    sec = C.BtfIdsSection(data=words(*w), addr=0, byteorder="little", symbols=None)
    assert len(B.find_kfunc_sets(sec, btf)) == 1
    mutate(w, ids)
    sec = C.BtfIdsSection(data=words(*w), addr=0, byteorder="little", symbols=None)
    assert B.find_kfunc_sets(sec, btf) == [], why


def test_big_endian_section():
    btf, ids = kernel_btf()
    data = words(2, 1, ids["bpf_a"], 1, ids["bpf_b"], 0, bo=">")
    sec = C.BtfIdsSection(data=data, addr=0, byteorder="big", symbols=None)
    (s,) = B.find_kfunc_sets(sec, btf)
    assert s.flags == 1 and [(e.btf_id, e.flags) for e in s.entries] == [(ids["bpf_a"], 1), (ids["bpf_b"], 0)]


def test_symbols_give_names_and_stride():
    """With .symtab the set8 symbol names the set; its size fixes the stride (12 bytes if a u32 is added)."""
    btf, ids = kernel_btf()
    set8 = words(2, 1, ids["bpf_b"], 2, ids["bpf_a"], 0)                       # symbols are trusted: any order
    wide = words(2, 1, ids["bpf_c"], 4, 99, ids["bpf_d"], 0, 98)               # {id, flags, capability}
    data = words(7, 7) + set8 + wide
    syms = [("__BTF_ID__set8__generic_btf_ids", 0x108, len(set8)),
            ("__BTF_ID__func__bpf_b__123", 0x110, 4),
            ("__BTF_ID__set8__wide_ids", 0x108 + len(set8), len(wide)),
            ("some_list", 0x100, 8)]
    sec = C.BtfIdsSection(data=data, addr=0x100, byteorder="little", symbols=syms)
    sets = B.find_kfunc_sets(sec, btf)
    assert [(s.name, s.offset, s.method) for s in sets] == [("generic_btf_ids", 8, "symtab"),
                                                            ("wide_ids", 8 + len(set8), "symtab")]
    assert [(e.btf_id, e.flags) for e in sets[1].entries] == [(ids["bpf_c"], 4), (ids["bpf_d"], 0)]
    assert B.kfunc_flags_by_id(sets)[ids["bpf_b"]] == 2


def test_symbols_from_elf():
    """End to end: a vmlinux ELF with .symtab → BtfIdsSection.symbols → named set."""
    import sys
    from tests.support.containers import make_elf
    btf, ids = kernel_btf()
    set8 = words(1, 1, ids["bpf_e"], B.KF_FLAGS["KF_SLEEPABLE"])
    elf = make_elf([(".BTF", btf.data, 0x2000), (".BTF_ids", words(0) + set8, 0x3000)],
                   [("__BTF_ID__set8__fs_kfunc_set_ids", 0x3004, len(set8), 1, ".BTF_ids")])
    e = C._Elf(elf, "vmlinux")
    sec = C._btf_ids_of(e, e.symbols())
    (s,) = B.find_kfunc_sets(sec, btf)
    assert s.name == "fs_kfunc_set_ids" and B.kf_flag_names(s.entries[0].flags) == ["KF_SLEEPABLE"]


def test_flag_names():
    assert B.kf_flag_names(0) == []
    assert B.kf_flag_names(B.KF_FLAGS["KF_ITER_NEW"] | B.KF_FLAGS["KF_IMPLICIT_ARGS"]) == ["KF_ITER_NEW",
                                                                                          "KF_IMPLICIT_ARGS"]
    assert B.kf_flag_names(1 << 20 | 1) == ["KF_ACQUIRE", "0x100000"]
    assert len(set(B.KF_FLAGS.values())) == len(B.KF_FLAGS) == 17


# ---------------------------------------------------------------------------- real kernels
REAL = {
    "6.1": "linux-image-6.1.0-56-amd64-unsigned_*.deb",
    "6.12": "linux-image-6.12.107+deb13-amd64-unsigned_*.deb",
    "7.2": "linux-binary-7.2.13+deb14-amd64_*.deb",
}


@pytest.fixture(scope="module")
def real():
    cache = {}

    def get(key):
        if key not in cache:
            hits = glob.glob(os.path.join(DEBS, REAL[key]))
            if not hits:
                pytest.skip(f"{REAL[key]} not in {DEBS}")
            a = C.open_kernel(hits[0])
            cache[key] = (a, Btf(a.btf))
        return cache[key]
    return get


@pytest.mark.parametrize("key", ["6.12", "7.2"])
def test_structural_matches_decl_tags(real, key):
    """Kernels built with pahole ≥1.27 tag every kfunc: the structural scan must find exactly those."""
    a, btf = real(key)
    sets = B.find_kfunc_sets(a.btf_ids, btf)
    found = {e.btf_id for s in sets for e in s.entries}
    tagged = {tid for _n, tid, _c in btf.decl_tags("bpf_kfunc")}
    assert tagged, "expected bpf_kfunc decl tags"
    assert found == tagged
    assert all(s.flags & B.BTF_SET8_KFUNCS and s.method == "structural" for s in sets)


def test_6_1_kfuncs(real):
    """6.1 has no decl tags and no BTF_SET8_KFUNCS marker; these are its vmlinux kfuncs."""
    a, btf = real("6.1")
    sets = B.find_kfunc_sets(a.btf_ids, btf)
    names = {btf.name_of(e.btf_id): e.flags for s in sets for e in s.entries}
    assert btf.decl_tags("bpf_kfunc") == []
    assert B.kf_flag_names(names["crash_kexec"]) == ["KF_DESTRUCTIVE"]
    assert B.kf_flag_names(names["bpf_lookup_user_key"]) == ["KF_ACQUIRE", "KF_RET_NULL", "KF_SLEEPABLE"]
    assert {"cgroup_rstat_flush", "bpf_verify_pkcs7_signature", "tcp_reno_cong_avoid",
            "cubictcp_init", "bpf_kfunc_call_test1"} <= set(names)
    assert "bpf_obj_new_impl" not in names and len(names) == 42
