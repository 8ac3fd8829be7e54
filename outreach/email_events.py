"""Email events from the provider: SendGrid's event webhook, through django-anymail.

The webhook is refused unless it carries ANYMAIL_WEBHOOK_SECRET (HTTP basic auth): left
open, anyone could post an unsubscribe or a spam report for any address. An event is
matched to the email we sent by its message id (anymail's id, stored as the message's
provider id), so it acts only on the practice that sent that email; an event for an email
we have no record of is ignored, never matched by address across practices.
"""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView

from campaigns.models import Channel
from contacts.services import contact_opt_out
from outreach.models import Direction, Message
from outreach.optouts import address_opt_out, contacts_at

logger = logging.getLogger(__name__)

OPT_OUT_EVENTS = {"unsubscribed": "email: unsubscribed", "complained": "email: spam report"}


class EmailEventsWebhook(SendGridTrackingWebhookView):
    """SendGrid's event webhook, refused without the configured basic-auth secret.

    anymail itself accepts every post when no secret is set (it only warns); settings
    refuse to start in production without one, and this refuses where it is still unset.
    """

    def validate_request(self, request):
        # anymail runs every validate_request in the class chain: its own checks the
        # credentials when some are set (the secret, or SendGrid's signing key); this one
        # refuses when none are.
        if not self.basic_auth and not self.webhook_verification_key:
            raise AnymailWebhookValidationFailure(
                "Email events are refused: ANYMAIL_WEBHOOK_SECRET is not set."
            )


def email_event(sender, event, esp_name: str, **kwargs) -> None:
    """An unsubscribe or spam report opts the patient out of email, with everyone of the
    sending practice at the address; a hard bounce marks that address invalid in it."""
    if event.event_type not in (*OPT_OUT_EVENTS, "bounced"):
        return
    message = (
        Message.objects.select_related("contact")
        .filter(
            provider_id=event.message_id,
            direction=Direction.OUT,
            channel=Channel.EMAIL,
            practice__isnull=False,
            contact__isnull=False,
        )
        .first()
        if event.message_id
        else None
    )
    if message is None:
        # Not an email of ours (or sent before ids were kept): nothing to act on.
        logger.info("email event %s for an unknown message ignored", event.event_type)
        return
    contact = message.contact
    # The address the event is about; the patient's, if the provider did not say.
    address = (event.recipient or contact.email or "").strip().lower()
    if event.event_type == "bounced":
        contacts_at(message.practice_id, email=address).update(email_valid=False)
        return
    via = OPT_OUT_EVENTS[event.event_type]
    contact_opt_out(contact, ["email"], via=via)
    if address:
        address_opt_out(message.practice_id, ["email"], email=address, via=via)
