"""The template editor: live tone check, warnings allowed, unknown placeholders refused."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.sequences import sequence_default_ensure, template_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(practice):
    return sequence_default_ensure(practice).steps.get(day=2).templates.get(bucket="inquiry")


def url(name, practice, template):
    return reverse(
        f"campaigns:{name}", kwargs={"practice_slug": practice.slug, "template_id": template.pk}
    )


def test_the_live_tone_check_explains_pressure(admin, practice, template):
    page = admin.post(url("tone_check", practice, template), {"body": "Last chance, act now!"})
    text = page.content.decode()
    assert "Consider" in text and "last chance" in text.lower()


def test_saving_words_with_a_warning_is_allowed(admin, practice, template):
    admin.post(url("template_edit", practice, template), {"body": "Hi {first_name}. ACT NOW"})
    template.refresh_from_db()
    assert template.body == "Hi {first_name}. ACT NOW"


def test_unknown_placeholders_block_saving(admin, practice, template):
    before = template.body
    page = admin.post(url("template_edit", practice, template), {"body": "Hi {firstname}"})
    template.refresh_from_db()
    assert template.body == before
    assert "firstname" in page.content.decode()


def test_a_template_that_cannot_render_is_refused_with_a_clear_message(admin, practice, template):
    before = (template.subject, template.body)
    page = admin.post(
        url("template_edit", practice, template),
        {"subject": "News for {first_name.__class__}", "body": "Hi {first_name}"},
    )

    template.refresh_from_db()
    assert (template.subject, template.body) == before
    assert page.status_code == 200
    assert "Unknown placeholder {first_name.__class__}." in page.content.decode()


def test_the_service_refuses_a_subject_that_cannot_render(template):
    before = template.subject
    with pytest.raises(ValidationError, match=r"Subject: Unknown placeholder \{first_name\.__"):
        template_save(template=template, body="Hi {first_name}", subject="{first_name.__class__}")

    template.refresh_from_db()
    assert template.subject == before


def test_a_body_over_the_cap_is_refused(admin, practice, template):
    before = template.body
    page = admin.post(url("template_edit", practice, template), {"body": "a" * 100_000})

    template.refresh_from_db()
    assert template.body == before
    assert "These words are 100000 characters; the limit is 5000." in page.content.decode()


def test_the_live_check_of_a_pasted_document_says_it_is_too_long(admin, practice, template):
    page = admin.post(url("tone_check", practice, template), {"body": "LAST CHANCE " * 10_000})

    assert "The message is 120,000 characters; the limit is 5,000." in page.content.decode()


def test_the_sequence_page_lists_every_step(admin, practice, template):
    page = admin.get(reverse("campaigns:sequence", kwargs={"practice_slug": practice.slug}))
    text = page.content.decode()
    for name in ("Day 1 call", "Day 2 short text", "Day 4 voicemail", "Day 10 closeout"):
        assert name in text


def sequence_url(name, practice, **kwargs):
    return reverse(f"campaigns:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


def test_an_admin_adds_a_step_with_words_for_every_bucket(admin, practice, template):
    admin.post(
        sequence_url("step_add", practice), {"day": "14", "channel": "email", "name": "Check-in"}
    )
    step = template.step.sequence.steps.get(day=14)
    assert step.templates.count() == 4 and step.channel == "email"


def test_an_admin_moves_a_step_to_another_day(admin, practice, template):
    step = template.step
    admin.post(
        sequence_url("step_save", practice, step_id=step.pk),
        {"action": "save", "day": "3", "channel": "sms", "name": "Day 3 text"},
    )
    step.refresh_from_db()
    assert (step.day, step.name) == (3, "Day 3 text")


def test_a_step_with_planned_touches_cannot_be_removed(admin, practice, template):
    from tests.factories import EnrollmentFactory

    enrollment = EnrollmentFactory(campaign__practice=practice)
    enrollment.touches.create(
        practice=practice, step=template.step, channel="sms", due_at="2026-12-02T15:00Z"
    )
    response = admin.post(
        sequence_url("step_save", practice, step_id=template.step.pk), {"action": "remove"}
    )
    assert "already have touches planned" in admin.get(response["Location"]).content.decode()
    assert template.step.sequence.steps.filter(pk=template.step.pk).exists()


def test_adding_a_language_copies_the_words_to_translate(admin, practice, template):
    admin.post(
        sequence_url("step_save", practice, step_id=template.step.pk),
        {"action": "language", "language": "ES"},
    )
    spanish = template.step.templates.filter(language="es")
    assert spanish.count() == 4
    assert spanish.get(bucket="inquiry").body == template.body
