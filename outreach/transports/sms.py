"""Texts through the practice's Twilio Messaging Service, with a status callback."""

from __future__ import annotations

from outreach.transports.base import Outgoing
from outreach.twilio_client import TRANSPORT_ERRORS, send_error_from, twilio_client


class TwilioSmsTransport:
    name = "twilio-sms"

    def send(self, out: Outgoing) -> str:
        params = {"to": out.to, "body": out.body, "status_callback": out.status_callback}
        if out.messaging_service_sid:
            params["messaging_service_sid"] = out.messaging_service_sid
        else:
            params["from_"] = out.from_
        try:
            return twilio_client().messages.create(**params).sid
        except TRANSPORT_ERRORS as exc:
            raise send_error_from(exc) from exc
