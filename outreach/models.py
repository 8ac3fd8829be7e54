"""Messages and calls as sent and received: one thread per patient (DESIGN §3, §4).

A ``Message`` row is written *before* each send (status ``sending``) and updated by the
provider's answer and its status callbacks, so a crash between the two is visible and
reconciled, never resent blindly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from campaigns.models import Channel, Touch
from contacts.models import Contact
from reactivate.models import Practice


class SenderProfile(models.Model):
    """How a practice sends: its Twilio Messaging Service and numbers, and email sender."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="sender")
    messaging_service_sid = models.CharField(max_length=40, blank=True)
    sms_number = models.CharField(
        max_length=20, blank=True, help_text="E.164; inbound texts to it reach this practice."
    )
    voice_number = models.CharField(
        max_length=20, blank=True, help_text="Caller id for calls and voicemail drops (E.164)."
    )
    email_from = models.EmailField(blank=True)
    forward_to = models.CharField(
        max_length=20,
        blank=True,
        help_text="Front desk (E.164): a person who picks up a voicemail call is connected here.",
    )

    def __str__(self) -> str:
        return f"Sender of {self.practice}"


class Direction(models.TextChoices):
    OUT = "out", "Sent"
    IN = "in", "Received"


class Kind(models.TextChoices):
    TOUCH = "touch", "Sequence touch"
    REPLY = "reply", "Reply"
    MANUAL = "manual", "Written by staff"
    CONFIRMATION = "confirmation", "Opt-out confirmation"
    HELP = "help", "Help answer"


class Attention(models.TextChoices):
    NONE = "", "—"
    UNMATCHED = "unmatched", "Sender not recognized"
    UNCLEAR_OPT_OUT = "unclear_opt_out", "May want to stop: please check"
    WRONG_NUMBER = "wrong_number", "Says wrong number"
    CARRIER_BLOCKED = "carrier_blocked", "Carrier blocked the words: do not resend"


class MessageStatus(models.TextChoices):
    """A message's status; the labels are what the coordinator reads in the thread."""

    # Ours: before a send, and when a send's fate is not known.
    PLANNED = "planned", "Planned"
    SENDING = "sending", "Sending"
    UNKNOWN = "unknown", "Unknown (checking with the carrier)"
    NOT_SENT = "not sent", "Not sent"  # a planned reply refused when it was due
    # Twilio's (its callbacks set them, in ``STATUS_RANK``'s order).
    QUEUED = "queued", "Queued at the carrier"
    ACCEPTED = "accepted", "Queued at the carrier"
    SCHEDULED = "scheduled", "Scheduled"
    INITIATED = "initiated", "Calling"
    RINGING = "ringing", "Ringing"
    SENT = "sent", "Sent"
    IN_PROGRESS = "in-progress", "In progress"
    RECEIVED = "received", "Received"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    COMPLETED = "completed", "Completed"
    UNDELIVERED = "undelivered", "Not delivered"
    FAILED = "failed", "Failed"
    BUSY = "busy", "Busy"
    NO_ANSWER = "no-answer", "No answer"
    CANCELED = "canceled", "Canceled"
    # A voicemail call once answering-machine detection has answered (``outreach.voice``).
    AMD_VOICEMAIL = "amd:voicemail", "Voicemail left"
    AMD_CONNECTED = "amd:connected", "Answered: put through to the front desk"
    AMD_HUNG_UP = "amd:hung up", "Answered: hung up"
    AMD_NOT_VOICE = "amd:not a voice line", "Not a voice line"
    AMD_CALL_TASK = "amd:call task", "Unclear who answered: a call task"
    # The patient's leg of a click-to-call (Twilio's DialCallStatus, ``outreach.calls``).
    PATIENT_COMPLETED = "patient:completed", "Patient: talked"
    PATIENT_ANSWERED = "patient:answered", "Patient: answered"
    PATIENT_BUSY = "patient:busy", "Patient: busy"
    PATIENT_NO_ANSWER = "patient:no-answer", "Patient: no answer"
    PATIENT_FAILED = "patient:failed", "Patient: call failed"
    PATIENT_CANCELED = "patient:canceled", "Patient: call canceled"
    PATIENT_UNKNOWN = "patient:unknown", "Patient: unknown"


# Provider statuses in the order they can happen; a callback never moves a message back.
STATUS_RANK = {
    MessageStatus.SENDING: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.ACCEPTED: 1,
    MessageStatus.SCHEDULED: 1,
    MessageStatus.INITIATED: 1,
    MessageStatus.RINGING: 2,
    MessageStatus.SENT: 3,
    MessageStatus.IN_PROGRESS: 3,
    MessageStatus.RECEIVED: 4,
    MessageStatus.DELIVERED: 5,
    MessageStatus.READ: 6,
    MessageStatus.COMPLETED: 6,
    MessageStatus.UNDELIVERED: 6,
    MessageStatus.FAILED: 6,
    MessageStatus.BUSY: 6,
    MessageStatus.NO_ANSWER: 6,
    MessageStatus.CANCELED: 6,
}


class Message(models.Model):
    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    touch = models.OneToOneField(
        Touch, null=True, blank=True, on_delete=models.SET_NULL, related_name="message"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TOUCH)
    body = models.TextField(blank=True)
    from_number = models.CharField(max_length=40, blank=True)
    to_number = models.CharField(max_length=40, blank=True)
    provider_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(
        max_length=20, choices=MessageStatus.choices, default=MessageStatus.SENDING
    )
    error_code = models.PositiveIntegerField(null=True, blank=True)
    attention = models.CharField(max_length=20, choices=Attention.choices, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_at = models.DateTimeField(null=True, blank=True)
    # What answering-machine detection said about a voicemail call: set once, so a
    # replayed callback acts once (one call task, one redirect).
    answered_by = models.CharField(max_length=30, blank=True)
    # A coordinator's reply typed while texts may not go out (DESIGN §4: the practice's
    # window within 8:00-21:00 the patient's time) is kept, status "planned", and sent
    # by the beat sweeper at ``send_at`` (outreach.conversation).
    send_at = models.DateTimeField(null=True, blank=True)
    # Why it was not sent (e.g. the patient texted STOP before it went), for the thread.
    reason = models.CharField(max_length=200, blank=True)
    # Why it was allowed: the send guard's receipt (``outreach.receipts``).
    receipt = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The contact cap's question: what went out to this number in 24 hours
            # (``outreach.contact_cap``; by contact, the (contact, created_at) index).
            models.Index(
                fields=["practice", "to_number", "created_at"],
                condition=Q(direction=Direction.OUT),
                name="message_cap",
            ),
            models.Index(fields=["contact", "created_at"]),
            models.Index(
                fields=["practice", "created_at"],
                condition=Q(direction=Direction.IN, handled_at__isnull=True),
                name="message_waiting",
            ),
            # Does this contact have a waiting reply, and since when (what keeps the
            # enrollments' ``reply_waiting_since``).
            models.Index(
                fields=["contact", "created_at"],
                include=["practice"],
                condition=Q(direction=Direction.IN, handled_at__isnull=True),
                name="message_waiting_by_contact",
            ),
            # The sweeper's question: which planned replies are due.
            models.Index(
                fields=["send_at"],
                condition=Q(status=MessageStatus.PLANNED),
                name="message_planned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_channel_display()} #{self.pk}"


class BlockKind(models.TextChoices):
    OPT_OUT = "opt_out", "Opted out"
    NOT_VOICE = "not_voice", "Not a voice line"


class AddressBlock(models.Model):
    """A phone number or email address of a practice that a channel must not reach.

    Opt-outs belong to the number or address, not to one patient (DESIGN §4: family
    members share them): a STOP or an unsubscribe writes one row per channel here, and the
    send guard reads it, so a patient added later with that number is blocked too. A fax
    answering a voicemail call marks the number "not a voice line" the same way.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    # E.164 phone (sms, call) or normalized email (email), as on ``Contact``.
    address = models.CharField(max_length=254)
    channel = models.CharField(max_length=10)  # "sms", "call" (covers voicemail), "email"
    kind = models.CharField(max_length=10, choices=BlockKind.choices, default=BlockKind.OPT_OUT)
    at = models.DateTimeField()
    via = models.CharField(max_length=50, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "address", "channel"], name="address_block_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.channel} of practice {self.practice_id}"


class NumberLine(models.Model):
    """What a number check said of a phone number (``outreach.number_checks``), kept so a
    number is looked up once per ``NUMBER_CHECK_MAX_AGE_DAYS``, not before every text.

    Global, not per practice: a line type is a fact about the number (the carrier's, the
    same whichever practice asks), and the row holds nothing of a patient: no name, no
    link to a contact or a practice. Sharing it means one paid look-up per number, and a
    family's shared landline is learned once.
    """

    phone = models.CharField(max_length=20, unique=True)  # E.164, as on ``Contact``
    line_type = models.CharField(max_length=20, blank=True)  # Lookup v2's; "" unknown
    valid = models.BooleanField(default=True)
    error = models.CharField(max_length=100, blank=True)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    checked_at = models.DateTimeField()
    source = models.CharField(max_length=30)  # the check's name ("twilio-lookup", "sandbox")

    def __str__(self) -> str:
        return f"Line check #{self.pk}"
