"""Errors for bad input: every one names the file and the problem in one line (the CLI exits 2 on them)."""


class InputError(Exception):
    """A file the user gave us is unreadable, truncated, corrupt or of the wrong kind."""

    def __init__(self, path, problem):
        self.path = str(path) if path is not None else "<input>"
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class BtfError(InputError):
    """BTF data violates the format (what libbpf's btf__parse or the kernel would reject)."""
