"""Building touches ready to send, on the practice's default sequence, sending one, and
posting to our Twilio webhooks as Twilio does."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from campaigns.models import CampaignStatus, Channel, Touch, TouchStatus
from outreach.models import SenderProfile
from outreach.pacing import touches_send
from tests.factories import ContactFactory, EnrollmentFactory
from tests.fake_twilio.signing import FORM, form_body, sign

# A Wednesday, 15:00 UTC = 10:00 in New York: inside every default window.
NOON = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)
SERVICE_SID = "MG" + "1" * 32


def sender_for(practice) -> SenderProfile:
    return SenderProfile.objects.get_or_create(
        practice=practice,
        defaults={
            "messaging_service_sid": SERVICE_SID,
            "sms_number": "+12125550199",
            "voice_number": "+12125550199",
            "email_from": "hello@harbor.example",
            "forward_to": "+12125550100",
        },
    )[0]


def claimed_touch(
    practice,
    *,
    channel: str = Channel.SMS,
    status: str = TouchStatus.CLAIMED,
    due_at: dt.datetime = NOON,
    **contact_fields,
) -> Touch:
    sender_for(practice)
    contact_fields.setdefault("phone", "+12125550123")
    contact_fields.setdefault("time_zone", "America/New_York")
    contact = ContactFactory(practice=practice, **contact_fields)
    enrollment = EnrollmentFactory(
        campaign__practice=practice, campaign__status=CampaignStatus.RUNNING, contact=contact
    )
    step = enrollment.campaign.sequence.steps.filter(channel=channel).first() or (
        enrollment.campaign.sequence.steps.get(day=2)
    )
    return Touch.objects.create(
        practice=practice,
        enrollment=enrollment,
        step=step,
        channel=channel,
        due_at=due_at,
        status=status,
        claimed_at=due_at if status == TouchStatus.CLAIMED else None,
    )


def send_one(touch_id: int, now: dt.datetime) -> str:
    """Send one claimed touch as a send task does (``outreach.pacing.touches_send``, what
    ``outreach.tasks.send_touches`` runs), as at ``now``; returns what happened to it."""
    return touches_send([touch_id], now)[touch_id]


def twilio_post(client, path: str, params: dict[str, str], token: str = "", *, signature=None):
    """POST ``params`` to one of our webhooks form-encoded and signed as Twilio signs them
    (with ``token``, by default the configured auth token), or with ``signature``."""
    if signature is None:
        token = token or settings.TWILIO_AUTH_TOKEN
        signature = sign(settings.PUBLIC_BASE_URL + path, params, token)
    return client.post(
        path, form_body(params), content_type=FORM, headers={"X-Twilio-Signature": signature}
    )
