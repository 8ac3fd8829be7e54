"""SMART Backend Services against the fake FHIR server's token endpoint, which checks the
signed assertion with the public key the practice registered."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from schedule.models import FhirAuth, RunStatus
from schedule.sources.fhir import fhir_source, fhir_sync
from schedule.sources.fhir_auth import smart_assertion
from tests.fake_fhir import fixtures
from tests.fake_fhir.resources import appointment

pytestmark = pytest.mark.django_db
fake_fhir_server, fake_fhir = fixtures.fake_fhir_server, fixtures.fake_fhir
UPDATED = dt.datetime(2026, 12, 1, 11, tzinfo=dt.UTC)


def pem_pair(kind: str) -> tuple[str, str]:
    if kind == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = ec.generate_private_key(ec.SECP384R1())
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.SCHEDULE_FHIR_BACKOFF = (0, 0)
    settings.SCHEDULE_FHIR_RETRY_AFTER_CAP = 0


def smart_source(practice, fake, private: str):
    source = fhir_source(practice, base_url=fake.base_url)
    source.auth, source.client_id, source.key_id = FhirAuth.SMART, "reactivate-1", "key-1"
    source.token_url, source.private_key = fake.token_url, private
    source.save()
    return source


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_smart_backend_services_signs_in_and_keeps_its_token(practice, fake_fhir, kind):
    private, public = pem_pair(kind)
    fake_fhir.smart("reactivate-1", public)
    fake_fhir.put(appointment("a1", last_updated=UPDATED))
    source = smart_source(practice, fake_fhir, private)

    assert fhir_sync(source, trigger="test").status == RunStatus.SUCCEEDED
    assert fhir_sync(source, trigger="test").status == RunStatus.SUCCEEDED

    assert fake_fhir.token_requests == 1  # the second sync used the kept token
    assert source.appointments.count() == 1


def test_a_token_the_server_stopped_accepting_is_replaced_once(practice, fake_fhir):
    private, public = pem_pair("ec")
    fake_fhir.smart("reactivate-1", public)
    fake_fhir.put(appointment("a1", last_updated=UPDATED))
    source = smart_source(practice, fake_fhir, private)
    fhir_sync(source, trigger="test")
    fake_fhir.expire_tokens()

    assert fhir_sync(source, trigger="test").status == RunStatus.SUCCEEDED
    assert fake_fhir.token_requests == 2


def test_a_refused_smart_sign_in_fails_with_a_plain_message(practice, fake_fhir):
    _, registered = pem_pair("ec")
    other_private, _ = pem_pair("ec")
    fake_fhir.smart("reactivate-1", registered)
    source = smart_source(practice, fake_fhir, other_private)

    run = fhir_sync(source, trigger="test")

    assert run.status == RunStatus.FAILED
    assert run.errors[-1]["message"] == (
        "The FHIR server refused our SMART sign-in (invalid_client): check the client id and "
        "the key registered with it."
    )
    assert fake_fhir.searches == []


def test_a_private_key_that_cannot_be_read_is_said_in_words(practice, fake_fhir):
    fake_fhir.smart("reactivate-1", pem_pair("ec")[1])
    source = smart_source(practice, fake_fhir, "-----BEGIN PRIVATE KEY-----\nnope\n")

    run = fhir_sync(source, trigger="test")

    assert run.errors[-1]["message"].startswith("The SMART private key cannot be read")
    assert fake_fhir.token_requests == 0


def test_the_assertion_names_the_token_url_lives_under_five_minutes_and_is_never_reused(
    practice, fake_fhir
):
    private, public = pem_pair("rsa")
    source = smart_source(practice, fake_fhir, private)

    first, second = smart_assertion(source), smart_assertion(source)

    claims = jwt.decode(first, public, algorithms=["RS384"], audience=fake_fhir.token_url)
    assert jwt.get_unverified_header(first)["kid"] == "key-1"
    assert claims["iss"] == claims["sub"] == "reactivate-1"
    assert 0 < claims["exp"] - claims["iat"] <= 300
    assert (
        claims["jti"]
        != jwt.decode(second, public, algorithms=["RS384"], audience=fake_fhir.token_url)["jti"]
    )
