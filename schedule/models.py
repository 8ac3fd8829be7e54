"""The practice's schedule as Reactivate knows it (DESIGN §3, schedule sync).

A ``Source`` is one connection to the practice system (an export upload and drop folder,
or a FHIR R4 server). Each appointment it reports is one ``Appointment`` row, keyed by the
source's own id; every change of status or time is kept in ``AppointmentChange``, so a
booked → fulfilled → entered-in-error story can be replayed. ``SyncRun`` is one read of a
source: what it read and changed, and what went wrong, in words.

What an appointment did to enrollments and contacts is ``applied_status``: the sweep
(``schedule.effects``) compares it with ``status`` and applies the difference through
campaigns' services, so an appointment's effects are applied once, whatever is re-read.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from contacts.models import Contact
from reactivate.models import AppendOnlyModel, Practice


class SourceKind(models.TextChoices):
    FILE = "file", "Appointment export (CSV or Excel)"
    FHIR = "fhir", "FHIR R4 server"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ARRIVED = "arrived", "Arrived"
    FULFILLED = "fulfilled", "Fulfilled"
    NOSHOW = "noshow", "No-show"
    CANCELLED = "cancelled", "Cancelled"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class FhirAuth(models.TextChoices):
    NONE = "none", "None (open server)"
    BEARER = "bearer", "Bearer token"
    SMART = "smart", "SMART Backend Services (signed client credentials)"


class Source(models.Model):
    """One connection to the practice system. ``name`` is what coordinators read
    ("booked for Tue 9 Dec 10:00 in Open Dental export")."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=SourceKind.choices)
    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    # Appointment exports: the column mapping last used (our field -> the file's header),
    # so the drop folder reads the practice system's scheduled report the same way.
    mapping = models.JSONField(default=dict, blank=True)
    # FHIR R4.
    base_url = models.URLField(max_length=500, blank=True)
    auth = models.CharField(max_length=10, choices=FhirAuth.choices, default=FhirAuth.NONE)
    token = models.TextField(blank=True, help_text="Bearer token (kept on the server only).")
    client_id = models.CharField(max_length=200, blank=True)
    token_url = models.URLField(max_length=500, blank=True)
    private_key = models.TextField(blank=True, help_text="PEM private key for SMART.")
    key_id = models.CharField(max_length=200, blank=True)
    # Where the next read starts: the newest source change already applied (FHIR
    # ``_lastUpdated``), written with each page's changes so a killed sync resumes.
    checkpoint = models.CharField(max_length=64, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="schedule_source_name")
        ]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class SyncRun(models.Model):
    """One read of a source. ``counts`` holds the sync summary (DESIGN §7's keys);
    ``errors`` the problems in words, each ``{"where": ..., "message": ...}``."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=20)  # upload, drop folder, command, beat, sync now
    status = models.CharField(max_length=10, choices=RunStatus.choices, default="running")
    file_name = models.CharField(max_length=255, blank=True)
    # A file is processed once: its SHA-256 (unique per source unless its run failed).
    content_hash = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "content_hash"],
                condition=~Q(content_hash="") & ~Q(status="failed"),
                name="schedule_file_once",
            )
        ]
        indexes = [models.Index(fields=["source", "-started_at"])]

    def __str__(self) -> str:
        return f"Sync {self.pk} of {self.source_id} ({self.status})"


class Appointment(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="appointments")
    key = models.CharField("the source's appointment id", max_length=200)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    # How the contact was found ("external id", "name and date of birth", "by hand"), or
    # why not, in words for the review list.
    match_note = models.CharField(max_length=200, blank=True)
    # The patient as the source names them: what matching reads, and what the review shows.
    patient_external_id = models.CharField(max_length=100, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True)  # as the source wrote it
    email = models.CharField(max_length=254, blank=True)
    start = models.DateTimeField(null=True, blank=True)
    # '' when the source's word is not known: kept, reported, never applied.
    status = models.CharField(max_length=20, choices=AppointmentStatus.choices, blank=True)
    status_word = models.CharField(max_length=100, blank=True)
    # For the coordinator's screen and reports, never for a text message.
    appointment_type = models.CharField(max_length=200, blank=True)
    provider = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)  # first seen booked
    deleted_at = models.DateTimeField(null=True, blank=True)  # gone from the source
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The effects that stand (see the module's docstring): the status they stand for, and
    # what they wrote ({"booked": outcome id, "result": outcome id, "enrollment": id}),
    # which an entered-in-error correction undoes.
    applied_status = models.CharField(max_length=20, blank=True)
    effects = models.JSONField(default=dict, blank=True)
    effects_due = models.BooleanField(default=False)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="schedule_appointment_key")
        ]
        indexes = [
            models.Index(fields=["practice", "start"]),
            models.Index(fields=["contact", "start"]),
            # The effects sweep's scan.
            models.Index(
                fields=["practice"], condition=Q(effects_due=True), name="appointment_effects_due"
            ),
            # The review list of appointments no patient was found for.
            models.Index(
                fields=["practice", "start"],
                condition=Q(contact__isnull=True),
                name="appointment_unmatched",
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.key} ({self.status or self.status_word})"

    @property
    def effective_status(self) -> str:
        """What the practice system says now: a deleted booking counts as entered in error."""
        return AppointmentStatus.ENTERED_IN_ERROR if self.deleted_at else self.status


class AppointmentChange(AppendOnlyModel):
    """Every version of an appointment as read (append-only): its history."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    run = models.ForeignKey(SyncRun, null=True, on_delete=models.RESTRICT, related_name="+")
    status = models.CharField(max_length=20, blank=True)
    status_word = models.CharField(max_length=100, blank=True)
    start = models.DateTimeField(null=True)
    source_updated_at = models.DateTimeField(null=True)
    deleted = models.BooleanField(default=False)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["appointment", "recorded_at"])]
