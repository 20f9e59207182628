"""A short, seeded run of every fuzz harness (tests/fuzz/): the same inputs every time, a few
seconds in all. Longer runs on demand: python -m tests.fuzz.run --seconds 600."""
import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.run import HARNESSES

EXAMPLES = {"objects": 6, "snapshot_meta": 15, "reports": 15}


@pytest.mark.parametrize("name", HARNESSES)
def test_fuzz_harness_seeded(name):
    import importlib
    mod = importlib.import_module(f"tests.fuzz.fuzz_{name}")

    @settings(max_examples=EXAMPLES.get(name, 12), deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(mod.strategy)
    def prop(x):
        mod.target(x)

    prop()
