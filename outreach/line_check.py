"""The number's line type before the first text (issue 17.7). Called by the send guard.

A text goes only to a number a check (``outreach.number_checks``: Twilio Lookup v2, or the
sandbox's) has called textable within ``NUMBER_CHECK_MAX_AGE_DAYS``. The answer is kept
per number (``NumberLine``), so a number is looked up once, whichever patients share it.

- a landline or an invalid number: the contact is marked SMS-unreachable and the text is
  skipped with the reason; its calls and voicemail stay planned;
- a check that cannot answer (timeout, 5xx): the text is held, not sent unchecked, and
  tried again after ``NUMBER_CHECK_RETRY_MINUTES``;
- anything else (mobile, VoIP, a type the provider could not tell): the text may go; the
  carrier's own answer (30006) still marks a number that cannot take texts.

Cheap for the dispatcher: ``lines_prime`` reads a whole batch's cached answers in one query,
and only an uncached or stale number costs a look-up.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings

from campaigns.models import Channel, Touch
from contacts.services import contact_sms_unreachable
from outreach.models import NumberLine
from outreach.number_checks import LineInfo, NumberCheckUnavailable, number_check

logger = logging.getLogger(__name__)

# The batch's cache, left on each contact by ``lines_prime``: number -> answer (None: no
# fresh one). One dict shared by the batch, so a number looked up for one touch is known
# to the next touch to the same number.
_PRIMED = "_number_lines"


def _max_age() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "NUMBER_CHECK_MAX_AGE_DAYS", 90))


def _retry_after() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "NUMBER_CHECK_RETRY_MINUTES", 15))


def _info(row: NumberLine) -> LineInfo:
    return LineInfo(row.line_type, row.valid, row.checked_at, row.error, row.error_code)


def lines_fresh(phones: Iterable[str], now: dt.datetime) -> dict[str, LineInfo]:
    """The cached answers for ``phones`` checked within the re-check age, in one query."""
    phones = {phone for phone in phones if phone}
    if not phones:
        return {}
    rows = NumberLine.objects.filter(phone__in=phones, checked_at__gt=now - _max_age())
    return {row.phone: _info(row) for row in rows}


def lines_prime(touches: Iterable[Touch], now: dt.datetime) -> None:
    """Read the cached line types of a batch's texts at once (the dispatcher calls this
    before guarding them; without it each text reads its own number's row)."""
    contacts = [t.enrollment.contact for t in touches if t.channel == Channel.SMS]
    known: dict[str, LineInfo | None] = dict.fromkeys(c.phone for c in contacts if c.phone)
    known.update(lines_fresh(known, now))
    for contact in contacts:
        setattr(contact, _PRIMED, known)


def line_store(phone: str, info: LineInfo, source: str, now: dt.datetime) -> None:
    """Keep a check's answer for ``phone`` (one upsert: two workers may ask at once)."""
    NumberLine.objects.bulk_create(
        [
            NumberLine(
                phone=phone,
                line_type=info.type[:20],
                valid=info.valid,
                error=info.error[:100],
                error_code=info.error_code,
                checked_at=now,
                source=source[:30],
            )
        ],
        update_conflicts=True,
        unique_fields=["phone"],
        update_fields=["line_type", "valid", "error", "error_code", "checked_at", "source"],
    )


def line_info(phone: str, now: dt.datetime, known: dict | None = None) -> LineInfo:
    """The number's line type: the cache's when fresh, else the check's (then kept).
    Raises ``NumberCheckUnavailable`` when it must be asked and cannot be."""
    if known is not None and phone in known:
        info = known[phone]  # primed for the batch (None: not cached, nor fresh)
    else:
        info = lines_fresh([phone], now).get(phone)
    if info is None:
        check = number_check()
        info = check.check(phone)
        if check.cacheable:
            line_store(phone, info, check.name, now)
        if known is not None:
            known[phone] = info
    return info


def line_hold_reason(touch: Touch, now: dt.datetime) -> tuple[str, str, dt.datetime | None]:
    """("skip" | "hold" | "", reason, until) for a text to a number not yet known to be
    textable; ("", "", None) when it may go."""
    contact = touch.enrollment.contact
    if not contact.phone:
        return "", "", None  # the guard's own check ("no valid phone number") came first
    try:
        info = line_info(contact.phone, now, getattr(contact, _PRIMED, None))
    except NumberCheckUnavailable as error:
        logger.warning("touch %s: the number's line type could not be checked", touch.pk)
        until = now + _retry_after()
        minutes = int(_retry_after().total_seconds() // 60)
        return (
            "hold",
            f"held: the number's line type could not be checked ({error}); "
            f"checked again in {minutes} minutes",
            until,
        )
    if info.textable:
        return "", "", None
    words = info.words()
    # The contact's, not only this text's: the guard then skips every later text with
    # the same words, and the patient's calls and voicemail stay planned.
    contact_sms_unreachable(contact, f"{words} (line check)")
    return "skip", f"skipped: texts cannot reach this number ({words})", None
