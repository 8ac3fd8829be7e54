from django.urls import path

from schedule import views

app_name = "schedule"
urlpatterns = [
    path("", views.health, name="health"),
    path("upload/", views.upload, name="upload"),
    path("upload/columns/", views.upload_mapping, name="upload_mapping"),
    path("upload/cancel/", views.upload_cancel, name="upload_cancel"),
    path("upload/syncing/", views.upload_waiting, name="upload_waiting"),
    path("unmatched/", views.unmatched, name="unmatched"),
    path("unmatched/<int:appointment_id>/", views.appointment_match, name="match"),
    path("runs/<int:run_id>/", views.run, name="run"),
    path("sources/fhir/", views.fhir_connect, name="fhir_connect"),
    path("sources/<int:source_id>/", views.fhir_connect, name="source_edit"),
    path("sources/<int:source_id>/sync/", views.sync_now, name="sync_now"),
]
