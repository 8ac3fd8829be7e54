from django.urls import path

from outreach import views
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
]
