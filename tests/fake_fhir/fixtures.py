"""Fixtures: the fake FHIR server (one per session), emptied for each test."""

from __future__ import annotations

import pytest

from tests.fake_fhir.server import FakeFhir


@pytest.fixture(scope="session")
def fake_fhir_server():
    with FakeFhir() as fake:
        yield fake


@pytest.fixture
def fake_fhir(fake_fhir_server):
    """The session's fake FHIR server with an empty store, no auth and no faults."""
    fake_fhir_server.reset()
    yield fake_fhir_server
    fake_fhir_server.reset()
