"""How patients' details read on every page."""

from __future__ import annotations

import phonenumbers
from django import template

from contacts.models import Bucket

register = template.Library()


@register.filter
def phone_display(value: str | None) -> str:
    """An E.164 number as people write it: "(617) 555-0134" in North America (the country
    code is the practice's own), "+44 20 7946 0958" for anywhere else. Anything that is not
    a number is shown as it is."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


@register.filter
def bucket_label(value: str | None) -> str:
    """A bucket's words ("Timing wasn't right") where a query annotated its code."""
    if not value:
        return ""
    try:
        return Bucket(value).label
    except ValueError:
        return value
