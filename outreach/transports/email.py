"""Email through Django's email framework (django-anymail's SendGrid backend in
production), with one-click List-Unsubscribe (RFC 8058) and the practice's postal address.
"""

from __future__ import annotations

import uuid

from django.core.mail import EmailMessage

from outreach.transports.base import Outgoing, SendError, Transport


class EmailTransport(Transport):
    name = "email"

    def send(self, out: Outgoing) -> str:
        body = out.body + (f"\n\n--\n{out.footer}" if out.footer else "")
        body += f"\n\nTo stop these emails: {out.unsubscribe_url}"
        message = EmailMessage(
            subject=out.subject,
            body=body,
            from_email=out.from_ or None,
            to=[out.to],
            headers={
                "List-Unsubscribe": f"<{out.unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        try:
            message.send()
        except Exception as exc:  # each backend raises its own; all mean "not sent"
            raise SendError(f"Email was not sent ({type(exc).__name__}).") from exc
        # anymail backends report the provider's id; others get ours.
        status = getattr(message, "anymail_status", None)
        return (getattr(status, "message_id", None) or f"EM{uuid.uuid4().hex}")[:64]
