"""What one parsed kernel C file says about BPF access, read with libclang (no regex over C).

`read_translation_unit(tu, path)` returns a JSON-able `FileFacts` dict:
  sets           kfunc sets: BTF_KFUNCS_START/END and BTF_SET8_START/END with their BTF_ID_FLAGS entries.
                 Those macros expand to asm, so they are read from the preprocessing record (macro
                 instantiation cursors and their tokens); invocations hidden inside other macros
                 (XDP_METADATA_KFUNC_xxx) are expanded with the file's own macro definitions, as tokens.
  descs          `struct btf_kfunc_id_set` variables: .set (and whether a .filter is present)
  registrations  register_btf_kfunc_id_set(PROG_TYPE, &desc) / register_btf_fmodret_id_set(&desc) calls,
                 arguments followed through constant arrays and through parameters of the enclosing function
  hook_map       bpf_prog_type_to_kfunc_hook()'s switch (kernel/bpf/btf.c): prog type -> kfunc hook
  verifier_ops   `struct bpf_verifier_ops` variables -> their .get_func_proto function
  struct_ops_verifier_ops  verifier ops named by `.verifier_ops = &X` in `struct bpf_struct_ops` variables
  func_protos    functions returning `const struct bpf_func_proto *` from an `enum bpf_func_id`: the
                 BPF_FUNC_ case labels whose branch does not start with `return NULL` / `break`, and the
                 other *_func_proto functions they call (their helpers are offered too: an upper bound),
                 and whether the function is static or weak (how a call from another file links to it);
                 a call through a function-pointer field is recorded as "*struct.field"
  proto_fields   "struct.field" -> the func_proto functions stored there by initializers (other than
                 bpf_verifier_ops): where such an indirect call may go
"""
from __future__ import annotations

import clang.cindex as ci

CK = ci.CursorKind
SET_START = {"BTF_KFUNCS_START": "kfuncs", "BTF_SET8_START": "set8"}
SET_END = {"BTF_KFUNCS_END", "BTF_SET8_END"}
MAX_EXPANSION_DEPTH = 8


def _main_file_test():
    """clang_Location_isFromMainFile (cheaper than comparing file names for tens of thousands of cursors)."""
    import ctypes
    fn = ci.conf.lib.clang_Location_isFromMainFile
    fn.argtypes = [ci.SourceLocation]
    fn.restype = ctypes.c_int
    return lambda cursor: bool(fn(cursor.location))


class _TopLevel:
    """One pass over a translation unit's top-level cursors: macro definitions of every file, and the
    main file's macro instantiations, variables and function definitions."""

    def __init__(self, tu, path):
        if path == tu.spelling:
            in_main = _main_file_test()
        else:                       # a .c file #included by the parsed one (kernel/sched/build_policy.c)
            def in_main(c):
                f = c.location.file
                return f is not None and f.name == path
        self._defs = []
        self._macro_defs = None
        self.instantiations, self.variables, self.functions = [], [], []
        for c in tu.cursor.get_children():
            k = c.kind
            if k == CK.MACRO_DEFINITION:
                self._defs.append(c)
            elif k == CK.INCLUSION_DIRECTIVE:
                continue
            elif k == CK.MACRO_INSTANTIATION:
                if in_main(c):
                    self.instantiations.append(c)
            elif k == CK.VAR_DECL:
                if in_main(c):
                    self.variables.append(c)
            elif k == CK.FUNCTION_DECL:
                if in_main(c) and c.is_definition():
                    self.functions.append(c)


    @property
    def macro_defs(self):
        """name -> [definition cursor]; built on first use (only files with kfunc sets need it)."""
        if self._macro_defs is None:
            self._macro_defs = {}
            for c in self._defs:
                self._macro_defs.setdefault(c.spelling, []).append(c)
        return self._macro_defs


def _tokens(cursor):
    return [t.spelling for t in cursor.get_tokens()]


def _in_file(cursor, path):
    loc = cursor.location
    return loc.file is not None and loc.file.name == path


def _split_args(toks, start):
    """Arguments of the invocation whose '(' is toks[start]: ([[tokens], ...], index after ')')."""
    depth, args, cur = 0, [], []
    i = start
    while i < len(toks):
        t = toks[i]
        if t == "(":
            depth += 1
            if depth > 1:
                cur.append(t)
        elif t == ")":
            depth -= 1
            if depth == 0:
                args.append(cur)
                return args, i + 1
            cur.append(t)
        elif t == "," and depth == 1:
            args.append(cur)
            cur = []
        else:
            cur.append(t)
        i += 1
    return None, len(toks)


class _Macros:
    """The macro definitions of a translation unit, tokenised on demand (from libclang's tokens)."""

    def __init__(self, top, path):
        self.path = path
        self.top = top
        self._parsed = {}

    @property
    def defs(self):
        return self.top.macro_defs

    def definition(self, name, before_offset=None):
        """(params or None, body tokens) of the definition in effect: the last one in the main file
        before `before_offset`, else the last one seen in a header."""
        cands = self.defs.get(name)
        if not cands:
            return None
        pick = None
        for c in cands:
            if c.location.file is not None and c.location.file.name == self.path:
                if before_offset is not None and c.extent.start.offset > before_offset:
                    continue
                if pick is None or not _in_file(pick, self.path) or c.extent.start.offset > pick.extent.start.offset:
                    pick = c
            elif pick is None or not _in_file(pick, self.path):
                pick = c
        if pick is None:
            return None
        key = (pick.location.file.name if pick.location.file else "", pick.extent.start.offset)
        got = self._parsed.get(key)
        if got is None:
            toks = list(pick.get_tokens())
            params = None
            body = [t.spelling for t in toks[1:]]
            # function-like: '(' directly after the name, no blank between them
            if len(toks) > 1 and toks[1].spelling == "(" and \
                    toks[1].extent.start.offset == toks[0].extent.end.offset:
                args, after = _split_args([t.spelling for t in toks], 1)
                if args is not None:
                    params = [" ".join(a) for a in args if a]
                    body = [t.spelling for t in toks[after:]]
            got = (params, body)
            self._parsed[key] = got
        return got

    def expand(self, toks, offset, depth=0):
        """Expand macro invocations in `toks` (one level at a time, up to a depth) except the
        BTF_* set macros, which the caller interprets."""
        if depth > MAX_EXPANSION_DEPTH:
            return toks
        out, i, changed = [], 0, False
        while i < len(toks):
            t = toks[i]
            d = None if t.startswith("BTF_") or t.startswith("KF_") else self.definition(t, offset)
            if d is None:
                out.append(t)
                i += 1
                continue
            params, body = d
            if params is None:
                out.extend(body)
                i += 1
                changed = True
                continue
            if i + 1 >= len(toks) or toks[i + 1] != "(":
                out.append(t)
                i += 1
                continue
            args, after = _split_args(toks, i + 1)
            if args is None:
                out.append(t)
                i += 1
                continue
            out.extend(_substitute(params, args, body))
            i = after
            changed = True
        return self.expand(out, offset, depth + 1) if changed else out

    def kf_flags(self, toks, offset, depth=0):
        """KF_ flag names in a flags expression; a KF_ name defined as a combination of other KF_
        names (or a non-KF macro) is expanded."""
        out = []
        for t in toks:
            if not (t[:1].isalpha() or t[:1] == "_"):
                continue
            d = self.definition(t, offset) if depth < MAX_EXPANSION_DEPTH else None
            body = d[1] if d is not None and d[0] is None else None
            inner = [b for b in body or () if b.startswith("KF_")] if body is not None else []
            if body is not None and (inner or not t.startswith("KF_")):
                out.extend(self.kf_flags(body, offset, depth + 1))
            elif t.startswith("KF_"):
                out.append(t)
        return out


def _substitute(params, args, body):
    """The body of a function-like macro with its parameters replaced by the call's arguments
    (`#param` stringified, `a ## b` pasted)."""
    names = list(params)
    mapping = {}
    for i, p in enumerate(names):
        if p == "...":
            mapping["__VA_ARGS__"] = [x for j, a in enumerate(args[i:]) for x in ((["," ] if j else []) + a)]
        elif p.endswith("..."):
            mapping[p[:-3]] = [x for j, a in enumerate(args[i:]) for x in ((["," ] if j else []) + a)]
        else:
            mapping[p] = args[i] if i < len(args) else []
    out = []
    i = 0
    while i < len(body):
        t = body[i]
        if t == "##" and out and i + 1 < len(body):
            nxt = body[i + 1]
            rep = mapping.get(nxt, [nxt])
            out[-1] = out[-1] + (rep[0] if rep else "")
            out.extend(rep[1:])
            i += 2
            continue
        if t == "#" and i + 1 < len(body) and body[i + 1] in mapping:
            out.append('"' + " ".join(mapping[body[i + 1]]) + '"')
            i += 2
            continue
        out.extend(mapping.get(t, [t]))
        i += 1
    return out


# ------------------------------------------------------------------------------ kfunc sets
def _read_sets(top, path, macros, facts):
    insts = list(top.instantiations)
    insts.sort(key=lambda c: c.extent.start.offset)
    current = None
    last_end = -1
    for c in insts:
        start = c.extent.start.offset
        if start < last_end:            # nested inside an instantiation already handled
            continue
        last_end = c.extent.end.offset
        name = c.spelling
        if name in SET_START:
            toks = _tokens(c)
            args, _ = _split_args(toks, 1) if len(toks) > 1 else (None, 0)
            if not args or not args[0]:
                facts["warnings"].append(f"{path}:{c.location.line}: {name} without a set name")
                current = None
                continue
            current = "".join(args[0])
            facts["sets"].setdefault(current, {"kind": SET_START[name], "line": c.location.line,
                                               "entries": {}})
            continue
        if name in SET_END:
            current = None
            continue
        if current is None:
            continue
        toks = _tokens(c)
        if name != "BTF_ID_FLAGS":
            toks = macros.expand(toks, start)
        _collect_id_flags(toks, start, macros, facts["sets"][current]["entries"], path, c.location.line, facts)


def _collect_id_flags(toks, offset, macros, entries, path, line, facts):
    i = 0
    while i < len(toks):
        if toks[i] == "BTF_ID_FLAGS" and i + 1 < len(toks) and toks[i + 1] == "(":
            args, after = _split_args(toks, i + 1)
            if args is None or len(args) < 2 or not args[1]:
                facts["warnings"].append(f"{path}:{line}: malformed BTF_ID_FLAGS")
                i += 1
                continue
            if "".join(args[0]) == "func":
                name = "".join(args[1])
                flags = []
                for a in args[2:]:
                    flags.extend(macros.kf_flags(a, offset))
                prev = entries.setdefault(name, [])
                for f in flags:
                    if f not in prev:
                        prev.append(f)
            i = after
            continue
        i += 1


# ------------------------------------------------------------------------------ initializers
def _init_fields(init):
    """{field: value cursor} of a designated initializer list."""
    out = {}
    for ch in init.get_children():
        kids = list(ch.get_children())
        if len(kids) >= 2 and kids[0].kind == CK.MEMBER_REF:
            out[kids[0].spelling] = kids[-1]
    return out


def _referenced_decl(expr):
    """The declaration an expression like `&name`, `name`, `(cast)name` refers to (first DECL_REF)."""
    if expr.kind == CK.DECL_REF_EXPR:
        return expr.referenced
    for d in expr.walk_preorder():
        if d.kind == CK.DECL_REF_EXPR:
            return d.referenced
    return None


def _read_variables(top, path, facts):
    for c in top.variables:
        tname = c.type.spelling
        init = next((k for k in c.get_children() if k.kind == CK.INIT_LIST_EXPR), None)
        if init is None:
            continue
        fields = _init_fields(init)
        if "btf_kfunc_id_set" in tname:
            s = fields.get("set")
            ref = _referenced_decl(s) if s is not None else None
            facts["descs"][c.spelling] = {"set": ref.spelling if ref is not None else None,
                                          "filter": "filter" in fields, "line": c.location.line}
        elif "bpf_verifier_ops" in tname:
            fp = fields.get("get_func_proto")
            ref = _referenced_decl(fp) if fp is not None else None
            facts["verifier_ops"][c.spelling] = ref.spelling if ref is not None else None
        elif "bpf_struct_ops" in tname and "verifier_ops" in fields:
            ref = _referenced_decl(fields["verifier_ops"])
            if ref is not None:
                facts["struct_ops_verifier_ops"].append(ref.spelling)
        if "bpf_verifier_ops" in tname:
            continue
        # func_proto functions stored in other structs' fields (struct bpf_iter_reg .get_func_proto):
        # a func_proto that calls through such a field reaches every one of them
        decl = c.type.get_canonical().get_declaration()
        for field, val in fields.items():
            ref = _referenced_decl(val)
            if ref is not None and ref.kind == CK.FUNCTION_DECL and _is_func_proto(ref) and decl is not None:
                facts["proto_fields"].setdefault(f"{decl.spelling}.{field}", []).append(ref.spelling)


# ------------------------------------------------------------------------------ registrations
REGISTER_CALLS = {"register_btf_kfunc_id_set": "kfunc", "register_btf_fmodret_id_set": "fmodret"}


def _strip(expr):
    while expr is not None and expr.kind in (CK.UNEXPOSED_EXPR, CK.PAREN_EXPR, CK.CSTYLE_CAST_EXPR):
        kids = [k for k in expr.get_children() if k.kind != CK.TYPE_REF]
        if len(kids) != 1:
            break
        expr = kids[0]
    return expr


class _Resolver:
    """Values an argument can take: enum constants / variable names, followed through constant arrays
    (`types[i]`) and through the parameters of the enclosing function to its call sites in the file."""

    def __init__(self, top, path, text: bytes):
        self.text = text
        self.funcs = {fn.spelling: fn for fn in top.functions}   # function name -> definition cursor
        self._calls = {}                # function name -> [call cursor]

    def body_mentions(self, fn, name: str) -> bool:
        return name.encode() in self.text[fn.extent.start.offset:fn.extent.end.offset]

    def calls(self, name):
        """CALL_EXPR cursors of `name` in the main file (only functions whose text mentions it are walked)."""
        got = self._calls.get(name)
        if got is None:
            got = []
            for fn in self.funcs.values():
                if self.body_mentions(fn, name):
                    got.extend(c for c in fn.walk_preorder() if c.kind == CK.CALL_EXPR and c.spelling == name)
            self._calls[name] = got
        return got

    def values(self, expr, func, want, depth=0):
        """(values, problem). want: "enum" (enum constant names) or "var" (variable names)."""
        expr = _strip(expr)
        if expr is None:
            return [], "no argument"
        if expr.kind == CK.UNARY_OPERATOR:
            kids = list(expr.get_children())
            if len(kids) == 1:
                return self.values(kids[0], func, want, depth)
        if expr.kind == CK.DECL_REF_EXPR:
            ref = expr.referenced
            if ref is None:
                return [], f"unresolved name {expr.spelling}"
            if ref.kind == CK.ENUM_CONSTANT_DECL:
                return [ref.spelling], None
            if ref.kind == CK.VAR_DECL:
                if want == "var":
                    return [ref.spelling], None
                init = next((k for k in ref.get_children() if k.kind != CK.TYPE_REF), None)
                if init is not None and ref.type.is_const_qualified():
                    return self.values(init, func, want, depth + 1)
                return [], f"variable {ref.spelling} is not a constant"
            if ref.kind == CK.PARM_DECL and func is not None and depth < 4:
                params = [a.spelling for a in func.get_arguments()]
                if ref.spelling not in params:
                    return [], f"parameter {ref.spelling} not found"
                idx = params.index(ref.spelling)
                out, probs = [], []
                sites = self.calls(func.spelling)
                if not sites:
                    return [], f"{func.spelling}() is not called in this file"
                for site in sites:
                    args = list(site.get_arguments())
                    if idx >= len(args):
                        continue
                    caller = _enclosing_function(site, self.funcs)
                    v, p = self.values(args[idx], caller, want, depth + 1)
                    out.extend(v)
                    if p:
                        probs.append(p)
                return out, ("; ".join(probs) or None)
            return [], f"cannot follow {ref.kind.name.lower()} {ref.spelling}"
        if expr.kind == CK.ARRAY_SUBSCRIPT_EXPR:
            base = _strip(next(iter(expr.get_children()), None))
            ref = base.referenced if base is not None and base.kind == CK.DECL_REF_EXPR else None
            if ref is not None and ref.kind == CK.VAR_DECL:
                init = next((k for k in ref.get_children() if k.kind == CK.INIT_LIST_EXPR), None)
                if init is not None:
                    out, probs = [], []
                    for el in init.get_children():
                        v, p = self.values(el, func, want, depth + 1)
                        out.extend(v)
                        if p:
                            probs.append(p)
                    return out, ("; ".join(probs) or None)
            return [], "array element of a non-constant array"
        if expr.kind == CK.INIT_LIST_EXPR:
            out = []
            for el in expr.get_children():
                out.extend(self.values(el, func, want, depth + 1)[0])
            return out, None
        return [], f"unsupported expression ({expr.kind.name.lower()})"


def _enclosing_function(cursor, funcs):
    off = cursor.extent.start.offset
    for f in funcs.values():
        if f.extent.start.offset <= off < f.extent.end.offset:
            return f
    return None


def _read_registrations(tu, path, resolver, facts):
    for name, kind in REGISTER_CALLS.items():
        for call in resolver.calls(name):
            args = list(call.get_arguments())
            func = _enclosing_function(call, resolver.funcs)
            where = f"{path}:{call.location.line}"
            if kind == "kfunc":
                if len(args) != 2:
                    facts["warnings"].append(f"{where}: {name} with {len(args)} arguments")
                    continue
                types, p1 = resolver.values(args[0], func, "enum")
                descs, p2 = resolver.values(args[1], func, "var")
            else:
                if len(args) != 1:
                    facts["warnings"].append(f"{where}: {name} with {len(args)} arguments")
                    continue
                types, p1 = ["fmodret"], None
                descs, p2 = resolver.values(args[0], func, "var")
            for p in (p1, p2):
                if p:
                    facts["warnings"].append(f"{where}: {name}: {p}")
            for t in types:
                for d in descs:
                    facts["registrations"].append({"kind": kind, "prog_type": t, "desc": d,
                                                   "line": call.location.line,
                                                   "in": func.spelling if func is not None else None})


# ------------------------------------------------------------------------------ switches
def _case_groups(switch):
    """[(labels, first statement)] of a switch body, in order; labels are enum constant names or
    "default"; the first statement is the one after the (possibly stacked) labels."""
    body = list(switch.get_children())[-1]
    items = list(body.get_children()) if body.kind == CK.COMPOUND_STMT else [body]
    out = []
    for it in items:
        if it.kind not in (CK.CASE_STMT, CK.DEFAULT_STMT):
            continue
        labels, stmt = [], it
        while stmt is not None and stmt.kind in (CK.CASE_STMT, CK.DEFAULT_STMT):
            kids = list(stmt.get_children())
            if stmt.kind == CK.DEFAULT_STMT:
                labels.append("default")
                stmt = kids[0] if kids else None
            else:
                label = _strip(kids[0]) if kids else None
                ref = label.referenced if label is not None and label.kind == CK.DECL_REF_EXPR else None
                labels.append(ref.spelling if ref is not None else "?")
                stmt = kids[1] if len(kids) > 1 else None
        out.append((labels, stmt))
    return out


def _is_null_return(stmt):
    if stmt is None:
        return False
    if stmt.kind == CK.BREAK_STMT:
        return True
    if stmt.kind != CK.RETURN_STMT:
        return False
    toks = [t for t in _tokens(stmt) if t != ";"]
    return toks in (["return", "NULL"], ["return", "0"], ["return", "(", "void", "*", ")", "0"])


def _read_hook_map(func, facts):
    for sw in (c for c in func.walk_preorder() if c.kind == CK.SWITCH_STMT):
        for labels, stmt in _case_groups(sw):
            if stmt is None or stmt.kind != CK.RETURN_STMT:
                continue
            ret = _strip(next(iter(stmt.get_children()), None))
            ref = ret.referenced if ret is not None and ret.kind == CK.DECL_REF_EXPR else None
            if ref is None:
                continue
            for lab in labels:
                facts["hook_map"][lab] = ref.spelling
        break


def _is_func_proto(func):
    if "bpf_func_proto" not in func.result_type.spelling:
        return False
    return any("bpf_func_id" in a.type.spelling for a in func.get_arguments())


def _read_func_proto(func, facts, path):
    """Offered helper ids of one get_func_proto-style function, the functions it falls back to, and the
    ids an earlier switch refuses outright (`case X: return NULL;`) before a fallback call: those are
    not inherited from that fallback."""
    helpers, calls, refused = set(), {}, []      # refused: [(switch offset, {ids})]
    for node in func.walk_preorder():
        if node.kind == CK.SWITCH_STMT:
            nulls = set()
            for labels, stmt in _case_groups(node):
                ids = [lab for lab in labels if lab.startswith("BPF_FUNC_")]
                if not ids:
                    continue
                if not _is_null_return(stmt):
                    helpers.update(ids)
                elif stmt.kind == CK.RETURN_STMT:
                    nulls.update(ids)
            if nulls:
                refused.append((node.extent.start.offset, nulls))
        elif node.kind == CK.BINARY_OPERATOR:
            # if (func_id == BPF_FUNC_x) ...: counted as offered (an upper bound)
            kids = [_strip(k) for k in node.get_children()]
            toks = _tokens(node)
            if "==" in toks and len(kids) == 2:
                for k in kids:
                    ref = k.referenced if k is not None and k.kind == CK.DECL_REF_EXPR else None
                    if ref is not None and ref.kind == CK.ENUM_CONSTANT_DECL and ref.spelling.startswith("BPF_FUNC_"):
                        helpers.add(ref.spelling)
        elif node.kind == CK.CALL_EXPR:
            ref = node.referenced
            target = None
            if ref is not None and ref.kind == CK.FUNCTION_DECL:
                if ref.spelling != func.spelling and _is_func_proto(ref):
                    target = ref.spelling
            elif "bpf_func_proto" in node.type.spelling:
                target = _field_callee(node)        # e.g. tinfo->reg_info->get_func_proto(func_id, prog)
            if target is not None:
                off = node.extent.start.offset
                minus = set()
                for sw_off, ids in refused:
                    if sw_off < off:
                        minus |= ids
                prev = calls.get(target)
                calls[target] = minus if prev is None else (prev & minus)
    facts["func_protos"][func.spelling] = {
        "helpers": sorted(helpers),
        "calls": {k: sorted(v - helpers) for k, v in sorted(calls.items())},
        "static": func.storage_class == ci.StorageClass.STATIC, "weak": _is_weak(func),
        "line": func.location.line}


def _field_callee(call):
    """"*struct.field" for a call through a function-pointer field (`p->reg_info->get_func_proto(...)`),
    else None: combine() resolves it to every func_proto stored in that field of that struct."""
    kids = list(call.get_children())
    callee = _strip(kids[0]) if kids else None
    if callee is None or callee.kind != CK.MEMBER_REF_EXPR:
        return None
    field = callee.referenced
    if field is None or field.kind != CK.FIELD_DECL or field.semantic_parent is None:
        return None
    return f"*{field.semantic_parent.spelling}.{field.spelling}"


WEAK_SPELLINGS = {"__weak", "weak", "__weak__"}


def _is_weak(func) -> bool:
    """Whether a function definition is declared weak (`__weak`, `__attribute__((weak))`): the linker
    drops it when another file defines the same name, as kernel/bpf/syscall.c's default
    tracing_prog_func_proto gives way to kernel/trace/bpf_trace.c's. Read from the tokens before
    the function's name (libclang shows the attribute only as an unexposed one)."""
    if not any(k.kind.is_attribute() for k in func.get_children()):
        return False
    name_off = func.location.offset
    for t in func.get_tokens():
        if t.extent.start.offset >= name_off:
            break
        if t.spelling in WEAK_SPELLINGS:
            return True
    return False


def read_translation_unit(tu, path, text: bytes = None) -> dict:
    """Everything this module reads from one parsed file (see the module docstring)."""
    facts = {"sets": {}, "descs": {}, "registrations": [], "hook_map": {}, "common_hook_checked": None,
             "verifier_ops": {}, "struct_ops_verifier_ops": [], "proto_fields": {}, "func_protos": {},
             "warnings": []}
    top = _TopLevel(tu, path)
    macros = _Macros(top, path)
    _read_sets(top, path, macros, facts)
    _read_variables(top, path, facts)
    if text is None:
        with open(path, "rb") as f:
            text = f.read()
    resolver = _Resolver(top, path, text)
    _read_registrations(tu, path, resolver, facts)
    for name, func in resolver.funcs.items():
        if name == "bpf_prog_type_to_kfunc_hook":
            _read_hook_map(func, facts)
            if facts["common_hook_checked"] is None:
                facts["common_hook_checked"] = False
        elif "register" not in name and resolver.body_mentions(func, "BTF_KFUNC_HOOK_COMMON"):
            # a lookup (btf_kfunc_id_set_contains in 6.12, btf_kfunc_is_allowed in 7.x) that tries the
            # common hook before the program's own: common sets reach every program type
            if any(c.kind == CK.DECL_REF_EXPR and c.spelling == "BTF_KFUNC_HOOK_COMMON" for c in func.walk_preorder()):
                facts["common_hook_checked"] = True
        if _is_func_proto(func):
            _read_func_proto(func, facts, path)
    return facts


def read_prog_type_list(tu, path) -> list:
    """[(prog type, name)] of include/linux/bpf_types.h's BPF_PROG_TYPE(...) entries the config keeps
    (the header parsed on its own, with BPF_PROG_TYPE defined empty so its uses are recorded)."""
    out = []
    for c in tu.cursor.get_children():
        if c.kind == CK.MACRO_INSTANTIATION and c.spelling == "BPF_PROG_TYPE" and _in_file(c, path):
            args, _ = _split_args(_tokens(c), 1)
            if args and len(args) >= 2:
                out.append(("".join(args[0]), "".join(args[1])))
    return out
