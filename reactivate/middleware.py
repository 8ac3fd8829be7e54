"""Request middleware of our own."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

RENEWED_KEY = "_renewed_at"
# Sent by requests a page makes on its own (the work queue's 20-second poll): they are not
# the user's activity, so a queue left open on an empty desk still times out.
BACKGROUND_HEADER = "X-Background-Poll"


class SessionIdleRenewMiddleware:
    """Renew a session's idle timeout (``SESSION_IDLE_MINUTES``) at most once every
    ``SESSION_RENEW_SECONDS`` (60) instead of on every request.

    ``SESSION_SAVE_EVERY_REQUEST`` would write the session row on every request: three
    queries and a database write for each page, and for each 20-second poll of the work
    queue. Here a request saves the session only when its last renewal is older than
    that; a session therefore ends between ``SESSION_IDLE_MINUTES`` minus a minute and
    ``SESSION_IDLE_MINUTES`` after the last request. Requests marked with
    ``BACKGROUND_HEADER`` never renew it. Placed right after Django's
    ``SessionMiddleware``, which saves what is modified here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None:
            return response
        renewed = session.get(RENEWED_KEY, 0)
        # No session, a stale cookie or a logout: nothing to renew, and none to create.
        if session.is_empty() or request.headers.get(BACKGROUND_HEADER):
            return response
        now = int(timezone.now().timestamp())
        if session.modified or now - renewed >= settings.SESSION_RENEW_SECONDS:
            session[RENEWED_KEY] = now
        return response
