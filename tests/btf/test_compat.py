"""libbpf type rules (btf/compat.py) on small, exact BTF: a local "program" BTF and a target "kernel" BTF."""
import os

import pytest

from btf import compat as C
from btf import kinds as K
from btf.builder import BtfBuilder
from btf.reader import Btf

VMLINUX = "/sys/kernel/btf/vmlinux"


# ----------------------------------------------------------------------------- essential names
@pytest.mark.parametrize("name,ess", [
    ("foo___v2", "foo"),
    ("a___b___c", "a___b"),
    ("x____y", "x____y"),          # 4 underscores: no flavor
    ("task_struct___old", "task_struct"),
    ("task_struct", "task_struct"),
    ("foo___", "foo___"),          # nothing after the separator
    ("___foo", "___foo"),          # nothing before it
    ("a___b", "a"),
    ("a___bc", "a"),
    ("ab___c_", "ab"),
    ("a__b", "a__b"),
    ("", ""),
    ("abcd", "abcd"),
    ("bpf_foo___v2___", "bpf_foo"),  # last valid separator is the first one
])
def test_essential_name(name, ess):
    assert C.essential_name(name) == ess
    assert C.essential_name_len(name) == len(ess)


# ----------------------------------------------------------------------------- fixtures
def two():
    """A local and a target builder with the same basic scalar types in both."""
    out = []
    for _ in range(2):
        b = BtfBuilder()
        ids = dict(
            int=b.int("int", 4, signed=True),
            u64=b.int("unsigned long long", 8),
            char=b.int("char", 1, signed=True, char=True),
            bool=b.int("_Bool", 1, boolean=True),
        )
        out.append((b, ids))
    return out


def build(b):
    return Btf(b.build())


# ----------------------------------------------------------------------------- kinds_core_compat
def test_kinds_core_compat_enum_mix_and_unskipped():
    (lb, l), (tb, t) = two()
    le = lb.enum("e", [("A", 1)])
    te = tb.enum64("e", [("A", 1)])
    ltd = lb.typedef("td", l["int"])
    L, T = build(lb), build(tb)
    assert C.kinds_core_compat(L, le, T, te)
    assert C.kinds_core_compat(L, l["int"], T, t["u64"])
    assert not C.kinds_core_compat(L, ltd, T, t["int"])      # not skipped
    assert not C.kinds_core_compat(L, l["int"], T, te)


# ----------------------------------------------------------------------------- types_are_compat
def proto_pair(local_params, targ_params, local_ret=None, targ_ret=None):
    """Make FUNC_PROTOs; params are callables (builder, ids) -> type id."""
    (lb, l), (tb, t) = two()
    lp = [(f"a{i}", f(lb, l)) for i, f in enumerate(local_params)]
    tp = [(f"b{i}", f(tb, t)) for i, f in enumerate(targ_params)]
    lr = local_ret(lb, l) if local_ret else l["int"]
    tr = targ_ret(tb, t) if targ_ret else t["int"]
    lf = lb.func_proto(lr, lp)
    tf = tb.func_proto(tr, tp)
    return build(lb), lf, build(tb), tf


def sptr(name, union=False):
    return lambda b, ids: b.ptr(b.struct(name, 8, [("x", ids["int"], 0)], union=union))


def vptr(b, ids):
    return b.ptr(0)


def int_(b, ids):
    return ids["int"]


def u64(b, ids):
    return ids["u64"]


def test_compat_identical_and_names_ignored():
    L, lf, T, tf = proto_pair([sptr("sock"), u64], [sptr("totally_different"), int_])
    assert C.types_are_compat(L, lf, T, tf)          # struct names below root, int sizes: ignored
    assert C.explain_incompat(L, lf, T, tf) is None


def test_compat_struct_vs_void_pointer_reason():
    L, lf, T, tf = proto_pair([int_, sptr("sock")], [int_, vptr])
    assert not C.types_are_compat(L, lf, T, tf)
    assert C.explain_incompat(L, lf, T, tf) == \
        "parameter 2: 'struct sock *' vs 'void *' (kinds differ: STRUCT vs UNKN)"


def test_compat_param_count_and_varargs():
    L, lf, T, tf = proto_pair([int_, int_, int_], [int_, int_])
    assert C.explain_incompat(L, lf, T, tf) == "parameter count 3 vs 2"
    # variadic: trailing {0,0} counts in vlen
    (lb, l), (tb, t) = two()
    lf = lb.func_proto(l["int"], [("a", l["int"]), (None, 0)])
    tf = tb.func_proto(t["int"], [("a", t["int"])])
    tf2 = tb.func_proto(t["int"], [("a", t["int"]), (None, 0)])
    L, T = build(lb), build(tb)
    assert not C.types_are_compat(L, lf, T, tf)
    assert "parameter count 2 vs 1" in C.explain_incompat(L, lf, T, tf)
    assert "variadic" in C.explain_incompat(L, lf, T, tf)
    assert C.types_are_compat(L, lf, T, tf2)


def test_compat_return_void_vs_int():
    L, lf, T, tf = proto_pair([int_], [int_], local_ret=lambda b, i: 0)
    assert not C.types_are_compat(L, lf, T, tf)
    assert C.explain_incompat(L, lf, T, tf) == "return type: 'void' vs 'int' (kinds differ: UNKN vs INT)"
    L, lf, T, tf = proto_pair([int_], [int_], local_ret=lambda b, i: 0, targ_ret=lambda b, i: 0)
    assert C.types_are_compat(L, lf, T, tf)


def test_compat_fwd_vs_struct_incompatible():
    L, lf, T, tf = proto_pair([lambda b, i: b.ptr(b.fwd("sock"))], [sptr("sock")])
    assert not C.types_are_compat(L, lf, T, tf)
    assert "kinds differ: FWD vs STRUCT" in C.explain_incompat(L, lf, T, tf)
    L, lf, T, tf = proto_pair([lambda b, i: b.ptr(b.fwd("sock"))], [lambda b, i: b.ptr(b.fwd("x"))])
    assert C.types_are_compat(L, lf, T, tf)


def test_compat_struct_vs_union():
    L, lf, T, tf = proto_pair([sptr("a")], [sptr("a", union=True)])
    assert not C.types_are_compat(L, lf, T, tf)


def test_compat_float_is_incompatible():
    L, lf, T, tf = proto_pair([lambda b, i: b.float("double", 8)], [lambda b, i: b.float("double", 8)])
    assert not C.types_are_compat(L, lf, T, tf)
    assert "unexpected kind FLOAT" in C.explain_incompat(L, lf, T, tf)


def test_compat_int_offset_only():
    L, lf, T, tf = proto_pair([lambda b, i: b.int("weird", 4, bits=8, offset=4)], [int_])
    assert not C.types_are_compat(L, lf, T, tf)
    L, lf, T, tf = proto_pair([lambda b, i: i["bool"]], [u64])       # sizes/encoding ignored
    assert C.types_are_compat(L, lf, T, tf)


def test_compat_typedefs_and_modifiers_skipped():
    def local(b, i):
        return b.typedef("u32_t", b.const(b.volatile(i["int"])))

    def targ(b, i):
        return b.ptr(b.const(b.typedef("sk", b.struct("sock", 8))))
    L, lf, T, tf = proto_pair([local, lambda b, i: b.ptr(b.struct("sock", 8))], [int_, targ])
    assert C.types_are_compat(L, lf, T, tf)


def test_compat_root_level_kind_check_is_unskipped():
    (lb, l), (tb, t) = two()
    ltd = lb.typedef("myint", l["int"])
    L, T = build(lb), build(tb)
    assert not C.types_are_compat(L, ltd, T, t["int"])           # TYPEDEF vs INT at the root
    assert C.types_are_compat(L, l["int"], T, t["u64"])
    tcon = tb.const(t["int"])
    T = build(tb)
    assert not C.types_are_compat(L, l["int"], T, tcon)          # INT vs CONST at the root
    assert C.explain_incompat(L, l["int"], T, tcon) == "kinds differ: INT vs CONST"


def test_compat_array_ignores_nelems_and_index():
    (lb, l), (tb, t) = two()
    la = lb.array(l["int"], 4, index_type=l["int"])
    ta = tb.array(t["u64"], 16, index_type=t["char"])
    tf = tb.array(tb.float("float", 4), 4)
    L, T = build(lb), build(tb)
    assert C.types_are_compat(L, la, T, ta)
    assert not C.types_are_compat(L, la, T, tf)


def test_compat_depth_limit_is_incompatible():
    (lb, l), (tb, t) = two()
    lid, tid = l["int"], t["int"]
    for _ in range(31):
        lid, tid = lb.ptr(lid), tb.ptr(tid)
    lid32, tid32 = lid, tid
    lid33, tid33 = lb.ptr(lid), tb.ptr(tid)
    L, T = build(lb), build(tb)
    assert C.types_are_compat_raw(L, lid32, T, tid32) == 1      # 31 PTRs + INT = 32 levels
    assert C.types_are_compat_raw(L, lid33, T, tid33) == -C.EINVAL
    assert not C.types_are_compat(L, lid33, T, tid33)
    assert "deeper than 32" in C.explain_incompat(L, lid33, T, tid33)


def test_compat_nested_func_proto_reason():
    (lb, l), (tb, t) = two()
    lcb = lb.ptr(lb.func_proto(l["int"], [("x", l["int"])]))
    tcb = tb.ptr(tb.func_proto(t["int"], [("x", t["int"]), ("y", t["int"])]))
    lf = lb.func_proto(l["int"], [("cb", lcb)])
    tf = tb.func_proto(t["int"], [("cb", tcb)])
    L, T = build(lb), build(tb)
    assert C.explain_incompat(L, lf, T, tf) == \
        "parameter 1: 'int (*)(int)' vs 'int (*)(int, int)' (parameter count 1 vs 2)"


def test_compat_across_split_btf():
    b = BtfBuilder()
    i = b.int("int", 4, signed=True)
    base = Btf(b.build())
    m = BtfBuilder(base=base)
    s = m.struct("mod_obj", 4, [("v", i, 0)])
    tf = m.func_proto(i, [("o", m.ptr(s))])
    mod = Btf(m.build(), base=base)
    lb = BtfBuilder()
    li = lb.int("int", 4, signed=True)
    lf = lb.func_proto(li, [("o", lb.ptr(lb.struct("mod_obj", 4, [("v", li, 0)])))])
    lf2 = lb.func_proto(li, [("o", lb.ptr(0))])
    L = Btf(lb.build())
    assert C.types_are_compat(L, lf, mod, tf)
    assert not C.types_are_compat(L, lf2, mod, tf)


# ----------------------------------------------------------------------------- types_match
def test_types_match_structs():
    (lb, l), (tb, t) = two()
    ls = lb.struct("s", 16, [("a", l["int"], 0), ("b", l["u64"], 64)])
    ts = tb.struct("s", 24, [("z", t["int"], 0), ("b", t["u64"], 64), ("a", t["int"], 128)])
    ls_bad = lb.struct("s___bad", 8, [("a", l["u64"], 0)])                 # size mismatch of int
    ls_missing = lb.struct("s___m", 8, [("nope", l["int"], 0)])
    L, T = build(lb), build(tb)
    assert C.types_match(L, ls, T, ts)                  # member order and extra members: fine
    assert not C.types_match(L, ls_bad, T, ts)
    assert not C.types_match(L, ls_missing, T, ts)


def test_types_match_int_size_and_sign():
    (lb, l), (tb, t) = two()
    lu = lb.int("int", 4)           # unsigned, same name
    L, T = build(lb), build(tb)
    assert C.types_match(L, l["int"], T, t["int"])
    assert not C.types_match(L, lu, T, t["int"])        # signedness differs
    assert not C.types_match(L, l["int"], T, t["u64"])  # names (and sizes) differ


def test_types_match_enums():
    (lb, l), (tb, t) = two()
    le = lb.enum("e", [("A", 1), ("B___x", 2)])
    te = tb.enum64("e", [("B", 99), ("A", 5), ("C", 7)], size=4)
    te8 = tb.enum64("e", [("A", 1), ("B", 2)], size=8)
    le_extra = lb.enum("e", [("A", 1), ("Z", 2)])
    L, T = build(lb), build(tb)
    assert C.types_match(L, le, T, te)                  # values ignored, enum/enum64 mix, flavor
    assert not C.types_match(L, le, T, te8)             # sizes differ
    assert not C.types_match(L, le_extra, T, te)


def test_types_match_fwd_behind_pointer():
    (lb, l), (tb, t) = two()
    lsp = lb.ptr(lb.struct("x", 4, [("a", l["int"], 0)]))
    lup = lb.ptr(lb.struct("x", 4, [("a", l["int"], 0)], union=True))
    lfwd = lb.fwd("x")
    tfp = tb.ptr(tb.fwd("x"))
    tfwd_u = tb.fwd("x", union=True)
    tfwd = tb.fwd("x")
    ts = tb.struct("x", 4)
    L, T = build(lb), build(tb)
    assert C.types_match(L, lsp, T, tfp)                # struct* vs fwd-struct*
    assert not C.types_match(L, lup, T, tfp)            # union* vs fwd-struct*
    assert C.types_match(L, lfwd, T, tfwd)
    assert not C.types_match(L, lfwd, T, tfwd_u)        # kflag differs
    assert not C.types_match(L, lfwd, T, ts)            # not behind a pointer


def test_types_match_member_names_behind_pointer_only_kind():
    (lb, l), (tb, t) = two()
    lin = lb.struct("inner", 4, [("q", l["int"], 0)])
    lout = lb.struct("outer", 8, [("p", lb.ptr(lin), 0)])
    tin = tb.struct("inner", 4, [("completely", t["u64"], 0)])
    tout = tb.struct("outer", 8, [("p", tb.ptr(tin), 0)])
    tin2 = tb.struct("other", 4, [("q", t["int"], 0)])
    tout2 = tb.struct("outer", 8, [("p", tb.ptr(tin2), 0)])
    L, T = build(lb), build(tb)
    assert C.types_match(L, lout, T, tout)              # behind a pointer: members not compared
    assert not C.types_match(L, lout, T, tout2)         # but names still are


def test_types_match_arrays_and_protos():
    (lb, l), (tb, t) = two()
    la = lb.array(l["int"], 4)
    ta = tb.array(t["int"], 4)
    ta5 = tb.array(t["int"], 5)
    lp = lb.func_proto(l["int"], [("a", l["u64"])])
    tp = tb.func_proto(t["int"], [("zz", t["u64"])])
    tp2 = tb.func_proto(t["int"], [("a", t["int"])])
    L, T = build(lb), build(tb)
    assert C.types_match(L, la, T, ta)
    assert not C.types_match(L, la, T, ta5)
    assert C.types_match(L, lp, T, tp)
    assert not C.types_match(L, lp, T, tp2)


def test_types_match_typedef_names():
    (lb, l), (tb, t) = two()
    ltd = lb.typedef("pid_t", l["int"])
    ttd = tb.typedef("pid_t", t["int"])
    ltd2 = lb.typedef("pid_t", lb.int("unsigned int", 4))
    L, T = build(lb), build(tb)
    assert C.types_match(L, ltd, T, ttd)
    assert not C.types_match(L, ltd2, T, ttd)           # skipped type names differ


def test_types_match_anonymous():
    (lb, l), (tb, t) = two()
    lanon = lb.struct("", 4, [("a", l["int"], 0)])
    lnamed = lb.struct("n", 4, [("a", l["int"], 0)])
    tanon = tb.struct("", 4, [("a", t["int"], 0)])
    L, T = build(lb), build(tb)
    assert C.types_match(L, lanon, T, tanon)
    assert not C.types_match(L, lnamed, T, tanon)       # anonymous target: only anonymous local


# ----------------------------------------------------------------------------- fields_are_compat
def test_fields_are_compat():
    (lb, l), (tb, t) = two()
    ls, lu = lb.struct("a", 4), lb.union("b", 4)
    ts = tb.struct("zzz", 8)
    lfl, tfl = lb.float("float", 4), tb.float("double", 8)
    le, te, te_anon, te_other = (lb.enum("state", [("X", 0)]), tb.enum64("state___v2", [("Y", 0)]),
                                 tb.enum("", [("Y", 0)]), tb.enum("other", [("X", 0)]))
    lfwd, tfwd = lb.fwd("f"), tb.fwd("g")
    la, ta = lb.array(l["int"], 2), tb.array(t["u64"], 9)
    lbit = lb.int("bad", 4, bits=4, offset=4)
    lfp, tfp = lb.func_proto(l["int"]), tb.func_proto(t["int"])
    L, T = build(lb), build(tb)
    assert C.fields_are_compat(L, ls, T, ts)
    assert C.fields_are_compat(L, lu, T, ts)            # any composite mix
    assert C.fields_are_compat(L, lfl, T, tfl)
    assert C.fields_are_compat(L, le, T, te)            # flavors stripped, enum/enum64 mix
    assert C.fields_are_compat(L, le, T, te_anon)       # one side anonymous
    assert not C.fields_are_compat(L, le, T, te_other)
    assert not C.fields_are_compat(L, lfwd, T, tfwd)
    assert C.fields_are_compat(L, la, T, ta)
    assert not C.fields_are_compat(L, la, T, ts)
    assert not C.fields_are_compat(L, lbit, T, t["int"])
    assert not C.fields_are_compat(L, l["int"], T, ts)
    assert not C.fields_are_compat(L, lfp, T, tfp)      # FUNC_PROTO: "everything else"


def test_type_str():
    b = BtfBuilder()
    i = b.int("int", 4, signed=True)
    ch = b.int("char", 1, signed=True, char=True)
    cp = b.ptr(b.const(ch))
    pc = b.const(b.ptr(ch))
    arr = b.array(i, 4)
    parr = b.ptr(arr)
    fp = b.ptr(b.func_proto(i, [("a", i), (None, 0)]))
    B = Btf(b.build())
    assert C.type_str(B, cp) == "const char *"
    assert C.type_str(B, pc) == "char *const"
    assert C.type_str(B, arr) == "int[4]"
    assert C.type_str(B, parr) == "int (*)[4]"
    assert C.type_str(B, fp) == "int (*)(int, ...)"


# ----------------------------------------------------------------------------- real kernel
def _vmlinux():
    if not os.access(VMLINUX, os.R_OK):
        pytest.skip("no readable /sys/kernel/btf/vmlinux")
    with open(VMLINUX, "rb") as f:
        return Btf(f.read(), path=VMLINUX)


def test_real_kernel_kfunc_protos():
    vm = _vmlinux()
    fid = vm.find("bpf_task_acquire", K.FUNC)
    if not fid:
        pytest.skip("kernel has no bpf_task_acquire")
    kproto = vm.type(fid).type
    lb = BtfBuilder()
    ts = lb.struct("task_struct", 0)
    good = lb.func_proto(lb.ptr(ts), [("p", lb.ptr(ts))])
    bad = lb.func_proto(lb.ptr(ts), [("p", lb.ptr(0))])
    L = Btf(lb.build())
    assert C.types_are_compat(L, good, vm, kproto)
    assert C.explain_incompat(L, bad, vm, kproto) == \
        "parameter 1: 'void *' vs 'struct task_struct *' (kinds differ: UNKN vs STRUCT)"
    assert C.types_are_compat(vm, kproto, vm, kproto)
