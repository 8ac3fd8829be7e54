"""Home, practice settings, users and health. Views parse, call a service, render."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from reactivate.access import Area, practice_access, practice_view
from reactivate.forms import MemberAddForm, MemberRoleForm, PracticeSettingsForm
from reactivate.models import Heartbeat, Role
from reactivate.practice_changes import time_zone_changed
from reactivate.selectors import memberships_for_user, practice_members
from reactivate.services import membership_add, membership_remove, membership_set_role

# Where each role starts its day.
ROLE_HOME = {
    Role.COORDINATOR: "outreach:queue",
    Role.OWNER: "scoreboard:dashboard",
    Role.ADMIN: "contacts:index",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(memberships_for_user(request.user))
    if len(memberships) == 1:
        membership = memberships[0]
        return redirect(ROLE_HOME[Role(membership.role)], practice_slug=membership.practice.slug)
    return render(request, "reactivate/home.html", {"choices": memberships})


@login_required
def practice_home(request: HttpRequest, practice_slug: str) -> HttpResponse:
    access = practice_access(request.user, practice_slug)
    return redirect(ROLE_HOME[access.role], practice_slug=practice_slug)


@practice_view(Area.SETTINGS)
def practice_settings(request: HttpRequest) -> HttpResponse:
    practice = request.access.practice
    can_change = request.access.can_change(Area.SETTINGS)
    form = PracticeSettingsForm(request.POST or None, instance=practice)
    if request.method == "POST" and form.is_valid():
        form.save()
        if "time_zone" in form.changed_data:
            transaction.on_commit(partial(time_zone_changed, practice.pk))
        messages.success(request, "Settings saved.")
        return redirect("practice_settings", practice_slug=practice.slug)
    if not can_change:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "reactivate/settings.html", {"form": form, "can_change": can_change})


@practice_view(Area.USERS)
def practice_users(request: HttpRequest) -> HttpResponse:
    practice = request.access.practice
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership_add(
                practice=practice,
                email=form.cleaned_data["email"],
                role=Role(form.cleaned_data["role"]),
                request=request,
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, "Member added; new accounts get a link to set a password.")
            return redirect("practice_users", practice_slug=practice.slug)
    return render(
        request,
        "reactivate/users.html",
        {
            "members": practice_members(practice),
            "form": form,
            "roles": Role.choices,
            "can_change": request.access.can_change(Area.USERS),
        },
    )


@practice_view(Area.USERS)
@require_POST
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    practice = request.access.practice
    membership = get_object_or_404(practice.memberships, pk=membership_id)
    form = MemberRoleForm(request.POST, instance=membership)
    try:
        if not form.is_valid():
            raise ValidationError("Choose a role.")
        membership_set_role(membership=membership, role=Role(form.cleaned_data["role"]))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Role changed.")
    return redirect("practice_users", practice_slug=practice.slug)


@practice_view(Area.USERS)
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    practice = request.access.practice
    membership = get_object_or_404(practice.memberships, pk=membership_id)
    try:
        membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Member removed.")
    return redirect("practice_users", practice_slug=practice.slug)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and compose: database reachable, background last seen."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beats = {beat.name: beat.seen_at.isoformat() for beat in Heartbeat.objects.all()}
    return JsonResponse({"database": "ok", "heartbeats": beats})
