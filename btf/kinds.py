"""BTF kind numbers, encodings and linkage values from include/uapi/linux/btf.h."""

UNKN, INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, \
    FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 = range(20)

KIND_NAMES = {
    UNKN: "UNKN", INT: "INT", PTR: "PTR", ARRAY: "ARRAY", STRUCT: "STRUCT", UNION: "UNION",
    ENUM: "ENUM", FWD: "FWD", TYPEDEF: "TYPEDEF", VOLATILE: "VOLATILE", CONST: "CONST",
    RESTRICT: "RESTRICT", FUNC: "FUNC", FUNC_PROTO: "FUNC_PROTO", VAR: "VAR", DATASEC: "DATASEC",
    FLOAT: "FLOAT", DECL_TAG: "DECL_TAG", TYPE_TAG: "TYPE_TAG", ENUM64: "ENUM64",
}
KIND_BY_NAME = {v: k for k, v in KIND_NAMES.items()}

# (bytes of the single trailing record, bytes of each of the vlen trailing records): libbpf's layouts[].
TRAILING = {
    UNKN: (0, 0), INT: (4, 0), PTR: (0, 0), ARRAY: (12, 0), STRUCT: (0, 12), UNION: (0, 12),
    ENUM: (0, 8), FWD: (0, 0), TYPEDEF: (0, 0), VOLATILE: (0, 0), CONST: (0, 0), RESTRICT: (0, 0),
    FUNC: (0, 0), FUNC_PROTO: (0, 8), VAR: (4, 0), DATASEC: (0, 12), FLOAT: (0, 0),
    DECL_TAG: (4, 0), TYPE_TAG: (0, 0), ENUM64: (0, 12),
}

MODIFIERS = frozenset((TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG))
CV_MODIFIERS = frozenset((VOLATILE, CONST, RESTRICT, TYPE_TAG))   # libbpf skip_mods (no typedef)

INT_SIGNED, INT_CHAR, INT_BOOL = 1, 2, 4

FUNC_STATIC, FUNC_GLOBAL, FUNC_EXTERN = 0, 1, 2
LINKAGE_NAMES = {0: "static", 1: "global", 2: "extern"}
VAR_STATIC, VAR_GLOBAL_ALLOCATED, VAR_GLOBAL_EXTERN = 0, 1, 2
VAR_LINKAGE_NAMES = {0: "static", 1: "global", 2: "extern"}

MAGIC = 0xEB9F
HDR_LEN_CLASSIC = 24
HDR_LEN_LAYOUT = 32
MAX_NAME_OFFSET = 0x00FFFFFF
MAX_TYPE = 0x000FFFFF


def kind_name(kind):
    return KIND_NAMES.get(kind, f"KIND{kind}")
