"""The audit trail: written by a helper, never changed."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from reactivate.access import practice_access
from reactivate.audit import audit_record
from reactivate.models import AuditAction, AuditEvent, Role


@pytest.fixture
def audited(member):
    membership = member(Role.COORDINATOR)
    request = RequestFactory().get("/")
    request.user = membership.user
    request.access = practice_access(membership.user, membership.practice.slug)
    return audit_record(
        request, AuditAction.EXPORTED, object_type="contacts.contact", detail={"rows": 3}
    )


def test_audit_record_names_user_practice_and_action(audited, practice):
    event = AuditEvent.objects.get()
    assert (event.practice, event.action, event.detail) == (practice, "exported", {"rows": 3})
    assert event.user.memberships.get().practice == practice


def test_audit_event_cannot_be_edited(audited):
    audited.action = AuditAction.VIEWED
    with pytest.raises(TypeError):
        audited.save()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action=AuditAction.VIEWED)
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


def test_database_refuses_to_rewrite_the_audit_trail(audited):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM reactivate_auditevent")
    assert AuditEvent.objects.count() == 1
