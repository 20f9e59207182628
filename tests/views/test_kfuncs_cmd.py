"""`bpfstab kfuncs`, `bpfstab diff`, `bpfstab timeline` through the real command line."""
import glob
import json
import os
import subprocess
import sys

import pytest
from tests.support import paths

ROOT = paths.ROOT
BUNDLED = glob.glob(os.path.join(ROOT, "corpus", "kernels", "*.bpfk"))
pytestmark = pytest.mark.skipif(len(BUNDLED) < 4, reason="needs the 4 bundled kernel snapshots")


def run(*args):
    return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_diff_json_contract():
    r = run("diff", "6.1", "6.12", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "bpfstab.diff/1"
    assert set(doc["old"]) == {"id", "release", "arch", "source"}
    assert doc["old"]["release"].startswith("6.1.") and doc["new"]["release"].startswith("6.12.")
    kinds = {"kfunc", "prog_type", "attach_type", "map_type", "helper", "context", "struct_ops"}
    changes = {"added", "removed", "renamed", "prototype", "flags", "hooks", "member_added", "member_removed",
               "member_changed"}
    for c in doc["changes"]:
        assert set(c) == {"kind", "name", "change", "breaking", "old", "new", "detail"}
        assert c["kind"] in kinds and c["change"] in changes and isinstance(c["breaking"], bool)
    names = {(c["kind"], c["name"], c["change"]) for c in doc["changes"]}
    assert ("kfunc", "bpf_task_acquire", "added") in names
    assert ("map_type", "BPF_MAP_TYPE_ARENA", "added") in names
    assert ("prog_type", "BPF_PROG_TYPE_NETFILTER", "added") in names


def test_diff_only_and_text_md():
    r = run("diff", "6.12", "7.2", "--only", "kfuncs")
    assert r.returncode == 0, r.stderr
    assert "bpf_session_cookie" in r.stdout and "BREAKING" in r.stdout
    assert "BPF_MAP_TYPE" not in r.stdout
    r = run("diff", "6.12", "7.2", "--only", "struct-ops", "--format", "md")
    assert r.returncode == 0
    assert "| sched\\_ext\\_ops | added | no |" in r.stdout       # folded per kind, names Markdown-escaped


@pytest.mark.parametrize("args", [
    ("diff", "6.1", "6.12", "--only", "kfuncs,bogus"),
    ("diff", "6.1", "no-such-kernel"),
    ("timeline", "6.1", "6.12", "--kfunc", "no_such_kfunc"),
    ("kfuncs", "nope"),
])
def test_bad_input_exit_2_one_line(args):
    r = run(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("bpfstab: error:")


def test_kfuncs_command():
    r = run("kfuncs", "7.2", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    by = {k["name"]: k for k in doc["kfuncs"]}
    assert "bpf_stream_vprintk" in by and "bpf_stream_vprintk_impl" not in by
    assert by["bpf_stream_vprintk"]["flag_names"] == ["KF_IMPLICIT_ARGS"]
    assert by["bpf_task_acquire"]["proto"] == "struct task_struct *bpf_task_acquire(struct task_struct *p)"
    # the program-types column is exactly what the snapshot's kernel facts say (None: no fact)
    from analyzer.kernel.snapshot import resolve_kernel
    facts = resolve_kernel("7.2").merged_facts
    for name in ("bpf_task_acquire", "bpf_stream_vprintk"):
        hooks, origin = facts.kfunc_prog_type_list(name)
        assert (by[name]["hooks"], by[name]["hooks_origin"]) == (hooks, origin)
    assert doc["hooks_known"] == any(f["origin"] in ("source", "probe") for f in doc["facts"])
    assert doc["impl_skipped"] > 0
    r = run("kfuncs", "7.2", "--all", "--format", "json")
    allk = {k["name"] for k in json.loads(r.stdout)["kfuncs"]}
    assert "bpf_stream_vprintk_impl" in allk and len(allk) == len(by) + doc["impl_skipped"]
    r = run("kfuncs", "6.1")
    assert r.returncode == 0 and "bpf_key_put" in r.stdout
    line = next(l for l in r.stdout.splitlines() if l.startswith("void bpf_key_put("))
    hooks = resolve_kernel("6.1").merged_facts.kfunc_prog_type_list("bpf_key_put")[0]
    detail = r.stdout.splitlines()[r.stdout.splitlines().index(line) + 1]
    assert ("hooks: unknown" in detail) == (hooks is None)


def test_timeline_command():
    r = run("timeline", "7.2", "6.12", "6.1", "5.10", "--kfunc", "bpf_session_cookie", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "bpfstab.timeline/1"
    (e,) = doc["kfuncs"]
    assert e["first"].startswith("debian-6.12") and e["last"].startswith("debian-7.2")
    step = next(s for s in e["changes"] if s["change"] == "prototype")   # (a "hooks" step may follow)
    assert step["change"] == "prototype" and step["breaking"]
    assert step["old"] == "__u64 *bpf_session_cookie(void)" and step["new"] == "__u64 *bpf_session_cookie(void *ctx)"
    r = run("timeline", "6.12", "7.2", "--kfunc", "cgroup_rstat_flush")
    assert r.returncode == 0 and "renamed BREAKING" in r.stdout and "css_rstat_flush" in r.stdout
    r = run("timeline", "6.1", "6.12", "--format", "md")
    assert r.returncode == 0 and r.stdout.startswith("**bpfstab timeline:**") and "| kfunc | kernels | changes |" in r.stdout
