"""Whether each channel may reach a patient, and if not why, in the words the contact page
shows. The send guard (outreach) decides for real; this is what a coordinator reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from contacts.models import Contact


@dataclass(frozen=True, slots=True)
class ChannelState:
    label: str
    allowed: bool
    words: str


def _opted_out(at, via: str) -> str:
    return f"Opted out {at:%Y-%m-%d}" + (f" ({via})" if via else "")


def channel_states(
    contact: Contact, blocked: Mapping[str, str] | None = None
) -> list[ChannelState]:
    """Texts, calls and email: "Allowed", or not, and why (the first reason that applies).
    ``blocked``: channel ("sms", "call", "email") -> why, for blocks kept outside contacts
    (``page_hooks.channel_blocks``: an opt-out of the number a family member sent)."""
    blocked = blocked or {}
    dnc = "Not allowed: do not contact" if contact.do_not_contact else ""
    texts = (
        dnc
        or (not contact.phone_valid and "Not possible: no valid mobile number")
        or (contact.sms_unreachable and f"Not possible: {contact.sms_unreachable}")
        or (contact.sms_opt_out_at and _opted_out(contact.sms_opt_out_at, contact.sms_opt_out_via))
        or blocked.get("sms", "")
    )
    calls = (
        dnc
        or (not contact.phone_valid and "Not possible: no valid phone number")
        or (
            contact.call_opt_out_at
            and _opted_out(contact.call_opt_out_at, contact.call_opt_out_via)
        )
        or blocked.get("call", "")
    )
    email = (
        dnc
        or (not contact.email_valid and "Not possible: no valid email address")
        or (
            contact.email_opt_out_at
            and _opted_out(contact.email_opt_out_at, contact.email_opt_out_via)
        )
        or blocked.get("email", "")
    )
    return [
        ChannelState(label, not words, words or "Allowed")
        for label, words in (("Texts", texts), ("Calls", calls), ("Email", email))
    ]
