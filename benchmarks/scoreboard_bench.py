"""Scoreboard benchmark: the owner's dashboard over N contacts and 5N events.

One practice holds all N contacts (the worst case: a multi-practice installation only
makes each practice's share smaller). Events are 0.6N enrollments (10% held out, opener
variants A/B, five coordinators, four campaigns over the last year), 2N outcomes (the
dispatcher's contacted entries, call results, replies, re-qualification, appointments and
their shows, decisions with lost reasons, a few corrections) and 2.4N touches, spread over
the last 365 days. They are generated in PostgreSQL with ``generate_series`` (seconds, not
hours), without triggers, so the scoreboard's rollups are then rebuilt in one pass (in
normal use the triggers keep them up to date as outcomes are written); then ANALYZEd.

Measured: the dashboard page (``scoreboard:dashboard``) rendered through Django's test
``Client`` for the owner — every query, the template and the SVG — ``--runs`` times after
one warm-up, for the default period (the last 12 weeks) and for all time. The peer is the
same numbers computed naively: every enrollment and effective outcome of the period loaded
into Python and counted per enrollment (warm against warm: one warm-up, then the median of
several runs; its totals must equal ours). The
dashboard reads rollups; they are also checked against the live queries
(``tests/scoreboard/oracle.py``) for the default period, whose time is printed.

Also measured: the rollups' rebuild (``scoreboard.services.rollups_rebuild``, what the task
runs after a practice changes its time zone: every fact and rollup of the practice
recomputed in one transaction), ``--rebuild-runs`` times, reported per 100k contacts, and
the rebuild that fills the rollups after the bulk load, before any ANALYZE. The rebuilt
rollups are then checked against the live queries like the others.

The rollups' price is paid on writes: the write cost runs an import's writes
(``--write-rows`` new contacts and as many re-imported ones) and the dispatcher's
"contacted" entries (batches of 50) into the benchmark practice with the scoreboard's
triggers on and off (``ALTER TABLE ... DISABLE TRIGGER`` inside a transaction that is
rolled back, in the benchmarks' database only), alternating, median of
``--write-rounds``. Figures over
time (the page, the rebuild, the write cost): ``benchmarks/README.md``.

Run::

    .venv/bin/python benchmarks/scoreboard_bench.py --contacts 1000000

It uses the benchmarks' database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/reactivate_bench``; never ``DATABASE_URL``), creates it
if missing, refuses it when it holds a practice no benchmark created
(``benchdb.database_claim``), migrates it, and keeps the generated data for the next run of
the same size (regenerated when another benchmark has emptied it since). The last line
printed is one JSON object: ``contacts``, ``events``, ``median_ms`` (default period), plus
``median_ms_all_time``, ``p95_ms``, ``peer_ms``, ``queries``, ``rebuild_s``,
``rebuild_s_per_100k``, ``write_rows`` and the write cost's ``write_{import,outcomes}_
{with,without}_ms``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import bench_database_url, database_claim, practice_own

ROOT = Path(__file__).resolve().parent.parent
SLUG = "sbench"


def _ensure_database(url: str, contacts: int) -> None:
    """Create the database, or start it afresh when it holds data of another size (or
    another benchmark, sharing the database, has emptied this one's tables since)."""
    import psycopg

    database_claim(url)  # before anything is dropped: refuses a database not the benchmarks'
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(url) as conn:
        meta = conn.execute("SELECT to_regclass('bench_meta')").fetchone()[0]
        size = meta and conn.execute("SELECT max(contacts) FROM bench_meta").fetchone()[0]
        kept = (
            size
            and conn.execute(
                "SELECT count(*) FROM contacts_contact c JOIN reactivate_practice p"
                " ON p.id = c.practice_id WHERE p.slug = %s",
                [SLUG],
            ).fetchone()[0]
        )
    if size == contacts and kept == contacts:
        return
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _fill(cursor, table: str, given: dict[str, str]) -> tuple[str, str]:
    """Column list and expressions for an INSERT … SELECT: ``given`` plus a neutral value
    for every other NOT NULL column without a default (so the script survives new fields)."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        [table],
    )
    neutral = {
        "boolean": "false",
        "timestamp with time zone": "now()",
        "date": "current_date",
        "smallint": "0",
        "integer": "0",
        "bigint": "0",
        "numeric": "0",
        "jsonb": "'{}'::jsonb",
    }
    values = dict(given)
    for column, data_type in cursor.fetchall():
        if column not in values and column != "id":
            values[column] = neutral.get(data_type, "''")
    return ", ".join(values), ", ".join(values.values())


def _insert(cursor, table: str, given: dict[str, str], source: str, params=()) -> None:
    columns, expressions = _fill(cursor, table, given)
    if params:  # the expressions' own % (modulo) must not read as placeholders
        expressions = expressions.replace("%", "%%")
    else:
        source = source.replace("%%", "%")
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {expressions} FROM {source}",  # noqa: S608
        params or None,
    )


def generate(n: int) -> dict:
    """Write the benchmark practice (once per size); returns what was made."""
    from django.db import connection, transaction

    from campaigns.models import Campaign, OpenerVariant
    from campaigns.sequences import sequence_default_ensure
    from reactivate.models import Membership, Practice, Role, User

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (contacts bigint, events bigint)")
        cursor.execute("SELECT contacts, events FROM bench_meta")
        row = cursor.fetchone()
    if row and row[0] == n:
        return {"contacts": row[0], "events": row[1], "generated": False}
    started = time.perf_counter()
    with transaction.atomic():
        practice = Practice.objects.create(name="Benchmark Dental", slug=SLUG)
        with connection.cursor() as cursor:
            practice_own(cursor, practice.pk)
        owner, _ = User.objects.get_or_create(username="bench-owner")
        Membership.objects.create(user=owner, practice=practice, role=Role.OWNER)
        coordinators = []
        for i in range(5):
            user, _ = User.objects.get_or_create(
                username=f"bench-coordinator-{i}", defaults={"first_name": f"Coordinator {i}"}
            )
            Membership.objects.create(user=user, practice=practice, role=Role.COORDINATOR)
            coordinators.append(user.pk)
        sequence = sequence_default_ensure(practice)
        step_ids = list(sequence.steps.values_list("pk", flat=True))
        campaigns, variants = [], []
        for q in range(4):
            campaign = Campaign.objects.create(
                practice=practice,
                name=f"Quarter {q + 1}",
                sequence=sequence,
                buckets=["inquiry", "scheduling", "consultation", "not_now"],
                holdout_percent=10,
                start_date=f"2025-{q * 3 + 1:02d}-01",
                status="running",
            )
            campaigns.append(campaign.pk)
            for label in "AB":
                variants.append(
                    OpenerVariant.objects.create(
                        campaign=campaign, label=label, share=1, body=f"Opener {label}"
                    ).pk
                )
    p = practice.pk
    enrollments = int(n * 0.6)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no FK triggers: bulk load
        cursor.execute("SELECT setseed(0.42)")
        _insert(
            cursor,
            "contacts_contact",
            {
                "practice_id": str(p),
                "external_id": "'X' || g",
                "first_name": "'Pat' || g",
                "last_name": "'Example'",
                "phone": "'+1212' || lpad((g % 10000000)::text, 7, '0')",
                "phone_valid": "true",
                "last_outcome": "(ARRAY['inquiry','canceled','no_show','treatment_plan',"
                "'not_now','unknown'])[1 + (g % 6)]",
                "quoted_amount": "CASE WHEN g % 5 < 3 THEN 500 + (g * 37) % 4500 END",
                "assigned_to_id": f"(ARRAY{coordinators}::bigint[])[1 + (g % 5)]",
                "created_at": "now()",
                "updated_at": "now()",
            },
            "generate_series(1, %s) AS g",
            [n],
        )
        # Enrollments: the first 0.6N contacts; start days over the last year.
        _insert(
            cursor,
            "campaigns_enrollment",
            {
                "practice_id": str(p),
                "campaign_id": f"(ARRAY{campaigns}::bigint[])[1 + (c.rn % 4)]",
                "contact_id": "c.id",
                "bucket": "(ARRAY['inquiry','scheduling','scheduling','consultation',"
                "'not_now','inquiry'])[1 + (c.rn % 6)]",
                "held_out": "c.rn % 10 = 0",
                "variant_id": f"CASE WHEN c.rn % 10 <> 0 THEN "
                f"(ARRAY{variants}::bigint[])[1 + 2 * (c.rn % 4) + (c.rn / 4) % 2] END",
                "coordinator_id": f"(ARRAY{coordinators}::bigint[])[1 + (c.rn % 5)]",
                "start_day": "current_date - (c.rn % 365)::int",
                "state": "'active'",
                "created_at": "now()",
                "state_changed_at": "now()",
            },
            "(SELECT id, row_number() OVER (ORDER BY id) AS rn FROM contacts_contact "
            "WHERE practice_id = %s ORDER BY id LIMIT %s) AS c",
            [p, enrollments],
        )
        cursor.execute(
            "CREATE TEMP TABLE e AS SELECT id, contact_id, start_day, "
            "row_number() OVER (ORDER BY id) AS rn FROM campaigns_enrollment "
            "WHERE practice_id = %s AND NOT held_out",
            [p],
        )
        cursor.execute("CREATE INDEX ON e (rn)")

        def outcomes(
            kind: str,
            where: str,
            days: str,
            extra: dict | None = None,
            copies: int = 1,
            *,
            hour: int = 15,
            source: str = "e",
            params=(),
        ):
            """An entry of ``kind`` for each enrollment of ``source`` (``e``, or a join
            naming ``e``, with its ``params``) where ``where`` holds, at ``hour`` on its
            start day plus ``days``, ``copies`` days running."""
            for copy in range(copies):
                _insert(
                    cursor,
                    "campaigns_outcome",
                    {
                        "practice_id": str(p),
                        "contact_id": "e.contact_id",
                        "enrollment_id": "e.id",
                        "kind": f"'{kind}'",
                        "at": f"(e.start_day + ({days}))::timestamp + interval '{hour} hours' "
                        f"+ interval '{copy} days'",
                        **(extra or {}),
                    },
                    f"{source} WHERE {where}",
                    params,
                )

        outcomes("contacted", "rn % 10 <> 7", "0")
        outcomes("no_answer", "rn % 10 < 8", "0", copies=2)
        outcomes("left_voicemail", "rn % 10 < 6", "3")
        outcomes("reached", "rn % 10 = 1", "3")
        outcomes("replied", "rn % 4 = 0", "1")
        outcomes("qualified", "rn % 12 = 0", "2")
        outcomes(
            "scheduled",
            "rn % 12 = 0",
            "2",
            {"appointment_at": "(e.start_day + 9)::timestamp + interval '10 hours'"},
        )
        outcomes("showed", "rn % 12 = 0 AND rn % 48 <> 0 AND e.start_day < current_date - 9", "9")
        outcomes("no_show", "rn % 48 = 0 AND e.start_day < current_date - 9", "9")
        outcomes("not_a_fit", "rn % 20 = 4", "2")
        outcomes(
            "went_elsewhere",
            "rn % 20 = 8",
            "2",
            {
                "reason_category": "(ARRAY['price','timing','location','trust'])[1 + rn % 4]",
                "reason_text": "'They were closer.'",
            },
        )
        outcomes("not_now", "rn % 20 = 12", "2")
        outcomes("nurture", "rn % 40 = 16", "2")
        outcomes("opted_out", "rn % 100 = 3", "1")
        cursor.execute(
            "UPDATE campaigns_enrollment x SET state = 'scheduled', "
            "appointment_at = (e.start_day + 9)::timestamp + interval '10 hours' "
            "FROM e WHERE x.id = e.id AND e.rn % 12 = 0"
        )
        # Corrections: some replies were call results after all.
        _insert(
            cursor,
            "campaigns_outcome",
            {
                "practice_id": "o.practice_id",
                "contact_id": "o.contact_id",
                "enrollment_id": "o.enrollment_id",
                "kind": "'no_answer'",
                "at": "o.at + interval '1 hour'",
                "corrects_id": "o.id",
            },
            "campaigns_outcome o "
            "WHERE o.practice_id = %s AND o.kind = 'replied' AND o.id %% 50 = 0",
            [p],
        )
        cursor.execute("SELECT count(*) FROM campaigns_outcome WHERE practice_id = %s", [p])
        have = cursor.fetchone()[0]
        if have < 2 * n:  # top up with more call attempts
            outcomes(
                "no_answer",
                "TRUE",
                "6",
                hour=12,
                source="generate_series(1, %s) AS g "
                "JOIN e ON e.rn = 1 + (g %% (SELECT count(*) FROM e))",
                params=[2 * n - have],
            )
        touches = int(2.4 * n)
        _insert(
            cursor,
            "campaigns_touch",
            {
                "practice_id": str(p),
                "enrollment_id": "e.id",
                "step_id": f"(ARRAY{step_ids}::bigint[])[1 + (g % {len(step_ids)})]",
                "channel": "'sms'",
                "due_at": "(e.start_day + (g % 10))::timestamp + interval '14 hours'",
                "status": "CASE WHEN g % 3 = 0 THEN 'planned' ELSE 'sent' END",
            },
            "generate_series(1, %s) AS g JOIN e ON e.rn = 1 + (g %% (SELECT count(*) FROM e))",
            [touches],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        # The bulk load ran without triggers: fill the scoreboard's rollups (what the
        # triggers keep up to date row by row in normal use) in one pass. Timed: the tables
        # have no statistics yet, where the id-array rebuild before migration 0005 ran for
        # more than 17 minutes at 100k contacts.
        fill_started = time.perf_counter()
        cursor.execute("SELECT scoreboard_rebuild(%s)", [p])
        fill_s = time.perf_counter() - fill_started
        cursor.execute("SELECT count(*) FROM campaigns_outcome WHERE practice_id = %s", [p])
        events = enrollments + cursor.fetchone()[0] + touches
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s)", [n, events])
        cursor.execute("ANALYZE")
        for table in ("stagerollup", "enrollmentfact", "lostfact", "stakerollup"):
            # What autovacuum does in time: index-only scans need the visibility map.
            cursor.execute(f"VACUUM ANALYZE scoreboard_{table}")
    print(f"generated {n} contacts and {events} events in {time.perf_counter() - started:.0f}s")
    print(f"rollups filled after the bulk load (no statistics yet) in {fill_s:.1f} s")
    return {"contacts": n, "events": events, "generated": True}


def peer_counts(practice, start_day, end_day) -> tuple[dict, float]:
    """The naive way: load the period's effective outcomes and the enrollments, count in
    Python per enrollment."""
    from campaigns.models import Enrollment, Outcome
    from scoreboard.selectors import KIND_STAGES, Scope

    scope = Scope(practice, start_day, end_day)
    started = time.perf_counter()
    corrected = set(
        Outcome.objects.filter(practice=practice, corrects__isnull=False).values_list(
            "corrects_id", flat=True
        )
    )
    held_out = set(
        Enrollment.objects.filter(practice=practice, held_out=True).values_list("id", flat=True)
    )
    stages: dict[str, set[int]] = {}
    rows = (
        Outcome.objects.filter(
            practice=practice,
            at__gte=scope.starts_at,
            at__lt=scope.ends_at,
            enrollment__isnull=False,
        )
        .values_list("id", "enrollment_id", "kind")
        .iterator(chunk_size=20000)
    )
    for pk, enrollment_id, kind in rows:
        if pk in corrected or enrollment_id in held_out:
            continue
        for stage in KIND_STAGES.get(kind, ()):
            stages.setdefault(stage, set()).add(enrollment_id)
    counts = {stage: len(ids) for stage, ids in stages.items()}
    return counts, (time.perf_counter() - started) * 1000


def measure(client, url: str, runs: int) -> list[float]:
    client.get(url)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure_rebuild(practice, runs: int) -> list[float]:
    """Seconds of ``rollups_rebuild`` (what the task runs after a new time zone: every fact
    and rollup of the practice recomputed, in one transaction), ``runs`` times; then the
    fact tables vacuumed, as generate() leaves them, for the dashboard of the next run."""
    from django.db import connection

    from scoreboard.services import rollups_rebuild

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        rollups_rebuild(practice.pk)
        times.append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        for table in ("stagefact", "stagerollup", "enrollmentfact", "lostfact", "stakefact"):
            cursor.execute(f"VACUUM ANALYZE scoreboard_{table}")
        cursor.execute("VACUUM ANALYZE scoreboard_stakerollup")
    return times


WRITE_TABLES = ("contacts_contact", "campaigns_enrollment", "campaigns_outcome")


def _writes(practice, rows: int, *, triggers: bool) -> dict[str, float]:
    """Milliseconds of an import's writes and of the dispatcher's outcome writes into the
    benchmark practice, with the scoreboard's rollup triggers on or off. Each runs in a
    transaction rolled back afterwards: the data (and the triggers, disabled inside it)
    are as they were. The import: ``rows`` new contacts in batches of 1000 and ``rows``
    existing ones given a new last outcome (a re-import); the dispatcher: a "contacted"
    entry for ``rows`` enrollments in batches of 50 (``outreach.sending.SEND_BATCH``)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from campaigns.models import Enrollment, Outcome, OutcomeKind
    from contacts.models import Contact

    times = {}
    now = timezone.now()
    enrollments = list(
        Enrollment.objects.filter(practice=practice)
        .order_by("pk")
        .values_list("pk", "contact_id")[:rows]
    )
    existing = [contact for _, contact in enrollments]
    for name in ("import", "outcomes"):
        with transaction.atomic():
            if not triggers:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT format('ALTER TABLE %%I DISABLE TRIGGER %%I', c.relname, t.tgname)"
                        " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                        " WHERE NOT t.tgisinternal AND t.tgname LIKE 'scoreboard%%'"
                        " AND c.relname = ANY(%s)",
                        [list(WRITE_TABLES)],
                    )
                    for (statement,) in cursor.fetchall():
                        cursor.execute(statement)  # names from the catalog, quoted
            started = time.perf_counter()
            if name == "import":
                for first in range(0, rows, 1000):
                    Contact.objects.bulk_create(
                        Contact(
                            practice=practice,
                            first_name=f"New{k}",
                            last_name="Import",
                            phone=f"+1315555{k % 10000:04d}",
                            phone_valid=True,
                            last_outcome="not_now",
                            quoted_amount=900,
                        )
                        for k in range(first, min(rows, first + 1000))
                    )
                for first in range(0, len(existing), 1000):
                    Contact.objects.filter(pk__in=existing[first : first + 1000]).update(
                        last_outcome="treatment_plan", updated_at=now
                    )
            else:
                for first in range(0, len(enrollments), 50):
                    Outcome.objects.bulk_create(
                        Outcome(
                            practice=practice,
                            contact_id=contact,
                            enrollment_id=enrollment,
                            kind=OutcomeKind.CONTACTED,
                            at=now,
                        )
                        for enrollment, contact in enrollments[first : first + 50]
                    )
            times[name] = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
    return times


def measure_write_cost(practice, rows: int, rounds: int) -> dict[str, float]:
    """Median ms of :func:`_writes` with and without the rollup triggers, alternating
    (after one warm-up round of each), so both see the same cache and load."""
    _writes(practice, rows, triggers=True)
    _writes(practice, rows, triggers=False)
    found: dict[str, list[float]] = {}
    for _ in range(rounds):
        for triggers in (True, False):
            for name, ms in _writes(practice, rows, triggers=triggers).items():
                found.setdefault(f"{name}_{'with' if triggers else 'without'}", []).append(ms)
    return {key: statistics.median(values) for key, values in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rebuild-runs", type=int, default=3)
    parser.add_argument(
        "--write-rows", type=int, default=5000, help="rows per write-cost run (import, outcomes)"
    )
    parser.add_argument("--write-rounds", type=int, default=3)
    args = parser.parse_args()
    database_url = bench_database_url()
    _ensure_database(database_url, args.contacts)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reactivate.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    made = generate(args.contacts)
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    from reactivate.models import Practice, User
    from scoreboard import lift as lifts
    from scoreboard import selectors, shows
    from tests.scoreboard import oracle

    practice = Practice.objects.get(slug=SLUG)
    client = Client()
    client.force_login(User.objects.get(username="bench-owner"))
    url = reverse("scoreboard:dashboard", kwargs={"practice_slug": SLUG})
    default = measure(client, url, args.runs)
    all_time = measure(client, url + "?period=all", max(3, args.runs // 3))
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # After the page's timings (a rebuild leaves dead rows until the vacuum), before the
    # checks below: the rebuilt rollups must equal the live queries too.
    rebuild = measure_rebuild(practice, args.rebuild_runs)
    rebuild_s = statistics.median(rebuild)
    rebuild_per_100k = rebuild_s / (made["contacts"] / 100_000)

    today = timezone.localdate(timezone=practice.time_zone)
    start = today - timezone.timedelta(weeks=12) + timezone.timedelta(days=1)
    ours = selectors.stage_counts(selectors.scope_for(practice, start=start, end=today))
    _, peer_cold_ms = peer_counts(practice, start, today)  # the earlier runs' figure
    peer_runs = [peer_counts(practice, start, today) for _ in range(max(3, args.runs // 3))]
    peer = peer_runs[0][0]
    peer_ms = statistics.median(ms for _, ms in peer_runs)
    for stage in ("contacted", "reached", "replied", "qualified", "scheduled", "decisions"):
        assert getattr(ours, stage) == peer.get(stage, 0), (stage, getattr(ours, stage), peer)
    scope = selectors.scope_for(practice, start=start, end=today)
    oracle.stage_slices_live(scope)  # warm-up
    live_runs = []
    for _ in range(3):
        live_started = time.perf_counter()
        live = selectors.total(oracle.stage_slices_live(scope))
        live_runs.append((time.perf_counter() - live_started) * 1000)
    live_ms = statistics.median(live_runs)
    assert live == ours, (live, ours)
    assert lifts.true_lift(scope) == oracle.true_lift_live(scope)
    assert selectors.revenue_at_stake(scope) == oracle.revenue_at_stake_live(scope)
    assert shows.appointments_waiting(practice) == oracle.appointments_waiting_live(practice)

    write_rows = min(args.write_rows, int(made["contacts"] * 0.6))
    writes = measure_write_cost(practice, write_rows, args.write_rounds) if write_rows else {}

    def p95(values):
        return sorted(values)[max(0, int(len(values) * 0.95) - 1)]

    print(f"contacts {made['contacts']:,}  events {made['events']:,}  queries {len(queries)}")
    print(
        f"dashboard, last 12 weeks: median {statistics.median(default):.0f} ms, "
        f"p95 {p95(default):.0f} ms over {len(default)} runs"
    )
    print(f"dashboard, all time:      median {statistics.median(all_time):.0f} ms")
    print(
        f"peer (naive per-enrollment counting in Python, last 12 weeks, stage counts only): "
        f"median {peer_ms:.0f} ms over {len(peer_runs)} warm runs (first, cold: "
        f"{peer_cold_ms:.0f} ms); totals equal ours"
    )
    print(
        f"live stage query (the rollups' reference, last 12 weeks): median {live_ms:.0f} ms "
        "warm; "
        "rollups equal it (stages, lift, revenue at stake, appointments waiting)"
    )
    print(
        f"rollups rebuild (a new time zone): median {rebuild_s:.1f} s over {len(rebuild)} "
        f"runs, {rebuild_per_100k:.1f} s per 100k contacts; rebuilt rollups equal the live queries"
    )
    for name, label in (("import", "import"), ("outcomes", "dispatcher's outcomes")):
        if writes:
            with_, without = writes[f"{name}_with"], writes[f"{name}_without"]
            print(
                f"write cost, {label} ({write_rows:,} rows): {with_:.0f} ms with the rollup "
                f"triggers, {without:.0f} ms without ({with_ / without:.2f}x)"
            )
    print(
        json.dumps(
            {
                "contacts": made["contacts"],
                "events": made["events"],
                "median_ms": round(statistics.median(default), 1),
                "p95_ms": round(p95(default), 1),
                "median_ms_all_time": round(statistics.median(all_time), 1),
                "peer_ms": round(peer_ms, 1),
                "peer_cold_ms": round(peer_cold_ms, 1),
                "live_stage_ms": round(live_ms, 1),
                "queries": len(queries),
                "rebuild_s": round(rebuild_s, 2),
                "rebuild_s_per_100k": round(rebuild_per_100k, 2),
                "write_rows": write_rows,
                **{f"write_{key}_ms": round(ms, 1) for key, ms in writes.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
