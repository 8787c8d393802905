"""Schemathesis against /api/schema/, in process (the WSGI app, the test database with the seed).

Every operation, with the schema's examples, its coverage cases and property-based ones, valid and
invalid (positive and negative modes), in Russian and English. A run fails on a 5xx, a status code,
content type or body the schema does not declare, and invalid input answered with a 2xx.
Not checked: positive_data_acceptance — a made-up region or party slug has the declared shape but
exists nowhere, and is rightly a 400 (or a 404 in a path).
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from registry.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# Loaded when the module is collected: the schema view reads no database. (from_fixture's lazy
# loading fails under pytest 9: it reads a node attribute pytest no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
schema.config.generation.update(max_examples=25)


@pytest.fixture(autouse=True)
def no_throttle(settings):
    settings.API_THROTTLE_RATE = None


@pytest.fixture(autouse=True)
def test_transaction_kept():
    """Calling the WSGI app fires request_started/finished, whose close_old_connections() closes a
    connection inside a transaction (the test's, on PostgreSQL); Django's test client disconnects
    it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def seed(seeded):
    """The XIII forum seed: the schema's examples name its records."""


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_it_answers_every_operation_as_its_schema_says(case):
    case.call_and_validate(checks=CHECKS)
    case.call_and_validate(checks=CHECKS, headers={"Accept-Language": "en"})
