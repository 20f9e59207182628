"""__kconfig resolution as libbpf does it: '# CONFIG_X is not set' leaves a strong extern unresolved."""
from types import SimpleNamespace as NS

import pytest

from analyzer.check.rules.externs import _resolve_kconfig

KERNEL = NS(release="6.1.0-56-amd64", arch="x86_64", helpers={"BPF_FUNC_get_attach_cookie": 174},
            config={"CONFIG_BPF_LSM": "y", "CONFIG_HZ": "250", "CONFIG_KPROBES": "n"})


@pytest.mark.parametrize("name,weak,resolved,value,codes", [
    ("CONFIG_BPF_LSM", False, True, 1, []),
    ("CONFIG_HZ", False, True, 250, []),
    ("CONFIG_KPROBES", False, False, None, ["KCONFIG_UNRESOLVED"]),
    ("CONFIG_KPROBES", True, False, 0, ["KCONFIG_WEAK_DEFAULT"]),
    ("CONFIG_SOMETHING_ELSE", False, False, None, ["KCONFIG_UNKNOWN"]),   # outside the stored subset
    ("LINUX_KERNEL_VERSION", False, True, (6 << 16) + (1 << 8), []),
    ("LINUX_HAS_BPF_COOKIE", False, True, 1, []),
])
def test_kconfig_values(name, weak, resolved, value, codes):
    found = []
    r = _resolve_kconfig(NS(name=name, weak=weak, kind="kconfig"), KERNEL, found)
    assert (r.resolved, r.value, [f.code for f in found]) == (resolved, value, codes)
