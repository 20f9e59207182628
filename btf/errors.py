"""Errors for bad input: every one names the file and the problem in one line (the CLI exits 2 on them).

Paths and problems often carry names taken from the input (a section, a member, a kfunc): both go
through btf.inert.inert(), so a newline or an ESC in a name cannot break the one-line promise."""
from .inert import inert


class InputError(Exception):
    """A file the user gave us is unreadable, truncated, corrupt or of the wrong kind."""

    def __init__(self, path, problem):
        self.path = inert(path) if path is not None else "<input>"
        self.problem = inert(problem)
        super().__init__(f"{self.path}: {self.problem}")


class BtfError(InputError):
    """BTF data violates the format (what libbpf's btf__parse or the kernel would reject)."""


class LimitError(InputError):
    """A named resource limit (btf.limits) was reached: the input may be fine but is too large, or
    it is hostile. Never swallowed by code that tries alternatives."""
