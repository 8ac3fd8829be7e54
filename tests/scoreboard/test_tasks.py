"""A new time zone in the practice settings: the rollups' rebuild is queued as a task once
the change is committed, never run inside the request."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from reactivate.models import Role
from scoreboard.models import RollupRebuild
from scoreboard.services import rollups_rebuild
from scoreboard.tasks import rebuilds_resume
from tests.reactivate.test_roles import _settings_post

pytestmark = pytest.mark.django_db


def save_settings(client, practice, **changes):
    url = reverse("practice_settings", kwargs={"practice_slug": practice.slug})
    response = client.post(url, _settings_post(practice, **changes))
    assert response.status_code == 302
    return response


def test_a_new_time_zone_leaves_the_rebuild_to_a_task_after_the_commit(
    client_for, member, practice, django_capture_on_commit_callbacks
):
    client = client_for(member(Role.ADMIN))
    with django_capture_on_commit_callbacks() as on_commit:
        save_settings(client, practice, time_zone="Pacific/Auckland")
    pending = RollupRebuild.objects.get(practice_id=practice.pk)
    assert len(on_commit) == 1
    assert pending.time_zone == "Pacific/Auckland"
    assert (pending.started_at, pending.finished_at) == (None, None)


def test_the_rebuild_is_queued_with_the_practices_id(
    client_for, member, practice, broker, django_capture_on_commit_callbacks
):
    client = client_for(member(Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        save_settings(client, practice, time_zone="Pacific/Auckland")
    assert broker() == [("scoreboard.tasks.scoreboard_rebuild", [practice.pk])]


def test_saving_the_same_time_zone_queues_nothing(
    client_for, member, practice, broker, django_capture_on_commit_callbacks
):
    client = client_for(member(Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        save_settings(client, practice, time_zone=str(practice.time_zone), name="Harbor Smiles")
    assert broker() == []
    assert not RollupRebuild.objects.exists()


def _admin_form_data(response) -> dict:
    """What the Django admin's change form posts back unchanged."""
    data = {}
    forms = [(response.context["adminform"].form, "")]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        forms += [(form, f"{form.prefix}-") for form in formset.forms]
    for form, prefix in forms:
        for name in form.fields:
            value = form[name].value()
            if value not in (None, False):
                data[prefix + name] = "on" if value is True else value
    return data


def test_a_new_time_zone_set_in_the_django_admin_queues_the_rebuild_too(
    admin_client, practice, broker, django_capture_on_commit_callbacks
):
    url = reverse("admin:reactivate_practice_change", args=[practice.pk])
    data = {**_admin_form_data(admin_client.get(url)), "time_zone": "Europe/Paris"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302
    assert broker() == [("scoreboard.tasks.scoreboard_rebuild", [practice.pk])]


def test_a_rebuild_left_unfinished_is_queued_again_by_the_sweep(practice, broker):
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False):
        practice.time_zone = "Pacific/Auckland"
        practice.save(update_fields=["time_zone"])  # no task queued: a script's change
    RollupRebuild.objects.filter(practice_id=practice.pk).update(
        requested_at=dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
    )
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 10, tzinfo=dt.UTC), tick=False):
        assert rebuilds_resume() == 0  # still within what a rebuild may take
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 45, tzinfo=dt.UTC), tick=False):
        assert rebuilds_resume() == 1
    assert broker() == [("scoreboard.tasks.scoreboard_rebuild", [practice.pk])]


def test_a_finished_rebuild_is_not_queued_again(practice, broker):
    practice.time_zone = "Pacific/Auckland"
    practice.save(update_fields=["time_zone"])
    rollups_rebuild(practice.pk)
    assert RollupRebuild.objects.get(practice_id=practice.pk).finished_at is not None
    assert rebuilds_resume() == 0
    assert broker() == []
