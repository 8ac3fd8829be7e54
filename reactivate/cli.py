"""Shared by the management commands: --practice and --mapping, each read with a one-line
error."""

import json

from django.core.management.base import CommandError

from reactivate.models import Practice


def practice_from_slug(slug: str) -> Practice:
    practice = Practice.objects.filter(slug=slug).first()
    if practice is None:
        raise CommandError(f"No practice with slug '{slug}'.")
    return practice


def mapping_option(raw: str | None, example: str) -> dict[str, str]:
    """A command's ``--mapping``: a JSON object from our field names to a file's headers
    (``{}`` when not given), or a one-line CommandError naming ``example``."""
    if not raw:
        return {}
    try:
        mapping = json.loads(raw)
    except json.JSONDecodeError as error:
        raise CommandError(f"--mapping is not valid JSON: {error.msg}.") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise CommandError(f"--mapping must be a JSON object like {example}.")
    return mapping
