"""Reads about practices and memberships."""

from __future__ import annotations

from django.db.models import QuerySet

from reactivate.models import Membership, Practice


def memberships_for_user(user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user).select_related("practice").order_by("practice__name")
    )


def practice_members(practice: Practice) -> QuerySet[Membership]:
    return practice.memberships.select_related("user").order_by("role", "user__username")
