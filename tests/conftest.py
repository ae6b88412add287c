import os

import pytest

# Keep test runs quiet and small: two threads is what CI has.
os.environ.setdefault("OMP_NUM_THREADS", "2")


@pytest.fixture
def seed() -> int:
    """A fresh seed per test run, printed on failure so a failing draw can be replayed."""
    import random

    return random.SystemRandom().randrange(2**31)
