"""Where things are, for tests in any subdirectory of tests/."""
import os
from pathlib import Path

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))    # tests/
ROOT = os.path.dirname(TESTS)                                           # the checkout
TESTS_PATH = Path(TESTS)
ROOT_PATH = Path(ROOT)
