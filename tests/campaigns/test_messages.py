"""The words a touch carries: bucket and language templates, opener variants, and only
first name, practice and coordinator filled in."""

import pytest

from campaigns.messages import message_for
from campaigns.models import OpenerVariant
from campaigns.sequences import template_language_add
from tests.factories import ContactFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment(practice, member):
    coordinator = member().user
    coordinator.first_name = "Dana"
    coordinator.save()
    contact = ContactFactory(
        practice=practice, first_name="Ana", treatment_interest="Implant", quoted_amount=4200
    )
    return EnrollmentFactory(
        campaign__practice=practice, contact=contact, coordinator=coordinator, bucket="inquiry"
    )


def step(enrollment, day, position=0):
    return enrollment.campaign.sequence.steps.get(day=day, position=position)


def test_the_opener_names_patient_coordinator_and_practice(enrollment):
    body = message_for(enrollment, step(enrollment, 1, 1)).body
    assert body.startswith("Hi Ana, it's Dana at Harbor Dental.")
    assert "Implant" not in body and "4200" not in body


def test_an_opener_variant_replaces_only_the_opener(enrollment):
    variant = OpenerVariant.objects.create(
        campaign=enrollment.campaign, label="B", share=1, body="Hi {first_name}, still keen?"
    )
    enrollment.variant = variant
    assert message_for(enrollment, step(enrollment, 1, 1)).body == "Hi Ana, still keen?"
    assert message_for(enrollment, step(enrollment, 2)).body != "Hi Ana, still keen?"


def test_the_patients_language_is_used_when_the_practice_has_it(enrollment):
    opener = step(enrollment, 1, 1)
    template_language_add(opener, "es")
    opener.templates.filter(language="es", bucket="inquiry").update(body="Hola {first_name}")
    enrollment.contact.preferred_language = "es"
    assert message_for(enrollment, opener).body == "Hola Ana"


def test_an_unknown_language_falls_back_to_the_default_words(enrollment):
    enrollment.contact.preferred_language = "fr"
    assert message_for(enrollment, step(enrollment, 2)).body.startswith("Hi Ana")


def test_an_email_gets_a_subject_with_the_practice_name(enrollment):
    assert message_for(enrollment, step(enrollment, 2)).subject == (
        "A quick question from Harbor Dental"
    )
