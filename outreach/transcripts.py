"""A call's transcript that asks to stop (issue 17.5): Twilio's transcription callback for
a recorded voicemail. A stop request in it ("please stop calling me", "no me llamen más")
revokes consent through the same path as a STOP text; words that may mean stop are
flagged for a coordinator, like such a text; either way the transcript joins the thread.

Which call: our own call (its CallSid is a message's provider id; the patient is the
number we called), else a call to the practice's number (the caller is the patient).
Recording patients' voicemails to the practice (``<Record transcribeCallback=...>``) is
the practice's phone setup's part; this is where its transcripts land.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Channel
from outreach.inbound import inbound_record, intent_of, provider_key
from outreach.models import Attention, Direction, Message, SenderProfile
from outreach.optouts import contacts_at
from outreach.revocation import confirmation_create, consent_revoke


def _call_of(params: dict[str, str]) -> tuple[int | None, str]:
    """The practice and the patient's number the transcript is about."""
    call_sid = params.get("CallSid", "")
    ours = (
        Message.objects.filter(provider_id=provider_key(call_sid), direction=Direction.OUT)
        .exclude(practice__isnull=True)
        .values_list("practice_id", "to_number")
        .first()
        if call_sid
        else None
    )
    if ours:
        return ours
    to = params.get("To", "")
    profile = (
        SenderProfile.objects.filter(Q(voice_number=to) | Q(sms_number=to)).first() if to else None
    )
    return (profile.practice_id, params.get("From", "")) if profile else (None, "")


@transaction.atomic
def transcript_receive(params: dict[str, str]) -> tuple[str, Message | None]:
    """Record a transcript and act on it; returns what it was read as, and the revocation's
    confirmation text for the caller to queue (if one is owed). Idempotent on the
    TranscriptionSid (Twilio retries)."""
    if params.get("TranscriptionStatus", "completed") != "completed":
        return "not transcribed", None
    text = params.get("TranscriptionText", "").strip()
    practice_id, phone = _call_of(params)
    if practice_id is None or not phone or not text:
        return "ignored", None
    sid = params.get("TranscriptionSid", "") or params.get("RecordingSid", "")
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    key = provider_key(sid) if sid else "transcript:" + digest[:52]
    contact = contacts_at(practice_id, phone=phone).filter(merged_into__isnull=True).first()
    intent = intent_of(text)
    message = inbound_record(
        practice_id=practice_id,
        contact=contact,
        channel=Channel.VOICEMAIL,
        body=f"Voicemail transcript: {text}"[:5000],
        key=key,
        from_=phone,
        attention=Attention.UNCLEAR_OPT_OUT if intent.kind == "unclear_stop" else Attention.NONE,
    )
    if message is None:  # Twilio's retry
        return "repeat", None
    if intent.kind == "stop":
        newly = consent_revoke(
            practice_id, channel="voicemail", words=text[:200], phone=phone, asker=contact
        )
        Message.objects.filter(pk=message.pk).update(handled_at=timezone.now())
        confirmation = None
        if newly and contact is not None:
            confirmation = confirmation_create(contact, phone=phone)
        return "stop", confirmation
    return intent.kind, None
