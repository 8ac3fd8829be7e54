"""A patient's reply to one of our emails (SendGrid Inbound Parse, through django-anymail):
recorded in the thread, and a request to stop ("unsubscribe", "stop emailing me", "no me
escriban más") revokes consent through the same path as a STOP text (issue 17.5).

The webhook is refused without ANYMAIL_WEBHOOK_SECRET (basic auth), like the event
webhook: left open, anyone could revoke any patient's consent. For replies to arrive, the
practice's sending domain routes its replies (its ``email_from``'s MX, or a Reply-To on a
parse subdomain) to SendGrid Inbound Parse posting here.

The reply is matched to a practice by the address it was sent to (the practice's
``email_from``) and to patients by the address it came from, within that practice only.
"""

from __future__ import annotations

import hashlib
import logging
import re

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.base import AnymailBaseWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.db import transaction
from django.utils import timezone

from campaigns.enrollments import enrollment_reply
from campaigns.models import OPEN_STATES, Channel
from contacts.models import Contact
from outreach.conversation import replies_waiting_mark
from outreach.inbound import inbound_record, intent_of
from outreach.models import Attention, Message, SenderProfile
from outreach.revocation import confirmation_create, consent_revoke
from outreach.tasks import revocation_confirmation_queue

logger = logging.getLogger(__name__)
# Where the quoted original starts ("On Tue, ... wrote:", "El mar, ... escribió:", "-----").
_QUOTE_START = re.compile(r"^\s*(on\s.+\swrote:|el\s.+\sescribi\S*:|-{3,}|_{3,}|from:\s)", re.I)


class EmailRepliesWebhook(SendGridInboundWebhookView):
    """SendGrid Inbound Parse, refused without the configured basic-auth secret."""

    def __init__(self, **kwargs):
        # Skip the parent's "SendGrid is no longer supported" warning on every request
        # (the same integration as the event webhook; see pyproject's filterwarnings).
        AnymailBaseWebhookView.__init__(self, **kwargs)

    def validate_request(self, request):
        if not self.basic_auth:
            raise AnymailWebhookValidationFailure(
                "Email replies are refused: ANYMAIL_WEBHOOK_SECRET is not set."
            )

    def parse_events(self, request):
        # A post without SendGrid's fields is refused with a 400, not a 500.
        try:
            return super().parse_events(request)
        except (KeyError, ValueError, TypeError) as error:
            raise AnymailWebhookValidationFailure("Not a SendGrid inbound email.") from error


def reply_words(subject: str, text: str) -> str:
    """What the patient wrote: the subject (without Re:) and the new lines of the body,
    above the quoted original."""
    lines = []
    for line in (text or "").splitlines():
        if _QUOTE_START.match(line):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line.strip())
    subject = re.sub(r"^\s*((re|aw|rv|fwd?)\s*:\s*)+", "", subject or "", flags=re.I)
    return "\n".join(part for part in (subject.strip(), "\n".join(lines).strip()) if part)


def _key(message) -> str:
    """Recorded once per email: its Message-ID (hashed to fit), else its content."""
    raw = message.get("Message-ID", "") or f"{message.from_email}|{message.subject}|{message.text}"
    return "email:" + hashlib.sha256(str(raw).encode("utf-8", "surrogatepass")).hexdigest()[:56]


def email_reply(sender, event, esp_name: str, **kwargs) -> None:
    message = event.message
    if message is None:
        return
    address = (message.from_email.addr_spec if message.from_email else "").strip().lower()
    recipients = [to.addr_spec.strip().lower() for to in message.to or []]
    profile = (
        SenderProfile.objects.select_related("practice")
        .filter(email_from__in=recipients)
        .exclude(email_from="")
        .first()
        if recipients
        else None
    )
    if profile is None or not address:
        logger.info("an inbound email for no practice of ours was ignored")
        return
    _, confirmation = email_reply_receive(
        profile.practice_id,
        address=address,
        words=reply_words(message.subject or "", message.text or ""),
        key=_key(message),
        to=recipients[0],
    )
    revocation_confirmation_queue(confirmation)


@transaction.atomic
def email_reply_receive(
    practice_id: int, *, address: str, words: str, key: str, to: str
) -> tuple[str, Message | None]:
    """Record a patient's email reply and act on it; returns what it was read as, and the
    revocation's confirmation text for the caller to queue (if one is owed)."""
    contacts = Contact.objects.live().filter(practice_id=practice_id, email=address)
    contact = contacts.filter(enrollments__state__in=OPEN_STATES).first() or contacts.first()
    message = inbound_record(
        practice_id=practice_id,
        contact=contact,
        channel=Channel.EMAIL,
        body=words[:5000],
        key=key,
        from_=address,
        to=to,
    )
    if message is None:  # the same email again (a retried post)
        return "repeat", None
    if contact is None:
        return "unmatched", None
    intent = intent_of(words)
    if intent.kind == "stop":
        newly = consent_revoke(
            practice_id, channel="email", words=words[:200], email=address, asker=contact
        )
        Message.objects.filter(pk=message.pk).update(handled_at=timezone.now())
        return "stop", confirmation_create(contact) if newly else None
    if intent.kind == "unclear_stop":
        Message.objects.filter(pk=message.pk).update(attention=Attention.UNCLEAR_OPT_OUT)
    replies_waiting_mark(message)
    enrollment = contact.enrollments.filter(state__in=OPEN_STATES).first()
    if enrollment:
        enrollment_reply(enrollment)
    return intent.kind, None
