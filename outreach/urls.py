from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("sandbox/", views.sandbox, name="sandbox"),
]
