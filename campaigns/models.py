"""What a practice sends and when: sequences, templates, campaigns, enrollments, touches,
and the append-only outcome log (DESIGN §3, §4).

Rows here are data only. Every change of state goes through the write modules
(``sequences``, ``lifecycle``, ``planning``, ``enrollments``, ``outcomes``, ``sweeps``; the
enrollment state machine's rules live in ``campaigns.states``); nothing happens in ``save()``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from contacts.models import Bucket, Contact
from reactivate.models import AppendOnlyModel, Practice


class Channel(models.TextChoices):
    SMS = "sms", "Text"
    CALL = "call", "Call task"
    VOICEMAIL = "voicemail", "Voicemail drop"
    EMAIL = "email", "Email"


class Sequence(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="sequences")
    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice"], condition=Q(is_default=True), name="one_default_sequence"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """One touch of a sequence: on day ``day`` (Day 1 = the enrollment's start day)."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    day = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(60)])
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the day.")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    name = models.CharField(max_length=60)
    one_question = models.BooleanField(
        default=False, help_text="The message should ask exactly one question."
    )
    is_closeout = models.BooleanField(default=False)

    class Meta:
        ordering = ["day", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "day", "position"], name="step_order")
        ]

    def __str__(self) -> str:
        return f"Day {self.day}: {self.name}"


class Purpose(models.TextChoices):
    """What a template's message is for: marketing needs written consent on record (the
    send guard holds it otherwise, ``outreach.consent_gate``)."""

    INFORMATIONAL = "informational", "Informational (about the patient's own care)"
    MARKETING = "marketing", "Marketing (needs written consent on record)"


class Template(models.Model):
    """The words of a step for one bucket (and language; blank = the practice's default)."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="templates")
    bucket = models.CharField(max_length=20, choices=Bucket.choices)
    language = models.CharField(max_length=20, blank=True)
    subject = models.CharField(max_length=150, blank=True, help_text="Email only.")
    body = models.TextField()
    purpose = models.CharField(
        max_length=15, choices=Purpose.choices, default=Purpose.INFORMATIONAL
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["step", "bucket", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "bucket", "language"], name="one_template_per_bucket_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} / {self.get_bucket_display()}"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


class Assignment(models.TextChoices):
    ONE = "one", "One coordinator"
    ROUND_ROBIN = "round_robin", "Round robin"


class Campaign(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=120)
    sequence = models.ForeignKey(Sequence, on_delete=models.PROTECT, related_name="campaigns")
    buckets = models.JSONField(default=list)
    # Optional narrowing: {"last_outcome": [...], "coordinator": id, "textable": true}.
    filters = models.JSONField(default=dict, blank=True)
    holdout_percent = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(50)]
    )
    assignment = models.CharField(
        max_length=20, choices=Assignment.choices, default=Assignment.ROUND_ROBIN
    )
    coordinators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    start_date = models.DateField()
    nurture_days = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(1)], help_text="Re-enroll 'later' patients."
    )
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class OpenerVariant(models.Model):
    """An alternative opener (the first text of the sequence) tried on a share of patients."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    label = models.CharField(max_length=1)
    share = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    body = models.TextField(blank=True, help_text="Blank: the sequence's own opener.")

    class Meta:
        ordering = ["campaign", "label"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "label"], name="variant_label_unique")
        ]

    def __str__(self) -> str:
        return f"Opener {self.label}"


class State(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused: replied"
    REQUALIFYING = "requalifying", "Re-qualifying"
    SCHEDULED = "scheduled", "Scheduled"
    NURTURE = "nurture", "Nurture"
    CLOSED_NOT_FIT = "closed_not_fit", "Closed: not a fit"
    CLOSED_NOT_NOW = "closed_not_now", "Closed: not now"
    CLOSED_ELSEWHERE = "closed_elsewhere", "Closed: went elsewhere"
    OPTED_OUT = "opted_out", "Opted out"
    COMPLETED = "completed", "Completed without a decision"


OPEN_STATES = (State.ACTIVE, State.PAUSED, State.REQUALIFYING)


def queue_owner() -> Coalesce:
    """Whose work queue an enrollment is in: its coordinator's id, or 0 for the shared
    pool. The work queue filters on this expression, and an index is built on it."""
    return Coalesce("coordinator", Value(0), output_field=models.BigIntegerField())


class Enrollment(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="enrollments")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="enrollments")
    bucket = models.CharField(max_length=20, choices=Bucket.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE)
    held_out = models.BooleanField(
        default=False, help_text="Enrolled but never touched, to measure true lift."
    )
    variant = models.ForeignKey(
        OpenerVariant, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start_day = models.DateField()
    # Shared pools (no coordinator): who works this patient now, until when (work queue).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    nurture_until = models.DateField(null=True, blank=True)
    renewed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the nurture sweep enrolled the patient again."
    )
    appointment_at = models.DateTimeField(null=True, blank=True)
    # Since when the patient's oldest unhandled reply has waited (None: none waits), on
    # every enrollment of the contact: the work queue's "replies waiting" order, which only
    # the messages know otherwise. Kept by outreach, which records and handles replies
    # (``outreach.conversation.replies_waiting_sync``); set on enrollment from
    # ``campaigns.replies``.
    reply_waiting_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(state__in=[s.value for s in OPEN_STATES]),
                name="one_open_enrollment_per_contact",
            )
        ]
        indexes = [
            models.Index(fields=["practice", "state"]),
            models.Index(fields=["state", "nurture_until"]),
            # The work queue: the open enrollments a coordinator works, theirs and the
            # shared pool's (keyed 0: one index range each, read together as
            # `owner IN (0, me)`), by state, with every column the queue's sections read,
            # so that they come from the index alone instead of thousands of scattered rows.
            models.Index(
                queue_owner(),
                "state",
                include=[
                    "coordinator",
                    "id",
                    "practice",
                    "contact",
                    "claimed_by",
                    "claim_expires_at",
                    "bucket",
                    "state_changed_at",
                    "start_day",
                ],
                condition=Q(state__in=[s.value for s in OPEN_STATES]),
                name="enrollment_queue_owner",
            ),
            # The work queue's replies waiting, oldest first: only the open enrollments
            # with a reply waiting, a few per coordinator, instead of all of them.
            models.Index(
                F("practice"),
                queue_owner(),
                F("reply_waiting_since"),
                include=["id", "coordinator", "claimed_by", "claim_expires_at"],
                condition=Q(
                    reply_waiting_since__isnull=False, state__in=[s.value for s in OPEN_STATES]
                ),
                name="enrollment_reply_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"Enrollment {self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class TouchStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    CLAIMED = "claimed", "Claimed"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    DONE = "done", "Done"


class Touch(models.Model):
    """One planned step execution. Sent at most once: a provider id is unique."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="touches")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=TouchStatus.choices, default="planned")
    reason = models.CharField(max_length=200, blank=True, help_text="Why held or skipped.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The send guard's receipt of its last hold or skip (``outreach.receipts``): the rules
    # it was checked against, in a few short fields.
    receipt = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            # The dispatcher's scan: planned touches that are due.
            models.Index(
                fields=["due_at"], condition=Q(status="planned"), name="touch_planned_due"
            ),
            models.Index(fields=["practice", "status", "due_at"]),
            # The work queue's touch sections, each read in due order up to its limit:
            # calls due, voicemail fallbacks (a call on a voicemail step) and held touches.
            models.Index(
                fields=["practice", "due_at"],
                condition=Q(status="planned", channel="call"),
                name="touch_queue_calls",
            ),
            models.Index(
                fields=["step", "due_at"],
                condition=Q(status="planned", channel="call"),
                name="touch_queue_calls_by_step",
            ),
            models.Index(
                fields=["practice", "due_at"],
                condition=Q(status="planned", reason__startswith="held:"),
                name="touch_queue_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} due {self.due_at:%Y-%m-%d %H:%M}"


class OutcomeKind(models.TextChoices):
    CONTACTED = "contacted", "Contacted"
    NO_ANSWER = "no_answer", "No answer"
    LEFT_VOICEMAIL = "left_voicemail", "Left voicemail"
    REACHED = "reached", "Reached"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    REPLIED = "replied", "Replied"
    QUALIFIED = "qualified", "Qualified"
    NURTURE = "nurture", "Later: nurture"
    SCHEDULED = "scheduled", "Scheduled"
    SHOWED = "showed", "Showed"
    NO_SHOW = "no_show", "No-show"
    NOT_A_FIT = "not_a_fit", "Not a fit"
    NOT_NOW = "not_now", "Not now"
    WENT_ELSEWHERE = "went_elsewhere", "Went elsewhere"
    OPTED_OUT = "opted_out", "Opted out"
    DO_NOT_CONTACT = "do_not_contact", "Do not contact"
    COMPLETED = "completed", "Sequence completed"
    UNDONE = "undone", "Undone"


class OutcomeSource(models.TextChoices):
    """Who said so: a person (or Reactivate itself), or the practice's own schedule."""

    REACTIVATE = "", "Reactivate"
    PRACTICE_SYSTEM = "practice_system", "Practice system"


class ElsewhereReason(models.TextChoices):
    PRICE = "price", "Price"
    TIMING = "timing", "Timing or availability"
    LOCATION = "location", "Location"
    TRUST = "trust", "Trust or rapport"
    INSURANCE = "insurance", "Insurance"
    REFERRAL = "referral", "Referral or recommendation"
    OTHER = "other", "Other"


class Outcome(AppendOnlyModel):
    """The outcome log: every decision and contact result, with who and when.

    Append-only (here and by a PostgreSQL trigger): a correction is a new entry whose
    ``corrects`` points at the entry it replaces.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="outcomes")
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.CASCADE, related_name="outcomes"
    )
    kind = models.CharField(max_length=20, choices=OutcomeKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    appointment_at = models.DateTimeField(null=True, blank=True)
    nurture_until = models.DateField(null=True, blank=True)
    reason_category = models.CharField(max_length=20, choices=ElsewhereReason.choices, blank=True)
    reason_text = models.TextField("what mattered most", blank=True)
    # The enrollment's state before this outcome moved it ('' if it did not), for undo.
    state_before = models.CharField(max_length=20, choices=State.choices, blank=True)
    source = models.CharField(
        max_length=20, choices=OutcomeSource.choices, blank=True, default=OutcomeSource.REACTIVATE
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["practice", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
