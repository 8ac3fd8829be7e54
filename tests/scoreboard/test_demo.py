"""``seed_demo`` leaves a dashboard with every tile showing data."""

import json
import re

from django.core.management import call_command
from django.urls import reverse

from reactivate.models import Membership, Role

TILES = ("decisions", "reply", "qualification", "scheduled", "show", "decision", "recovered")


def test_every_tile_has_data_after_seed_demo(client, db):
    call_command("seed_demo")
    owner = Membership.objects.get(practice__slug="demo", role=Role.OWNER)
    client.force_login(owner.user)
    html = client.get(reverse("scoreboard:dashboard", kwargs={"practice_slug": "demo"})).content
    html = html.decode()
    for name in (*TILES, "at-stake"):
        start = html.index(f'id="tile-{name}"')
        value = re.search(r'class="tile-value[^"]*">([^<]*)<', html[start:]).group(1)
        assert value not in ("—", "0", "$0", "0.0%"), (name, value)
    assert "In their words" in html and "Opener variants compared" in html


def test_the_scoreboard_command_prints_the_demos_figures(db, capsys):
    call_command("seed_demo")
    capsys.readouterr()
    call_command("scoreboard", "--practice", "demo", "--json")
    figures = json.loads(capsys.readouterr().out)
    assert figures["contacted"] > 0 and figures["decisions"] > 0
    assert figures["revenue_recovered"] > 0
