"""Kernel release strings: parse "6.12.107+deb13-amd64" into comparable (6, 12, 107) tuples.

Release order matters everywhere (timelines, --min-kernel, "since" hints): 6.9 < 6.12 < 7.0,
which plain string sorting gets wrong.
"""
import re

_REL = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


def parse_release(release):
    """(major, minor, patch) of a release string, or None when it does not start with a version."""
    m = _REL.match(release or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def release_key(release):
    """Sort key: versioned releases in numeric order, unversioned ones last by name."""
    v = parse_release(release)
    return (0, v, release) if v else (1, (0, 0, 0), release or "")


def at_least(release, major, minor=0, patch=0):
    """True/False when the release is known, None when it cannot be parsed."""
    v = parse_release(release)
    if v is None:
        return None
    return v >= (major, minor, patch)


def kernel_version_code(release):
    """LINUX_KERNEL_VERSION as libbpf computes it: KERNEL_VERSION(a, b, min(c, 255))."""
    v = parse_release(release)
    if v is None:
        return None
    a, b, c = v
    return (a << 16) + (b << 8) + min(c, 255)
