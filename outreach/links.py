"""The links our messages carry: webhook addresses Twilio calls back on, and the one-click
unsubscribe link of an email. Built by senders and read by webhooks, so they live apart
from both."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "outreach.unsubscribe"


def public_url(name: str, **kwargs) -> str:
    """The absolute address of one of our routes, as the outside world reaches it."""
    return settings.PUBLIC_BASE_URL + reverse(name, kwargs=kwargs or None)


def unsubscribe_token(contact) -> str:
    """An opaque signed token for the one-click link: no patient data in the URL."""
    return signing.dumps(contact.pk, salt=_SALT, compress=True)


def unsubscribe_contact_id(token: str) -> int | None:
    """The contact id a token was signed for, or None for a tampered or foreign token."""
    try:
        return signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
