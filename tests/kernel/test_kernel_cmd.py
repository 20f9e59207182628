"""`bpfstab kernel import|show|list` end to end (python3 -m analyzer in a subprocess)."""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.kernels import CONFIG, synth_btf
from tests.support import paths

ROOT = paths.ROOT_PATH


def run(*args, env_extra=None, cwd=None):
    env = dict(os.environ)
    env.pop("BPFSTAB_DEBUG", None)
    env.update(env_extra or {})
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "analyzer", *args], capture_output=True, text=True,
                          env=env, cwd=cwd or ROOT, timeout=300)


@pytest.fixture
def env(tmp_path):
    return {"BPFSTAB_CACHE": str(tmp_path / "cache")}


@pytest.fixture
def raw(tmp_path):
    data, _ = synth_btf()
    p = tmp_path / "tiny.btf"
    p.write_bytes(data)
    cfg = tmp_path / "tiny.config"
    cfg.write_text(CONFIG)
    return p, cfg


def one_line_error(r):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    err = r.stderr.strip()
    assert err.startswith("bpfstab: error: ") and "\n" not in err, r.stderr
    assert "Traceback" not in r.stderr
    return err


def test_import_to_file_then_show_and_json(raw, tmp_path, env):
    src, cfg = raw
    out = tmp_path / "out" / "tiny.bpfk"
    r = run("kernel", "import", str(src), "--config", str(cfg), "--name", "tiny", "-o", str(out), "--quiet",
            env_extra=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(out) and r.stderr == ""         # --quiet: nothing on stderr
    assert zipfile.is_zipfile(out)
    assert not (tmp_path / "cache").exists()                        # -o given: the cache is untouched

    r = run("kernel", "show", str(out), env_extra=env)
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert "kernel   tiny" in text
    assert "kfuncs 3 (decl_tag 3)" in text
    assert "prog types 3  attach types 2  map types 3  helpers 2  contexts 2  struct_ops 1" in text
    assert "int bpf_tagged(int x);  /* found by decl_tag */" in text
    assert "void bpf_fast(void);  /* fastcall; found by decl_tag */" in text
    assert "HZ=250" in text and "struct_ops: tcp_congestion_ops" in text

    r = run("kernel", "show", str(out), "--json", env_extra=env)
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["id"] == "tiny" and j["counts"]["kfuncs"] == 3 and j["counts"]["types"] > 30
    assert j["contexts"]["BPF_PROG_TYPE_XDP"] == ["struct xdp_md", "struct xdp_buff"]
    assert {k["name"] for k in j["kfuncs"]} == {"bpf_tagged", "bpf_fast", "bpf_implicit"}
    assert j["config"]["CONFIG_BPF_SYSCALL"] == "y"


def test_import_default_goes_to_cache_and_list_shows_it(raw, tmp_path, env):
    src, _ = raw
    r = run("kernel", "import", str(src), "--quiet", env_extra=env)
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip())
    assert path.parent == tmp_path / "cache" and path.is_file() and path.name.endswith(".bpfk")
    r = run("kernel", "list", "--json", env_extra=env)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    cached = [x for x in rows if x["where"] == "cached"]
    assert [x["file"] for x in cached] == [str(path)] and cached[0]["kfuncs"] == 3
    bundled = [x for x in rows if x["where"] == "bundled"]
    assert len(bundled) == len(list((ROOT / "corpus" / "kernels").glob("*.bpfk")))
    r = run("kernel", "list", env_extra=env)
    assert r.returncode == 0 and str(path) in r.stdout and r.stdout.startswith("ID")
    # `show SRC` of the same kernel file reuses the cache entry
    r = run("kernel", "show", str(src), "--quiet", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert f"file     {path}" in r.stdout
    assert len(list((tmp_path / "cache").iterdir())) == 1


def test_show_bundled_by_name_and_version(env):
    bundled = sorted((ROOT / "corpus" / "kernels").glob("debian-6.1.*.bpfk"))
    if not bundled:
        pytest.skip("no bundled 6.1 snapshot")
    r = run("kernel", "show", "6.1", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert f"kernel   {bundled[0].name[:-5]}" in r.stdout and "release  6.1." in r.stdout
    assert "bpf_lookup_user_key" in r.stdout and "KF_ACQUIRE|KF_RET_NULL|KF_SLEEPABLE" in r.stdout


@pytest.mark.parametrize("case", ["missing", "garbage", "truncated", "unknown_name", "wrong_flag", "no_subcommand",
                                  "missing_config", "bad_config", "import_garbage", "directory"])
def test_bad_inputs_exit_2_with_one_line(case, raw, tmp_path, env):
    src, cfg = raw
    if case == "missing":
        r = run("kernel", "show", str(tmp_path / "nope.bpfk"), env_extra=env)
    elif case == "garbage":
        g = tmp_path / "g.bpfk"
        g.write_bytes(os.urandom(3000))
        r = run("kernel", "show", str(g), env_extra=env)
    elif case == "truncated":
        out = tmp_path / "t.bpfk"
        assert run("kernel", "import", str(src), "-o", str(out), "--quiet", env_extra=env).returncode == 0
        data = out.read_bytes()
        out.write_bytes(data[: len(data) - 200])
        r = run("kernel", "show", str(out), env_extra=env)
    elif case == "unknown_name":
        r = run("kernel", "show", "no-such-kernel", env_extra=env)
        assert "unknown kernel 'no-such-kernel' (bundled: " in r.stderr
    elif case == "wrong_flag":
        r = run("kernel", "show", str(src), "--frobnicate", env_extra=env)
    elif case == "no_subcommand":
        r = run("kernel", env_extra=env)
    elif case == "missing_config":
        r = run("kernel", "import", str(src), "--config", str(tmp_path / "nocfg"), "-o", str(tmp_path / "x.bpfk"),
                env_extra=env)
        assert not (tmp_path / "x.bpfk").exists()
    elif case == "bad_config":
        bad = tmp_path / "bad.config"
        bad.write_text("hello\n")
        r = run("kernel", "import", str(src), "--config", str(bad), "-o", str(tmp_path / "x.bpfk"), env_extra=env)
        assert not (tmp_path / "x.bpfk").exists()
    elif case == "import_garbage":
        g = tmp_path / "g.bin"
        g.write_bytes(os.urandom(5000))
        r = run("kernel", "import", str(g), "--quiet", env_extra=env)
        assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").glob("*.bpfk"))
    elif case == "directory":
        r = run("kernel", "show", str(tmp_path), env_extra=env)
    one_line_error(r)
    leftovers = [p for p in tmp_path.rglob(".bpfk-*")]
    assert leftovers == []                        # no half-written temp files
