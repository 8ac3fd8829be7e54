"""The template editor: live tone check, warnings allowed, unknown placeholders refused."""

import pytest
from django.urls import reverse

from campaigns.services import sequence_default_ensure
from reactivate.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(practice):
    return sequence_default_ensure(practice).steps.get(day=2).templates.get(bucket="inquiry")


def url(name, practice, template):
    return reverse(
        f"campaigns:{name}", kwargs={"practice_slug": practice.slug, "template_id": template.pk}
    )


@pytest.fixture
def admin(client_for, member):
    return client_for(member(Role.ADMIN))


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


def test_the_sequence_page_lists_every_step(admin, practice, template):
    page = admin.get(reverse("campaigns:sequence", kwargs={"practice_slug": practice.slug}))
    text = page.content.decode()
    for name in ("Day 1 call", "Day 2 short text", "Day 4 voicemail", "Day 10 closeout"):
        assert name in text
