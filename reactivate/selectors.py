"""Reads about practices and memberships."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from reactivate.models import Membership, Practice, Role


def memberships_for_user(user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user).select_related("practice").order_by("practice__name")
    )


def practice_members(practice: Practice) -> QuerySet[Membership]:
    return practice.memberships.select_related("user").order_by("role", "user__username")


def practice_coordinators(practice: Practice) -> QuerySet:
    """Users who work patients in this practice: coordinators and admins."""
    return (
        get_user_model()
        .objects.filter(
            memberships__practice=practice, memberships__role__in=[Role.COORDINATOR, Role.ADMIN]
        )
        .order_by("first_name", "username")
    )
