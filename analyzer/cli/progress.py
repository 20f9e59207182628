"""Progress bars for long work: drawn on a terminal's stderr, silent when piped or --quiet."""
import sys
import time

from btf.inert import inert


class Progress:
    def __init__(self, total, label="", *, quiet=False, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = not quiet and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total = max(int(total or 0), 0)
        self.label = label
        self.done = 0
        self._last = 0.0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def advance(self, n=1, note=""):
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        width = 30
        frac = self.done / self.total if self.total else 0
        bar = "#" * int(frac * width)
        note = inert(note)[:40]
        self.stream.write(f"\r{self.label} [{bar:<{width}}] {self.done}/{self.total} {note:<40}")
        self.stream.flush()

    def close(self):
        if self.enabled:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()
