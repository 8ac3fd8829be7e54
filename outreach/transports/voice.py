"""Calls through Twilio: voicemail drops and click-to-call.

Voicemail drops are calls with asynchronous answering-machine detection. The call starts
on a short holding TwiML; when detection reports the end of a machine's greeting,
``outreach.voice`` redirects the live call (``call_redirect``) to the bucket's voicemail
script; on a human it connects to the practice; when detection is unsure it hangs up and
leaves a call task for the coordinator.

Click-to-call (``outreach.calls``) rings the coordinator's phone first (``call_connect``).
"""

from __future__ import annotations

from outreach.transports.base import Lookup, Outgoing, Transport
from outreach.twilio_client import TRANSPORT_ERRORS, send_error_from, twilio_client


class _TwilioCalls(Transport):
    def call_redirect(self, call_id: str, twiml: str) -> None:
        try:
            twilio_client().calls(call_id).update(twiml=twiml)
        except TRANSPORT_ERRORS as exc:
            raise send_error_from(exc) from exc

    def message_fetch(self, lookup: Lookup) -> str | None:
        """The SID of a call Twilio placed to this number since then."""
        try:
            records = twilio_client().calls.list(
                to=lookup.to, start_time_after=lookup.since, limit=50
            )
        except TRANSPORT_ERRORS as exc:
            raise send_error_from(exc) from exc
        return records[0].sid if records else None


class TwilioVoicemailTransport(_TwilioCalls):
    name = "twilio-voicemail"

    def send(self, out: Outgoing) -> str:
        try:
            call = twilio_client().calls.create(
                to=out.to,
                from_=out.from_,
                url=out.twiml_url,
                status_callback=out.status_callback,
                status_callback_event=["completed"],
                machine_detection="DetectMessageEnd",
                async_amd=True,
                async_amd_status_callback=out.amd_callback,
            )
        except TRANSPORT_ERRORS as exc:
            raise send_error_from(exc) from exc
        return call.sid


class TwilioCallTransport(_TwilioCalls):
    name = "twilio-call"

    def call_connect(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        try:
            call = twilio_client().calls.create(
                to=to, from_=from_, url=url, status_callback=status_callback
            )
        except TRANSPORT_ERRORS as exc:
            raise send_error_from(exc) from exc
        return call.sid
