"""The schedule's pages besides the upload: appointments with no patient found (matched by
hand), each source's health with "sync now", a sync's summary, and connecting a FHIR server."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from reactivate.models import AuditEvent, Role
from schedule.models import Appointment, Source, SyncRun
from schedule.records import PatientRef
from tests.factories import ContactFactory
from tests.schedule.helpers import record, sync

pytestmark = pytest.mark.django_db


def url(name: str, practice, **kwargs) -> str:
    return reverse(f"schedule:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


@pytest.fixture
def unmatched(source):
    sync(source, record("77", patient=PatientRef(first_name="Pat", last_name="Unfound")))
    return Appointment.objects.get(source=source, key="77")


# --- Unmatched appointments -------------------------------------------------------------


def test_an_appointment_with_no_patient_found_is_listed_with_why(admin, practice, unmatched):
    page = admin.get(url("unmatched", practice)).content.decode()
    assert "Pat Unfound" in page
    assert unmatched.match_note and escape(unmatched.match_note) in page
    assert "Open Dental export" in page


def test_a_patient_is_found_by_name_and_matched_by_hand(
    admin, practice, unmatched, broker, django_capture_on_commit_callbacks
):
    patient = ContactFactory(practice=practice, first_name="Patricia", last_name="Unfound")
    match = url("match", practice, appointment_id=unmatched.pk)
    found = admin.post(match, {"search": "unfound"})
    assert [c.pk for c in found.context["choices"]] == [patient.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(match, {"search": "unfound", "contact": patient.pk, "choose": "yes"})
    assert response.status_code == 302
    unmatched.refresh_from_db()
    assert (unmatched.contact_id, unmatched.match_note) == (patient.pk, "matched by hand")
    assert broker() == [("schedule.tasks.effects_sweep", [])]
    assert AuditEvent.objects.filter(action="changed", object_id=str(unmatched.pk)).exists()


def test_a_patient_is_found_by_emr_id(admin, practice, unmatched):
    patient = ContactFactory(practice=practice, external_id="CH-42")
    found = admin.post(url("match", practice, appointment_id=unmatched.pk), {"search": "ch-42"})
    assert [c.pk for c in found.context["choices"]] == [patient.pk]


def test_another_practices_patient_cannot_be_chosen(admin, practice, other_practice, unmatched):
    stranger = ContactFactory(practice=other_practice, first_name="Pat", last_name="Unfound")
    response = admin.post(
        url("match", practice, appointment_id=unmatched.pk),
        {"search": "unfound", "contact": stranger.pk, "choose": "yes"},
    )
    assert response.status_code == 200
    assert "Choose one of the patients listed" in response.content.decode() or (
        "No patient of this practice matches" in response.content.decode()
    )
    unmatched.refresh_from_db()
    assert unmatched.contact_id is None


def test_an_empty_search_asks_for_a_name(admin, practice, unmatched):
    response = admin.post(url("match", practice, appointment_id=unmatched.pk), {"search": " "})
    assert "Type a name or an EMR id" in response.content.decode()


def test_a_search_that_finds_nobody_says_so(admin, practice, unmatched):
    response = admin.post(url("match", practice, appointment_id=unmatched.pk), {"search": "zzz"})
    assert "No patient of this practice matches" in response.content.decode()


def test_a_matched_appointment_is_no_longer_offered_for_matching(admin, practice, source):
    patient = ContactFactory(practice=practice, external_id="C-1")
    sync(source, record("1", patient))
    matched = Appointment.objects.get(source=source, key="1")
    assert admin.get(url("match", practice, appointment_id=matched.pk)).status_code == 404
    assert "C-1" not in admin.get(url("unmatched", practice)).content.decode()


def test_a_coordinator_cannot_reach_the_unmatched_appointments(
    client_for, member, practice, unmatched
):
    client = client_for(member(Role.COORDINATOR))
    assert client.get(url("unmatched", practice)).status_code == 403
    assert client.get(url("match", practice, appointment_id=unmatched.pk)).status_code == 403


def test_an_owner_reads_the_list_but_does_not_match(client_for, member, practice, unmatched):
    client = client_for(member(Role.OWNER))
    page = client.get(url("unmatched", practice)).content.decode()
    assert "Pat Unfound" in page and "by hand" not in page.split("<table")[1].split("</thead>")[0]
    post = client.post(url("match", practice, appointment_id=unmatched.pk), {"search": "x"})
    assert post.status_code == 403


# --- Sync health ------------------------------------------------------------------------


def test_the_health_page_shows_the_last_sync_its_counts_and_problems(admin, practice, source):
    ContactFactory(practice=practice, external_id="C-1")
    sync(
        source,
        record("1", patient=PatientRef(external_id="C-1")),
        record(
            "2", patient=PatientRef(first_name="No", last_name="Body"), word="waitlist", status=""
        ),
    )
    page = admin.get(url("health", practice)).content.decode()
    assert "Open Dental export" in page and "Appointment export (CSV or Excel)" in page
    assert "just now" in page
    assert "<dt>Read</dt><dd>2</dd>" in page
    assert "<dt>Matched to a patient</dt><dd>1</dd>" in page
    assert "<dt>No patient found</dt><dd>1</dd>" in page
    assert "The status &#x27;waitlist&#x27; is not one we know" in page


def test_the_lag_since_the_last_success_reads_in_words(admin, practice, source):
    Source.objects.filter(pk=source.pk).update(
        last_success_at=timezone.now() - dt.timedelta(days=3, hours=2)
    )
    assert "(3\xa0days ago)" in admin.get(url("health", practice)).content.decode()


def test_a_failed_sync_shows_its_reason_in_words(admin, practice, source):
    from schedule.sync import run_fail, run_start

    run_fail(run_start(source, trigger="beat"), "The server did not answer within 30 seconds.")
    page = admin.get(url("health", practice)).content.decode()
    assert "The server did not answer within 30 seconds." in page
    assert "Failed" in page


def test_sync_now_reads_the_drop_folder_and_says_where_it_is(
    admin, practice, source, broker, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.SCHEDULE_DROP_ROOT = tmp_path / "drop"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url("sync_now", practice, source_id=source.pk), follow=True)
    assert str(tmp_path / "drop" / practice.slug) in response.content.decode()
    assert broker() == [("schedule.tasks.sweep", [])]


def test_sync_now_queues_a_fhir_servers_sync(
    admin, practice, broker, django_capture_on_commit_callbacks
):
    fhir = Source.objects.create(
        practice=practice, kind="fhir", name="Practice FHIR", base_url="https://fhir.test/r4"
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(url("sync_now", practice, source_id=fhir.pk))
    assert broker() == [("schedule.sources.fhir.fhir_source_sync", [fhir.pk, "sync now"])]


def test_a_runs_page_shows_its_summary(admin, practice, source):
    run = sync(source, record("1"))
    page = admin.get(url("run", practice, run_id=run.pk)).content.decode()
    assert "Succeeded" in page and "<dt>New</dt><dd>1</dd>" in page


def test_a_running_sync_polls_until_it_ends(admin, practice, source):
    from schedule.sync import run_start

    run = run_start(source, trigger="upload")
    assert (
        'hx-trigger="every 1s"' in admin.get(url("run", practice, run_id=run.pk)).content.decode()
    )


def test_a_coordinator_cannot_reach_the_health_page(client_for, member, practice, source):
    client = client_for(member(Role.COORDINATOR))
    assert client.get(url("health", practice)).status_code == 403
    assert client.post(url("sync_now", practice, source_id=source.pk)).status_code == 403


def test_an_owner_reads_the_health_page_without_sync_now(client_for, member, practice, source):
    client = client_for(member(Role.OWNER))
    page = client.get(url("health", practice)).content.decode()
    assert "Open Dental export" in page and "now</button>" not in page
    assert client.post(url("sync_now", practice, source_id=source.pk)).status_code == 403


def test_another_practices_source_and_run_are_not_found(admin, practice, other_practice):
    theirs = Source.objects.create(practice=other_practice, kind="fhir", name="Theirs")
    run = SyncRun.objects.create(
        practice=other_practice, source=theirs, trigger="beat", started_at=timezone.now()
    )
    assert admin.get(url("run", practice, run_id=run.pk)).status_code == 404
    assert admin.post(url("sync_now", practice, source_id=theirs.pk)).status_code == 404
    assert admin.get(url("source_edit", practice, source_id=theirs.pk)).status_code == 404


# --- Connecting a FHIR server -----------------------------------------------------------


def connect(client, practice, **changes):
    data = {"name": "Practice FHIR", "base_url": "https://fhir.test/r4/", "auth": "bearer"}
    data["token"] = "s3cret-token"
    return client.post(url("fhir_connect", practice), {**data, **changes})


def test_a_fhir_server_is_connected_with_a_bearer_token(admin, practice):
    assert connect(admin, practice).status_code == 302
    source = Source.objects.get(practice=practice, kind="fhir")
    assert (source.base_url, source.token) == ("https://fhir.test/r4", "s3cret-token")
    assert "s3cret" not in str(AuditEvent.objects.get(action="created").detail)


def test_a_saved_token_is_never_shown_back_and_kept_when_left_empty(admin, practice):
    connect(admin, practice)
    source = Source.objects.get(practice=practice, kind="fhir")
    page = admin.get(url("source_edit", practice, source_id=source.pk)).content.decode()
    assert "s3cret-token" not in page and "A value is saved" in page
    response = admin.post(
        url("source_edit", practice, source_id=source.pk),
        {"name": "Practice FHIR", "base_url": "https://fhir.test/r4", "auth": "bearer"},
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.token == "s3cret-token"


def test_smart_needs_its_client_id_token_address_and_key(admin, practice):
    response = connect(admin, practice, auth="smart", token="")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give the client id" in page and "Paste the private key" in page
    assert not Source.objects.filter(kind="fhir").exists()


def test_a_name_already_taken_is_refused_in_words(admin, practice, source):
    response = connect(admin, practice, name="open dental export")
    assert "Another source has this name" in response.content.decode()


def test_an_address_that_is_not_a_url_is_refused(admin, practice):
    response = connect(admin, practice, base_url="not a url")
    assert response.status_code == 200 and response.context["form"].errors["base_url"]


def test_a_file_source_has_no_connection_page(admin, practice, source):
    assert admin.get(url("source_edit", practice, source_id=source.pk)).status_code == 404


def test_the_nav_marks_the_schedule_page_current(admin, practice):
    page = admin.get(url("health", practice)).content.decode()
    assert 'aria-current="page">Schedule<' in page
    assert 'aria-current="page">Settings<' not in page
