"""Practices, the people who work in them, and the audit trail of patient-data access."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from timezone_field import TimeZoneField


class User(AbstractUser):
    """A person who logs in. Which practices they see, and as what, is in ``Membership``."""

    phone = models.CharField(
        max_length=20, blank=True, help_text="Rung first for click-to-call (E.164)."
    )


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    OWNER = "owner", "Owner"
    COORDINATOR = "coordinator", "Coordinator"


class Practice(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = TimeZoneField(default="America/New_York", use_pytz=False)
    country = models.CharField(
        max_length=2,
        default="US",
        validators=[RegexValidator(r"^[A-Z]{2}$", "Two capital letters, e.g. US.")],
        help_text="Default region for reading phone numbers (ISO 3166 code).",
    )
    default_area_code = models.CharField(
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{2,5}$", "Digits only.")],
        help_text="Completes seven-digit local numbers in imports.",
    )
    sending_window_start = models.TimeField(default=dt.time(9, 0))
    sending_window_end = models.TimeField(default=dt.time(19, 0))
    sends_on_saturday = models.BooleanField(default=False)
    sends_on_sunday = models.BooleanField(default=False)
    recent_activity_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1)],
        help_text="Patients active within this many days are not stalled.",
    )
    attribution_window_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1)],
        help_text=(
            "A booking counts towards a campaign when it comes within this many days after "
            "the patient's last planned touch (the scoreboard's true lift uses it)."
        ),
    )
    schedule_stale_days = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1)],
        help_text=(
            "When the practice system's schedule was last read longer ago than this, the "
            "scoreboard warns that scheduled and show figures may be low."
        ),
    )
    reenroll_missed_after_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=(
            "Enroll patients who missed or cancelled an appointment in the schedule again, "
            "into the stalled-after-scheduling sequence, this many days later (empty: never)."
        ),
    )
    help_text = models.TextField(
        blank=True,
        help_text="Sent when a patient texts HELP: who you are and how to reach you.",
    )
    postal_address = models.TextField(blank=True, help_text="Shown in email footers.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def today(self) -> dt.date:
        """The date at the practice now: on a New York evening the server's (UTC) is
        already tomorrow."""
        return timezone.localdate(timezone.now(), self.time_zone)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    daily_quota = models.PositiveSmallIntegerField(
        default=25, help_text="Decisions a coordinator aims for each day."
    )
    # Capacity, not a goal: a campaign start is paced so that its Day 1 calls fit the
    # chosen coordinators' daily calls (campaigns.pacing).
    daily_calls = models.PositiveSmallIntegerField(
        default=60, help_text="Calls a coordinator can make in a day."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="one_membership_per_practice")
        ]
        ordering = ["practice__name"]

    def __str__(self) -> str:
        return f"{self.user} - {self.practice} ({self.role})"


class AuditAction(models.TextChoices):
    VIEWED = "viewed", "Viewed"
    EXPORTED = "exported", "Exported"
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    DELETED = "deleted", "Deleted"
    MERGED = "merged", "Merged"
    IMPORTED = "imported", "Imported"


class AppendOnlyQuerySet(models.QuerySet):
    """For logs that are never rewritten: the audit trail, the outcome log."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model._meta.verbose_name} rows are append-only.")

    def delete(self):
        raise TypeError(f"{self.model._meta.verbose_name} rows are append-only.")


class AppendOnlyModel(models.Model):
    """A row is written once; a correction is a new row."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(f"{self._meta.verbose_name} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self._meta.verbose_name} rows are append-only.")


class AuditEvent(AppendOnlyModel):
    """Who viewed, exported or changed patient data, and when.

    Append-only: rows are never updated or deleted (refused here, and on PostgreSQL by a
    trigger). ``detail`` holds field names and counts, never patient values.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["practice", "object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"


class Heartbeat(models.Model):
    """Last time each background process proved it was alive (shown by /health/)."""

    name = models.CharField(max_length=50, primary_key=True)
    seen_at = models.DateTimeField()
    host = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
