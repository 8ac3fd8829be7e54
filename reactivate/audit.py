"""The audit helper every view that touches patient data calls."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.db import models
from django.http import HttpRequest

from reactivate.models import AuditAction, AuditEvent


def audit_record(
    request: HttpRequest,
    action: AuditAction,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append who did ``action`` to which record of the request's practice.

    ``detail`` is for field names and counts; never put patient values in it.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEvent.objects.create(
        user=request.user if request.user.is_authenticated else None,
        practice=request.access.practice,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
        # The client's address as the login lockout reads it: behind the TLS proxy,
        # REMOTE_ADDR is the proxy's (settings.PROXY_COUNT).
        ip_address=get_client_ip_address(request) or None,
    )
