"""Opt-outs of a phone number or email address (DESIGN §4: family members share them).

A STOP from a number, or an unsubscribe from an address, opts out every patient of the
practice at it, for the channels it names, and is written down for the number itself
(``AddressBlock``) so the send guard also stops a patient added later with that number.
A START clears it for the number. The contacts' own opt-out fields are kept in step, so
their pages say the same.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from contacts.models import Contact
from contacts.services import contact_opt_in_sms, contact_opt_out
from outreach.models import AddressBlock, BlockKind

PHONE_CHANNELS = ("sms", "call")
# Voicemail reaches the phone as a call does.
CHANNEL_OF = {"sms": "sms", "call": "call", "voicemail": "call", "email": "email"}


def _address_of(contact: Contact, channel: str) -> str:
    return contact.email if channel == "email" else contact.phone


def contacts_at(practice_id: int, *, phone: str = "", email: str = ""):
    """Every patient of the practice at this number or address (none for a blank one)."""
    if phone:
        return Contact.objects.filter(practice_id=practice_id, phone=phone)
    if email:
        return Contact.objects.filter(practice_id=practice_id, email=email)
    return Contact.objects.none()


def address_block_for(practice_id: int, address: str, channel: str) -> AddressBlock | None:
    """Why this channel must not reach this number or address, if it must not."""
    if not address:
        return None
    return AddressBlock.objects.filter(
        practice_id=practice_id, address=address, channel=CHANNEL_OF[channel]
    ).first()


def address_block_add(
    practice_id: int, address: str, channels: list[str], *, kind: str, via: str
) -> list[str]:
    """Block channels for a number or address; returns the channels newly blocked (an
    existing block keeps its first date and source, so a repeat changes nothing)."""
    newly = []
    for channel in channels:
        _block, created = AddressBlock.objects.get_or_create(
            practice_id=practice_id,
            address=address,
            channel=channel,
            defaults={"kind": kind, "at": timezone.now(), "via": via[:50]},
        )
        if created:
            newly.append(channel)
    return newly


@transaction.atomic
def address_opt_out(
    practice_id: int, channels: list[str], *, via: str, phone: str = "", email: str = ""
) -> list[str]:
    """Opt a number (``phone``, for sms/call) or an address (``email``) out of channels,
    with every patient of the practice at it. Returns the channels newly opted out for the
    number or address: what a confirmation is sent for, once."""
    at_address = [c for c in channels if (c == "email") == bool(email)]
    newly = address_block_add(
        practice_id, phone or email, at_address, kind=BlockKind.OPT_OUT, via=via
    )
    for contact in contacts_at(practice_id, phone=phone, email=email):
        contact_opt_out(contact, channels, via=via)
        # STOPALL from a phone also names email: the addresses of everyone at the number.
        if phone and "email" in channels and contact.email:
            address_block_add(
                practice_id, contact.email, ["email"], kind=BlockKind.OPT_OUT, via=via
            )
    return newly


@transaction.atomic
def address_opt_in_sms(practice_id: int, phone: str, *, via: str) -> int:
    """START/UNSTOP from a number: texts again for everyone at it (the opt-out was the
    number's). A block for another reason (not a voice line) stays. Returns the patients
    whose texts were turned back on."""
    AddressBlock.objects.filter(
        practice_id=practice_id, address=phone, channel="sms", kind=BlockKind.OPT_OUT
    ).delete()
    return sum(
        contact_opt_in_sms(contact, via=via)
        for contact in contacts_at(practice_id, phone=phone).filter(sms_opt_out_at__isnull=False)
    )


def number_not_voice_mark(practice_id: int, phone: str, *, via: str) -> bool:
    """A fax (or another machine that is not a phone) answered: no more calls or
    voicemail to this number. True the first time."""
    if not phone:
        return False
    return bool(address_block_add(practice_id, phone, ["call"], kind=BlockKind.NOT_VOICE, via=via))


def contact_blocked(contact: Contact, channel: str) -> AddressBlock | None:
    """The block on the contact's number or address for this channel, if any."""
    return address_block_for(contact.practice_id, _address_of(contact, channel), channel)


def contact_block_words(contact: Contact) -> dict[str, str]:
    """The contact page's words for the blocks on the patient's number and address (one
    query): an opt-out there covers them even if another patient at it sent it."""
    addresses = [address for address in (contact.phone, contact.email) if address]
    if not addresses:
        return {}
    blocks = AddressBlock.objects.filter(practice_id=contact.practice_id, address__in=addresses)
    words = {}
    for block in blocks.order_by("at"):
        what = "address" if block.channel == "email" else "number"
        if block.kind == BlockKind.NOT_VOICE:
            words.setdefault(block.channel, "Not possible: the number is not a voice line")
        else:
            words.setdefault(block.channel, f"Opted out {block.at:%Y-%m-%d} (this {what})")
    return words
