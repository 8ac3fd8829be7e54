"""Whether each channel may reach a patient, and if not why, in the words the contact page
shows. The send guard (outreach) decides for real; this is what a coordinator reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from contacts.models import ConsentBasis, ConsentEvent, ConsentKind, ConsentSource, Contact


@dataclass(frozen=True, slots=True)
class ChannelState:
    label: str
    allowed: bool
    words: str


def _opted_out(at, via: str) -> str:
    return f"Opted out {at:%Y-%m-%d}" + (f" ({via})" if via else "")


# Each channel: its label, the field saying the contact has a usable address for it, and
# the words for when they have none. The opt-out fields are ``<channel>_opt_out_at``/``_via``.
_CHANNELS = (
    ("sms", "Texts", "phone_valid", "no valid mobile number"),
    ("call", "Calls", "phone_valid", "no valid phone number"),
    ("email", "Email", "email_valid", "no valid email address"),
)


def _why_not(contact: Contact, channel: str, valid: str, missing: str, blocked: str) -> str:
    """The first reason the channel may not reach the contact, or "" if none applies."""
    if contact.do_not_contact:
        return "Not allowed: do not contact"
    if not getattr(contact, valid):
        return f"Not possible: {missing}"
    if channel == "sms" and contact.sms_unreachable:  # only texts learn an unreachable number
        return f"Not possible: {contact.sms_unreachable}"
    opted_out_at = getattr(contact, f"{channel}_opt_out_at")
    if opted_out_at:
        return _opted_out(opted_out_at, getattr(contact, f"{channel}_opt_out_via"))
    return blocked


def channel_states(
    contact: Contact, blocked: Mapping[str, str] | None = None
) -> list[ChannelState]:
    """Texts, calls and email: "Allowed", or not, and why (the first reason that applies).
    ``blocked``: channel ("sms", "call", "email") -> why, for blocks kept outside contacts
    (``page_hooks.channel_blocks``: an opt-out of the number a family member sent)."""
    blocked = blocked or {}
    states = []
    for channel, label, valid, missing in _CHANNELS:
        words = _why_not(contact, channel, valid, missing, blocked.get(channel, ""))
        states.append(ChannelState(label, not words, words or "Allowed"))
    return states


# --- Consent on record (issue 17.5): what the patient agreed to, and each revocation -----
#
# A grant is recorded by a coordinator (written consent, on the contact page) or by a web
# form; an import records nothing per row: a patient who came in an import is an existing
# patient of the practice, and the record shows that from the import's own rows (batch and
# date), so a 100k-row import writes no extra row per patient.


@dataclass(frozen=True, slots=True)
class ConsentLine:
    """One line of a patient's consent record, as the contact page and an export show it."""

    at: dt.datetime
    kind: str  # ConsentKind label
    basis: str  # ConsentBasis label, or ''
    source: str  # words: "Import #12", "Coordinator", "The patient"
    channel: str  # how a revocation came ("sms", "email", "voicemail", "phone call")
    words: str
    address: str


def consent_grant(
    contact: Contact,
    *,
    basis: str,
    source: str,
    user=None,
    words: str = "",
    at: dt.datetime | None = None,
) -> ConsentEvent:
    """Record consent given, for the patient and the number and address they have now."""
    if basis not in ConsentBasis.values:
        raise ValidationError("Choose how the patient gave consent.")
    if source not in ConsentSource.values:
        raise ValidationError("Choose where the consent came from.")
    return ConsentEvent.objects.create(
        practice_id=contact.practice_id,
        contact=contact,
        address=contact.phone or contact.email,
        kind=ConsentKind.GRANTED,
        basis=basis,
        source=source,
        words=words.strip()[:200],
        user=user,
        at=at or timezone.now(),
    )


def consent_changes_record(
    contacts: Iterable[Contact],
    *,
    kind: str,
    address: str,
    channel: str,
    words: str,
    source: str,
    user=None,
) -> int:
    """A revocation (or texts resumed) for every patient at a number or address."""
    now = timezone.now()
    rows = [
        ConsentEvent(
            practice_id=contact.practice_id,
            contact=contact,
            address=address,
            kind=kind,
            source=source,
            channel=channel[:20],
            words=words.strip()[:200],
            user=user,
            at=now,
        )
        for contact in contacts
    ]
    return len(ConsentEvent.objects.bulk_create(rows))


def _written_since_revoked(contact: Contact) -> ConsentEvent | None:
    """The latest written grant for the patient's current number or address, unless a
    revocation came after it (one query)."""
    latest = (
        ConsentEvent.objects.filter(contact=contact)
        .filter(Q(kind=ConsentKind.REVOKED) | Q(kind=ConsentKind.GRANTED))
        .order_by("-at", "-id")
        .values_list("kind", "basis", "address")[:20]
    )
    addresses = {"", contact.phone, contact.email}
    for kind, basis, address in latest:
        if kind == ConsentKind.REVOKED:
            return None
        if basis == ConsentBasis.WRITTEN and address in addresses:
            return ConsentEvent(kind=kind, basis=basis, address=address)
    return None


def written_consent_on_record(contact: Contact) -> bool:
    """May a marketing message go to this patient: written consent for their current
    number or address, not revoked since."""
    return _written_since_revoked(contact) is not None


def consent_basis(contact: Contact) -> str:
    """The basis a message goes out on, in a word (the touch's receipt): the latest grant
    not revoked since, else "existing_patient" for a patient who came in an import."""
    grant = (
        ConsentEvent.objects.filter(contact=contact, kind=ConsentKind.GRANTED)
        .order_by("-at", "-id")
        .values_list("basis", flat=True)
        .first()
    )
    if grant:
        return grant
    imported = contact.import_rows.exists()
    return ConsentBasis.EXISTING_PATIENT if imported else ""


def consent_record(contact: Contact) -> list[ConsentLine]:
    """The patient's consent record, oldest first: imports (existing patient), grants,
    revocations and texts resumed, each with its basis, source, channel, words and time."""
    lines = [
        ConsentLine(
            at=row.batch.finished_at or row.batch.created_at,
            kind=ConsentKind.GRANTED.label,
            basis=ConsentBasis.EXISTING_PATIENT.label,
            source=f"Import #{row.batch_id}",
            channel="",
            words="",
            address="",
        )
        for row in contact.import_rows.select_related("batch").exclude(result="error")
    ]
    lines += [
        ConsentLine(
            at=event.at,
            kind=event.get_kind_display(),
            basis=event.get_basis_display() if event.basis else "",
            source=event.get_source_display() if event.source else "",
            channel=event.channel,
            words=event.words,
            address=event.address,
        )
        for event in contact.consents.all()
    ]
    return sorted(lines, key=lambda line: line.at)
