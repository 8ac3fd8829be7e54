"""Work-queue page latency with a practice of N contacts and about 5N touches and outcomes.

Fills the benchmarks' PostgreSQL database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/reactivate_bench``; never ``DATABASE_URL``; refused
when it holds a practice no benchmark created, see ``benchdb.database_claim``) with SQL
``generate_series`` inserts: N contacts, one enrollment each (about 10% still open, spread over 20
coordinators and a shared pool), three touches and two outcomes per enrollment, and
unhandled replies for the paused ones. Then it renders the queue page for one coordinator
through Django's test client (the whole request: middleware, access check, queries,
template) and prints p50/p95 over repeated requests and the number of queries.

In the same run it times a named peer on the same data: the "naive ORM queue", which
builds the same sections the way a first version usually does, one query per open
enrollment (no annotations or subqueries). Target: our p95 under 100 ms at 1M contacts.

    .venv/bin/python benchmarks/queue_bench.py --contacts 1000000

``--reuse`` measures the data the last run loaded, as long as no other benchmark has run
in the shared database since (each empties the tables it fills).

The last line is one JSON object: ``contacts``, ``p50_ms``, ``p95_ms``, ``queries`` (plus
the peer's p50).

What bounds the figure, and the figures over time: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import (
    ROOT,
    bench_database_url,
    bench_environment,
    database_prepare,
    percentile,
    practice_own,
    series_insert,
)

COORDINATORS = 20
REQUESTS = 40
# When the i-th waiting reply came (SQL over i).
REPLY_AT = "now() - ({i} %% 300) * interval '1 minute'"


def populate(n: int):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from campaigns.models import Campaign, Enrollment, Outcome, Touch
    from campaigns.sequences import sequence_default_ensure
    from contacts.models import Contact
    from outreach.models import Message
    from reactivate.models import Membership, Practice

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE outreach_message, campaigns_outcome, campaigns_touch, "
            "campaigns_enrollment, campaigns_openervariant, campaigns_campaign, "
            "contacts_contact RESTART IDENTITY CASCADE"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        practice, _ = Practice.objects.get_or_create(
            slug="bench", defaults={"name": "Bench Dental"}
        )
        practice_own(cursor, practice.pk)
    users = []
    for k in range(COORDINATORS):
        user, _ = get_user_model().objects.get_or_create(username=f"coord{k}")
        Membership.objects.get_or_create(user=user, practice=practice, role="coordinator")
        users.append(user.pk)
    sequence = sequence_default_ensure(practice)
    steps = {s.channel: s.pk for s in sequence.steps.order_by("-day")}
    campaign = Campaign.objects.create(
        practice=practice,
        name="Bench",
        sequence=sequence,
        buckets=[],
        start_date="2026-11-01",
        status="running",
    )
    common = {"p": practice.pk, "c": campaign.pk, "users": users, "k": COORDINATORS}
    with transaction.atomic(), connection.cursor() as cursor:
        # Bulk load without triggers (the scoreboard's rollups are not what is measured).
        cursor.execute("SET LOCAL session_replication_role = replica")
        series_insert(
            cursor,
            Contact,
            n,
            {
                "practice_id": "%(p)s",
                "first_name": "'Pat' || i",
                "last_name": "'Bench'",
                "phone": "'+1212' || lpad((i %% 10000000)::text, 7, '0')",
                "phone_raw": "'(212) ' || i",
                "phone_valid": "true",
                "time_zone": "'America/New_York'",
                "last_outcome": "(array['inquiry','canceled','no_show','treatment_plan','not_now'])"
                "[1 + i %% 5]",
                "created_at": "now()",
                "updated_at": "now()",
            },
            common,
        )
        # Open states for 1 in 10: active, paused (replied) or re-qualifying.
        state = (
            "CASE WHEN i %% 10 <> 0 THEN (array['completed','closed_not_fit',"
            "'closed_not_now','scheduled'])[1 + i %% 4] ELSE (array['active','active',"
            "'paused','requalifying'])[1 + (i / 10) %% 4] END"
        )
        series_insert(
            cursor,
            Enrollment,
            n,
            {
                "practice_id": "%(p)s",
                "campaign_id": "%(c)s",
                "contact_id": "i",
                "bucket": "'inquiry'",
                "state": state,
                "coordinator_id": "CASE WHEN i %% 200 = 10 THEN NULL ELSE (%(users)s::int[])"
                "[1 + (i / 10) %% %(k)s] END",
                "start_day": "date '2026-11-01' + (i %% 30)",
                "created_at": "now() - (i %% 30) * interval '1 day'",
                "state_changed_at": "now() - (i %% 600) * interval '1 minute'",
                # The paused ones have a reply waiting: its time, as the messages below.
                "reply_waiting_since": "CASE WHEN i %% 40 = 20 THEN "
                f"{REPLY_AT.format(i='((i + 20) / 40)')} END",
            },
            common,
        )
        for offset, (channel, status) in enumerate(
            [("sms", "'sent'"), ("sms", "'delivered'"), ("call", _call_status())]
        ):
            series_insert(
                cursor,
                Touch,
                n,
                {
                    "practice_id": "%(p)s",
                    "enrollment_id": "i",
                    "step_id": str(steps[channel]),
                    "channel": f"'{channel}'",
                    "due_at": (
                        f"now() - interval '{3 - offset} days' + (i %% 600) * interval '1 second'"
                    ),
                    "status": status,
                    "reason": "''",
                },
                common,
            )
        for kind in ("contacted", "no_answer"):
            series_insert(
                cursor,
                Outcome,
                n,
                {
                    "practice_id": "%(p)s",
                    "contact_id": "i",
                    "enrollment_id": "i",
                    "kind": f"'{kind}'",
                    "user_id": "(%(users)s::int[])[1 + i %% %(k)s]",
                    "at": "now() - (i %% 5000) * interval '1 minute'",
                },
                common,
            )
        paused = n // 40
        series_insert(
            cursor,
            Message,
            paused,
            {
                "practice_id": "%(p)s",
                "contact_id": "(i * 40) - 20",  # the paused enrollments: i %% 40 = 20
                "direction": "'in'",
                "channel": "'sms'",
                "kind": "'reply'",
                "body": "'Yes, still interested'",
                "status": "'received'",
                "created_at": REPLY_AT.format(i="i"),
            },
            common,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return practice, get_user_model().objects.get(pk=users[0])


def _call_status() -> str:
    # Open, active enrollments have their call task still due; the rest were done.
    return "CASE WHEN i %% 10 = 0 AND (i / 10) %% 4 IN (0, 1) THEN 'planned' ELSE 'done' END"


def measure(practice, user) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    url = reverse("outreach:queue", kwargs={"practice_slug": practice.slug})
    for _ in range(3):
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    from django.utils import timezone

    from outreach.queue import queue_for

    assert response.status_code == 200
    items = len(queue_for(practice, user, timezone.now()).items())
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "queries": len(queries),
        "items": items,
    }


def naive_peer(practice, user) -> float:
    """The same sections, one query per open enrollment (what we avoid)."""
    from django.db.models import Q

    from campaigns.models import OPEN_STATES, Enrollment, Touch
    from outreach.models import Message

    timings = []
    for _ in range(3):
        start = time.perf_counter()
        mine = Enrollment.objects.filter(
            Q(coordinator=user) | Q(coordinator__isnull=True),
            practice=practice,
            state__in=OPEN_STATES,
        )
        sections: dict[str, list] = {"replies": [], "calls": []}
        for enrollment in mine:
            if Message.objects.filter(
                contact_id=enrollment.contact_id, direction="in", handled_at__isnull=True
            ).exists():
                sections["replies"].append(enrollment)
            if Touch.objects.filter(
                enrollment=enrollment, channel="call", status="planned"
            ).exists():
                sections["calls"].append(enrollment)
            _ = enrollment.contact.first_name
        timings.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(timings), 1)


def orm_peer(practice, user, requests: int = REQUESTS) -> dict:
    """The same six sections as the straightforward ORM page a good Django engineer would
    write: one query per section, ``select_related`` for what a row shows, the reply
    check as an ``Exists`` over the messages (no column kept for it), each section ordered
    and cut at 50, no UNION and no index-shaped conditions. Timed warm (three runs first),
    as a function: without the request, middleware and template ours pays for."""
    from django.db import connection
    from django.db.models import Exists, OuterRef, Q
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from campaigns.models import OPEN_STATES, Channel, Enrollment, Step, Touch
    from outreach.models import Message

    def works(now, p: str = "") -> Q:
        free = Q(**{f"{p}claimed_by__isnull": True}) | Q(**{f"{p}claimed_by": user})
        free |= Q(**{f"{p}claim_expires_at__lt": now})
        return Q(**{f"{p}coordinator": user}) | Q(**{f"{p}coordinator__isnull": True}) & free

    def page() -> int:
        now = timezone.now()
        mine = Enrollment.objects.filter(
            works(now),
            practice=practice,
            state__in=OPEN_STATES,
        ).select_related("contact", "campaign")
        waiting = Message.objects.filter(
            contact=OuterRef("contact_id"), direction="in", handled_at__isnull=True
        )
        replies = list(mine.filter(Exists(waiting)).order_by("state_changed_at")[:50])
        requalify = list(
            mine.filter(state__in=["paused", "requalifying"])
            .exclude(Exists(waiting))
            .order_by("state_changed_at")[:50]
        )
        steps = Step.objects.filter(sequence__practice=practice)
        voicemail = list(steps.filter(channel=Channel.VOICEMAIL).values_list("pk", flat=True))
        closeout = list(steps.filter(is_closeout=True).values_list("pk", flat=True))
        touches = Touch.objects.filter(
            works(now, "enrollment__"),
            practice=practice,
            status="planned",
            enrollment__state="active",
        ).select_related("enrollment__contact", "step")
        due = touches.filter(channel=Channel.CALL, due_at__lte=now).exclude(
            reason__startswith="held:"
        )
        calls = list(due.exclude(step_id__in=voicemail).order_by("due_at")[:50])
        calls_total = due.exclude(step_id__in=voicemail).count()
        fallbacks = list(due.filter(step_id__in=voicemail).order_by("due_at")[:50])
        held = list(touches.filter(reason__startswith="held:").order_by("due_at")[:50])
        pending = Touch.objects.filter(
            enrollment=OuterRef("pk"), status__in=["planned", "claimed", "sending"]
        )
        closeouts = list(
            mine.filter(
                state="active",
                touches__step_id__in=closeout,
                touches__status__in=["sent", "delivered"],
            )
            .exclude(Exists(pending))
            .distinct()
            .order_by("start_day")[:50]
        )
        unmatched = list(
            Message.objects.filter(
                practice=practice, direction="in", contact__isnull=True, handled_at__isnull=True
            ).order_by("created_at")[:50]
        )
        rows = [replies, requalify, calls, fallbacks, held, closeouts, unmatched]
        return sum(len(r) for r in rows), calls_total

    for _ in range(2):
        page()
    with CaptureQueriesContext(connection) as queries:
        items, _ = page()
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        page()
        timings.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "items": items,
        "queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the data already loaded (same N)"
    )
    args = parser.parse_args()
    # Production settings, without the HTTPS redirect (the test client speaks plain HTTP).
    database_url = bench_database_url()
    env = bench_environment(
        database_url, REDIS_URL="", CELERY_BROKER_URL="memory://", SECURE_SSL_REDIRECT="false"
    )
    database_prepare(database_url, env)
    collect = [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(collect, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    started = time.perf_counter()
    if args.reuse:
        from django.contrib.auth import get_user_model

        from reactivate.models import Practice

        practice = Practice.objects.get(slug="bench")
        user = get_user_model().objects.get(username="coord0")
    else:
        practice, user = populate(args.contacts)
        print(f"populated {args.contacts:,} contacts in {time.perf_counter() - started:.0f} s")
    ours = measure(practice, user)
    orm = orm_peer(practice, user)
    peer = naive_peer(practice, user)
    print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}")
    print(f"{'ours (queue page)':28}{ours['p50_ms']:>10}{ours['p95_ms']:>10}{ours['queries']:>9}")
    row = f"{orm['p50_ms']:>10}{orm['p95_ms']:>10}{orm['queries']:>9}"
    print(f"{'ORM page (peer, no render)':28}{row}")
    print(f"{'naive ORM queue (old peer)':28}{peer:>10}")
    print(f"items on the page: {ours['items']} (the ORM page: {orm['items']})")
    verdict = "MET" if ours["p95_ms"] < 100 else "MISSED"
    print(f"{verdict} p95 under 100 ms: {ours['p95_ms']} ms")
    print(
        json.dumps(
            {
                "contacts": args.contacts,
                "p50_ms": ours["p50_ms"],
                "p95_ms": ours["p95_ms"],
                "queries": ours["queries"],
                "peer_naive_p50_ms": peer,
                "peer_orm_p50_ms": orm["p50_ms"],
                "peer_orm_p95_ms": orm["p95_ms"],
            }
        )
    )


if __name__ == "__main__":
    main()
