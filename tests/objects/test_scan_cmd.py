"""`bpfstab scan` end to end through analyzer.cli.main.main."""
import json
import os

import pytest

from analyzer.cli.main import main
from tests.support.embedded import BPF, X86, make_deb, make_elf


def run(capsys, *argv):
    rc = main(["scan", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_text_listing(tmp_path, capsys):
    (tmp_path / "tool").write_bytes(X86 + make_elf(sections=(("kprobe/do_x", b"\x95" + b"\0" * 7),
                                                              ("license", b"GPL\0"))))
    rc, out, err = run(capsys, str(tmp_path / "tool"), "--quiet")
    assert rc == 0 and err == ""
    assert f"{tmp_path}/tool#0" in out and "kprobe/do_x" in out and "1 object(s) found" in out


def test_json_and_warnings(tmp_path, capsys):
    deb = tmp_path / "p.deb"
    make_deb(deb, [("usr/lib/a.o", BPF), ("usr/bin/t", X86 + BPF), ("usr/lib/bad.o", BPF[:-20])], "gz")
    rc, out, err = run(capsys, "--json", str(deb))
    assert rc == 0
    doc = json.loads(out)
    assert [o["member"] for o in doc["objects"]] == ["./usr/lib/a.o", "./usr/bin/t"]
    assert doc["objects"][0]["program_sections"] == ["xdp"]
    assert doc["objects"][1]["duplicate_of"] == doc["objects"][0]["name"]
    assert len(doc["warnings"]) == 1
    assert "warning" in err and "bad.o" in err and len(err.strip().splitlines()) == 1


def test_extract(tmp_path, capsys):
    deb = tmp_path / "p.deb"
    make_deb(deb, [("usr/lib/a.o", BPF), ("usr/bin/t", X86 + BPF)], "xz")
    out_dir = tmp_path / "out"
    rc, out, _ = run(capsys, "-o", str(out_dir), "--extract", str(deb), "-q")
    assert rc == 0
    files = sorted(os.listdir(out_dir))
    assert files == ["p.deb_usr_bin_t__0.bpf.o", "p.deb_usr_lib_a.o.bpf.o"]
    assert all((out_dir / f).read_bytes() == BPF for f in files)


def test_o_without_extract_is_usage_error(tmp_path, capsys):
    (tmp_path / "a.o").write_bytes(BPF)
    rc, _, err = run(capsys, "-o", str(tmp_path / "x"), str(tmp_path / "a.o"))
    assert rc == 2 and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("content", [b"garbage", BPF[:-20], None])
def test_bad_inputs_exit_2_one_line(tmp_path, capsys, content):
    p = tmp_path / "in.bpf.o"
    if content is not None:
        p.write_bytes(content)
    rc, out, err = run(capsys, str(p))
    assert rc == 2
    assert err.startswith("bpfstab: error: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_non_bpf_elf_and_empty_dir_exit_0(tmp_path, capsys):
    (tmp_path / "x86.o").write_bytes(X86)
    rc, out, _ = run(capsys, str(tmp_path / "x86.o"), str(tmp_path))
    assert rc == 0 and "0 object(s) found" in out


def test_help_explains_exit_codes(capsys):
    with pytest.raises(SystemExit) as e:
        main(["scan", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "Exit status" in out and "2 when a FILE" in out
