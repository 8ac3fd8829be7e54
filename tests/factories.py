import datetime as dt

import factory
from django.contrib.auth import get_user_model

from campaigns.models import Campaign, Enrollment, Outcome, OutcomeKind
from campaigns.outcomes import outcome_record
from campaigns.sequences import sequence_default_ensure
from contacts.dedupe import matching_keys
from contacts.models import Contact, DuplicateCandidate, ImportBatch, LastOutcome
from reactivate.models import Membership, Practice, Role

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    role = Role.COORDINATOR


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    practice = factory.SubFactory(PracticeFactory)
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = "Example"
    phone = factory.Sequence(lambda n: f"+1212555{n % 100:04d}")
    phone_raw = factory.LazyAttribute(lambda c: c.phone)
    phone_valid = True
    last_outcome = LastOutcome.INQUIRY

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The matching keys are derived, as the import pipeline derives them.
        kwargs.update(
            matching_keys(
                kwargs.get("first_name", ""),
                kwargs.get("last_name", ""),
                kwargs.get("date_of_birth"),
                kwargs.get("postal_code", ""),
                kwargs.get("address", ""),
            )
        )
        return super()._create(model_class, *args, **kwargs)


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    practice = factory.SubFactory(PracticeFactory)
    original_name = "export.csv"
    sha256 = "0" * 64
    file = factory.django.FileField(
        filename="export.csv", data=b"First Name,Last Name,Phone\nAnn,Lee,212-555-0101\n"
    )


class DuplicateCandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DuplicateCandidate

    practice = factory.SubFactory(PracticeFactory)
    contact_a = factory.SubFactory(ContactFactory, practice=factory.SelfAttribute("..practice"))
    contact_b = factory.SubFactory(ContactFactory, practice=factory.SelfAttribute("..practice"))
    score = 0.8
    reason = "same phone"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        a, b = kwargs["contact_a"], kwargs["contact_b"]
        if a.pk > b.pk:
            kwargs["contact_a"], kwargs["contact_b"] = b, a
        return super()._create(model_class, *args, **kwargs)


class CampaignFactory(factory.django.DjangoModelFactory):
    """A draft campaign on the practice's default sequence (made when missing)."""

    class Meta:
        model = Campaign

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    sequence = factory.LazyAttribute(lambda c: sequence_default_ensure(c.practice))
    buckets = factory.LazyFunction(lambda: ["inquiry", "scheduling", "consultation", "not_now"])
    start_date = dt.date(2026, 12, 1)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    campaign = factory.SubFactory(CampaignFactory)
    practice = factory.SelfAttribute("campaign.practice")
    contact = factory.SubFactory(ContactFactory, practice=factory.SelfAttribute("..practice"))
    bucket = "inquiry"
    start_day = dt.date(2026, 12, 1)


def duplicate_pair(practice) -> tuple[Contact, Contact]:
    """Two records of one patient ("Jon" and "John" Smith, one birth date), as a duplicate
    review offers them: (survivor, merged)."""
    fields = {"last_name": "Smith", "date_of_birth": dt.date(1980, 4, 4), "phone": ""}
    return (
        ContactFactory(practice=practice, first_name="Jon", **fields),
        ContactFactory(practice=practice, first_name="John", **fields),
    )


def outcome_correct(outcome: Outcome, *, kind: OutcomeKind, user, note: str = "") -> Outcome:
    """A correction entry of any kind pointing at the one it replaces. The product writes
    only "undone" corrections (``outcome_undo``), but the log's model allows any kind, and
    the rollups and reports must treat every correction alike."""
    return outcome_record(
        contact=outcome.contact,
        enrollment=outcome.enrollment,
        kind=kind,
        user=user,
        note=note,
        corrects=outcome,
    )
