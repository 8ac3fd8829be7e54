from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("sandbox/", views.sandbox, name="sandbox"),
    path("patients/<int:enrollment_id>/", views.panel, name="panel"),
    path("patients/<int:enrollment_id>/outcome/", views.outcome, name="outcome"),
    path("patients/<int:enrollment_id>/reply/", views.reply, name="reply"),
    path("patients/<int:enrollment_id>/call/", views.call, name="call"),
    path("patients/<int:enrollment_id>/voicemail/", views.voicemail, name="voicemail"),
    path("outcomes/<int:outcome_id>/undo/", views.undo, name="undo"),
]
