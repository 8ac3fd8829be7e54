"""SMART Backend Services for a FHIR source: the client credentials grant with a signed JWT
assertion (SMART App Launch, "Backend Services"), the access token kept until shortly
before it expires.

The assertion is signed with the private key the practice registered with its FHIR server
(RS384 for an RSA key, ES384 for an EC key), names the token URL as its audience, carries
a fresh ``jti`` and lives under five minutes, as the specification requires.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable

import jwt
import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from schedule.models import Source
from schedule.sources import SourceError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCOPE = "system/Appointment.read system/Patient.read"
# Under the specification's five minutes, with room for a clock a little ahead of ours.
ASSERTION_SECONDS = 240
# A token is renewed this long before it expires, so a page is never asked with a token
# that expires on the way.
RENEW_BEFORE = 60.0

# Per process (each worker child asks for its own): (source, token URL, client, key id,
# the key's digest: a changed setting is a new sign-in) -> (access token, expires at).
_tokens: dict[tuple, tuple[str, float]] = {}
_lock = threading.Lock()

Post = Callable[[str, dict], requests.Response]


def _key_of(source: Source) -> tuple:
    digest = hashlib.sha256(source.private_key.encode()).hexdigest()
    return (source.pk, source.token_url, source.client_id, source.key_id, digest)


def smart_forget(source: Source) -> None:
    """Drop the kept token (the server refused it: ask for a new one)."""
    with _lock:
        _tokens.pop(_key_of(source), None)


def smart_assertion(source: Source, *, now: float | None = None) -> str:
    """The signed client assertion for ``source``'s token URL."""
    try:
        key = serialization.load_pem_private_key(source.private_key.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SourceError(
            "The SMART private key cannot be read: paste the PEM private key (RSA, or EC "
            "P-384) whose public key is registered with the FHIR server."
        ) from None
    if isinstance(key, rsa.RSAPrivateKey):
        algorithm = "RS384"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        algorithm = "ES384"
    else:
        raise SourceError("The SMART private key must be an RSA or EC key.")
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": source.client_id,
        "sub": source.client_id,
        "aud": source.token_url,
        "exp": issued + ASSERTION_SECONDS,
        "iat": issued,
        "jti": uuid.uuid4().hex,
    }
    headers = {"typ": "JWT", **({"kid": source.key_id} if source.key_id else {})}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def smart_token(source: Source, post: Post) -> str:
    """An access token for ``source``: the kept one while it is good, else a new one from
    its token URL. ``post(url, form)`` sends the request (with the reader's retries)."""
    if not (source.client_id and source.token_url and source.private_key):
        raise SourceError(
            "SMART sign-in needs the client id, the token URL and the private key; one is "
            "missing in the source's settings."
        )
    with _lock:
        kept = _tokens.get(_key_of(source))
    if kept and kept[1] - RENEW_BEFORE > time.time():
        return kept[0]
    response = post(
        source.token_url,
        {
            "grant_type": "client_credentials",
            "scope": SCOPE,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": smart_assertion(source),
        },
    )
    if response.status_code in (400, 401, 403):
        try:
            reason = str(response.json().get("error", ""))[:40]
        except (ValueError, AttributeError):
            reason = ""
        raise SourceError(
            f"The FHIR server refused our SMART sign-in ({reason or response.status_code}): "
            "check the client id and the key registered with it."
        )
    try:
        body = response.json()
        token = str(body["access_token"])
        lifetime = float(body.get("expires_in") or 300)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SourceError(
            f"The FHIR server's token URL answered {response.status_code} without an access "
            "token; check the token URL in the source's settings."
        ) from None
    with _lock:
        _tokens[_key_of(source)] = (token, time.time() + lifetime)
    return token
