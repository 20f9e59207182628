"""The GitHub composite action (.github/actions/bpfstab) and the CI workflow, run here as far as a
machine without GitHub can: the action's shell steps are executed with its inputs substituted and
the runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP) faked, against the real
`bpfstab` on PATH; the workflow is checked for references that would break on GitHub."""
import json
import os
import re
import shutil
import subprocess

import pytest

from analyzer.kernel.snapshot import bundled_kernels
from tests.support import paths

yaml = pytest.importorskip("yaml")

ROOT = paths.ROOT
ACTION = os.path.join(ROOT, ".github", "actions", "bpfstab", "action.yml")
WORKFLOW = os.path.join(ROOT, ".github", "workflows", "ci.yml")
FAILS_ON_510 = os.path.join(ROOT, "corpus/programs/tracing/tp_state_unguarded.bpf.o")
LOADS_EVERYWHERE = os.path.join(ROOT, "corpus/programs/basic/xdp_array_ringbuf.bpf.o")
EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def test_action_declares_what_it_uses():
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    inputs = set(action["inputs"])
    text = open(ACTION).read()
    used = set(re.findall(r"inputs\.([a-z0-9-]+)", text))
    assert used <= inputs, used - inputs
    steps = {s.get("id"): s for s in action["runs"]["steps"]}
    written = set(re.findall(r'echo "([a-z-]+)=', steps["reports"]["run"]))
    for out in action["outputs"].values():
        m = re.fullmatch(r"\$\{\{ steps\.reports\.outputs\.([a-z-]+) \}\}", out["value"])
        assert m and m.group(1) in written
    for s in action["runs"]["steps"]:
        assert ("uses" in s) != ("run" in s)
        if "run" in s:
            assert s["shell"] == "bash"
        else:
            assert re.fullmatch(r"[\w-]+/[\w/-]+@v\d+", s["uses"]), s["uses"]


def test_workflow_runs_the_tests_and_dogfoods_the_action():
    wf = load(WORKFLOW)
    action_inputs = load(ACTION)["inputs"]
    runs = [s.get("run", "") for s in wf["jobs"]["test"]["steps"]]
    assert "bash .ci/run" in runs and os.path.exists(os.path.join(ROOT, ".ci", "run"))
    uses = [s for s in wf["jobs"]["dogfood"]["steps"] if s.get("uses") == "./.github/actions/bpfstab"]
    assert len(uses) >= 2
    for s in uses:
        assert set(s["with"]) <= set(action_inputs)
        required = {k for k, v in action_inputs.items() if v.get("required")}
        assert required <= set(s["with"])
        for p in s["with"]["paths"].split():
            assert os.path.exists(os.path.join(ROOT, p)), p
    assert wf["jobs"]["dogfood"]["permissions"]["security-events"] == "write"
    # every `id` a later step's expression refers to exists
    ids = {s.get("id") for s in wf["jobs"]["dogfood"]["steps"]}
    for m in re.finditer(r"steps\.([\w-]+)\.", open(WORKFLOW).read()):
        assert m.group(1) in ids


needs = pytest.mark.skipif(len(bundled_kernels()) < 4 or shutil.which("bpfstab") is None
                           or shutil.which("bash") is None,
                           reason="needs bash, the bpfstab command on PATH and the bundled kernels")


def run_action(tmp_path, **inputs):
    """The action's shell steps (installing skipped: bpfstab is installed) in tmp_path, as the runner
    would; returns (exit code of the first failing step or 0, outputs, summary text, step logs)."""
    action = load(ACTION)
    values = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    values.update(inputs)
    outputs = {}
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    summary = tmp_path / "summary.md"
    logs = []

    def expr(m):
        e = m.group(1)
        if e.startswith("inputs."):
            return values[e[len("inputs."):]]
        if e.startswith("steps."):
            _, sid, _, key = e.split(".")
            return outputs.get(sid, {}).get(key, "")
        raise AssertionError(f"expression not handled by this test: {e}")

    for step in action["runs"]["steps"]:
        if "run" not in step or step.get("name") == "install bpfstab":
            continue
        cond = step.get("if")
        if cond:
            m = re.fullmatch(r"inputs\.([a-z-]+) == '(\w+)'", cond)
            if values[m.group(1)] != m.group(2):
                continue
        out_file = tmp_path / f"out-{step.get('id', 'x')}"
        out_file.write_text("")
        env = dict(os.environ, GITHUB_OUTPUT=str(out_file), GITHUB_STEP_SUMMARY=str(summary),
                   RUNNER_TEMP=str(runner_temp))
        env.update({k: EXPR.sub(expr, str(v)) for k, v in step.get("env", {}).items()})
        p = subprocess.run(["bash", "-e", "-c", EXPR.sub(expr, step["run"])], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300)
        logs.append(p.stdout + p.stderr)
        if step.get("id"):
            outputs[step["id"]] = dict(l.split("=", 1) for l in out_file.read_text().splitlines() if "=" in l)
        if p.returncode:
            return p.returncode, outputs, summary.read_text() if summary.exists() else "", logs
    return 0, outputs, summary.read_text(), logs


@needs
def test_action_gate_fails_on_a_failing_program(tmp_path):
    code, outputs, summary, logs = run_action(tmp_path, paths=FAILS_ON_510, kernels="5.10 6.1")
    assert code == 1, logs
    assert outputs["reports"]["exit-code"] == "1"
    assert summary.startswith("**bpfstab check:** 1 load / 1 fail / 0 unknown across 2 kernels")
    assert "CORE\\_RELO\\_POISONED" in summary
    sarif = json.loads((tmp_path / "bpfstab.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["CORE_RELO_POISONED"]
    assert (tmp_path / "bpfstab.html").read_text().startswith("<!DOCTYPE html>")
    assert "::error title=bpfstab::check failed under fail-on: unknown" in logs[-1]      # the default


@needs
def test_action_passes_when_told_or_when_everything_loads(tmp_path):
    code, outputs, summary, logs = run_action(tmp_path, paths=FAILS_ON_510, kernels="5.10", **{"fail-on": "never"})
    assert code == 0 and outputs["reports"]["exit-code"] == "0", logs
    assert "1 fail" in summary
    clean = tmp_path / "clean"
    clean.mkdir()
    code, outputs, summary, logs = run_action(clean, paths=LOADS_EVERYWHERE, kernels="all",
                                              **{"upload-html": "false"})
    assert code == 0 and outputs["reports"]["exit-code"] == "0", logs
    assert summary.startswith("**bpfstab check:** 4 load / 0 fail / 0 unknown across 4 kernels")


@needs
def test_action_bad_input_stops_with_exit_2(tmp_path):
    code, outputs, summary, logs = run_action(tmp_path, paths=str(tmp_path / "missing.bpf.o"))
    assert code == 2
    assert "missing.bpf.o" in logs[-1] and "Traceback" not in logs[-1]
    assert summary == "" and not outputs.get("reports")
    code, _, _, logs = run_action(tmp_path, paths="  ")
    assert code == 2 and "input 'paths' is empty" in logs[-1]
    code, _, _, logs = run_action(tmp_path, paths=f"{LOADS_EVERYWHERE} {tmp_path}/nothing-*.bpf.o")
    assert code == 2 and f"no file matches {tmp_path}/nothing-*.bpf.o" in logs[-1]


@needs
def test_action_expands_globs(tmp_path):
    pattern = os.path.join(ROOT, "corpus/programs/tracing/tp_state_*.bpf.o")
    code, outputs, summary, logs = run_action(tmp_path, paths=pattern, kernels="6.1", **{"upload-html": "false"})
    assert code == 0, logs
    import glob
    n = len(glob.glob(pattern))
    assert n >= 2 and f"({n} checks)" in summary.splitlines()[0]
