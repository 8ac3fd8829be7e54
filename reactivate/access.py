"""Who may see and change what, in which practice.

Every practice page goes through :func:`practice_view`. It resolves the practice from the
URL (``/p/<practice_slug>/…``) and the user's membership in it; a non-member gets 404 so a
practice's existence is never revealed, and a member without the role for the page gets 403.
Reading (GET/HEAD) needs the area's view roles; anything else needs its change roles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import TypeVar

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django_htmx.http import HttpResponseClientRedirect

from reactivate.models import Membership, Practice, Role

F = TypeVar("F", bound=forms.Form)


class Area(StrEnum):
    QUEUE = "queue"
    CONTACTS = "contacts"
    IMPORTS = "imports"
    DUPLICATES = "duplicates"
    CAMPAIGNS = "campaigns"
    DASHBOARD = "dashboard"
    SETTINGS = "settings"
    USERS = "users"


_ALL = frozenset(Role)
_ADMIN = frozenset({Role.ADMIN})

# Coordinators work the queue and the contacts; owners read everything and act on the
# dashboard; admins run imports, settings and users (and may do a coordinator's work).
VIEW_ROLES: dict[Area, frozenset[Role]] = {
    Area.QUEUE: _ALL,
    Area.CONTACTS: _ALL,
    Area.IMPORTS: frozenset({Role.ADMIN, Role.OWNER}),
    # Deciding who is the same person is the admin's (DESIGN §1); owners may look.
    Area.DUPLICATES: frozenset({Role.ADMIN, Role.OWNER}),
    Area.CAMPAIGNS: frozenset({Role.ADMIN, Role.OWNER}),
    Area.DASHBOARD: _ALL,
    Area.SETTINGS: frozenset({Role.ADMIN, Role.OWNER}),
    Area.USERS: frozenset({Role.ADMIN, Role.OWNER}),
}
CHANGE_ROLES: dict[Area, frozenset[Role]] = {
    Area.QUEUE: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Area.CONTACTS: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Area.IMPORTS: _ADMIN,
    Area.DUPLICATES: _ADMIN,
    Area.CAMPAIGNS: _ADMIN,
    Area.DASHBOARD: frozenset({Role.OWNER, Role.ADMIN}),
    Area.SETTINGS: _ADMIN,
    Area.USERS: _ADMIN,
}


@dataclass(frozen=True)
class PracticeAccess:
    practice: Practice
    membership: Membership

    @property
    def role(self) -> Role:
        return Role(self.membership.role)

    def can_view(self, area: Area) -> bool:
        return self.role in VIEW_ROLES[area]

    def can_change(self, area: Area) -> bool:
        return self.role in CHANGE_ROLES[area]


def practice_access(user, practice_slug: str) -> PracticeAccess:
    """The practice and the user's membership in it, or 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("practice")
        .filter(user=user, practice__slug=practice_slug)
        .first()
    )
    if membership is None:
        raise Http404
    return PracticeAccess(practice=membership.practice, membership=membership)


def _login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``login_required``, except that an htmx request (a partial, such as the work queue's
    poll once the session has timed out) sends the whole page to the login form instead
    of swapping the form into a part of it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            page = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(page).url)
        return redirect_to_login(request.get_full_path())

    return wrapped


def practice_view(area: Area) -> Callable:
    """Decorate a view taking ``practice_slug``; sets ``request.access``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @_login_required
        @wraps(view)
        def wrapped(request: HttpRequest, practice_slug: str, *args, **kwargs) -> HttpResponse:
            access = practice_access(request.user, practice_slug)
            # Set before any refusal: the "Not allowed" page keeps the practice's header
            # and navigation (the member is still in their practice).
            request.access = access
            request.area = area
            reading = request.method in ("GET", "HEAD")
            allowed = access.can_view(area) if reading else access.can_change(area)
            if not allowed:
                raise PermissionDenied
            # Times are shown and typed in the practice's own zone.
            with timezone.override(access.practice.time_zone):
                return view(request, *args, **kwargs)

        wrapped.practice_area = area
        return wrapped

    return decorator


def upload_view(area: Area, handler: type[FileUploadHandler]) -> Callable:
    """:func:`practice_view` for a page that receives a file: ``handler`` receives it, and
    is in place before anything reads the body (the CSRF check reads the form), so a limit
    it keeps applies while the upload arrives. The view reads it with :func:`upload_form`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        checked = csrf_protect(practice_view(area)(view))

        @csrf_exempt  # checked by ``checked``, once the handler is in place
        @wraps(view)
        def wrapped(request: HttpRequest, practice_slug: str, *args, **kwargs) -> HttpResponse:
            request.upload_handlers = [handler(request)]
            return checked(request, practice_slug, *args, **kwargs)

        wrapped.practice_area = area  # as practice_view marks a view (tests/browser read it)
        return wrapped

    return decorator


def upload_form(request: HttpRequest, form_class: type[F]) -> F:
    """An :func:`upload_view`'s form: bound to what was posted, with ``refused`` telling it
    the handler stopped the upload while it arrived (POST and FILES are then empty)."""
    if request.method != "POST":
        return form_class(refused=False)
    data, files = request.POST, request.FILES  # the body is read here, if not before
    refused = any(getattr(handler, "refused", False) for handler in request.upload_handlers)
    return form_class(data, files, refused=refused)
