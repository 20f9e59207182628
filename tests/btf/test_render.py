"""btf/render.py: C declarators and definitions, and bpftool's raw format.

Unit tests build exact BTF with BtfBuilder. Oracle tests compare with bpftool (raw and `format c`)
on /sys/kernel/btf/vmlinux, on BPF objects compiled here with clang, and on builder-made raw BTF
holding every kind; they skip when bpftool, clang or the file is missing.
"""
import os
import re
import shutil
import subprocess

import pytest

from btf import kinds as K
from btf.builder import BtfBuilder
from btf.errors import InputError
from btf.reader import Btf
from btf.render import (align_of, decl, func_proto, raw_dump, raw_dump_all, type_definition,
                        type_name)

VMLINUX = "/sys/kernel/btf/vmlinux"
BPFTOOL = shutil.which("bpftool")


# ------------------------------------------------------------------------------ fixtures
def base_types(b):
    ids = {}
    ids["int"] = b.int("int", 4, signed=True)
    ids["uint"] = b.int("unsigned int", 4)
    ids["char"] = b.int("char", 1, signed=True, char=True)
    ids["long"] = b.int("long int", 8, signed=True)
    ids["ull"] = b.int("unsigned long long", 8)
    ids["u8"] = b.typedef("u8", b.int("unsigned char", 1))
    ids["u64"] = b.typedef("u64", ids["ull"])
    return ids


@pytest.fixture
def decls():
    b = BtfBuilder()
    t = base_types(b)
    t["const_char"] = b.const(t["char"])
    t["cstr"] = b.ptr(t["const_char"])                       # const char *
    t["char_p"] = b.ptr(t["char"])
    t["char_p_const"] = b.const(t["char_p"])                 # char * const
    t["vptr"] = b.ptr(0)                                      # void *
    t["fp"] = b.func_proto(t["int"], [("", t["vptr"]), ("", t["u64"])])
    t["fnptr"] = b.ptr(t["fp"])                               # int (*)(void *, u64)
    t["u8x16"] = b.array(t["u8"], 16, t["int"])               # u8[16]
    t["int_p"] = b.ptr(t["int"])
    t["ptr_arr"] = b.array(t["int_p"], 4, t["int"])           # int *[4]
    t["int4"] = b.array(t["int"], 4, t["int"])
    t["arr_ptr"] = b.ptr(t["int4"])                           # int (*)[4]
    t["int3"] = b.array(t["int"], 3, t["int"])
    t["int2x3"] = b.array(t["int3"], 2, t["int"])             # int [2][3]
    t["vol"] = b.volatile(t["int"])
    t["restrict_p"] = b.restrict(t["int_p"])                  # int * restrict
    t["task"] = b.struct("task_struct", 8, [("pid", t["int"], 0)])
    t["task_p"] = b.ptr(t["task"])
    t["rcu"] = b.type_tag("rcu", t["task"])
    t["rcu_p"] = b.ptr(t["rcu"])
    t["as1"] = b.type_tag("address_space(1)", 0, kflag=1)
    t["as1_p"] = b.ptr(t["as1"])
    t["anon_s"] = b.struct("", 4, [("lo", t["int"], 0)])
    t["anon_u"] = b.union("", 4, [("i", t["int"], 0), ("c", t["char"], 0)])
    t["anon_e"] = b.enum("", [("A", 0), ("B", 1)])
    t["fwd_s"] = b.fwd("sock")
    t["fwd_u"] = b.fwd("bpf_attr", union=True)
    t["func_id"] = b.enum("bpf_func_id", [("BPF_FUNC_unspec", 0), ("BPF_FUNC_map_lookup_elem", 1)])
    t["e64"] = b.enum64("big", [("X", 1 << 40)])
    t["dbl"] = b.float("double", 8)
    t["acq_fp"] = b.func_proto(t["task_p"], [("p", t["task_p"])])
    t["acq"] = b.func("bpf_task_acquire", t["acq_fp"], K.FUNC_GLOBAL)
    t["noargs"] = b.func_proto(t["int"], [])
    t["varargs"] = b.func_proto(t["int"], [("fmt", t["cstr"]), (None, 0)])
    t["knr"] = b.func_proto(t["int"], [(None, 0)])
    t["ret_fnptr_fp"] = b.func_proto(t["fnptr"], [("x", t["int"])])   # int (*f(int x))(void *, u64)
    btf = Btf(b.build(), path="decls.btf")
    return btf, t


# ------------------------------------------------------------------------------ type_name / decl
@pytest.mark.parametrize("key,expected", [
    ("int", "int"),
    ("cstr", "const char *"),
    ("char_p_const", "char * const"),
    ("vptr", "void *"),
    ("fnptr", "int (*)(void *, u64)"),
    ("u8x16", "u8[16]"),
    ("ptr_arr", "int *[4]"),
    ("int2x3", "int[2][3]"),
    ("vol", "volatile int"),
    ("restrict_p", "int * restrict"),
    ("task_p", "struct task_struct *"),
    ("rcu_p", 'struct task_struct __attribute__((btf_type_tag("rcu"))) *'),
    ("as1_p", "void __attribute__((address_space(1))) *"),
    ("anon_s", "struct {...}"),
    ("anon_u", "union {...}"),
    ("anon_e", "enum {...}"),
    ("fwd_s", "struct sock"),
    ("fwd_u", "union bpf_attr"),
    ("func_id", "enum bpf_func_id"),
    ("e64", "enum big"),
    ("dbl", "double"),
    ("u64", "u64"),
])
def test_type_name(decls, key, expected):
    btf, t = decls
    assert type_name(btf, t[key]) == expected


def test_type_name_void_and_tags_off(decls):
    btf, t = decls
    assert type_name(btf, 0) == "void"
    assert type_name(btf, t["rcu_p"], tags=False) == "struct task_struct *"
    assert type_name(btf, t["as1_p"], tags=False) == "void *"


@pytest.mark.parametrize("key,name,expected", [
    ("task_p", "skb", "struct task_struct *skb"),
    ("u8x16", "comm", "u8 comm[16]"),
    ("fnptr", "fn", "int (*fn)(void *, u64)"),
    ("ptr_arr", "a", "int *a[4]"),
    ("arr_ptr", "p", "int (*p)[4]"),
    ("int2x3", "m", "int m[2][3]"),
    ("cstr", "s", "const char *s"),
    ("char_p_const", "s", "char * const s"),
    ("vol", "v", "volatile int v"),
    ("int", "x", "int x"),
])
def test_decl(decls, key, name, expected):
    btf, t = decls
    assert decl(btf, t[key], name) == expected


def test_decl_inline_anon(decls):
    btf, t = decls
    assert decl(btf, t["anon_u"], "u") == "union {...} u"
    assert decl(btf, t["anon_u"], "u", inline_anon=True) == "union {\n\tint i;\n\tchar c;\n} u"


def test_func_proto(decls):
    btf, t = decls
    assert func_proto(btf, t["acq"]) == "struct task_struct *bpf_task_acquire(struct task_struct *p)"
    assert func_proto(btf, t["acq_fp"], "other") == "struct task_struct *other(struct task_struct *p)"
    assert func_proto(btf, t["fp"], "f") == "int f(void *, u64)"
    assert func_proto(btf, t["noargs"], "f") == "int f(void)"
    assert func_proto(btf, t["varargs"], "printk") == "int printk(const char *fmt, ...)"
    assert func_proto(btf, t["knr"], "old") == "int old()"
    assert func_proto(btf, t["ret_fnptr_fp"], "get") == "int (*get(int x))(void *, u64)"
    with pytest.raises(InputError, match="not a function"):
        func_proto(btf, t["int"])


# ------------------------------------------------------------------------------ definitions
def test_struct_definition_bitfields_padding_nested():
    b = BtfBuilder()
    t = base_types(b)
    inner_u = b.union("", 8, [("l", t["long"], 0), ("i", t["int"], 0)])
    fp = b.func_proto(0, [])
    s = b.struct("demo", 40, [
        ("a", t["uint"], 0, 3),
        ("b", t["uint"], 3, 5),
        ("c", t["uint"], 32, 1),         # gap of 24 bits after b, inside a bitfield run
        ("u", inner_u, 64),
        ("cb", b.ptr(fp), 128),
        ("tail", t["char"], 192),        # then 8 bytes of trailing padding up to 40 bytes
    ])
    btf = Btf(b.build(), path="d.btf")
    assert type_definition(btf, s) == (
        "struct demo {\n"
        "\tunsigned int a: 3;\n"
        "\tunsigned int b: 5;\n"
        "\tint: 24;\n"
        "\tunsigned int c: 1;\n"
        "\tunion {\n"
        "\t\tlong int l;\n"
        "\t\tint i;\n"
        "\t} u;\n"
        "\tvoid (*cb)(void);\n"
        "\tchar tail;\n"
        "\tlong: 64;\n"
        "};")


def test_packed_and_empty_struct_enum_typedef_func_var():
    b = BtfBuilder()
    t = base_types(b)
    p = b.struct("pk", 5, [("c", t["char"], 0), ("i", t["int"], 8)])
    empty = b.struct("empty", 0, [])
    e = b.enum("neg", [("NEG_A", -5), ("NEG_B", 3)], signed=True)
    e64 = b.enum64("big", [("BIG", 1 << 40), ("ONE", 1)])
    e64s = b.enum64("sbig", [("M", -(1 << 40))], signed=True)
    fp = b.func_proto(t["int"], [("ctx", b.ptr(0))])
    td = b.typedef("handler_t", b.ptr(fp))
    td_anon = b.typedef("pair_t", b.struct("", 8, [("a", t["int"], 0), ("b", t["int"], 32)]))
    f_static = b.func("helper", fp, K.FUNC_STATIC)
    f_ext = b.func("ext", fp, K.FUNC_EXTERN)
    v = b.var("counter", b.array(t["u64"], 2, t["int"]), K.VAR_STATIC)
    fw = b.fwd("sock")
    btf = Btf(b.build(), path="d.btf")
    assert type_definition(btf, p) == "struct pk {\n\tchar c;\n\tint i;\n} __attribute__((packed));"
    assert type_definition(btf, empty) == "struct empty {};"
    assert type_definition(btf, e) == "enum neg {\n\tNEG_A = -5,\n\tNEG_B = 3,\n};"
    assert type_definition(btf, e64) == "enum big {\n\tBIG = 1099511627776ULL,\n\tONE = 1ULL,\n};"
    assert type_definition(btf, e64s) == "enum sbig {\n\tM = -1099511627776LL,\n};"
    assert type_definition(btf, td) == "typedef int (*handler_t)(void *ctx);"
    assert type_definition(btf, td_anon) == "typedef struct {\n\tint a;\n\tint b;\n} pair_t;"
    assert type_definition(btf, f_static) == "static int helper(void *ctx);"
    assert type_definition(btf, f_ext) == "extern int ext(void *ctx);"
    assert type_definition(btf, v) == "static u64 counter[2];"
    assert type_definition(btf, fw) == "struct sock;"
    assert align_of(btf, p) == 1 and align_of(btf, t["long"]) == 8


# ------------------------------------------------------------------------------ loops
def test_pointer_modifier_loop_raises():
    b = BtfBuilder()
    c = b.const(2)          # [1] const -> [2]
    b.ptr(c)                # [2] ptr -> [1]
    btf = Btf(b.build(), path="loop.btf")
    with pytest.raises(InputError, match=r"loop.btf: type loop at \["):
        type_name(btf, 2)


def test_struct_holding_itself_raises():
    b = BtfBuilder()
    i = b.int("int", 4, signed=True)
    s = b.struct("self", 8, [("a", i, 0), ("me", 1 + 1, 32)])   # [2] contains [2] by value
    btf = Btf(b.build(), path="self.btf")
    with pytest.raises(InputError, match="type loop"):
        type_definition(btf, s)


def test_anonymous_struct_loop_raises():
    b = BtfBuilder()
    b.struct("", 8, [("next", 2, 0)])     # [1] anon struct, member is [2]
    b.ptr(1)                               # [2] ptr -> [1]: inline expansion never ends
    btf = Btf(b.build(), path="anon.btf")
    with pytest.raises(InputError, match="type loop"):
        type_definition(btf, 1)
    assert type_name(btf, 2) == "struct {...} *"


# ------------------------------------------------------------------------------ raw format
def every_kind_btf():
    b = BtfBuilder()
    i = b.int("int", 4, signed=True)
    c = b.int("char", 1, char=True)
    bo = b.int("_Bool", 1, boolean=True)
    u = b.int("unsigned int", 4)
    p = b.ptr(i)
    arr = b.array(c, 16, i)
    s = b.struct("s", 16, [("a", u, 0, 3), ("b", u, 3, 5), ("", b.union("", 4, [("x", i, 0)]), 32),
                           ("p", p, 64)])
    s0 = b.struct("plain", 8, [("a", i, 0), ("b", i, 32)])
    e = b.enum("color", [("RED", 0), ("NEG", -1)], signed=True)
    eu = b.enum("ucolor", [("BIG", 0xFFFFFFFF)], signed=False)
    e64 = b.enum64("big", [("HUGE", 1 << 40), ("ALL", (1 << 64) - 1)])
    e64s = b.enum64("sbig", [("M", -(1 << 40))], signed=True)
    fw = b.fwd("sock")
    fwu = b.fwd("u", union=True)
    td = b.typedef("int_t", i)
    vol = b.volatile(i)
    cst = b.const(vol)
    rst = b.restrict(p)
    fp = b.func_proto(i, [("x", p), ("", u), (None, 0)])
    f1 = b.func("f_static", fp, K.FUNC_STATIC)
    f2 = b.func("f_global", fp, K.FUNC_GLOBAL)
    f3 = b.func("f_extern", fp, K.FUNC_EXTERN)
    v1 = b.var("v_static", i, K.VAR_STATIC)
    v2 = b.var("v_global", arr, K.VAR_GLOBAL_ALLOCATED)
    v3 = b.var("v_extern", i, K.VAR_GLOBAL_EXTERN)
    b.datasec(".data", 24, [(v1, 0, 4), (v2, 4, 16), (v3, 20, 4)])
    fl = b.float("double", 8)
    b.decl_tag("bpf_kfunc", f2)
    b.decl_tag("arg", f2, component_idx=1)
    tt = b.type_tag("rcu", s0)
    b.ptr(tt)
    return b, dict(i=i, c=c, bo=bo, s=s, e=e, eu=eu, e64=e64, e64s=e64s, fw=fw, fwu=fwu, td=td, cst=cst,
                   rst=rst, fp=fp, f1=f1, f3=f3, v2=v2, fl=fl, tt=tt, s0=s0)


def test_raw_dump_formats():
    b, t = every_kind_btf()
    btf = Btf(b.build(), path="k.btf")
    assert raw_dump(btf, t["i"]) == "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED"
    assert raw_dump(btf, t["c"]).endswith("encoding=CHAR")
    assert raw_dump(btf, t["bo"]).endswith("encoding=BOOL")
    assert raw_dump(btf, t["s"]).split("\n") == [
        f"[{t['s']}] STRUCT 's' size=16 vlen=4",
        f"\t'a' type_id=4 bits_offset=0 bitfield_size=3",
        f"\t'b' type_id=4 bits_offset=3 bitfield_size=5",
        f"\t'(anon)' type_id={t['s'] - 1} bits_offset=32",
        f"\t'p' type_id=5 bits_offset=64",
    ]
    assert raw_dump(btf, t["e"]).split("\n") == [
        f"[{t['e']}] ENUM 'color' encoding=SIGNED size=4 vlen=2", "\t'RED' val=0", "\t'NEG' val=-1"]
    assert raw_dump(btf, t["eu"]).split("\n")[1] == "\t'BIG' val=4294967295"
    assert raw_dump(btf, t["e64"]).split("\n")[1:] == [
        "\t'HUGE' val=1099511627776ULL", "\t'ALL' val=18446744073709551615ULL"]
    assert raw_dump(btf, t["e64s"]).split("\n")[1] == "\t'M' val=-1099511627776LL"
    assert raw_dump(btf, t["fw"]).endswith("FWD 'sock' fwd_kind=struct")
    assert raw_dump(btf, t["fwu"]).endswith("FWD 'u' fwd_kind=union")
    assert raw_dump(btf, t["cst"]) == f"[{t['cst']}] CONST '(anon)' type_id={t['cst'] - 1}"
    assert raw_dump(btf, t["fp"]).split("\n") == [
        f"[{t['fp']}] FUNC_PROTO '(anon)' ret_type_id=1 vlen=3",
        "\t'x' type_id=5", "\t'(anon)' type_id=4", "\t'(anon)' type_id=0"]
    assert raw_dump(btf, t["f1"]).endswith(f"type_id={t['fp']} linkage=static")
    assert raw_dump(btf, t["f3"]).endswith("linkage=extern")
    assert raw_dump(btf, t["v2"]) == f"[{t['v2']}] VAR 'v_global' type_id=6, linkage=global"
    assert raw_dump(btf, t["fl"]) == f"[{t['fl']}] FLOAT 'double' size=8"
    assert raw_dump(btf, t["tt"]) == f"[{t['tt']}] TYPE_TAG 'rcu' type_id={t['s0']}"
    text = "\n".join(raw_dump_all(btf))
    assert "\ttype_id=%d offset=4 size=16 (VAR 'v_global')" % t["v2"] in text
    assert "DECL_TAG 'arg' type_id=%d component_idx=1" % (t["f3"] - 1) in text
    assert "DECL_TAG 'bpf_kfunc' type_id=%d component_idx=-1" % (t["f3"] - 1) in text
    # the fast bulk path and the per-type path agree on every type
    assert text.split("\n") == "\n".join(raw_dump(btf, i) for i in btf.own_ids()).split("\n")


# ------------------------------------------------------------------------------ oracles: bpftool
def _bpftool(*args):
    if BPFTOOL is None:
        pytest.skip("bpftool is not installed")
    r = subprocess.run([BPFTOOL, "btf", "dump", "file", *args], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        pytest.skip(f"bpftool cannot dump {args[0]}: {r.stderr.strip()[:200]}")
    return r.stdout


def _vmlinux():
    if not os.access(VMLINUX, os.R_OK):
        pytest.skip(f"{VMLINUX} is not readable")
    with open(VMLINUX, "rb") as f:
        return Btf(f.read(), path=VMLINUX)


def _ours_raw(btf):
    return "".join(s + "\n" for s in raw_dump_all(btf))


def _first_mismatch(ours, ref):
    a, r = ours.split("\n"), ref.split("\n")
    for n, (x, y) in enumerate(zip(a, r)):
        if x != y:
            return f"line {n + 1}: ours {x!r} bpftool {y!r}"
    return f"line counts differ: ours {len(a)} bpftool {len(r)}"


def test_oracle_raw_vmlinux():
    btf = _vmlinux()
    ref = _bpftool(VMLINUX)
    ours = _ours_raw(btf)
    assert ours == ref, _first_mismatch(ours, ref)
    # and the per-type renderer on a spread of types (every kind present)
    lines = ref.split("\n")
    heads = {int(ln[1:ln.index("]")]): n for n, ln in enumerate(lines) if ln.startswith("[")}
    seen = set()
    for tid in btf.own_ids():
        k = btf.kind_of(tid)
        if k in seen and tid % 997:
            continue
        seen.add(k)
        one = raw_dump(btf, tid).split("\n")
        assert lines[heads[tid]:heads[tid] + len(one)] == one


def test_oracle_raw_every_kind_builder_file(tmp_path):
    b, _ = every_kind_btf()
    path = tmp_path / "every.btf"
    path.write_bytes(b.build())
    ref = _bpftool(str(path))
    ours = _ours_raw(Btf(path.read_bytes(), path=str(path)))
    assert ours == ref, _first_mismatch(ours, ref)


def test_oracle_raw_split_btf(tmp_path):
    base_b, _ = every_kind_btf()
    base_raw = base_b.build()
    base = Btf(base_raw, path="base.btf")
    sb = BtfBuilder(base=base)
    s = sb.struct("mod_s", 16, [("a", 1, 0), ("p", 5, 64)])
    sb.func("mod_fn", sb.func_proto(sb.ptr(s), [("x", 1)]), K.FUNC_GLOBAL)
    (tmp_path / "base.btf").write_bytes(base_raw)
    (tmp_path / "mod.btf").write_bytes(sb.build())
    ref = _bpftool(str(tmp_path / "mod.btf"), "-B", str(tmp_path / "base.btf"))
    split = Btf((tmp_path / "mod.btf").read_bytes(), base=base, path="mod.btf")
    ours = _ours_raw(split)
    assert ours == ref, _first_mismatch(ours, ref)


BPF_SRC = r"""
typedef unsigned long long u64;
#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __ttag(x) __attribute__((btf_type_tag(x)))
enum big { BIG_A = 1, BIG_B = 0x100000000ULL, BIG_C = 0xffffffffffffffffULL };
enum neg { NEG_A = -5, NEG_B = 3 };
struct inner { int a; };
struct s {
	int x : 3;
	unsigned int y : 5;
	char name[16];
	const char *cp;
	char * const pc;
	volatile int vi;
	int *ap[4];
	int (*pa)[4];
	int (*fn)(void *, u64);
	void (*vfn)(void);
	int (*vararg)(const char *, ...);
	union { int i; float f; } u;
	struct { short lo, hi; } anon;
	struct inner in;
	double d;
	enum big eb;
	int __ttag("user") *uptr;
	int m2[2][3];
	char tail;
} __tag("stag");
struct packed_s { char c; int i; } __attribute__((packed));
int counter __tag("vtag");
static volatile const int rodata_v = 3;
struct s gs;
float gf = 1.5f;
enum neg gn;
enum big gbig;
struct packed_s gp;
__attribute__((noinline)) int helper(struct s *p __tag("ptag"), int __ttag("rcu") *q) { return p->x + *q; }
__attribute__((section("tc"), used)) int prog(void *ctx)
{ return helper(&gs, &counter) + rodata_v + gn + gp.i + (int)gbig; }
char LICENSE[] __attribute__((section("license"), used)) = "GPL";
"""


def _compile(tmp_path, clang):
    exe = shutil.which(clang)
    if exe is None:
        pytest.skip(f"{clang} is not installed")
    src = tmp_path / "t.c"
    src.write_text(BPF_SRC)
    obj = tmp_path / f"t-{clang}.o"
    r = subprocess.run([exe, "-target", "bpf", "-g", "-O2", "-c", str(src), "-o", str(obj)],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        pytest.skip(f"{clang} cannot build BPF: {r.stderr.strip()[:200]}")
    from elftools.elf.elffile import ELFFile
    with open(obj, "rb") as f:
        data = ELFFile(f).get_section_by_name(".BTF").data()
    return obj, Btf(data, path=str(obj))


def _c_blocks(text):
    """bpftool `format c` output split into items. Normalised: the `___N` suffixes bpftool adds
    to de-duplicate repeated names are removed (we never add them)."""
    return {re.sub(r"___\d+\b", "", blk.strip()) for blk in text.split("\n\n")}


@pytest.mark.parametrize("clang", ["clang", "clang-14", "clang-19"])
def test_oracle_bpf_object(tmp_path, clang):
    obj, btf = _compile(tmp_path, clang)
    ref = _bpftool(str(obj))
    ours = _ours_raw(btf)
    assert ours == ref, _first_mismatch(ours, ref)
    kinds = {btf.kind_of(i) for i in btf.own_ids()}
    assert {K.DATASEC, K.VAR, K.FUNC, K.DECL_TAG, K.TYPE_TAG, K.FLOAT} <= kinds
    blocks = _c_blocks(_bpftool(str(obj), "format", "c"))
    named = [i for i in btf.own_ids() if btf.kind_of(i) in (K.STRUCT, K.UNION, K.ENUM, K.ENUM64, K.TYPEDEF)
             and btf.name_of(i)]
    assert len(named) >= 6
    for tid in named:
        assert type_definition(btf, tid) in blocks, btf.name_of(tid)


# Structs/unions/enums/typedefs compared with bpftool `format c`, exactly (after removing
# bpftool's `___N` de-duplication suffixes). No other normalisation: padding fillers
# (`long: 64;`), `__attribute__((packed))`, bitfields and inline anonymous members must match.
C_SAMPLE = [
    ("task_struct", K.STRUCT), ("sk_buff", K.STRUCT), ("xdp_md", K.STRUCT), ("__sk_buff", K.STRUCT),
    ("bpf_func_id", K.ENUM), ("bpf_prog_type", K.ENUM), ("bpf_attr", K.UNION), ("page", K.STRUCT),
    ("bpf_map", K.STRUCT), ("sock", K.STRUCT), ("file_operations", K.STRUCT), ("pt_regs", K.STRUCT),
    ("atomic_t", K.TYPEDEF), ("initcall_t", K.TYPEDEF),
]


@pytest.fixture(scope="module")
def vmlinux_c():
    if not os.access(VMLINUX, os.R_OK):
        pytest.skip(f"{VMLINUX} is not readable")
    if BPFTOOL is None:
        pytest.skip("bpftool is not installed")
    r = subprocess.run([BPFTOOL, "btf", "dump", "file", VMLINUX, "format", "c"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        pytest.skip(f"bpftool format c failed: {r.stderr.strip()[:200]}")
    with open(VMLINUX, "rb") as f:
        return Btf(f.read(), path=VMLINUX), _c_blocks(r.stdout)


@pytest.mark.parametrize("name,kind", C_SAMPLE)
def test_oracle_c_vmlinux_sample(vmlinux_c, name, kind):
    btf, blocks = vmlinux_c
    tid = btf.find(name, kind)
    if not tid:
        pytest.skip(f"{name} is not in this kernel's BTF")
    assert type_definition(btf, tid) in blocks


def test_oracle_c_vmlinux_every_packed_and_padded_struct(vmlinux_c):
    """Every named struct whose bpftool definition carries packed or padding fillers."""
    btf, blocks = vmlinux_c
    hard = {re.match(r"struct (\w+) \{", b).group(1) for b in blocks
            if b.startswith("struct ") and ("__attribute__((packed))" in b or re.search(r"\n\t+\w+: \d+;", b))}
    assert hard
    checked = 0
    for name in sorted(hard)[:400]:
        for tid in btf.find_all(name, K.STRUCT):
            assert type_definition(btf, tid) in blocks, name
            checked += 1
    assert checked >= min(len(hard), 400)
