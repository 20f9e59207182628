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


def newest_not_after(tables, release):
    """(version, table) of the entry of a {version: table} dict whose major.minor is the newest not
    after the release's (a kernel is judged by the newest source tree not newer than it); (None, None)
    when the release is older than every entry or cannot be parsed."""
    v = parse_release(release)
    if v is None:
        return None, None
    best = (None, None)
    for ver in sorted((x for x in tables if parse_release(x)), key=parse_release):
        if parse_release(ver)[:2] <= v[:2]:
            best = (ver, tables[ver])
    return best


def libbpf_kernel_version(release, banner=None):
    """LINUX_KERNEL_VERSION as libbpf's get_kernel_version() computes it (src/libbpf_probes.c): a Debian
    kernel's uname version (`#1 SMP Debian 5.10.223-1 (2024-08-10)`, the tail of linux_banner) gives the
    real patch level where the release says 5.10.0 (get_debian_kernel_version); otherwise the release.
    (Ubuntu's /proc/version_signature is a running-kernel file, not in a snapshot.)"""
    if banner:
        i = banner.rfind(" #")
        uts = banner[i + 1:] if i >= 0 else ""
        m = re.search(r"Debian (\d+)\.(\d+)\.(\d+)", uts)
        if m:
            a, b, c = (int(x) for x in m.groups())
            return (a << 16) + (b << 8) + min(c, 255)
    return kernel_version_code(release)
