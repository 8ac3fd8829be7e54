"""The thread's words: a coordinator's reply saved for the sending window, and a message's
status in words."""

from django import template

from outreach import conversation
from outreach.models import MessageStatus

register = template.Library()


@register.filter
def planned_when(message) -> str:
    """ "at 9:00 AM" (or "tomorrow at ..."), on the patient's clock."""
    return conversation.planned_when(message) if message.send_at else ""


# Twilio's delivery words and ours, as a coordinator reads them (the column keeps the code).
STATUS_WORDS = {
    MessageStatus.SENDING: "Sending",
    MessageStatus.QUEUED: "Queued at the carrier",
    MessageStatus.ACCEPTED: "Queued at the carrier",
    MessageStatus.SENT: "Sent",
    MessageStatus.DELIVERED: "Delivered",
    MessageStatus.UNDELIVERED: "Not delivered",
    MessageStatus.FAILED: "Failed",
    MessageStatus.RECEIVED: "Received",
    MessageStatus.UNKNOWN: "Unknown (checking with the carrier)",
    MessageStatus.PLANNED: "Planned",
    MessageStatus.CANCELED: "Canceled",
    MessageStatus.NOT_SENT: "Not sent",
}


@register.filter
def status_words(status: str) -> str:
    """A message's status in words ("Not delivered", not "undelivered")."""
    return STATUS_WORDS.get(status, status.replace("_", " ").capitalize())
