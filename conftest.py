"""Fixtures shared by the whole suite."""

import pytest
from django.core.management import call_command


@pytest.fixture
def seeded(db):
    """The XIII forum seed, loaded as `make run` loads it."""
    call_command("load_seed", verbosity=0)
