"""`bpfstab inspect`: text and JSON output on the fixture objects, options, and bad input."""
import json
import os
import shutil

import pytest

from analyzer.cli.main import main
from tests.support import paths

DATA = os.path.join(paths.TESTS, "data", "objects")
KITCHEN = os.path.join(DATA, "kitchen.bpf.o")
LEGACY = os.path.join(DATA, "legacy.bpf.o")


@pytest.fixture(autouse=True)
def _need_fixtures():
    for p in (KITCHEN, LEGACY):
        if not os.path.exists(p):
            pytest.skip("fixture objects missing (run tests/data/objects/build.sh)")


def _json(capsys, *args):
    assert main(["inspect", "--json", "-q", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_text_output(capsys):
    assert main(["inspect", "-q", KITCHEN, LEGACY]) == 0
    out = capsys.readouterr().out
    assert "license: 'Dual BSD/GPL' (GPL-compatible)" in out
    assert "program on_switch  (section 'tp_btf/sched_switch')" in out
    assert "type tracing, attach trace_raw_tp, target sched_switch" in out
    assert "bpf_rcu_read_lock (weak, guarded by bpf_ksym_exists)" in out
    assert "bpf_dynptr_size___v2 (weak, NOT guarded)" in out
    assert "bpf_task_acquire (strong)" in out
    assert "get_current_task_btf(158) at kitchen.bpf.c:" in out
    assert "[guarded by existence check]" in out and "task_struct" in out
    assert "not autoloaded" in out and "type UNKNOWN" in out
    assert "legacy 'maps' section: libbpf >= 1.0 refuses it" in out
    assert "ISA features: atomic_add, ld_abs" in out
    assert "subprograms: global_sub, static_helper" in out


def test_json_schema(capsys):
    doc = _json(capsys, KITCHEN)
    assert doc["schema"] == "bpfstab.inspect/1"
    (o,) = doc["objects"]
    assert set(o) >= {"name", "duplicate_of", "byteorder", "license", "gpl_compatible", "btf", "btf_ext",
                      "kern_version", "legacy_maps", "maps", "externs", "subprograms", "warnings", "programs"}
    progs = {p["name"]: p for p in o["programs"]}
    sw = progs["on_switch"]
    assert sw["prog_type"] == "tracing" and sw["attach_type"] == "trace_raw_tp" and sw["attach_target"] == "sched_switch"
    assert sw["subprograms"] == ["global_sub", "static_helper"] and sw["insns"] == 47 and sw["linked_insns"] == 65
    kf = {k["name"]: k for k in sw["kfuncs"]}
    assert kf["bpf_rcu_read_lock"]["guarded"] is True and kf["bpf_task_acquire"]["guarded"] is None
    assert kf["bpf_dynptr_size___v2"]["weak"] and kf["bpf_dynptr_size___v2"]["guarded"] is False
    assert [c["kind"] for c in sw["core_relos"]] == ["field_exists", "field_byte_offset", "field_byte_offset"]
    assert [c["guarded"] for c in sw["core_relos"]][1:] == [True, False]
    assert {"map": ".kconfig", "kind": "kconfig", "offset": 4} .items() <= sw["map_refs"][0].items()
    assert progs["maybe_open"]["autoload"] is False and progs["unknown_prog"]["prog_type"] is None
    maps = {m["name"]: m for m in o["maps"]}
    assert maps["outer"]["inner"]["type"] == "array" and maps["counts"]["key_type"] == "__u32"
    ex = {e["name"]: e for e in o["externs"]}
    assert ex["bpf_link_fops"]["type"] is None and ex["bpf_task_acquire"]["type"].startswith("struct task_struct *")


def test_prog_type_override_and_output_file(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["inspect", "--json", "-q", "--prog-type", "mystery_section=xdp", KITCHEN, "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    doc = json.loads(out.read_text())
    progs = {p["name"]: p for p in doc["objects"][0]["programs"]}
    assert progs["unknown_prog"]["prog_type"] == "xdp"


def test_directory_input_names_objects(tmp_path, capsys):
    shutil.copy(KITCHEN, tmp_path / "a.bpf.o")
    shutil.copy(LEGACY, tmp_path / "b.bpf.o")
    doc = _json(capsys, str(tmp_path))
    names = sorted(o["name"] for o in doc["objects"])
    assert len(names) == 2 and names[0].endswith("a.bpf.o") and names[1].endswith("b.bpf.o")


def test_big_endian_same_programs(capsys):
    le = _json(capsys, KITCHEN)["objects"][0]
    be = _json(capsys, os.path.join(DATA, "kitchen.eb.bpf.o"))["objects"][0]
    strip = lambda o: [{k: v for k, v in p.items()} for p in o["programs"]]  # noqa: E731
    assert be["byteorder"] == "big" and strip(le) == strip(be)


@pytest.mark.parametrize("content,msg", [
    (b"", None), (b"hello world, not an object", None),
])
def test_bad_input_one_line_exit_2(tmp_path, capsys, content, msg):
    p = tmp_path / "junk.bin"
    p.write_bytes(content)
    assert main(["inspect", "-q", str(p)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("bpfstab: error:")


def test_other_machine_elf(tmp_path, capsys):
    data = bytearray(open(KITCHEN, "rb").read())
    data[18:20] = (62).to_bytes(2, "little")
    p = tmp_path / "x86.o"
    p.write_bytes(bytes(data))
    rc = main(["inspect", "-q", str(p)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "not a BPF object (e_machine 62)" in err


def test_truncated_object_exit_2(tmp_path, capsys):
    p = tmp_path / "t.bpf.o"
    p.write_bytes(open(KITCHEN, "rb").read()[:3000])
    assert main(["inspect", "-q", str(p)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "t.bpf.o" in err[0]


def test_real_package_if_present(capsys):
    debs = sorted(p for p in (os.path.join("/tmp/debs", f) for f in (os.listdir("/tmp/debs")
                  if os.path.isdir("/tmp/debs") else ())) if "xdp-tools" in p and p.endswith(".deb"))
    if not debs:
        pytest.skip("no xdp-tools .deb in /tmp/debs")
    doc = _json(capsys, debs[0])
    assert len(doc["objects"]) > 10
    assert all("#" in o["name"] or o["name"].endswith(".o") for o in doc["objects"])
    assert sum(len(o["programs"]) for o in doc["objects"]) > 50
