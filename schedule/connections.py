"""Connecting the practice system from the pages: a FHIR R4 server's address and how
Reactivate signs in to it. Tokens and keys are kept on the server and never shown back."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reactivate.models import Practice
from schedule.models import Source, SourceKind

FHIR_FIELDS = (
    "name",
    "base_url",
    "auth",
    "token",
    "client_id",
    "token_url",
    "private_key",
    "key_id",
)


def fhir_source_save(practice: Practice, *, source: Source | None = None, **values) -> Source:
    """Create the practice's FHIR source, or change ``source``. Raises ValidationError
    (in words) when another source already has the name."""
    if source is None:
        source = Source(practice=practice, kind=SourceKind.FHIR)
    elif source.practice_id != practice.pk or source.kind != SourceKind.FHIR:
        raise ValidationError("Only a FHIR server of this practice can be changed here.")
    address_changed = source.pk and values.get("base_url", source.base_url) != source.base_url
    for name in FHIR_FIELDS:
        if name in values:
            setattr(source, name, values[name])
    if address_changed:
        # Another server: its changes are read from the start, not from the old checkpoint.
        source.checkpoint = ""
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError:
        raise ValidationError("Another source has this name: choose another.") from None
    return source
