"""guard_explain benchmark (issue 17, Speed): the explain path (``outreach.explain``, what
``manage.py guard_explain`` runs) for N hypothetical touches, against the current guard
(``guard_check`` on touches loaded as the dispatcher loads them) in the same run.

What runs, in this process: a practice with ``--contacts`` patients (a third with Florida
numbers, so the contact cap counts; a third in Texas; a third in New York), a running
campaign with their touches planned. Then

- ``guard``: ``guard_check`` over the loaded Day 2 texts, N times round-robin, at moments
  spread over a week (some held by the window, some by the cap), the cap counting the
  database's attempts;
- ``explain``: ``explain`` for N hypothetical texts to the same numbers at the same
  moments, each with a ``--contact-history`` of 0 to 4 instants (counted instead of the
  database), as the command builds them.

Both arms read the number's opt-outs from the database (one query each), as the dispatcher
does. The line-type check is left out of explain (it may ask a provider) and is in the
guard's arm (the sandbox's, no network).

Run::

    .venv/bin/python benchmarks/guard_explain_bench.py              # 100k each
    .venv/bin/python benchmarks/guard_explain_bench.py --touches 20000

Database: ``BENCH_DATABASE_URL`` (see ``benchdb``). The last line printed is one JSON
object: ``touches``, ``explain_per_s``, ``guard_per_s``, ``explain_vs_guard`` (explain's
rate over the guard's), ``actions`` of each arm.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import (
    bench_database_url,
    bench_environment,
    database_prepare,
    practice_own,
)

SLUG = "bench-explain"
# A Tuesday years ahead: the planned touches are never due for a dispatcher that another
# benchmark runs on the same database.
START = dt.date(2030, 12, 3)
AREAS = ("305", "512", "212")  # Florida (a cap), Texas, New York
ZONES = {"305": "America/New_York", "512": "America/Chicago", "212": "America/New_York"}


def populate(n: int):
    from django.db import connection

    from campaigns.lifecycle import campaign_create, campaign_start
    from campaigns.models import CampaignStatus, Touch
    from contacts.models import Contact, LastOutcome
    from outreach.sending import touches_load as _load_many
    from reactivate.models import Practice

    Practice.objects.filter(slug=SLUG).delete()
    practice = Practice.objects.create(slug=SLUG, name="Explain Dental")
    practice.sends_on_saturday = True
    practice.save()
    with connection.cursor() as cursor:
        practice_own(cursor, practice.pk)
    Contact.objects.bulk_create(
        Contact(
            practice=practice,
            first_name=f"Pat{i}",
            last_name="Bench",
            phone=f"+1{AREAS[i % 3]}555{i % 10000:04d}",
            phone_raw="x",
            phone_valid=True,
            time_zone=ZONES[AREAS[i % 3]],
            last_outcome=LastOutcome.INQUIRY,
        )
        for i in range(n)
    )
    campaign = campaign_create(
        practice=practice, name="Bench", buckets=["inquiry"], start_date=START
    )
    campaign_start(campaign, today=START)
    campaign.status = CampaignStatus.RUNNING
    campaign.save()
    ids = list(
        Touch.objects.filter(practice=practice, step__day=2, channel="sms").values_list(
            "pk", flat=True
        )
    )
    return practice, list(_load_many(ids).values())


def moments(count: int, rng: random.Random) -> list[dt.datetime]:
    base = dt.datetime.combine(START, dt.time(12), tzinfo=dt.UTC)
    return [base + dt.timedelta(minutes=rng.randrange(7 * 24 * 60)) for _ in range(count)]


def histories(at: list[dt.datetime], rng: random.Random) -> list[list[dt.datetime]]:
    return [
        [moment - dt.timedelta(minutes=rng.randrange(30 * 60)) for _ in range(rng.randrange(5))]
        for moment in at
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--touches", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=3000)
    args = parser.parse_args()

    url = bench_database_url()
    env = bench_environment(url)
    database_prepare(url, env)
    os.environ.update(env)
    import django

    django.setup()
    from outreach.explain import explain, explain_setting
    from outreach.guard import guard_check

    built = time.perf_counter()
    practice, touches = populate(args.contacts)
    print(f"{len(touches):,} texts planned in {time.perf_counter() - built:.1f} s", flush=True)
    rng = random.Random(17)  # a fixed draw: the same moments in every run
    at = moments(args.touches, rng)
    history = histories(at, rng)

    guard_actions: Counter[str] = Counter()
    started = time.perf_counter()
    for i, moment in enumerate(at):
        guard_actions[guard_check(touches[i % len(touches)], moment).action] += 1
    guard_s = time.perf_counter() - started
    print(f"guard: {args.touches:,} checks in {guard_s:.1f} s", flush=True)

    setting = explain_setting(practice, "sms")
    numbers = [(t.enrollment.contact.phone, t.enrollment.contact.time_zone) for t in touches]
    explain_actions: Counter[str] = Counter()
    started = time.perf_counter()
    for i, moment in enumerate(at):
        phone, zone = numbers[i % len(numbers)]
        explain_actions[explain(setting, phone, zone, "", moment, history[i])["action"]] += 1
    explain_s = time.perf_counter() - started
    print(f"explain: {args.touches:,} explanations in {explain_s:.1f} s", flush=True)

    guard_rate, explain_rate = args.touches / guard_s, args.touches / explain_s
    print(
        json.dumps(
            {
                "touches": args.touches,
                "explain_per_s": round(explain_rate, 1),
                "guard_per_s": round(guard_rate, 1),
                "explain_vs_guard": round(explain_rate / guard_rate, 2),
                "actions": {
                    "explain": dict(explain_actions),
                    "guard": {str(k): v for k, v in guard_actions.items()},
                },
            }
        )
    )


if __name__ == "__main__":
    main()
