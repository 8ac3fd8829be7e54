from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reactivate import views

practice_patterns = [
    path("", views.practice_home, name="practice_home"),
    path("settings/", views.practice_settings, name="practice_settings"),
    path("users/", views.practice_users, name="practice_users"),
    path("users/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("users/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("contacts/", include("contacts.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("queue/", include("outreach.urls")),
    path("scoreboard/", include("scoreboard.urls")),
    path("schedule/", include("schedule.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("hooks/", include("outreach.hook_urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("p/<slug:practice_slug>/", include(practice_patterns)),
    path("admin/", admin.site.urls),
]
