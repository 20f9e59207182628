#ifndef _LINUX_BTF_IDS_H
#define _LINUX_BTF_IDS_H
struct btf_id_set8 { unsigned int cnt; unsigned int flags; };
/* like the kernel: the set macros expand to assembler, so only the preprocessing record sees them */
#define BTF_ID(prefix, name) asm(".long 0 /* " #prefix " " #name " */");
#define __BTF_ID_FLAGS(prefix, name, flags, ...) BTF_ID(prefix, name) asm(".long " #flags);
#define BTF_ID_FLAGS(prefix, name, ...) __BTF_ID_FLAGS(prefix, name, ##__VA_ARGS__, 0)
#define BTF_KFUNCS_START(name) asm(".pushsection .BTF_ids"); extern struct btf_id_set8 name;
#define BTF_KFUNCS_END(name) asm(".popsection");
#define BTF_SET8_START(name) asm(".pushsection .BTF_ids"); extern struct btf_id_set8 name;
#define BTF_SET8_END(name) asm(".popsection");
#endif
