"""Login lockout and the audit trail behind the TLS proxy.

Every request reaches the app from the proxy's address; the client's is the last entry of
X-Forwarded-For (PROXY_COUNT=1, production's default). A lockout is per username and
address pair, so nobody can lock a real user out from where that user logs in.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse

from reactivate.access import practice_access
from reactivate.audit import audit_record
from reactivate.models import AuditAction, AuditEvent, Role
from tests.conftest import ROOT
from tests.factories import PASSWORD
from tests.reactivate.test_check_deploy import PRODUCTION

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the TLS proxy, as the app sees every request
OFFICE = "203.0.113.5"  # where the practice's staff log in
ATTACKER = "198.51.100.7"


@pytest.fixture(autouse=True)
def behind_proxy(settings):
    # What reactivate/settings.py makes of PROXY_COUNT=1 (checked against the real settings
    # by test_production_settings_read_the_client_address_from_the_proxy_header).
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    settings.AXES_IPWARE_PROXY_COUNT = 0


def _login(client, username, password, *, forwarded_for):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def _fail(client, username, *, forwarded_for, times=None):
    for _ in range(times or django_settings.AXES_FAILURE_LIMIT):
        _login(client, username, "wrong password", forwarded_for=forwarded_for)


def test_failures_for_unknown_usernames_do_not_lock_out_another_addresss_login(client, member):
    admin = member(Role.ADMIN).user
    for name in ("admin", "root", "test", "administrator", "coordinator", "owner"):
        _fail(client, name, forwarded_for=ATTACKER, times=1)

    response = _login(client, admin.username, PASSWORD, forwarded_for=OFFICE)

    assert response.status_code == 302


def test_failures_for_a_username_from_one_address_do_not_lock_it_out_from_another(client, member):
    admin = member(Role.ADMIN).user
    _fail(client, admin.username, forwarded_for=ATTACKER)

    response = _login(client, admin.username, PASSWORD, forwarded_for=OFFICE)

    assert response.status_code == 302


def test_five_failures_for_one_username_from_one_address_lock_that_pair(client, member):
    user = member(Role.COORDINATOR).user
    _fail(client, user.username, forwarded_for=OFFICE)

    locked = _login(client, user.username, PASSWORD, forwarded_for=OFFICE)

    assert locked.status_code == 429
    assert b"Account locked" in locked.content
    assert "_auth_user_id" not in client.session


def test_an_address_the_client_forges_in_the_header_does_not_escape_the_lockout(client, member):
    user = member(Role.COORDINATOR).user
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        # The proxy appends the address it saw; what the client sent comes before it.
        _fail(client, user.username, forwarded_for=f"192.0.2.{n}, {ATTACKER}", times=1)

    locked = _login(client, user.username, PASSWORD, forwarded_for=f"192.0.2.99, {ATTACKER}")

    assert locked.status_code == 429


def test_the_audit_trail_records_the_client_address_not_the_proxys(member):
    membership = member(Role.ADMIN)
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {OFFICE}"
    )
    request.user = membership.user
    request.access = practice_access(membership.user, membership.practice.slug)

    audit_record(request, AuditAction.EXPORTED, object_type="contacts.contact")

    assert AuditEvent.objects.get().ip_address == OFFICE


PROBE = """
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
import json
meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.5"}
print(json.dumps(get_client_ip_address(RequestFactory().get("/", **meta))))
"""


@pytest.mark.parametrize(
    ("proxy_count", "client_address"),
    [("", "203.0.113.5"), ("2", "192.0.2.1"), ("0", "10.0.0.2")],
)
def test_production_settings_read_the_client_address_from_the_proxy_header(
    proxy_count, client_address
):
    env = {**os.environ, **PRODUCTION, "PROXY_COUNT": proxy_count}
    if not proxy_count:
        del env["PROXY_COUNT"]  # production's default: one proxy
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == client_address
