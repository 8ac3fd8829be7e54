"""Patients of a practice, how they were imported, and how duplicates were resolved."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from reactivate.models import AppendOnlyModel, Practice


class LastOutcome(models.TextChoices):
    INQUIRY = "inquiry", "Inquiry"
    SCHEDULED = "scheduled", "Scheduled"
    CANCELED = "canceled", "Canceled"
    NO_SHOW = "no_show", "No-show"
    TREATMENT_PLAN = "treatment_plan", "Treatment plan"
    NOT_NOW = "not_now", "Not now"
    UNKNOWN = "unknown", "Unknown"


class Bucket(models.TextChoices):
    INQUIRY = "inquiry", "Stalled after inquiry"
    SCHEDULING = "scheduling", "Stalled after scheduling"
    CONSULTATION = "consultation", "Stalled after consultation"
    NOT_NOW = "not_now", "Timing wasn't right"


class ContactQuerySet(models.QuerySet):
    def live(self):
        """Contacts that were not merged into another."""
        return self.filter(merged_into__isnull=True)


class Contact(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="contacts")
    external_id = models.CharField("EMR id", max_length=100, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    # Matching keys, derived by contacts.dedupe_keys from the fields below (never typed):
    # name_key for identity; the others are blocking keys for duplicate candidates.
    name_key = models.CharField(max_length=210, blank=True)
    dob_key = models.CharField(max_length=20, blank=True)
    birth_key = models.CharField(max_length=10, blank=True, default="", db_default="")
    year_key = models.CharField(max_length=8, blank=True, default="", db_default="")
    sound_key = models.CharField(max_length=40, blank=True)
    last_sound_key = models.CharField(max_length=16, blank=True, default="", db_default="")
    first_sound_key = models.CharField(max_length=16, blank=True, default="", db_default="")
    addr_key = models.CharField(max_length=60, blank=True)
    house_key = models.CharField(max_length=30, blank=True, default="", db_default="")
    street_key = models.CharField(max_length=30, blank=True, default="", db_default="")

    phone_raw = models.CharField("phone as typed", max_length=100, blank=True)
    phone = models.CharField("phone (E.164)", max_length=20, blank=True)
    phone_extension = models.CharField(max_length=10, blank=True)
    phone_valid = models.BooleanField(default=False)
    email_raw = models.CharField("email as typed", max_length=254, blank=True)
    email = models.CharField("email (normalized)", max_length=254, blank=True)
    email_valid = models.BooleanField(default=False)

    date_of_birth = models.DateField(null=True, blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)

    last_outcome = models.CharField(
        max_length=20, choices=LastOutcome.choices, default=LastOutcome.UNKNOWN
    )
    last_outcome_raw = models.CharField(max_length=100, blank=True)
    last_activity = models.DateField(null=True, blank=True)
    next_appointment = models.DateField(null=True, blank=True)
    treatment_interest = models.CharField(max_length=200, blank=True)
    quoted_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    preferred_language = models.CharField(max_length=20, blank=True)
    time_zone = models.CharField(max_length=50, blank=True)
    notes = models.TextField(blank=True)

    # Consent: per channel, when and how. An opt-out is never cleared by an import.
    # Set when the carrier says texts cannot reach the number (landline, invalid): calls
    # may still work. Cleared when the phone changes.
    sms_unreachable = models.CharField(max_length=120, blank=True)
    sms_opt_out_at = models.DateTimeField(null=True, blank=True)
    sms_opt_out_via = models.CharField(max_length=50, blank=True)
    call_opt_out_at = models.DateTimeField(null=True, blank=True)
    call_opt_out_via = models.CharField(max_length=50, blank=True)
    email_opt_out_at = models.DateTimeField(null=True, blank=True)
    email_opt_out_via = models.CharField(max_length=50, blank=True)
    do_not_contact = models.BooleanField(default=False)
    do_not_contact_reason = models.CharField(max_length=200, blank=True)

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_contacts",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["practice", "external_id"], name="contact_external_id"),
            models.Index(fields=["practice", "phone"], name="contact_phone"),
            models.Index(fields=["practice", "email"], name="contact_email"),
            models.Index(fields=["practice", "name_key"], name="contact_name_key"),
            models.Index(fields=["practice", "dob_key"], name="contact_dob_key"),
            models.Index(fields=["practice", "sound_key"], name="contact_sound_key"),
            *(
                # Partial: a contact without the key (no birth date, no house number) is
                # in no block of that kind and costs the index nothing.
                models.Index(
                    fields=["practice", key], name=f"contact_{key}", condition=~Q(**{key: ""})
                )
                for key in (
                    "birth_key",
                    "year_key",
                    "street_key",
                    "last_sound_key",
                    "first_sound_key",
                    "house_key",
                )
            ),
            models.Index(fields=["practice", "last_outcome"], name="contact_last_outcome"),
            models.Index(fields=["practice", "last_name", "first_name"], name="contact_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "external_id"],
                condition=~Q(external_id="") & Q(merged_into__isnull=True),
                name="unique_live_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"Contact #{self.pk}"  # never a name: this string reaches logs

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or "(no name)"

    @property
    def textable(self) -> bool:
        return (
            self.phone_valid
            and not self.sms_unreachable
            and self.sms_opt_out_at is None
            and not self.do_not_contact
        )


# Who each channel can reach, as queries (consent is a contacts rule; campaigns and
# outreach reuse these). Do-not-contact is checked on its own.
def textable_q() -> Q:
    return Q(phone_valid=True, sms_unreachable="", sms_opt_out_at__isnull=True)


def callable_q() -> Q:
    return Q(phone_valid=True, call_opt_out_at__isnull=True)


def emailable_q() -> Q:
    return Q(email_valid=True, email_opt_out_at__isnull=True)


class OutcomeSynonym(models.Model):
    """A practice's own word for a last outcome, added by its admin ("Pending Tx" → plan)."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="outcome_synonyms"
    )
    text = models.CharField(max_length=100, help_text="As it appears in the export.")
    key = models.CharField(max_length=100, editable=False)
    outcome = models.CharField(max_length=20, choices=LastOutcome.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "key"], name="one_synonym_per_word")
        ]

    def __str__(self) -> str:
        return f"{self.text} → {self.outcome}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


def _import_upload_to(batch: ImportBatch, filename: str) -> str:
    # The stored name carries no part of the original (which may name a patient).
    return f"imports/{batch.practice_id}/{batch.uuid}.upload"


# An import's summary: its keys (stored in ``ImportBatch.summary`` and printed by
# ``import_contacts``), in the order shown, with the words the page shows.
IMPORT_SUMMARY = {
    "rows": "Rows",
    "created": "Created",
    "updated": "Updated",
    "merged": "Same person as an earlier row",
    "duplicate_candidates": "Duplicate candidates",
    "invalid_phone": "Invalid phones",
    "invalid_email": "Invalid emails",
    "do_not_contact": "Do not contact",
    "errors": "Errors",
}


class ImportBatch(models.Model):
    uuid = models.UUIDField(unique=True, editable=False, default=uuid.uuid4)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=_import_upload_to)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    mapping = models.JSONField(default=dict, blank=True)
    # What the mapping page needs from the file (header, first rows, date order), read once
    # at upload so the page never re-reads the file: contacts.import_sample.
    sample = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # The file's row number up to which rows are applied; a resumed run continues after it.
    last_row = models.PositiveIntegerField(default=0)
    # The row up to which the rows' duplicate candidates are found (they are found after
    # their chunk commits: contacts.import_candidates).
    candidates_through = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import #{self.pk}"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def summary_lines(self) -> list[tuple[str, int]]:
        """(label, count) of the summary, every line in IMPORT_SUMMARY's order."""
        return [(label, self.summary.get(key, 0)) for key, label in IMPORT_SUMMARY.items()]


class RowResult(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    MERGED = "merged", "Merged"
    ERROR = "error", "Error"


class ImportRow(models.Model):
    """What happened to one input row: the per-row report."""

    # No index of its own: one_result_per_row starts with the batch.
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="rows", db_index=False
    )
    row = models.PositiveIntegerField()
    result = models.CharField(max_length=10, choices=RowResult.choices)
    contact = models.ForeignKey(
        Contact, null=True, on_delete=models.SET_NULL, related_name="import_rows"
    )
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["batch", "row"]
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="one_result_per_row")]

    def __str__(self) -> str:
        return f"Row {self.row}: {self.result}"


class CandidateStatus(models.TextChoices):
    OPEN = "open", "Open"
    MERGED = "merged", "Merged"
    DISMISSED = "dismissed", "Not the same person"


class DuplicateCandidate(models.Model):
    """Two contacts that may be one person; a person decides. ``contact_a`` < ``contact_b``."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    contact_a = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    contact_b = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reason = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_a", "contact_b"], name="one_candidate_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(contact_a__lt=models.F("contact_b")), name="candidate_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["practice", "status"], name="candidate_status")]

    def __str__(self) -> str:
        return f"Candidate {self.contact_a_id}/{self.contact_b_id}"


class ContactMerge(models.Model):
    """The record of a merge: which contact survived, which was folded in, by whom, and
    the merged contact's values before the merge."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    survivor = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="merges")
    merged = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic_reason = models.CharField(max_length=200, blank=True)
    snapshot = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Merge {self.merged_id} → {self.survivor_id}"


# --- Consent on record (issue 17.5) ------------------------------------------------------


class ConsentBasis(models.TextChoices):
    EXISTING_PATIENT = "existing_patient", "Existing patient"
    INQUIRY_FORM = "inquiry_form", "Inquiry form"
    WRITTEN = "written", "Written consent"
    IMPORTED_FLAG = "imported_flag", "Imported flag"


class ConsentSource(models.TextChoices):
    IMPORT = "import", "Import"
    WEB_FORM = "web_form", "Web form"
    COORDINATOR = "coordinator", "Coordinator"
    PATIENT = "patient", "The patient"


class ConsentKind(models.TextChoices):
    GRANTED = "granted", "Consent given"
    REVOKED = "revoked", "Consent revoked"
    RESUMED = "resumed", "Texts resumed"


class ConsentEvent(AppendOnlyModel):
    """The consent record of a patient and of the number or address it was given or
    revoked for: each grant (basis, source, date) and each revocation (channel, the
    patient's words, time). Append-only (here and by a PostgreSQL trigger): a record a
    practice's lawyer can rely on is never rewritten."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    # The phone (E.164) or email address concerned ('' = the patient, whatever the number).
    address = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=10, choices=ConsentKind.choices)
    basis = models.CharField(max_length=20, choices=ConsentBasis.choices, blank=True)
    source = models.CharField(max_length=20, choices=ConsentSource.choices, blank=True)
    # How a revocation (or resumption) came: "sms", "email", "voicemail", "phone call".
    channel = models.CharField(max_length=20, blank=True)
    # The patient's own words (a revocation), or the coordinator's note.
    words = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["contact", "kind", "at"], name="consent_contact_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"  # no patient data: reaches logs
