"""The thread's words: when a coordinator's reply saved for the sending window goes."""

from django import template

from outreach import conversation

register = template.Library()


@register.filter
def planned_when(message) -> str:
    """ "at 9:00 AM" (or "tomorrow at ..."), on the patient's clock."""
    return conversation.planned_when(message) if message.send_at else ""
