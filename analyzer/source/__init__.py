"""BPF C source → SourceModel with libclang: the same questions asked of a program before it is built."""
