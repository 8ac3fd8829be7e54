"""Login, lockout, password reset and idle sessions."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse

from reactivate.models import Role
from tests.factories import PASSWORD


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


LOGIN_AT = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def signed_in(client, member, practice):
    """A coordinator logged in at LOGIN_AT with the clock stopped: (clock, queue URL)."""
    user = member(Role.COORDINATOR).user
    with time_machine.travel(LOGIN_AT, tick=False) as clock:
        _login(client, user.username, PASSWORD)
        yield clock, reverse("outreach:queue", kwargs={"practice_slug": practice.slug})


def test_member_logs_in_with_password(client, member):
    user = member(Role.COORDINATOR).user
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # on to their practice


def test_account_locks_after_the_failure_limit(client, member):
    user = member(Role.COORDINATOR).user
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.username, "wrong password")
    locked = _login(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert b"Account locked" in locked.content
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock(client, member):
    user = member(Role.COORDINATOR).user
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, user.username, "wrong password")
    assert _login(client, user.username, PASSWORD).status_code == 302


def test_password_reset_sends_a_link(client, member):
    user = member(Role.COORDINATOR).user
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert mail.outbox[0].to == [user.email]
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_session_ends_after_inactivity(client, signed_in):
    clock, queue = signed_in
    clock.shift(dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1))
    assert client.get(queue).status_code == 200  # activity renews the session
    clock.shift(dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1))
    response = client.get(queue)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_needs_post_and_ends_the_session(client_for, member):
    client = client_for(member(Role.COORDINATOR))
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def _session_expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_activity_within_a_minute_of_the_last_renewal_writes_no_session(client, signed_in):
    clock, queue = signed_in
    renewed = _session_expiry(client)
    clock.shift(dt.timedelta(seconds=settings.SESSION_RENEW_SECONDS - 1))
    assert client.get(queue).status_code == 200
    assert _session_expiry(client) == renewed


def test_activity_a_minute_after_the_last_renewal_renews_the_idle_timeout(client, signed_in):
    clock, queue = signed_in
    clock.shift(dt.timedelta(seconds=settings.SESSION_RENEW_SECONDS))
    assert client.get(queue).status_code == 200
    assert _session_expiry(client) == LOGIN_AT + dt.timedelta(minutes=1) + dt.timedelta(
        minutes=settings.SESSION_IDLE_MINUTES
    )


def test_a_logout_leaves_no_session_behind(client_for, member):
    client = client_for(member(Role.COORDINATOR))
    client.post(reverse("logout"))
    assert not Session.objects.exists()


def test_the_queue_refreshing_itself_does_not_hold_the_session_open(client, signed_in):
    # A queue left open polls every 20 seconds; only the coordinator's own requests count.
    clock, queue = signed_in
    renewed = _session_expiry(client)
    clock.shift(dt.timedelta(minutes=5))
    poll = client.get(queue, {"part": "list"}, headers={"X-Background-Poll": "1"})
    assert poll.status_code == 200
    assert _session_expiry(client) == renewed


def test_a_partial_asked_for_after_the_session_ended_sends_the_page_to_login(client, signed_in):
    clock, queue = signed_in
    clock.shift(dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1))
    response = client.get(
        queue,
        {"part": "list"},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{queue}"},
    )
    # Not the login form swapped into the queue list: htmx loads the login page instead.
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next={queue}"
    assert b"password" not in response.content.lower()
