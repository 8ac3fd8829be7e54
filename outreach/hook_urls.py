"""Webhook URLs (not practice-scoped: Twilio and mail clients call them)."""

from django.urls import path

from outreach import webhooks
from outreach.email_events import EmailEventsWebhook
from outreach.email_replies import EmailRepliesWebhook

app_name = "hooks"
urlpatterns = [
    path("twilio/sms/inbound/", webhooks.sms_inbound, name="sms_inbound"),
    path("twilio/sms/status/", webhooks.status_callback, name="sms_status"),
    path("twilio/voice/status/", webhooks.status_callback, name="voice_status"),
    path("twilio/voice/transcript/", webhooks.voice_transcript, name="voice_transcript"),
    path("twilio/voice/amd/", webhooks.voicemail_amd, name="voicemail_amd"),
    path("twilio/voice/<int:message_id>/twiml/", webhooks.voicemail_twiml, name="voicemail_twiml"),
    path("twilio/call/<int:message_id>/press1/", webhooks.call_press1, name="call_press1"),
    path("twilio/call/<int:message_id>/connect/", webhooks.call_connect, name="call_connect"),
    path("twilio/call/<int:message_id>/result/", webhooks.call_result, name="call_result"),
    # Only SendGrid's event webhook: anymail.urls would open every provider's, each
    # reaching the same handler, and those without a signature unauthenticated.
    path("anymail/sendgrid/tracking/", EmailEventsWebhook.as_view(), name="email_events"),
    path("anymail/sendgrid/inbound/", EmailRepliesWebhook.as_view(), name="email_replies"),
    path("email/unsubscribe/<str:token>/", webhooks.email_unsubscribe, name="email_unsubscribe"),
]
