"""The walls of the house (ARCHITECTURE.md), checked on the sources with `ast`:

- btf/ imports nothing of ours; reports/ imports no command (analyzer.cli);
- no module imports another module's `_private` name (or reaches it as `module._name`);
- every package directory is a package listed in pyproject.toml (so the wheel carries it), and the
  bundled kernels travel as package data;
- every command module the CLI lists imports and registers.
"""
import ast
import importlib
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = ("btf", "analyzer", "reports")

if sys.version_info >= (3, 11):
    import tomllib
else:                                   # pragma: no cover
    tomllib = None


def _modules():
    out = {}
    for top in OURS:
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            if "__pycache__" in d:
                continue
            for f in files:
                if f.endswith(".py"):
                    path = os.path.join(d, f)
                    rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                    mod = rel[:-len(".__init__")] if rel.endswith(".__init__") else rel
                    out[mod] = path
    return out


MODULES = _modules()


def _imports(mod, path):
    """(imported module, imported name or None, line) for every import in the file, relative ones resolved."""
    tree = ast.parse(open(path).read(), path)
    pkg = mod if path.endswith("__init__.py") else mod.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                yield target, a.name, node.lineno


def test_modules_found():
    assert len(MODULES) > 50
    assert all(any(m == t or m.startswith(t + ".") for m in MODULES) for t in OURS)


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if m.split(".")[0] == "btf"))
def test_btf_imports_nothing_of_ours(mod):
    bad = [(t, line) for t, _, line in _imports(mod, MODULES[mod])
           if t.split(".")[0] in ("analyzer", "reports")]
    assert not bad, f"{mod} imports {bad}"


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if m.split(".")[0] == "reports"))
def test_reports_import_no_command(mod):
    bad = [(t, line) for t, _, line in _imports(mod, MODULES[mod])
           if t == "analyzer.cli" or t.startswith("analyzer.cli.")]
    assert not bad, f"{mod} imports {bad}"


def test_no_private_names_across_modules():
    bad = []
    for mod, path in MODULES.items():
        for target, name, line in _imports(mod, path):
            if target.split(".")[0] not in OURS or target == mod:
                continue
            if name is not None and name.startswith("_") and not name.startswith("__"):
                if f"{target}.{name}" in MODULES:       # a private submodule is still a module
                    continue
                bad.append(f"{path}:{line}: from {target} import {name}")
        # module._name attribute uses of an imported module of ours
        tree = ast.parse(open(path).read(), path)
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for a in node.names:
                    full = f"{node.module}.{a.name}" if node.module else a.name
                    if full in MODULES and full != mod:
                        aliases[a.asname or a.name] = full
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name in MODULES and a.asname:
                        aliases[a.asname] = a.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                bad.append(f"{path}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    assert not bad, "private names used across modules:\n" + "\n".join(bad)


@pytest.mark.skipif(tomllib is None, reason="tomllib needs Python 3.11")
def test_every_package_is_in_the_wheel():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        cfg = tomllib.load(fh)["tool"]["setuptools"]
    listed = set(cfg["packages"])
    on_disk = {m for m, p in MODULES.items() if p.endswith("__init__.py")}
    assert on_disk, "no packages found"
    assert on_disk <= listed, f"packages missing from pyproject.toml: {sorted(on_disk - listed)}"
    assert cfg["package-dir"]["analyzer.kernel.bundled"] == "corpus/kernels"
    assert "*.bpfk" in cfg["package-data"]["analyzer.kernel.bundled"]
    assert "analyzer.kernel.bundled" in listed


def test_every_command_module_imports_and_registers():
    from analyzer.cli import main as cli
    assert cli.COMMAND_MODULES
    for name in cli.COMMAND_MODULES:
        assert callable(importlib.import_module(name).register), name
    parser = cli.build_parser()
    subs = next(a for a in parser._actions if a.dest == "command")
    assert {"check", "inspect", "scan", "kernel", "diff", "audit", "deps", "btf"} <= set(subs.choices)


def test_roles_are_packages():
    for role in ("objects", "source", "kernel", "check", "check.rules", "views", "cli", "cli.commands"):
        assert f"analyzer.{role}" in MODULES, role
    flat = [m for m in MODULES if m.count(".") == 1 and m.startswith("analyzer.")
            and not MODULES[m].endswith("__init__.py")]
    assert flat == ["analyzer.__main__"], f"modules outside the role packages: {flat}"


def test_one_map_model():
    """Compiled and C-source maps are one model for the map rules: both dataclasses carry every field
    of rules.maps.MapModel, with the same name."""
    import dataclasses
    import typing
    from analyzer.check.rules.maps import MapModel
    from analyzer.objects.maps import MapDef
    from analyzer.source.program import SourceMap
    wanted = set(typing.get_type_hints(MapModel))
    assert {"name", "type", "max_entries", "inner", "legacy", "internal"} <= wanted
    for cls in (MapDef, SourceMap):
        have = {f.name for f in dataclasses.fields(cls)}
        assert wanted <= have, f"{cls.__name__} lacks {sorted(wanted - have)}"


def _defined_functions(mod):
    tree = ast.parse(open(MODULES[mod]).read(), MODULES[mod])
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def test_call_and_core_rules_live_in_rules():
    """The kfunc/helper call checks and libbpf's CO-RE step are rules (analyzer.check.rules.calls /
    .core), used by the object and the C-source paths; neither path keeps its own copy."""
    assert {"check", "kfunc_findings", "helper_findings"} <= _defined_functions("analyzer.check.rules.calls")
    assert {"calc", "error_finding", "poison_finding", "relocate_program"} <= \
        _defined_functions("analyzer.check.rules.core")
    for mod in ("analyzer.check.engine", "analyzer.check.source_check"):
        text = open(MODULES[mod]).read()
        for code in ("CORE_RELO_ERROR", "CORE_RELO_POISONED", "CORE_RELO_GUARDED", "KFUNC_NOT_KFUNC",
                     "KFUNC_WEAK_CALL_REACHABLE", "HELPER_UNKNOWN", "NOT_AUTOLOADED"):
            assert f'"{code}"' not in text or (mod, code) == ("analyzer.check.engine", "NOT_AUTOLOADED"), \
                f"{mod} builds {code} findings itself"
        assert "calc_relo(" not in text, f"{mod} calls btf.core.calc_relo itself"
    imports = {f"{t}.{n}" if n else t
               for t, n, _ in _imports("analyzer.check.source_check", MODULES["analyzer.check.source_check"])}
    assert {"analyzer.check.rules.calls", "analyzer.check.rules.core"} <= imports


TESTS = os.path.join(ROOT, "tests")
NOT_ROLES = {"data", "support", "realload", "fuzz", "hostile", "__pycache__"}


def _test_files():
    out = []
    for d, _, files in os.walk(TESTS):
        if any(part in NOT_ROLES for part in os.path.relpath(d, TESTS).split(os.sep)):
            continue
        out += [os.path.join(d, f) for f in files if f.startswith("test_") and f.endswith(".py")]
    return out


def test_tests_mirror_the_layout():
    """tests/<role>/ for btf, reports and each analyzer role; only the layout test stays on top."""
    roles = {m.split(".")[1] for m in MODULES if m.startswith("analyzer.") and MODULES[m].endswith("__init__.py")
             and m.count(".") == 1} | {"btf", "reports"}
    dirs = {d for d in os.listdir(TESTS) if os.path.isdir(os.path.join(TESTS, d)) and d not in NOT_ROLES}
    assert dirs, "no test directories"
    assert dirs <= roles, f"test directories that are no role: {sorted(dirs - roles)}"
    top = sorted(f for f in os.listdir(TESTS) if f.startswith("test_") and f.endswith(".py"))
    assert top == ["test_layout.py"], f"tests outside a role directory: {top}"


def test_no_test_imports_another_test_file():
    files = _test_files()
    assert len(files) > 30
    bad = []
    for path in files:
        for node in ast.walk(ast.parse(open(path).read(), path)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad += [f"{path}:{node.lineno}: {n}" for n in names if n.split(".")[-1].startswith("test_")]
    assert not bad, "\n".join(bad)


# ------------------------------------------------------------------------------ reports/ renders, analyzer/ decides
def _calls(path):
    """(dotted callee, line) for every call in the file whose callee is a name or an attribute chain."""
    tree = ast.parse(open(path).read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            parts, f = [], node.func
            while isinstance(f, ast.Attribute):
                parts.append(f.attr)
                f = f.value
            if isinstance(f, ast.Name):
                yield ".".join([f.id] + parts[::-1]), node.lineno


FILE_SYSTEM = {"open", "os.path.exists", "os.path.isfile", "os.path.isdir", "os.listdir", "os.scandir",
               "os.walk", "os.stat", "glob.glob", "io.open"}


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if m.split(".")[0] == "reports"))
def test_reports_do_not_touch_the_file_system(mod):
    bad = [(c, line) for c, line in _calls(MODULES[mod]) if c in FILE_SYSTEM]
    assert not bad, f"{mod} looks at the file system: {bad} (resolve paths before rendering)"


def test_only_the_cli_imports_reports():
    bad = [f"{mod}:{line}: {t}" for mod, path in MODULES.items()
           if mod.startswith("analyzer.") and not mod.startswith("analyzer.cli")
           for t, _, line in _imports(mod, path) if t.split(".")[0] == "reports"]
    assert not bad, "analyzer/ outside cli imports reports/:\n" + "\n".join(bad)


def test_views_build_no_report_strings():
    bad = []
    for mod, path in MODULES.items():
        if not mod.startswith("analyzer.views."):
            continue
        for node in ast.parse(open(path).read(), path).body:
            if isinstance(node, ast.FunctionDef) and (
                    node.name.startswith("render") or node.name in ("to_json", "to_dot", "to_graphml")
                    or (node.name.endswith("_text") and not node.name.startswith("_"))):
                bad.append(f"{path}:{node.lineno}: {node.name}")
    assert not bad, "presentation left in analyzer/views (it belongs in reports/):\n" + "\n".join(bad)


def test_one_template_environment():
    """Only reports/environment.py builds a jinja2 Environment; templates come from its template()."""
    bad = [f"{mod}:{line}" for mod, path in MODULES.items() if mod != "reports.environment"
           for c, line in _calls(path) if c.endswith("Environment") or c.endswith("get_template")]
    assert not bad, f"template environments outside reports/environment.py: {bad}"


def test_commands_pick_renderers_from_the_registry():
    """No command imports a renderer module or builds module names: they go through reports.registry."""
    bad = []
    for mod, path in MODULES.items():
        if not mod.startswith("analyzer.cli.commands."):
            continue
        for t, name, line in _imports(mod, path):
            if t == "reports" and name != "registry" or t.startswith("reports.") and t != "reports.registry":
                bad.append(f"{path}:{line}: {t} {name or ''}")
        bad += [f"{path}:{line}: {c}" for c, line in _calls(path) if c == "importlib.import_module"]
    assert not bad, "commands reaching renderers past reports/registry.py:\n" + "\n".join(bad)


def test_registry_entries_resolve_and_unknown_is_an_error():
    from reports import registry
    for (command, fmt), target in registry.RENDERERS.items():
        assert callable(registry.renderer(command, fmt)), target
    with pytest.raises(registry.UnknownReport):
        registry.renderer("check", "pdf")
    with pytest.raises(registry.UnknownReport):
        registry.renderer("no-such-command", "text")
    assert registry.formats("check") == ("text", "json", "md", "html", "sarif", "junit")


def test_one_owner_of_the_display_state():
    """The 'loads with warnings' state is decided in analyzer/check/summary.py only: no other module
    compares a verdict to "loads" together with a warning severity."""
    bad = []
    for mod, path in MODULES.items():
        if mod == "analyzer.check.summary" or not mod.startswith(("reports", "analyzer.cli")):
            continue
        src = open(path).read()
        if '== "warning"' in src and ('"loads"' in src or "'loads'" in src):
            bad.append(path)
    assert not bad, f"display state derived outside analyzer/check/summary.py: {bad}"
def _tree(mod):
    return ast.parse(open(MODULES[mod]).read(), MODULES[mod])


def _reads_message(node):
    """Does the expression read a `.message` attribute (a Finding's prose) anywhere inside it?"""
    return any(isinstance(n, ast.Attribute) and n.attr == "message" for n in ast.walk(node))


REGEX_METHODS = {"match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"}


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if m.split(".")[0] == "analyzer"))
def test_no_regex_on_finding_messages(mod):
    """Decisions come from structured fields (Finding.detail, Change fields), never from parsing prose:
    no re.* call nor compiled-pattern match/search/... takes a `.message` in analyzer/."""
    bad = [n.lineno for n in ast.walk(_tree(mod))
           if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
           and ((isinstance(n.func.value, ast.Name) and n.func.value.id == "re") or n.func.attr in REGEX_METHODS)
           and any(_reads_message(a) for a in n.args)]
    assert not bad, f"{mod} runs a regex on a message at lines {bad}"


def _defined_names(mod):
    return {t.id for n in ast.walk(_tree(mod)) if isinstance(n, (ast.Assign, ast.AnnAssign))
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)} | \
           {n.name for n in ast.walk(_tree(mod)) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


# prose parsers replaced by structured fields, and duplicate vocabularies replaced by one owner each:
# (module, name) that must stay gone
REMOVED = [
    ("analyzer.views.graph", "_WEAK"),                  # Finding.detail["kfunc"]
    ("analyzer.views.impact", "_LOST_HOOKS"),           # Change.lost_types / Change.loses
]


@pytest.mark.parametrize("mod,name", REMOVED)
def test_removed_duplicates_stay_gone(mod, name):
    assert name not in _defined_names(mod)
REMOVED += [
    ("analyzer.check.rules.progtype", "_split_refused"),  # probe refusal records (analyzer.kernel.facts)
]


def test_rules_read_no_probe_prose():
    """Only analyzer.kernel.facts knows the probe's legacy English: the rules read refusal records."""
    for mod in (m for m in MODULES if m.startswith("analyzer.check")):
        src = open(MODULES[mod]).read()
        assert "variants_refused" not in src and ".warnings" not in src, mod


def test_short_prog_type_name_defined_once():
    """'BPF_PROG_TYPE_SCHED_CLS' <-> 'sched_cls' is analyzer.objects.sections short_prog_type/full_prog_type;
    no other module cuts or glues the prefix itself."""
    for mod in MODULES:
        if mod == "analyzer.objects.sections":
            continue
        src = open(MODULES[mod]).read()
        assert '"BPF_PROG_TYPE_"):].lower()' not in src and 'removeprefix("bpf_prog_type_")' not in src, mod
        assert '"BPF_PROG_TYPE_" + ' not in src, mod


REMOVED += [("analyzer.kernel.probe", "_short")]
REMOVED += [("analyzer.views.diff", "_NOT_OWN")]     # analyzer.kernel.facts HELPERS_NOT_OWN / KFUNC_HOOK_NOT_OWN


def test_not_own_hook_sets_defined_once():
    for mod in MODULES:
        if mod != "analyzer.kernel.facts":
            names = _defined_names(mod)
            assert not names & {"HELPERS_NOT_OWN", "KFUNC_HOOK_NOT_OWN", "_NOT_OWN"}, mod
