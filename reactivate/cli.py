"""Shared by the management commands: resolve --practice with a one-line error."""

from django.core.management.base import CommandError

from reactivate.models import Practice


def practice_from_slug(slug: str) -> Practice:
    practice = Practice.objects.filter(slug=slug).first()
    if practice is None:
        raise CommandError(f"No practice with slug '{slug}'.")
    return practice
