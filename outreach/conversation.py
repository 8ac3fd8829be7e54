"""A patient's single thread: what was sent and received on every channel, and the
coordinator's own replies (checked like any text: consent, quiet hours, tone).

A coordinator's reply is never thrown away. DESIGN §4's send guard says a text goes out
only within the practice's sending window intersected with 8:00-21:00 in the patient's
time, and a touch outside it is moved to the next allowed minute, not dropped. The rules
make no exception for answering a patient's own message, so a reply typed outside those
hours is saved as a *planned* message (status "planned", ``send_at`` the next allowed
minute) that the coordinator can edit or cancel until it goes; beat's sweeper
(``planned_replies_send_due``) sends it through the same path and checks as a reply sent
at once, at send time: a STOP (or do-not-contact) that came meanwhile still wins, and the
thread says why it was not sent. Any other refusal saves nothing and the view keeps the
typed words in the box.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from django.core.exceptions import ValidationError
from django.db.models import Exists, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from campaigns import tone
from campaigns.models import OPEN_STATES, Channel, Enrollment
from campaigns.scheduling import Recipient, SendingRules, next_allowed
from contacts.models import Contact
from outreach.models import Direction, Kind, Message, MessageStatus
from outreach.optouts import contact_blocked
from outreach.outgoing import text_outgoing
from outreach.transports import SendError, transport_for
from outreach.validity import reply_validity_period


def thread(contact: Contact) -> QuerySet[Message]:
    return Message.objects.filter(contact=contact).select_related("user").order_by("created_at")


def _waiting(**where) -> QuerySet[Message]:
    return Message.objects.filter(direction=Direction.IN, handled_at__isnull=True, **where)


def oldest_waiting(contact) -> Subquery:
    """When ``contact``'s (an id or an OuterRef) oldest unhandled reply came."""
    return Subquery(_waiting(contact=contact).order_by("created_at").values("created_at")[:1])


def replies_waiting_by_contact(contact_ids: list[int]) -> dict[int, dt.datetime]:
    """When each contact's oldest unhandled reply came (contacts with none left out)."""
    rows = (
        _waiting(contact_id__in=contact_ids)
        .order_by()
        .values("contact_id")
        .annotate(since=Min("created_at"))
        .values_list("contact_id", "since")
    )
    return dict(rows)


def replies_waiting_mark(message: Message) -> int:
    """An inbound message waits for a coordinator: its contact's enrollments show a reply
    waiting since it came, unless an older one waits already."""
    return Enrollment.objects.filter(
        contact_id=message.contact_id, reply_waiting_since__isnull=True
    ).update(reply_waiting_since=message.created_at)


def replies_waiting_sync(contact_ids: list[int]) -> int:
    """Set these contacts' enrollments' ``reply_waiting_since`` from their messages: the
    oldest unhandled reply, or None."""
    return Enrollment.objects.filter(contact_id__in=contact_ids).update(
        reply_waiting_since=oldest_waiting(OuterRef("contact"))
    )


def replies_waiting_reconcile() -> int:
    """Put right the open enrollments whose ``reply_waiting_since`` disagrees with the
    messages; returns how many patients it resynced. Beat runs it every few minutes.

    The services keep the column as replies come and go, but a reply that arrives while
    its patient is being enrolled (each transaction misses the other's row), or while a
    deploy runs the old code after the fill migration, would leave it empty: the reply
    would never reach the work queue. Both sets are small and indexed: the waiting
    replies, and the enrollments marked waiting."""
    waiting = _waiting(contact=OuterRef("contact_id"))
    missing = _waiting(
        contact__enrollments__state__in=OPEN_STATES,
        contact__enrollments__reply_waiting_since__isnull=True,
    ).values_list("contact_id", flat=True)
    stale = (
        Enrollment.objects.filter(state__in=OPEN_STATES, reply_waiting_since__isnull=False)
        .exclude(Exists(waiting))
        .values_list("contact_id", flat=True)
    )
    contact_ids = sorted(set(missing) | set(stale))
    if contact_ids:
        replies_waiting_sync(contact_ids)
    return len(contact_ids)


def replies_handle(contact_id: int, *, now: dt.datetime | None = None) -> int:
    """The coordinator has dealt with the patient's waiting replies."""
    handled = _waiting(contact_id=contact_id).update(handled_at=now or timezone.now())
    # From the messages, not None: a reply that came meanwhile still waits.
    replies_waiting_sync([contact_id])
    return handled


PLANNED = MessageStatus.PLANNED  # a reply waiting for the sending window (``send_at``)
NOT_SENT = MessageStatus.NOT_SENT  # a planned reply refused when it was due (``reason``)
CANCELED = MessageStatus.CANCELED
GONE = "This reply is no longer planned: it has gone out or was canceled."
PLACEHOLDER = re.compile(r"\{\s*\w*\s*\}")
SWEEP_BATCH = 500
RETRY_IN = dt.timedelta(minutes=1)


def _words_checked(body: str) -> list[tone.Finding]:
    """The tone warnings of the coordinator's words; raises if they cannot go as typed."""
    findings = tone.tone_check(body, channel="sms")
    # Not only unknown placeholders: nothing fills in a reply's, so even {first_name}
    # would reach the patient as typed.
    if not body or tone.blocking(findings) or PLACEHOLDER.search(body):
        raise ValidationError("Write the reply without {placeholders}.")
    return [f for f in findings if f.severity == tone.Severity.WARNING]


def _refusal(contact: Contact) -> str:
    """Why this patient may not be texted at all (consent and number), or ""."""
    if contact.do_not_contact:
        return "the patient is marked do not contact"
    if contact.sms_opt_out_at or contact_blocked(contact, "sms"):
        return "the patient's number opted out of texts"  # a family member's STOP too
    if not contact.textable:
        return "the patient has no number that takes texts"
    return ""


def _allowed_from(contact: Contact, now: dt.datetime) -> dt.datetime:
    """The first minute at or after ``now`` a text may reach the patient."""
    practice = contact.practice
    try:
        return next_allowed(now, SendingRules.of(practice), Recipient.of(contact, practice))
    except (ValueError, RuntimeError) as error:
        raise ValidationError(
            "Texts cannot be sent: the practice's sending window never falls within the "
            "legal hours (8:00-21:00 the patient's time). Fix the window in settings."
        ) from error


def _transmit(message: Message, contact: Contact, now: dt.datetime) -> None:
    """Send a reply's row (already "sending") through the SMS transport; raises SendError."""
    outgoing = text_outgoing(
        message, contact.phone, validity_period=reply_validity_period(contact, now)
    )
    sid = transport_for(Channel.SMS).send(outgoing)
    Message.objects.filter(pk=message.pk).update(
        provider_id=sid,
        status=MessageStatus.QUEUED,
        status_at=now,
        to_number=contact.phone,
        reason="",
    )


def reply_send(
    contact: Contact, body: str, *, user, now: dt.datetime | None = None
) -> tuple[Message, list[tone.Finding]]:
    """Text the patient the coordinator's own words, now or, outside the hours texts may
    go, as a planned message sent at the next allowed minute (``message.status`` says
    which). Raises ValidationError with the reason when it may not go at all; returns the
    message and the tone warnings."""
    now = now or timezone.now()
    body = body.strip()
    warnings = _words_checked(body)
    refusal = _refusal(contact)
    if refusal:
        raise ValidationError(f"This patient cannot be texted: {refusal}.")
    send_at = _allowed_from(contact, now)
    planned = send_at > now
    message = Message.objects.create(
        practice=contact.practice,
        contact=contact,
        direction=Direction.OUT,
        channel=Channel.SMS,
        kind=Kind.MANUAL,
        body=body,
        to_number=contact.phone,
        user=user,
        status=PLANNED if planned else MessageStatus.SENDING,
        send_at=send_at if planned else None,
    )
    if not planned:
        try:
            _transmit(message, contact, now)
        except SendError as error:
            Message.objects.filter(pk=message.pk).update(
                status=MessageStatus.FAILED, error_code=error.code
            )
            raise ValidationError(f"The text was not sent: {error.message}") from error
    # Answered (or the answer is written and will go): the patient no longer waits.
    replies_handle(contact.pk, now=now)
    message.refresh_from_db()
    return message, warnings


def planned_when(message: Message, now: dt.datetime | None = None) -> str:
    """When a planned reply goes out, on the patient's clock: "at 9:00 AM", "tomorrow at
    9:00 AM" or "on Monday, December 14 at 9:00 AM"."""
    contact = message.contact
    zone = Recipient.of(contact, contact.practice).zone
    at = message.send_at.astimezone(zone)
    days_on = (at.date() - (now or timezone.now()).astimezone(zone).date()).days
    day = "tomorrow " if days_on == 1 else f"on {at:%A, %B} {at.day} " if days_on > 1 else ""
    return f"{day}at {at.hour % 12 or 12}:{at:%M} {'AM' if at.hour < 12 else 'PM'}"


def planned_reply_notice(message: Message, now: dt.datetime | None = None) -> str:
    """What the coordinator is told about a reply saved for later."""
    return (
        f"Saved. It goes out {planned_when(message, now)}, the patient's time — texts are "
        "not sent before then."
    )


def _planned(contact: Contact, message_id: int) -> QuerySet[Message]:
    return Message.objects.filter(pk=message_id, contact=contact, status=PLANNED)


def planned_reply_edit(contact: Contact, message_id: int, body: str, *, user) -> list:
    """Change a planned reply's words before it goes; returns the tone warnings."""
    body = body.strip()
    warnings = _words_checked(body)
    if not _planned(contact, message_id).update(body=body, user=user):
        raise ValidationError(GONE)
    return warnings


def planned_reply_cancel(contact: Contact, message_id: int) -> str:
    """Cancel a planned reply before it goes; returns its words (for the reply box)."""
    body = _planned(contact, message_id).values_list("body", flat=True).first()
    if body is None or not _planned(contact, message_id).update(
        status=CANCELED, reason="Canceled by the coordinator before it went out."
    ):
        raise ValidationError(GONE)
    return body


def planned_replies_send_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Send the planned replies that are due (what beat runs every minute); returns how
    many went each way."""
    now = now or timezone.now()
    due = Message.objects.filter(status=PLANNED, send_at__lte=now).order_by("send_at")
    results: Counter[str] = Counter()
    for message_id in due.values_list("pk", flat=True)[:SWEEP_BATCH]:
        results[planned_reply_send(message_id, now)] += 1
    return dict(results)


def planned_reply_send(message_id: int, now: dt.datetime) -> str:
    """Send one due planned reply, checked as at the moment it goes: "sent", "held"
    (planned again for the next allowed minute), "not sent" (refused: the reason is on the
    message), "retry", "failed", "unknown", or "not planned" (sent, canceled, or taken
    by another sweeper)."""
    claimed = Message.objects.filter(pk=message_id, status=PLANNED, send_at__lte=now).update(
        status=MessageStatus.SENDING, status_at=now
    )
    if not claimed:
        return "not planned"
    message = Message.objects.select_related("contact__practice").get(pk=message_id)
    mark = Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update
    contact = message.contact
    refusal = _refusal(contact) if contact else "the patient's record was removed"
    try:
        send_at = _allowed_from(contact, now) if not refusal else now
    except ValidationError as error:
        refusal = error.messages[0]
    if refusal:
        mark(status=NOT_SENT, reason=f"Not sent: {refusal} before it went out."[:200])
        return "not sent"
    if send_at > now:
        mark(status=PLANNED, send_at=send_at)
        return "held"
    try:
        _transmit(message, contact, now)
    except SendError as error:
        if error.maybe_sent:
            mark(status=MessageStatus.UNKNOWN, reason=f"Not resent: {error.message}"[:200])
            return "unknown"
        if not error.permanent:
            mark(status=PLANNED, send_at=now + RETRY_IN, reason=f"Retrying: {error.message}"[:200])
            return "retry"
        mark(
            status=MessageStatus.FAILED,
            error_code=error.code,
            reason=f"Not sent: {error.message}"[:200],
        )
        return "failed"
    return "sent"
