"""The outreach part of ``seed_demo``: a sandbox sender, and a few patients' texts arriving
through the same inbound path as a real reply (one asks to stop, one is unclear)."""

from __future__ import annotations

import uuid

from campaigns.models import Enrollment, State
from outreach.inbound import inbound_sms_receive
from outreach.models import Direction, SenderProfile
from reactivate.models import Practice

DEMO_TEXTS = (
    "Yes, I'd still like to come in. Do you have anything next week?",
    "Is the quote from last time still valid?",
    "Please stop texting me",
    "who is this?",
)


def demo_extend(practice: Practice) -> list[str]:
    sender, _ = SenderProfile.objects.get_or_create(
        practice=practice, defaults={"sms_number": f"sandbox-{practice.pk}"}
    )
    if sender.sms_number and practice.contacts.filter(messages__direction=Direction.IN).exists():
        return ["Demo replies already in the queue."]
    active = Enrollment.objects.filter(
        practice=practice, state=State.ACTIVE, held_out=False, contact__phone_valid=True
    ).select_related("contact")[: len(DEMO_TEXTS)]
    for enrollment, body in zip(active, DEMO_TEXTS, strict=False):
        sid = "SMdemo" + uuid.uuid4().hex[:26]
        inbound_sms_receive(
            {
                "MessageSid": sid,
                "From": enrollment.contact.phone,
                "To": sender.sms_number,
                "Body": body,
            }
        )
    return [f"{len(DEMO_TEXTS)} patient texts are waiting in the work queue (sandbox)."]
