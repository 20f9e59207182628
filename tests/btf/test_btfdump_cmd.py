"""`bpfstab btf dump`: raw/C output, type selection, --kfuncs, split BTF, ELF input, errors."""
import os
import shutil
import struct
import subprocess

import pytest

from analyzer.cli import main as cli
from btf import kinds as K
from btf.builder import BtfBuilder
from btf.reader import Btf
from btf.render import raw_dump, type_definition

VMLINUX = "/sys/kernel/btf/vmlinux"
BPFTOOL = shutil.which("bpftool")


def sample_btf():
    b = BtfBuilder()
    i = b.int("int", 4, signed=True)
    task = b.struct("task_struct", 16, [("pid", i, 0), ("next", 3, 64)])
    b.ptr(task)                                                        # [3]
    fp = b.func_proto(3, [("p", 3)])
    acq = b.func("bpf_task_acquire", fp, K.FUNC_GLOBAL)
    rel = b.func("bpf_task_release", b.func_proto(0, [("p", 3)]), K.FUNC_GLOBAL)
    other = b.func("not_a_kfunc", fp, K.FUNC_GLOBAL)
    b.decl_tag("bpf_kfunc", rel)
    b.decl_tag("bpf_kfunc", acq)
    b.decl_tag("bpf_kfunc", acq, component_idx=0)     # a parameter tag: not a kfunc marker
    b.decl_tag("something_else", other)
    b.typedef("task_t", task)
    b.enum("task_state", [("RUNNING", 0), ("SLEEPING", 1)])
    return b


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "sample.btf"
    path.write_bytes(sample_btf().build())
    return str(path)


@pytest.fixture(autouse=True)
def only_this_command(monkeypatch):
    """Run the real cli.main() with just this subcommand registered, so commands other
    developers are still building in this tree cannot break these tests."""
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("analyzer.cli.commands.btfdump",))


def run(capsys, *argv):
    rc = cli.main(["btf", "dump", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_raw_whole_file(sample, capsys):
    rc, out, err = run(capsys, sample)
    assert rc == 0 and err == ""
    btf = Btf(open(sample, "rb").read(), path=sample)
    assert out == "".join(raw_dump(btf, i) + "\n" for i in btf.own_ids())
    assert out.startswith("[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n")


def test_select_by_name_id_and_kind_word(sample, capsys):
    rc, out, _ = run(capsys, sample, "--type", "task_struct", "--type", "1")
    assert rc == 0
    lines = out.splitlines()
    assert lines[0] == "[2] STRUCT 'task_struct' size=16 vlen=2"
    assert lines[-1] == "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED"
    rc, out, _ = run(capsys, sample, "--type", "typedef task_t", "--format", "c")
    assert rc == 0 and out == "typedef struct task_struct task_t;\n\n"


def test_c_format(sample, capsys):
    rc, out, _ = run(capsys, sample, "--type", "struct task_struct", "--format", "c")
    assert rc == 0
    assert out == "struct task_struct {\n\tint pid;\n\tstruct task_struct *next;\n};\n\n"
    rc, out, _ = run(capsys, sample, "--format", "c")
    assert rc == 0
    assert "struct task_struct {" in out and "typedef struct task_struct task_t;" in out
    assert "enum task_state {\n\tRUNNING = 0,\n\tSLEEPING = 1,\n};" in out


def test_kfuncs_sorted_and_only_whole_function_tags(sample, capsys):
    rc, out, _ = run(capsys, sample, "--kfuncs")
    assert rc == 0
    assert out.splitlines() == [
        "extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;",
        "extern void bpf_task_release(struct task_struct *p) __ksym;",
    ]


def test_unknown_type_is_one_line_exit_2(sample, capsys):
    rc, out, err = run(capsys, sample, "--type", "no_such_type")
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and sample in err and "no_such_type" in err
    rc, _, err = run(capsys, sample, "--type", "999")
    assert rc == 2 and "no type with id 999" in err


@pytest.mark.parametrize("content,problem", [
    (b"hello world, not BTF", "neither raw BTF"),
    (struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, 4096, 4096, 1), "BTF sections extend past"),
    (b"\x7fELF" + b"\x00" * 8, "malformed ELF"),
    (b"", "neither raw BTF"),
])
def test_bad_files_one_line_exit_2(tmp_path, capsys, content, problem):
    p = tmp_path / "bad.bin"
    p.write_bytes(content)
    rc, out, err = run(capsys, str(p))
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and str(p) in err and problem in err
    assert "Traceback" not in err


def test_missing_file(tmp_path, capsys):
    rc, _, err = run(capsys, str(tmp_path / "nope.btf"))
    assert rc == 2 and "nope.btf" in err and err.count("\n") == 1


def test_type_loop_is_input_error(tmp_path, capsys):
    b = BtfBuilder()
    c = b.const(2)
    b.ptr(c)
    b.typedef("loopy", 2)
    p = tmp_path / "loop.btf"
    p.write_bytes(b.build())
    rc, out, err = run(capsys, str(p), "--format", "c", "--type", "loopy")
    assert rc == 2 and "type loop at [" in err and err.count("\n") == 1
    rc, out, _ = run(capsys, str(p))               # raw format needs no walking: still works
    assert rc == 0 and "[2] PTR '(anon)' type_id=1" in out


def test_split_btf_with_base(tmp_path, capsys):
    base_b = sample_btf()
    base_raw = base_b.build()
    base = Btf(base_raw, path="base")
    sb = BtfBuilder(base=base)
    s = sb.struct("mod_thing", 8, [("owner", 3, 0)])
    (tmp_path / "base.btf").write_bytes(base_raw)
    (tmp_path / "mod.btf").write_bytes(sb.build())
    rc, out, _ = run(capsys, str(tmp_path / "mod.btf"), "--base", str(tmp_path / "base.btf"))
    assert rc == 0
    assert out == f"[{s}] STRUCT 'mod_thing' size=8 vlen=1\n\t'owner' type_id=3 bits_offset=0\n"
    rc, out, _ = run(capsys, str(tmp_path / "mod.btf"), "--base", str(tmp_path / "base.btf"),
                     "--format", "c", "--type", "mod_thing")
    assert out == "struct mod_thing {\n\tstruct task_struct *owner;\n};\n\n"
    rc, _, err = run(capsys, str(tmp_path / "mod.btf"))
    assert rc == 2 and "--base" in err


def test_elf_input(tmp_path, capsys):
    clang = shutil.which("clang")
    if clang is None:
        pytest.skip("clang is not installed")
    src = tmp_path / "p.c"
    src.write_text("struct pt { int x; long y; };\n"
                   "int __attribute__((section(\"tc\"), used)) prog(struct pt *p) { return p->x; }\n"
                   "char LICENSE[] __attribute__((section(\"license\"), used)) = \"GPL\";\n")
    obj = tmp_path / "p.o"
    r = subprocess.run([clang, "-target", "bpf", "-g", "-O2", "-c", str(src), "-o", str(obj)],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        pytest.skip(f"clang cannot build BPF: {r.stderr.strip()[:200]}")
    rc, out, _ = run(capsys, str(obj), "--type", "pt", "--format", "c")
    assert rc == 0 and out == "struct pt {\n\tint x;\n\tlong y;\n};\n\n"
    if BPFTOOL:
        rc, out, _ = run(capsys, str(obj))
        ref = subprocess.run([BPFTOOL, "btf", "dump", "file", str(obj)], capture_output=True,
                             text=True, timeout=60).stdout
        assert rc == 0 and out == ref
    noelf = tmp_path / "nobtf.o"
    subprocess.run([clang, "-target", "bpf", "-O2", "-c", str(src), "-o", str(noelf)], check=True,
                   capture_output=True, timeout=120)
    rc, _, err = run(capsys, str(noelf))
    assert rc == 2 and "no .BTF section" in err


def test_vmlinux_matches_bpftool(capsys):
    if not os.access(VMLINUX, os.R_OK):
        pytest.skip(f"{VMLINUX} is not readable")
    if BPFTOOL is None:
        pytest.skip("bpftool is not installed")
    rc, out, _ = run(capsys, VMLINUX)
    ref = subprocess.run([BPFTOOL, "btf", "dump", "file", VMLINUX], capture_output=True, text=True,
                         timeout=120).stdout
    assert rc == 0 and out == ref
    rc, out, _ = run(capsys, VMLINUX, "--type", "struct xdp_md", "--format", "c")
    btf = Btf(open(VMLINUX, "rb").read(), path=VMLINUX)
    assert out == type_definition(btf, btf.find("xdp_md", K.STRUCT)) + "\n\n"
    rc, out, _ = run(capsys, VMLINUX, "--kfuncs", "--no-type-tags")
    lines = out.splitlines()
    assert rc == 0 and all(ln.startswith("extern ") and ln.endswith(" __ksym;") for ln in lines)
    names = [ln.split("(")[0].split()[-1].lstrip("*") for ln in lines]
    assert names == sorted(names)
