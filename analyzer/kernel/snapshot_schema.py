"""The schema of a snapshot's meta.json, checked on load before any field is used.

A *.bpfk file is input like any other: a hand-edited or hostile meta.json must give one line
naming the file and the bad field (exit 2), never a traceback in `kernel show`, `kfuncs`,
`timeline` or `check`. Types are exact (a bool is not an int), numbers are in range, lists and
objects hold what they should, nesting is at most MAX_JSON_DEPTH (btf.limits) deep, and only the
fields the code reads are checked (unknown keys are ignored, as the loaders ignore them)."""
from btf import limits
from btf.errors import InputError

STR, INT, BOOL = "str", "int", "bool"
_U32 = 0xFFFFFFFF


def _t(v):
    return "null" if v is None else {bool: "boolean", int: "number", float: "number", str: "string",
                                     list: "list", dict: "object"}.get(type(v), type(v).__name__)


class _Bad(Exception):
    pass


def _check(v, spec, where):
    """spec: STR | INT | BOOL | ("opt", spec) | ("list", spec) | ("map", spec) | ("obj", {key: spec})
    | ("range", lo, hi) | ("enum", values)."""
    if isinstance(spec, tuple) and spec[0] == "opt":
        if v is None:
            return
        spec = spec[1]
    if spec == STR:
        if type(v) is not str:
            raise _Bad(f"{where} is a {_t(v)}, not a string")
    elif spec == INT:
        if type(v) is not int:
            raise _Bad(f"{where} is a {_t(v)}, not an integer")
    elif spec == BOOL:
        if type(v) is not bool:
            raise _Bad(f"{where} is a {_t(v)}, not true/false")
    elif spec[0] == "range":
        if type(v) is not int or not spec[1] <= v <= spec[2]:
            raise _Bad(f"{where} is {v!r}, not an integer in {spec[1]}..{spec[2]}")
    elif spec[0] == "enum":
        if v not in spec[1]:
            raise _Bad(f"{where} is {v!r}, not one of {', '.join(map(repr, spec[1]))}")
    elif spec[0] == "list":
        if type(v) is not list:
            raise _Bad(f"{where} is a {_t(v)}, not a list")
        for i, x in enumerate(v):
            _check(x, spec[1], f"{where}[{i}]")
    elif spec[0] == "map":
        if type(v) is not dict:
            raise _Bad(f"{where} is a {_t(v)}, not an object")
        for k, x in v.items():
            _check(x, spec[1], f"{where}[{k!r}]")
    elif spec[0] == "obj":
        if type(v) is not dict:
            raise _Bad(f"{where} is a {_t(v)}, not an object")
        for k, sub in spec[1].items():
            if k in v:
                _check(v[k], sub, f"{where}.{k}")
            elif not (isinstance(sub, tuple) and sub[0] == "opt"):
                raise _Bad(f"{where}.{k} is missing")


_STRS = ("list", STR)
_OPT_STR = ("opt", STR)

KFUNC = ("obj", {"name": STR, "btf_id": ("range", 0, _U32), "proto": STR, "flags": ("opt", ("range", 0, _U32)),
                 "flag_names": ("opt", _STRS), "found_by": ("opt", _STRS), "sets": ("opt", _STRS),
                 "module": _OPT_STR, "fastcall": ("opt", BOOL), "impl_of": _OPT_STR, "impl": _OPT_STR})
FACTS = ("obj", {"schema": STR, "origin": ("enum", ("source", "probe")), "detail": ("opt", STR),
                 "version": _OPT_STR, "kfunc_flags": ("opt", ("map", _STRS)),
                 "kfunc_prog_types": ("opt", ("map", _STRS)), "helper_prog_types": ("opt", ("map", _STRS)),
                 "prog_types": ("opt", _STRS), "map_types": ("opt", _STRS), "methods": ("opt", ("map", STR)),
                 "warnings": ("opt", _STRS)})
META = ("obj", {"schema": STR, "name": _OPT_STR, "release": _OPT_STR, "arch": _OPT_STR, "source": _OPT_STR,
                "version_banner": _OPT_STR, "config": ("map", STR), "kfuncs": ("list", KFUNC),
                "function_symbols": ("opt", _STRS), "modules": _STRS, "facts": ("opt", ("list", FACTS)),
                "notes": ("opt", _STRS)})


def depth(v, limit):
    """Nesting depth of a parsed JSON value, stopping (and returning limit + 1) past `limit`;
    iterative, so a deep document cannot exhaust the stack."""
    stack = [(v, 1)]
    worst = 0
    while stack:
        x, d = stack.pop()
        if d > worst:
            worst = d
            if worst > limit:
                return worst
        if isinstance(x, dict):
            stack.extend((y, d + 1) for y in x.values())
        elif isinstance(x, list):
            stack.extend((y, d + 1) for y in x)
    return worst


def validate_meta(path, meta):
    """Raise InputError(path, "corrupt snapshot meta.json: <field> ...") unless `meta` fits."""
    lim = limits.get("MAX_JSON_DEPTH")
    if depth(meta, lim) > lim:
        raise limits.breach(path, "MAX_JSON_DEPTH", "nesting of meta.json")
    try:
        _check(meta, META, "meta")
        for i, k in enumerate(meta["kfuncs"]):
            if "/" in k["name"] or not k["name"]:
                raise _Bad(f"meta.kfuncs[{i}].name {k['name']!r} is not a function name")
        for i, m in enumerate(meta["modules"]):
            if not m or "/" in m or m in (".", ".."):
                raise _Bad(f"meta.modules[{i}] {m!r} is not a module name")
    except _Bad as e:
        raise InputError(path, f"corrupt snapshot meta.json: {e}") from None
    return meta
