"""BPF ELF objects → ObjectModel: sections, instructions, maps, helper names, objects inside binaries/packages. Imports only btf/."""
