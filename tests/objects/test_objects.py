"""analyzer/objects.py + analyzer/maps.py on the fixture objects (tests/data/objects) and corrupted copies."""
import ctypes
import ctypes.util
import os
import struct

import pytest

from analyzer.objects import model as O
from analyzer.objects.model import essential_name, load_object, load_objects
from btf.errors import InputError
from tests.support import paths

DATA = os.path.join(paths.TESTS, "data", "objects")


def _read(name):
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        pytest.skip(f"fixture {name} missing (run tests/data/objects/build.sh)")
    with open(path, "rb") as fh:
        return fh.read()


@pytest.fixture(scope="module", params=["kitchen.bpf.o", "kitchen.eb.bpf.o"])
def kitchen(request):
    return load_object(_read(request.param), request.param)


def test_object_level(kitchen):
    o = kitchen
    assert o.license == "Dual BSD/GPL" and o.gpl_compatible
    assert o.btf is not None and o.ext is not None
    assert o.byteorder == ("big" if ".eb." in o.name else "little")
    assert not o.legacy_maps
    assert sorted(p.name for p in o.programs) == ["maybe_open", "on_switch", "tail_target", "tc_one",
                                                  "tc_two", "unknown_prog"]
    assert sorted(o.subprograms) == ["global_sub", "static_helper"]


def test_multiple_programs_per_section(kitchen):
    tc = [p for p in kitchen.programs if p.section == "tc"]
    assert [(p.name, p.insn_off, len(p.insns)) for p in tc] == [("tail_target", 0, 2), ("tc_one", 2, 19),
                                                               ("tc_two", 21, 14)]
    assert all(p.info.prog_type == "BPF_PROG_TYPE_SCHED_CLS" for p in tc)


def test_optional_and_unknown_sections(kitchen):
    p = kitchen.program("maybe_open")
    assert not p.autoload and p.info.prog_type == "BPF_PROG_TYPE_TRACEPOINT"
    u = kitchen.program("unknown_prog")
    assert u.info.prog_type is None and u.warnings
    assert any("mystery_section" in w for w in kitchen.warnings)


def test_prog_type_override():
    o = load_object(_read("kitchen.bpf.o"), "k", prog_type_overrides={"mystery_section": "BPF_PROG_TYPE_XDP"})
    assert o.program("unknown_prog").info.prog_type == "BPF_PROG_TYPE_XDP"
    assert not any("mystery_section" in w for w in o.warnings)


def test_externs(kitchen):
    ex = {e.name: e for e in kitchen.externs}
    assert ex["bpf_task_acquire"].kind == "ksym_func" and not ex["bpf_task_acquire"].weak
    from btf import kinds as K
    assert kitchen.btf.kind_of(ex["bpf_task_acquire"].btf_type_id) == K.FUNC_PROTO
    assert ex["bpf_rcu_read_lock"].weak
    assert ex["bpf_dynptr_size___v2"].essential_name == "bpf_dynptr_size"
    assert ex["bpf_link_fops"].kind == "ksym_var" and ex["bpf_link_fops"].btf_type_id == 0   # typeless
    assert ex["bpf_prog_active"].kind == "ksym_var" and kitchen.btf.name_of(ex["bpf_prog_active"].btf_type_id) == "int"
    assert ex["LINUX_KERNEL_VERSION"].kind == "kconfig" and ex["CONFIG_HZ"].weak
    assert all(e.section in (".ksyms", ".kconfig") for e in kitchen.externs)
    assert kitchen.kconfig_layout() == {"CONFIG_HZ": (0, 4), "LINUX_KERNEL_VERSION": (4, 4)}


def test_essential_name():
    assert essential_name("foo___v2") == "foo"
    assert essential_name("foo") == "foo"
    assert essential_name("a___b___c") == "a___b"
    assert essential_name("foo____x") == "foo____x"     # 4 underscores: not a flavor separator
    assert essential_name("___x") == "___x"


def test_kfunc_calls_and_guards(kitchen):
    p = kitchen.program("on_switch")
    calls = {(k.name, k.weak) for k in p.kfunc_calls}
    assert calls == {("bpf_rcu_read_lock", True), ("bpf_rcu_read_unlock", True),
                     ("bpf_dynptr_size___v2", True), ("bpf_task_acquire", False), ("bpf_task_release", False)}
    by = {k.name: k.pos for k in p.kfunc_calls}
    assert p.kfunc_guarded[by["bpf_rcu_read_lock"]] is True          # if (bpf_ksym_exists(lock)) lock();
    assert p.kfunc_guarded[by["bpf_dynptr_size___v2"]] is False      # called without a check
    assert by["bpf_task_acquire"] not in p.kfunc_guarded              # strong calls are not guard-checked
    for k in p.kfunc_calls:
        li = p.linked[k.pos]
        assert li.reloc == ("kfunc", k.name) and li.insn.src == 1 and k.line.startswith("kitchen.bpf.c:")
    assert ("ksym", "bpf_rcu_read_lock") in [p.linked[pos].reloc for pos, _, _ in p.ksym_refs]


def test_kconfig_and_data_relocs(kitchen):
    p = kitchen.program("on_switch")
    refs = {(r.map, r.kind, r.offset) for r in p.map_refs}
    assert (".kconfig", "kconfig", 4) in refs and (".kconfig", "kconfig", 0) in refs
    assert (".rodata", "map_value", 0) in refs and ("counts", "map", 0) in refs
    assert [li.reloc for li in p.linked if li.reloc and li.reloc[0] == "kconfig"] == \
        [("kconfig", "LINUX_KERNEL_VERSION", 4), ("kconfig", "CONFIG_HZ", 0)]
    assert kitchen.map_initial_data(".rodata") == (3).to_bytes(4, kitchen.byteorder)
    assert kitchen.map_initial_data(".bss") == bytes(8)


def test_core_relos_and_existence_guard(kitchen):
    p = kitchen.program("on_switch")
    kinds = [(c.relo.kind_name, c.relo.access_str) for c in p.core_relos]
    assert kinds == [("field_exists", "0:2"), ("field_byte_offset", "0:2"), ("field_byte_offset", "0:0")]
    assert "task_struct" in p.core_relos[1].description and "__state" in p.core_relos[1].description
    guarded = {c.relo.access_str + c.relo.kind_name: p.core_guarded.get(c.pos) for c in p.core_relos}
    assert guarded["0:2field_byte_offset"] is True        # inside if (bpf_core_field_exists(t->__state))
    assert guarded["0:0field_byte_offset"] is False       # the ___old fallback branch
    for c in p.core_relos:
        assert p.linked[c.pos].reloc == ("core", c.relo)


def test_linked_view_appends_subprograms_depth_first(kitchen):
    p = kitchen.program("on_switch")
    assert p.subprograms == ["global_sub", "static_helper"]
    assert len(p.linked) == 47 + 7 + 11
    assert [li.pos for li in p.linked] == list(range(len(p.linked)))
    calls = [li for li in p.linked if li.reloc and li.reloc[0] == "call"]
    assert [(li.func, li.reloc[1], li.call_target) for li in calls] == [("on_switch", "global_sub", 47),
                                                                       ("global_sub", "static_helper", 54)]
    assert p.linked[47].func == "global_sub" and p.linked[47].section == ".text" and p.linked[47].sec_idx == 0
    assert p.linked[54].func == "static_helper" and p.linked[54].sec_idx == 7
    # helper call inside the appended static_helper is attributed to the program
    assert any(h.helper_name == "map_lookup_elem" and h.pos >= 54 for h in p.helper_calls)
    t = kitchen.program("tc_one")
    assert t.subprograms == ["static_helper"]          # static call through a .text section symbol
    assert [li.call_target for li in t.linked if li.call_target is not None] == [19]


def test_maps(kitchen):
    m = {x.name: x for x in kitchen.maps}
    c = m["counts"]
    assert (c.type, c.key_size, c.value_size, c.max_entries, c.map_flags) == ("BPF_MAP_TYPE_HASH", 4, 8, 1024, 1)
    assert kitchen.btf.name_of(c.key_type) == "__u32" and not c.internal and not c.legacy
    o = m["outer"]
    assert o.type == "BPF_MAP_TYPE_ARRAY_OF_MAPS" and o.value_size == 4
    assert o.inner is not None and o.inner.type == "BPF_MAP_TYPE_ARRAY" and o.inner.max_entries == 4
    j = m["jumps"]
    assert j.type == "BPF_MAP_TYPE_PROG_ARRAY" and j.prog_array_init == {1: "tail_target"}
    assert m["events"].type == "BPF_MAP_TYPE_RINGBUF" and m["events"].pinning == 1
    for name in (".data", ".rodata", ".bss", ".kconfig"):
        assert m[name].internal and m[name].type == "BPF_MAP_TYPE_ARRAY"
    assert m[".rodata"].map_flags & 0x80 and m[".kconfig"].value_size == 8


@pytest.mark.parametrize("fn", ["legacy.bpf.o", "legacy.eb.bpf.o"])
def test_legacy_object(fn):
    o = load_object(_read(fn), fn)
    assert o.legacy_maps and o.license == "Proprietary" and not o.gpl_compatible
    assert o.kern_version == 0x050A00
    m = {x.name: x for x in o.maps}
    assert (m["old_hash"].type, m["old_hash"].key_size, m["old_hash"].value_size, m["old_hash"].max_entries) == \
        ("BPF_MAP_TYPE_HASH", 4, 8, 64)
    assert m["old_hash"].legacy and m["old_array"].type == "BPF_MAP_TYPE_ARRAY"
    p = o.program("filter")
    assert {"ld_abs", "atomic_add"} <= p.isa_features
    assert [r.map for r in p.map_refs] == ["old_hash"]


def test_map_type_table():
    from analyzer.objects.maps import MAP_TYPES, map_type_name
    assert map_type_name(1) == "BPF_MAP_TYPE_HASH" and map_type_name(33) == "BPF_MAP_TYPE_ARENA"
    assert map_type_name(34) == "BPF_MAP_TYPE_INSN_ARRAY" and map_type_name(35) == 35
    assert len(MAP_TYPES) == 35


# ------------------------------------------------------------------ corrupt inputs
def test_not_bpf_machine():
    d = bytearray(_read("kitchen.bpf.o"))
    struct.pack_into("<H", d, 18, 62)
    with pytest.raises(InputError, match=r"not a BPF object \(e_machine 62\)"):
        load_object(bytes(d), "x.o")


@pytest.mark.parametrize("cut", [0, 10, 63, 64, 1000, 5000, -100, -1])
def test_truncated(cut):
    d = _read("kitchen.bpf.o")
    with pytest.raises(InputError) as ei:
        load_object(d[:cut], "t.o")
    assert ei.value.path.startswith("t.o")


def _section(data, name):
    elf = O._Elf(data, "x")
    return elf.by_name[name]


def test_bad_relocation_symbol_and_offset():
    d = bytearray(_read("kitchen.bpf.o"))
    rs = _section(bytes(d), ".reltc")
    struct.pack_into("<Q", d, rs.offset + 8, (9999 << 32) | 1)
    with pytest.raises(InputError, match="symbol #9999"):
        load_object(bytes(d), "r.o")
    d = bytearray(_read("kitchen.bpf.o"))
    struct.pack_into("<Q", d, rs.offset, 0x7FFF3)
    with pytest.raises(InputError, match="invalid offset"):
        load_object(bytes(d), "r.o")


def test_bad_btf_names_object():
    d = bytearray(_read("kitchen.bpf.o"))
    s = _section(bytes(d), ".BTF")
    d[s.offset:s.offset + 2] = b"\0\0"
    with pytest.raises(InputError) as ei:
        load_object(bytes(d), "pkg.deb#3")
    assert str(ei.value).startswith("pkg.deb#3") and "magic" in str(ei.value)


def test_section_past_end():
    d = bytearray(_read("kitchen.bpf.o"))
    elf = O._Elf(bytes(d), "x")
    shoff = struct.unpack_from("<Q", d, 40)[0]
    idx = elf.by_name["tc"].idx
    struct.pack_into("<Q", d, shoff + 64 * idx + 32, 1 << 40)     # sh_size
    with pytest.raises(InputError, match="past the end"):
        load_object(bytes(d), "s.o")


def test_fuzzed_copies_raise_only_input_error():
    import random
    rnd = random.Random(7)
    base = _read("kitchen.bpf.o")
    for _ in range(300):
        d = bytearray(base)
        for _ in range(rnd.randint(1, 6)):
            d[rnd.randrange(len(d))] = rnd.randrange(256)
        try:
            load_object(bytes(d), "f.o")
        except InputError:
            pass


def test_load_objects_plain_files():
    paths = [os.path.join(DATA, f) for f in ("kitchen.bpf.o", "legacy.bpf.o")]
    for p in paths:
        if not os.path.exists(p):
            pytest.skip("fixtures missing")
    objs, warnings = load_objects(paths)
    assert [o.name for o in objs] == paths
    assert any("mystery_section" in w for w in warnings)


# ------------------------------------------------------------------ cross-check with libbpf
def _libbpf():
    name = ctypes.util.find_library("bpf")
    if not name:
        pytest.skip("libbpf shared library not installed")
    lib = ctypes.CDLL(name)
    lib.bpf_object__open_file.restype = ctypes.c_void_p
    lib.bpf_object__open_file.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.libbpf_get_error.argtypes = [ctypes.c_void_p]
    lib.libbpf_get_error.restype = ctypes.c_long
    lib.bpf_object__next_program.restype = ctypes.c_void_p
    lib.bpf_object__next_program.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    for f in ("bpf_program__name", "bpf_program__section_name"):
        getattr(lib, f).restype = ctypes.c_char_p
        getattr(lib, f).argtypes = [ctypes.c_void_p]
    for f in ("bpf_program__type", "bpf_program__autoload", "bpf_program__insn_cnt"):
        getattr(lib, f).argtypes = [ctypes.c_void_p]
    lib.bpf_object__close.argtypes = [ctypes.c_void_p]
    return lib


def test_programs_match_libbpf():
    from analyzer.objects.sections import PROG_TYPES
    lib = _libbpf()
    path = os.path.join(DATA, "kitchen.bpf.o")
    _read("kitchen.bpf.o")
    o = lib.bpf_object__open_file(path.encode(), None)
    if not o or lib.libbpf_get_error(o):
        pytest.skip("libbpf could not open the fixture")
    theirs = []
    p = None
    while True:
        p = lib.bpf_object__next_program(o, p)
        if not p:
            break
        theirs.append((lib.bpf_program__name(p).decode(), lib.bpf_program__section_name(p).decode().lstrip("?"),
                       PROG_TYPES[lib.bpf_program__type(p)], bool(lib.bpf_program__autoload(p)),
                       lib.bpf_program__insn_cnt(p)))
    lib.bpf_object__close(o)
    mine = load_object(_read("kitchen.bpf.o"), path)
    ours = [(p.name, p.section.lstrip("?"), p.info.prog_type or "BPF_PROG_TYPE_UNSPEC", p.autoload, len(p.insns))
            for p in mine.programs]
    assert sorted(ours) == sorted(theirs)


def test_callback_address_appends_subprogram():
    o = load_object(_read("callback.bpf.o"), "callback.bpf.o")
    (p,) = o.programs
    assert p.info.prog_type == "BPF_PROG_TYPE_XDP" and p.subprograms == ["step"]
    refs = [li for li in p.linked if li.reloc and li.reloc[0] == "func"]
    assert len(refs) == 1 and refs[0].insn.is_ld_imm64() and refs[0].reloc == ("func", "step")
    tgt = p.linked[refs[0].call_target]
    assert tgt.func == "step" and tgt.sec_idx == 0 and tgt.section == ".text"
    assert [h.helper_name for h in p.helper_calls] == ["loop"]
