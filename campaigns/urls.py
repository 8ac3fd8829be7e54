from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("new/preview/", views.preview, name="preview"),
    path("<int:campaign_id>/", views.detail, name="detail"),
    path("<int:campaign_id>/control/", views.control, name="control"),
    path("sequence/", views.sequence, name="sequence"),
    path("sequence/steps/", views.step_save, name="step_add"),
    path("sequence/steps/<int:step_id>/", views.step_save, name="step_save"),
    path("templates/<int:template_id>/", views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/tone/", views.tone_check, name="tone_check"),
    path("enrollments/<int:enrollment_id>/", views.enrollment, name="enrollment"),
]
