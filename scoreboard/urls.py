from django.urls import path

from scoreboard import views

app_name = "scoreboard"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("shows/", views.shows, name="shows"),
    path("export/scoreboard.csv", views.export_scoreboard, name="export_scoreboard"),
    path("export/outcomes.csv", views.export_outcomes, name="export_outcomes"),
]
