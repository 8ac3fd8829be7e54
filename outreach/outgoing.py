"""A text of ours that is not a touch (a coordinator's reply, a revocation's confirmation),
as the SMS transport sends it: from the practice's sender, its status callbacks to our
webhook. Touches are built with their channel's links in ``outreach.sending``."""

from __future__ import annotations

from campaigns.models import Channel
from outreach.links import public_url
from outreach.models import Message, SenderProfile
from outreach.transports import Outgoing


def text_outgoing(message: Message, to: str, *, validity_period: int | None = None) -> Outgoing:
    """``message``'s words to ``to``, from its practice's messaging service or number (none
    set up: the transport's defaults)."""
    sender = SenderProfile.objects.filter(practice_id=message.practice_id).first()
    sender = sender or SenderProfile()
    return Outgoing(
        message_id=message.pk,
        channel=Channel.SMS,
        to=to,
        body=message.body,
        from_=sender.sms_number,
        messaging_service_sid=sender.messaging_service_sid,
        status_callback=public_url("hooks:sms_status"),
        validity_period=validity_period,
    )
