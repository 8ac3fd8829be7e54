from django.urls import path

from outreach import consent_views, views
from outreach.sandbox import sandbox_only

app_name = "outreach"
urlpatterns = [
    path("", views.queue, name="queue"),
    # Only while the messaging backend is the sandbox (404 with Twilio configured).
    path("sandbox/", sandbox_only(views.sandbox), name="sandbox"),
    path("patients/<int:enrollment_id>/", views.panel, name="panel"),
    path("patients/<int:enrollment_id>/outcome/", views.outcome, name="outcome"),
    path("patients/<int:enrollment_id>/reply/", views.reply, name="reply"),
    path(
        "patients/<int:enrollment_id>/reply/<int:message_id>/",
        views.reply_planned,
        name="reply_planned",
    ),
    path("patients/<int:enrollment_id>/call/", views.call, name="call"),
    path("patients/<int:enrollment_id>/voicemail/", views.voicemail, name="voicemail"),
    path("outcomes/<int:outcome_id>/undo/", views.undo, name="undo"),
    path(
        "contacts/<int:contact_id>/consent/written/",
        consent_views.consent_written,
        name="consent_written",
    ),
    path(
        "contacts/<int:contact_id>/consent/revoked/",
        consent_views.consent_revoked_on_phone,
        name="consent_revoked",
    ),
]
