"""What comes back: replies, opt-outs and delivery news (DESIGN §4, §5).

Every function here is idempotent on the provider's SID, so Twilio retrying a webhook
changes nothing the second time, and statuses only move forward.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.enrollments import enrollment_reply
from campaigns.models import OPEN_STATES, Channel, Enrollment, Touch, TouchStatus
from contacts.models import Contact
from contacts.services import contact_opt_out
from outreach import keywords
from outreach.carrier_errors import error_action_apply
from outreach.conversation import replies_waiting_mark
from outreach.links import unsubscribe_contact_id
from outreach.models import (
    STATUS_RANK,
    Attention,
    Direction,
    Kind,
    Message,
    MessageStatus,
    SenderProfile,
)
from outreach.optouts import address_opt_out
from outreach.revocation import consent_revoke, consent_texts_resume
from outreach.twilio_client import ERROR_ACTIONS
from outreach.validity import text_expired
from reactivate.models import Practice

logger = logging.getLogger(__name__)
SID_MAX = Message._meta.get_field("provider_id").max_length
# ASCII digits only (str.isdigit() takes "²", which int() refuses), at most nine: an int4.
_ERROR_CODE = re.compile(r"[0-9]{1,9}")

_WRONG_NUMBER = re.compile(r"\bwrong\s+(number|person)\b|\bnot\s+\w+\s*,?\s*this\s+is\b", re.I)


@dataclass(frozen=True)
class Intent:
    kind: str  # "stop", "start", "help", "unclear_stop", "wrong_number", "reply"
    # What the words named. A stop revokes consent on every channel whatever they name
    # (``outreach.revocation``: the "revoke all" reading).
    channels: tuple[str, ...] = ("sms",)
    language: str = "en"
    twilio_answers: bool = False  # Twilio's own keyword: Twilio sent the answer


def intent_of(body: str, opt_out_type: str = "") -> Intent:
    """What an inbound text (or an email, or a voicemail's transcript) asks for, in any
    language we have keywords for (``outreach.keywords``). Twilio's ``OptOutType`` wins
    when present (Twilio has answered it)."""
    kind = {"STOP": "stop", "START": "start", "HELP": "help"}.get(opt_out_type.upper())
    if kind:
        return Intent(kind, twilio_answers=True)
    keyword = keywords.keyword_of(body)
    if keyword.kind == "stop":
        words = keywords.plain(body).replace(" ", "")
        channels = ("sms", "call", "email") if words == "STOPALL" else ("sms",)
        return Intent("stop", channels, keyword.language, keyword.twilio_answers)
    if keyword.kind in ("start", "help"):
        return Intent(keyword.kind, ("sms",), keyword.language, keyword.twilio_answers)
    if keyword.kind == "clear_stop":
        channels = ("sms", "call") if re.search(r"\bcall|\bllam", body, re.I) else ("sms",)
        return Intent("stop", channels, keyword.language)
    if _WRONG_NUMBER.search(body):
        return Intent("wrong_number")
    unclear = keywords.unclear_stop_of(body)
    if unclear:
        return Intent("unclear_stop", language=unclear)
    return Intent("reply")


def _practice_for(to: str, messaging_service_sid: str) -> SenderProfile | None:
    query = Q(sms_number=to) if to else Q(pk__in=[])
    if messaging_service_sid:
        query |= Q(messaging_service_sid=messaging_service_sid)
    return SenderProfile.objects.select_related("practice").filter(query).first()


def _contact_for(practice_id: int, phone: str) -> Contact | None:
    """The patient who texted: family members may share the phone, so prefer the one we
    are talking to (an open enrollment), then the one most recently written to. A post
    without a sender is nobody's (not every patient without a phone's)."""
    if not phone:
        return None
    candidates = Contact.objects.live().filter(practice_id=practice_id, phone=phone)
    in_talks = candidates.filter(enrollments__state__in=OPEN_STATES).first()
    if in_talks:
        return in_talks
    recent = (
        Message.objects.filter(practice_id=practice_id, contact__in=candidates)
        .order_by("-created_at")
        .values_list("contact_id", flat=True)
        .first()
    )
    return candidates.filter(pk=recent).first() if recent else candidates.first()


def _open_enrollment(contact: Contact) -> Enrollment | None:
    return contact.enrollments.filter(state__in=OPEN_STATES).select_related("campaign").first()


def provider_key(sid: str) -> str:
    """The provider id a webhook's SID is stored and looked up under. Twilio's SIDs are 34
    characters; a longer one (not Twilio's) is hashed to fit the column, the same way on
    every retry, instead of failing the insert with a 500 that Twilio retries forever."""
    if len(sid) <= SID_MAX:
        return sid
    logger.warning("a webhook carried a %d-character SID; stored hashed", len(sid))
    return "sha256:" + hashlib.sha256(sid.encode("utf-8", "surrogatepass")).hexdigest()[:56]


def _inbound_key(params: dict[str, str]) -> str:
    """What an inbound text is recorded once under: its SID, or, for a post without one
    (Twilio always sends one), its content, so a retry of the same post is one row."""
    sid = params.get("MessageSid") or params.get("SmsSid") or params.get("SmsMessageSid", "")
    if sid:
        return provider_key(sid)
    logger.warning("an inbound text without a MessageSid; recorded by its content")
    content = "\n".join(f"{key}={value}" for key, value in sorted(params.items()))
    digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
    return "content:" + digest[:56]


def _error_code(value: str) -> int | None:
    """Twilio's ErrorCode (five digits); anything else is not one and is not stored (a
    30-digit one overflowed the column: a 500, retried forever)."""
    if _ERROR_CODE.fullmatch(value or ""):
        return int(value)
    if value:
        logger.warning("a status callback carried an unusable ErrorCode (%d chars)", len(value))
    return None


def inbound_record(
    *,
    practice_id: int | None,
    contact: Contact | None,
    channel: str,
    body: str,
    key: str,
    from_: str,
    to: str = "",
    attention: str = Attention.NONE,
) -> Message | None:
    """Record what a patient sent us (a text, an email reply, a voicemail's transcript) in
    the thread, once: None when a message under ``key`` (its provider id) is already
    recorded (the provider's retry, or the same post concurrently). A sender we do not
    know is flagged for a coordinator unless ``attention`` says more."""
    try:
        with transaction.atomic():
            return Message.objects.create(
                practice_id=practice_id,
                contact=contact,
                direction=Direction.IN,
                channel=channel,
                kind=Kind.REPLY,
                body=body,
                from_number=from_[:40],
                to_number=to[:40],
                provider_id=key,
                status=MessageStatus.RECEIVED,
                status_at=timezone.now(),
                attention=attention or (Attention.UNMATCHED if contact is None else Attention.NONE),
            )
    except IntegrityError:
        return None


@transaction.atomic
def inbound_sms_receive(params: dict[str, str]) -> tuple[Message, str]:
    """Record an inbound text and act on it; returns the message and the auto-answer to
    send back ('' for none). Twilio retrying the webhook returns the first result."""
    sid = _inbound_key(params)
    existing = Message.objects.filter(provider_id=sid).first()
    if existing:
        return existing, ""
    sender = _practice_for(params.get("To", ""), params.get("MessagingServiceSid", ""))
    practice = sender.practice if sender else None
    contact = _contact_for(practice.pk, params.get("From", "")) if practice else None
    body = params.get("Body", "")
    intent = intent_of(body, params.get("OptOutType", ""))
    message = inbound_record(
        practice_id=practice.pk if practice else None,
        contact=contact,
        channel=Channel.SMS,
        body=body,
        key=sid,
        from_=params.get("From", ""),
        to=params.get("To", ""),
    )
    if message is None:  # the same webhook, concurrently
        return Message.objects.get(provider_id=sid), ""
    if contact is None:
        return message, ""
    return message, _act(message, practice, contact, intent)


def _act(message: Message, practice: Practice, contact: Contact, intent: Intent) -> str:
    enrollment = _open_enrollment(contact)
    language = keywords.answer_language(contact.preferred_language, intent.language)
    if intent.kind == "stop":
        # The number asked: every channel and purpose, everyone of the practice at it
        # (family members share phones), through the path every revocation takes.
        newly = consent_revoke(
            practice.pk,
            channel="sms",
            words=message.body,
            phone=message.from_number,
            asker=contact,
        )
        message.handled_at = timezone.now()
        message.save(update_fields=["handled_at"])
        # Twilio answers its own keywords; any other words (ALTO, "stop texting me") get
        # our one confirmation, in the patient's language, the first time the number
        # revokes (not once per patient at it, nor per repeat).
        if newly and not intent.twilio_answers:
            return keywords.confirmation_text(practice.name, language)
        return ""
    if intent.kind == "start":
        consent_texts_resume(practice.pk, message.from_number, words=message.body)
        message.handled_at = timezone.now()
        message.save(update_fields=["handled_at"])
        return "" if intent.twilio_answers else language.resumed.format(practice=practice.name)
    if intent.kind == "help":
        message.handled_at = timezone.now()
        message.save(update_fields=["handled_at"])
        return keywords.help_text(practice, language)
    if intent.kind in ("unclear_stop", "wrong_number"):
        message.attention = (
            Attention.WRONG_NUMBER if intent.kind == "wrong_number" else Attention.UNCLEAR_OPT_OUT
        )
        message.save(update_fields=["attention"])
    # It waits for a coordinator (in the work queue, oldest first).
    replies_waiting_mark(message)
    if enrollment:
        enrollment_reply(enrollment)
    return ""


def message_status_update(params: dict[str, str]) -> Message | None:
    """A delivery status callback: statuses only move forward; error codes act once."""
    sid = provider_key(
        params.get("MessageSid") or params.get("SmsSid") or params.get("CallSid", "")
    )
    status = (
        params.get("MessageStatus") or params.get("SmsStatus") or params.get("CallStatus") or ""
    ).lower()
    with transaction.atomic():
        # Lock the row alone (a join would put nullable sides under FOR UPDATE).
        message = Message.objects.select_for_update().filter(provider_id=sid).first()
        if message is None or STATUS_RANK.get(status, -1) <= STATUS_RANK.get(message.status, -1):
            return message
        message.status, message.status_at = MessageStatus(status), timezone.now()
        code = _error_code(params.get("ErrorCode", ""))
        message.error_code = code or message.error_code
        action = ERROR_ACTIONS.get(code, "") if code else ""
        if action == "alert_no_resend":
            message.attention = Attention.CARRIER_BLOCKED
        message.save(update_fields=["status", "status_at", "error_code", "attention"])
        _touch_status(message, status, action)
    return message


def _touch_status(message: Message, status: str, action: str) -> None:
    touch, contact = message.touch, message.contact
    if touch is None or contact is None:
        return
    if status == MessageStatus.DELIVERED:
        Touch.objects.filter(pk=touch.pk, status=TouchStatus.SENT).update(
            status=TouchStatus.DELIVERED
        )
    elif status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
        # Dropped unsent from Twilio's queue (30036, 30001): planned again, not failed.
        if status == MessageStatus.FAILED and text_expired(message, touch, message.error_code):
            return
        reason = f"failed: {status}" + (
            f" (Twilio {message.error_code})" if message.error_code else ""
        )
        Touch.objects.filter(
            pk=touch.pk, status__in=[TouchStatus.SENT, TouchStatus.DELIVERED]
        ).update(status=TouchStatus.FAILED, reason=reason[:200])
        if action == "retry_later_day":
            _retry_tomorrow(touch)
        error_action_apply(contact, action, touch.enrollment)


def _retry_tomorrow(touch) -> None:
    """30003 (handset unreachable): the same step again on a later day, as a new touch."""
    if Touch.objects.filter(
        enrollment=touch.enrollment, step=touch.step, status=TouchStatus.PLANNED
    ).exists():
        return
    touch_step_again(
        touch,
        channel=touch.channel,
        due_at=timezone.now() + dt.timedelta(days=1),
        reason="retry: the phone was unreachable",
    )


def touch_step_again(touch: Touch, *, channel: str, due_at: dt.datetime, reason: str) -> Touch:
    """The touch's step once more, as a new planned touch of its enrollment: a retry on a
    later day, or a call task instead of a voicemail (``outreach.voice``)."""
    return Touch.objects.create(
        practice_id=touch.practice_id,
        enrollment_id=touch.enrollment_id,
        step_id=touch.step_id,
        channel=channel,
        due_at=due_at,
        status=TouchStatus.PLANNED,
        reason=reason,
    )


# --- Email unsubscribe ------------------------------------------------------------------


def email_unsubscribe(token: str) -> bool:
    contact_id = unsubscribe_contact_id(token)
    contact = Contact.objects.filter(pk=contact_id).first() if contact_id is not None else None
    if contact is None:
        return False
    # The address unsubscribed: everyone of the practice at it (and this patient, whose
    # address may have changed since the email was sent).
    contact_opt_out(contact, ["email"], via="email: one-click unsubscribe")
    if contact.email:
        address_opt_out(
            contact.practice_id, ["email"], email=contact.email, via="email: one-click unsubscribe"
        )
    return True
