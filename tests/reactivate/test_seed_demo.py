"""The demo practice and its printed logins."""

from django.core.management import call_command
from django.urls import reverse

from reactivate.demo import DEMO_PASSWORD
from reactivate.models import Membership


def test_seed_demo_prints_working_logins_for_every_role(client, db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for role in ("admin", "owner", "coordinator"):
        assert f"{role} / {DEMO_PASSWORD}" in out
        login = client.post(reverse("login"), {"username": role, "password": DEMO_PASSWORD})
        assert login.status_code == 302, f"{role} could not log in"
        assert client.get(reverse("home")).status_code == 302


def test_seed_demo_twice_creates_nothing_new(db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Membership.objects.filter(practice__slug="demo").count() == 3
