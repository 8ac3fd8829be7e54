"""Voicemail drops: a call with asynchronous answering-machine detection.

The call starts on a short holding TwiML; when detection reports the end of a machine's
greeting, ``outreach.voice`` redirects the live call to the bucket's voicemail script; on a
human it connects to the practice; when detection is unsure it hangs up and leaves a call
task for the coordinator.
"""

from __future__ import annotations

from outreach.transports.base import Outgoing
from outreach.twilio_client import TRANSPORT_ERRORS, send_error_from, twilio_client


class TwilioVoicemailTransport:
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
