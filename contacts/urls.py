from django.urls import path

from contacts import duplicate_views, views

app_name = "contacts"
urlpatterns = [
    path("", views.index, name="index"),
    path("bulk/", views.bulk, name="bulk"),
    path("export.csv", views.export, name="export"),
    path("<int:contact_id>/", views.detail, name="detail"),
    path("<int:contact_id>/edit/", views.contact_edit, name="edit"),
    path(
        "<int:contact_id>/do-not-contact/",
        views.contact_do_not_contact,
        name="do_not_contact",
    ),
    path("<int:contact_id>/enroll/", views.contact_enroll, name="enroll"),
    path("imports/", views.imports, name="imports"),
    path("imports/synonyms/", views.synonym_add, name="synonym_add"),
    path("imports/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:batch_id>/header/", views.import_header, name="import_header"),
    path("imports/<int:batch_id>/preview/", views.import_preview, name="import_preview"),
    path("imports/<int:batch_id>/start/", views.import_start, name="import_start"),
    path("imports/<int:batch_id>/delete/", views.import_delete, name="import_delete"),
    path("imports/<int:batch_id>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:batch_id>/report.csv", views.import_report, name="import_report"),
    path("duplicates/", duplicate_views.duplicates, name="duplicates"),
    path(
        "duplicates/merge-identical/",
        duplicate_views.duplicates_merge_identical,
        name="duplicates_merge_identical",
    ),
    path(
        "duplicates/<int:candidate_id>/",
        duplicate_views.duplicate_review,
        name="duplicate_review",
    ),
]
