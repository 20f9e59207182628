"""One module per rule family. A rule receives models (object, program, kernel, per-kernel
resolution) and returns findings; it never prints and never reads files."""
