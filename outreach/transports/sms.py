"""Texts through the practice's Twilio Messaging Service, with a status callback."""

from __future__ import annotations

from outreach.transports.base import Lookup, Outgoing, Transport
from outreach.twilio_client import TRANSPORT_ERRORS, send_error_from, twilio_client


class TwilioSmsTransport(Transport):
    name = "twilio-sms"

    def send(self, out: Outgoing) -> str:
        params = {"to": out.to, "body": out.body, "status_callback": out.status_callback}
        if out.validity_period is not None:
            params["validity_period"] = out.validity_period
        if out.messaging_service_sid:
            params["messaging_service_sid"] = out.messaging_service_sid
        else:
            params["from_"] = out.from_
        try:
            return twilio_client().messages.create(**params).sid
        except TRANSPORT_ERRORS as exc:
            raise send_error_from(exc) from exc

    def message_fetch(self, lookup: Lookup) -> str | None:
        """The SID of a text Twilio accepted to this number since then with these words."""
        try:
            records = twilio_client().messages.list(to=lookup.to, limit=50)
        except TRANSPORT_ERRORS as exc:
            raise send_error_from(exc) from exc
        # Newest first; a queued message has no date_sent yet, so filter on creation here.
        for record in records:
            if (
                record.date_created
                and record.date_created >= lookup.since
                and record.body == lookup.body
            ):
                return record.sid
        return None
