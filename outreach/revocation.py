"""Revoking consent, by whatever means the patient used (issue 17.5): a text (STOP, ALTO,
"stop texting me"), an email reply, words in a voicemail's transcript, or a coordinator
recording what the patient said on the phone. Every path comes here.

The FCC's rules let a patient revoke "by any reasonable means"; from 31 Jan 2027 one
revocation covers every channel and every purpose. We apply that stricter reading now:
a revocation opts the number or address out of texts, calls (and voicemail) and email,
with every patient of the practice at it (family members share them, ``optouts``), and
ends their open enrollments. The send guard re-reads the blocks at send time, so a touch
claimed before the revocation does not go.

One confirmation text is owed the first time a number or address revokes (not once per
patient at it, nor per repeat): on the text path it is the webhook's answer; on the
others it is a message its caller queues on commit, sent by a worker at once (the FCC allows
one, within 5 minutes).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.enrollments import enrollment_move
from campaigns.models import OPEN_STATES, Channel, Enrollment, State
from campaigns.states import IllegalTransition
from contacts.consent import consent_changes_record
from contacts.models import ConsentKind, ConsentSource, Contact
from outreach import keywords
from outreach.models import BlockKind, Direction, Kind, Message, MessageStatus
from outreach.optouts import address_block_add, address_opt_in_sms, address_opt_out, contacts_at
from outreach.outgoing import text_outgoing
from outreach.transports import SendError, transport_for

EVERY_CHANNEL = ["sms", "call", "email"]


@transaction.atomic
def consent_revoke(
    practice_id: int,
    *,
    channel: str,
    words: str,
    phone: str = "",
    email: str = "",
    source: str = ConsentSource.PATIENT,
    user=None,
    asker: Contact | None = None,
) -> bool:
    """Revoke consent for a number (``phone``) or an address (``email``) on every channel
    and purpose, for everyone of the practice at it. ``channel`` is how the revocation
    came ("sms", "email", "voicemail", "phone call") and ``words`` what the patient said.
    Returns True the first time (a confirmation is owed), False for a repeat."""
    via = f"{channel}: {words}"[:50]
    at = list(contacts_at(practice_id, phone=phone, email=email))
    newly = address_opt_out(practice_id, EVERY_CHANNEL, via=via, phone=phone, email=email)
    if email:
        # The patients at the address revoked for their phones too ("revoke all").
        for contact in at:
            if contact.phone:
                newly += address_block_add(
                    practice_id, contact.phone, ["sms", "call"], kind=BlockKind.OPT_OUT, via=via
                )
    _enrollments_stop(practice_id, at, asker)
    consent_changes_record(
        at,
        kind=ConsentKind.REVOKED,
        address=phone or email,
        channel=channel,
        words=words,
        source=source,
        user=user,
    )
    return bool(newly)


@transaction.atomic
def consent_texts_resume(practice_id: int, phone: str, *, words: str) -> int:
    """START (in any language) from a number: texts again for everyone at it. Calls and
    email stay off: the patient asked for texts."""
    resumed = address_opt_in_sms(practice_id, phone, via=f"text: {words}"[:50])
    consent_changes_record(
        contacts_at(practice_id, phone=phone),
        kind=ConsentKind.RESUMED,
        address=phone,
        channel="sms",
        words=words,
        source=ConsentSource.PATIENT,
    )
    return resumed


def _enrollments_stop(practice_id: int, contacts: list[Contact], asker: Contact | None) -> None:
    """End the open enrollments of everyone at the number or address: the patient asked,
    and the others share what the messages reach."""
    enrollments = Enrollment.objects.filter(
        practice_id=practice_id, contact__in=contacts, state__in=OPEN_STATES
    ).select_related("contact", "campaign")
    for enrollment in enrollments:
        note = (
            "patient asked to stop"
            if asker is None or enrollment.contact_id == asker.pk
            else "a stop request from the same number or address"
        )
        try:
            enrollment_move(enrollment, State.OPTED_OUT, note=note)
        except IllegalTransition:
            continue  # moved meanwhile (by a coordinator): the opt-out still holds


def confirmation_create(contact: Contact, *, phone: str = "") -> Message | None:
    """The one confirmation text of a revocation that did not come by text, in the
    patient's language; the caller queues its send for when the revocation commits
    (``outreach.tasks.revocation_confirmation_queue``)."""
    phone = phone or contact.phone
    if not phone or not contact.phone_valid:
        return None  # no number to confirm to: the contact page shows the revocation
    language = keywords.answer_language(contact.preferred_language, "")
    message = Message.objects.create(
        practice_id=contact.practice_id,
        contact=contact,
        direction=Direction.OUT,
        channel=Channel.SMS,
        kind=Kind.CONFIRMATION,
        body=keywords.confirmation_text(contact.practice.name, language),
        to_number=phone,
        status=MessageStatus.SENDING,
    )
    return message


def confirmation_send(message_id: int) -> str:
    """Send a queued confirmation (once: only from "sending" with no provider id yet)."""
    unsent = Q(status=MessageStatus.SENDING, provider_id__isnull=True)
    message = Message.objects.filter(unsent, pk=message_id, kind=Kind.CONFIRMATION).first()
    if message is None:
        return "gone"
    try:
        sid = transport_for(Channel.SMS).send(text_outgoing(message, message.to_number))
    except SendError as error:
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, error_code=error.code, reason=error.message[:200]
        )
        return "failed"
    Message.objects.filter(pk=message.pk, provider_id__isnull=True).update(
        provider_id=sid, status=MessageStatus.QUEUED, status_at=timezone.now()
    )
    return "sent"
