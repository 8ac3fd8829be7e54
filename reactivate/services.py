"""Writes about practices and memberships."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from reactivate.models import Membership, Practice, Role

User = get_user_model()


@transaction.atomic
def membership_add(
    *, practice: Practice, email: str, role: Role, request: HttpRequest | None = None
) -> Membership:
    """Add a person to a practice, creating their account if needed.

    A new account has no password; the person receives a link to set one.
    """
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(username=email, email=email)
        user.set_unusable_password()
        user.save()
    if Membership.objects.filter(user=user, practice=practice).exists():
        raise ValidationError("This person is already a member of the practice.")
    membership = Membership.objects.create(user=user, practice=practice, role=role)
    if created and request is not None:
        transaction.on_commit(lambda: _invite_send(membership, request))
    return membership


def _invite_send(membership: Membership, request: HttpRequest) -> None:
    """Email a new member a link to set their password (the password-reset link, which
    Django's reset form will not send to an account that has no password yet), saying
    which practice they were added to, as what, and by whom."""
    user, inviter = membership.user, request.user
    context = {
        "practice": membership.practice,
        "role": membership.get_role_display(),
        "inviter_name": inviter.get_full_name() or inviter.get_username(),
        "inviter_email": inviter.email,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "email": user.email,
        "domain": request.get_host(),
        "site_name": "Reactivate",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request.is_secure() else "http",
    }
    PasswordResetForm().send_mail(
        "registration/invite_subject.txt",
        "registration/invite_email.txt",
        context,
        None,
        user.email,
    )


def _ensure_an_admin_remains(membership: Membership) -> None:
    others = Membership.objects.filter(practice=membership.practice, role=Role.ADMIN).exclude(
        pk=membership.pk
    )
    if membership.role == Role.ADMIN and not others.exists():
        raise ValidationError("A practice needs at least one admin.")


@transaction.atomic
def membership_set_role(*, membership: Membership, role: Role) -> Membership:
    if role != Role.ADMIN:
        _ensure_an_admin_remains(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    _ensure_an_admin_remains(membership)
    membership.delete()
