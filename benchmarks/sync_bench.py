"""Schedule sync benchmark (issue 16, "Speed"): an appointment export through the file
source, against the per-row ``update_or_create`` a Django engineer would write first; the
same appointments from the fake FHIR server; and the lag from a file landing in the drop
folder to its touches skipped.

The data, built in bulk before any clock starts: for each arm a practice of its own with
the same contents (a fresh copy, so every arm makes the same creates): ``N/5`` patients in
the "inquiry" bucket, enrolled by ``campaigns.lifecycle.campaign_create`` and
``campaign_start`` in a running campaign (10% held out; the others with their touches
planned), and ``N/5`` other patients (a treatment plan, not in the campaign). The export
has ``N`` rows, in a seeded mix: 40% booked in the coming weeks, 25% fulfilled and 10%
no-show in the past weeks, 10% cancelled, 10% booked for the other patients and 5% for
patients the practice does not have. Every table is ANALYZEd once built (this machine's
PostgreSQL runs with ``autovacuum = off``; ``benchdb.Autoanalyze`` keeps doing what
autovacuum would while the arms run).

``file``
    ``schedule.sources.files.file_sync(export_source(practice), path, trigger="bench")``:
    reading, matching, history and every effect (enrollments scheduled, touches skipped,
    shows, no-shows, cancellations, the patients' records), page by page. → ``rows_per_s``.
``peer``
    What a good Django engineer writes first, for each CSV row in its own transaction:
    ``Appointment.objects.update_or_create(source=…, key=…, defaults=…)`` with the contact
    looked up by EMR id, a history row, then the effects per row: the open enrollment
    looked up, moved with ``campaigns.enrollments.enrollment_move(…, State.SCHEDULED)`` after
    its touches are skipped with the coordinator's words, the show or no-show recorded
    with ``outcome_record``, the contact's last outcome and next appointment saved. It is
    measured on the first ``--peer-rows`` rows of the same file (default ``min(N, 5000)``:
    its cost per row does not depend on N) → ``peer_rows_per_s``.
``fhir``
    The fake FHIR server (``tests.fake_fhir.server.FakeFhir``, in this process on
    127.0.0.1) holding the same ``N`` appointments as R4 ``Appointment`` resources, their
    patients as ``Patient`` resources; ``schedule.sources.fhir.fhir_sync(source,
    trigger="bench")`` with the source's default page size → ``fhir_rows_per_s``. The
    fake's own time (it answers in this process) is included.

Both sync arms and the peer are warmed first on a practice of their own (a 200-row file),
so each is measured warm.

``lag``: the time from a file landing in the practice's drop folder
(``schedule.sources.files.drop_folder``) to its touches being skipped, with beat running
``schedule.tasks.sweep`` every ``CELERY_BEAT_SCHEDULE["schedule-sweep"]`` seconds (20).
Waiting for real beat ticks would take minutes, so the lag of each of ``--drops`` files
(``--drop-rows`` rows each, default 20, booked for enrolled patients) is computed as

    lag = wait + processing

where ``wait`` is the time from the file landing to the first tick that takes it: the
ticks fall at a phase ``u`` drawn uniformly from [0, interval) after the landing (seeded),
and a tick takes a file only once it has not changed for ``DROP_STABLE_SECONDS`` (5 s; a
file still being written is left for the next tick), so ``wait = u`` when ``u`` ≥ 5 s,
else ``u + interval``; and ``processing`` is measured: the file is written into the
folder with its modification time set ``DROP_STABLE_SECONDS`` + 1 in the past (it has
landed and waited), then ``drop_folders_poll()`` — what the sweep runs — is timed until
it returns, the file synced and its touches skipped (checked). Celery's hand-over of the
beat message to a worker (milliseconds) is not included. ``lag_p95_s`` is the 95th
percentile over the drops; the wait alone is uniform on [5, 25) s, so it is about 24 s
plus the processing.

Targets (issue 16): file ≥ 10x the peer and ≥ 20,000 appointments/s on this machine;
lag under a minute.

Measured (December 2026, this 2-core machine, 50,000 appointments, other work running):
file 1,065 rows/s, peer 89 rows/s (12x), FHIR 221 rows/s, lag p95 23 s (processing of a
20-row drop about 0.1 s). The 20,000/s target is missed by far, and what bounds it is the
database, not Python: reading the file is about 60,000 rows/s and matching 40,000 rows/s
in this process, while each page's writes run the scoreboard's statement triggers
(``scoreboard_refresh_enrollments`` / ``_contacts``, recomputing the facts of every
enrollment and patient a statement touched) for the outcome entries, the enrollments moved
and the patients' records: three to four refreshes per enrollment per page. For 10,000
rows: effects 5.3 s (bookings 2.1, shows and no-shows 1.1, patients' records 0.5, the
appointments' own rows 0.4), storing appointments and their history 2.2 s. Those
triggers' plans go quadratic beyond a few hundred enrollments per statement and with the
statistics of a near-empty outcome log, hence ``campaigns.bookings.STATEMENT_ROWS`` and the
effects' own ANALYZE as the log grows. The FHIR arm reads pages of 100 (each its own
transaction) and validates every resource with ``fhir.resources``, with the fake server
answering in this process.

Run::

    .venv/bin/python benchmarks/sync_bench.py                     # 50,000 appointments
    .venv/bin/python benchmarks/sync_bench.py --appointments 200000
    .venv/bin/python benchmarks/sync_bench.py --appointments 5000 --profile

``--profile`` runs the file arm under cProfile and prints the hottest functions and the
queries it made (with ``SYNC_BENCH_EXPLAIN=1``, PostgreSQL's ``auto_explain`` also logs the
plans of statements over 200 ms, nested ones included, to the server's log).
``--without-scoreboard-triggers`` (diagnosis only) runs the file arm with the scoreboard's
triggers on outcomes, enrollments and contacts disabled.

It uses the benchmarks' database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/reactivate_bench``; never ``DATABASE_URL``): created if
missing, refused when it holds a practice no benchmark created (``benchdb.database_claim``,
before anything starts), migrated, and emptied of all practices at each run. The last line
printed is one JSON object: ``appointments``, ``rows_per_s``, ``peer_rows_per_s``,
``fhir_rows_per_s``, ``lag_p95_s`` (plus the rows each arm measured and its seconds).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the project's packages (and tests.fake_fhir), from anywhere
sys.path.insert(0, str(HERE))
from benchdb import (  # noqa: E402 (a sibling script module)
    Autoanalyze,
    bench_database_url,
    bench_environment,
    database_claim,
    database_prepare,
    percentile,
    practice_own,
)

HEADER = [
    "AptNum",
    "PatNum",
    "First Name",
    "Last Name",
    "Birthdate",
    "Cell",
    "AptDateTime",
    "Status",
    "Appt Type",
    "Provider",
    "Operatory",
]
MAPPING = {
    "appointment_id": "AptNum",
    "patient_external_id": "PatNum",
    "first_name": "First Name",
    "last_name": "Last Name",
    "date_of_birth": "Birthdate",
    "phone": "Cell",
    "start": "AptDateTime",
    "status": "Status",
    "appointment_type": "Appt Type",
    "provider": "Provider",
    "location": "Operatory",
}
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jamal"]
LAST = ["Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hill", "Ito", "Jones"]
TYPES = ["Recall", "Consultation", "Crown prep", "Cleaning", "Whitening"]
BATCH = 5000
WARM_ROWS = 200


# --- Data --------------------------------------------------------------------------------


def _phone(n: int) -> str:
    return f"+1212{200 + n // 10000:03d}{n % 10000:04d}"


def _patient(n: int) -> dict:
    """The n-th patient of a practice (the same in every copy)."""
    return {
        "external_id": f"P{n:07d}",
        "first_name": FIRST[n % len(FIRST)] + ("" if n < 10 else str(n // 10)),
        "last_name": LAST[(n // 7) % len(LAST)],
        "date_of_birth": dt.date(1950, 1, 1) + dt.timedelta(days=(n * 37) % 18000),
        "phone": _phone(n),
    }


def _reset() -> None:
    from django.db import connection

    from reactivate.models import Practice

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Practice._meta.db_table} CASCADE")


def practice_build(label: str, enrolled: int, others: int, today: dt.date):
    """A practice with ``enrolled`` patients in a running campaign (10% held out) and
    ``others`` not in it; built in bulk."""
    from django.db import connection, transaction

    from campaigns.lifecycle import campaign_create, campaign_start
    from contacts.dedupe import matching_keys
    from contacts.models import Contact, LastOutcome
    from reactivate.models import Practice

    with transaction.atomic(), connection.cursor() as cursor:
        practice = Practice.objects.create(name=f"Bench {label}", slug=f"sync-bench-{label}")
        practice_own(cursor, practice.pk)
    long_ago = today - dt.timedelta(days=120)
    total = enrolled + others
    for start in range(0, total, BATCH):
        contacts = []
        for n in range(start, min(total, start + BATCH)):
            who = _patient(n)
            contacts.append(
                Contact(
                    practice=practice,
                    phone_raw=who["phone"],
                    phone_valid=True,
                    last_outcome=LastOutcome.INQUIRY
                    if n < enrolled
                    else LastOutcome.TREATMENT_PLAN,
                    last_activity=long_ago,
                    **who,
                    **matching_keys(
                        who["first_name"], who["last_name"], who["date_of_birth"], "", ""
                    ),
                )
            )
        Contact.objects.bulk_create(contacts)
    campaign = campaign_create(
        practice=practice,
        name="Winter recall",
        buckets=["inquiry"],
        start_date=today,
        holdout_percent=10,
    )
    campaign_start(campaign, today=today)
    return practice


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def rows_make(count: int, enrolled: int, others: int, now: dt.datetime, seed: int) -> list[dict]:
    """The export's rows: one dict per appointment (see the module's docstring for the mix),
    with its patient number (-1: a patient the practice does not have)."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        kind = i % 20
        if kind < 8:
            status, patient = "Scheduled", rng.randrange(enrolled)
            start = now + dt.timedelta(days=rng.randint(1, 40), hours=rng.randint(-3, 3))
        elif kind < 13:
            status, patient = "Complete", rng.randrange(enrolled)
            start = now - dt.timedelta(days=rng.randint(1, 40))
        elif kind < 15:
            status, patient = "Broken", rng.randrange(enrolled)
            start = now - dt.timedelta(days=rng.randint(1, 40))
        elif kind < 17:
            status, patient = "Cancelled", rng.randrange(enrolled)
            start = now + dt.timedelta(days=rng.randint(1, 40))
        elif kind < 19:
            status, patient = "Confirmed", enrolled + rng.randrange(max(others, 1))
            start = now + dt.timedelta(days=rng.randint(1, 40))
        else:
            status, patient = "Scheduled", -1
            start = now + dt.timedelta(days=rng.randint(1, 40))
        rows.append({"key": f"A{i:08d}", "patient": patient, "status": status, "start": start})
    rng.shuffle(rows)
    return rows


def csv_write(path: Path, rows: list[dict], zone) -> None:
    """The export as a practice system writes it: local wall-clock times, no zone."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i, row in enumerate(rows):
            n = row["patient"]
            # A patient the practice does not have: numbers no practice was given.
            who = _patient(n if n >= 0 else 9_000_000 + i)
            local = row["start"].astimezone(zone)
            writer.writerow(
                [
                    row["key"],
                    who["external_id"],
                    who["first_name"],
                    who["last_name"],
                    f"{who['date_of_birth']:%m/%d/%Y}",
                    f"({who['phone'][2:5]}) {who['phone'][5:8]}-{who['phone'][8:]}",
                    f"{local:%m/%d/%Y %I:%M %p}",
                    row["status"],
                    TYPES[i % len(TYPES)],
                    "Dr Careful",
                    f"Op {i % 6 + 1}",
                ]
            )


# --- The arms ----------------------------------------------------------------------------


def arm_file(practice, path: Path) -> tuple[float, dict]:
    from schedule.sources.files import export_source, file_sync
    from schedule.sync import summary

    source = export_source(practice)
    started = time.perf_counter()
    run = file_sync(source, path, trigger="bench", mapping=MAPPING)
    seconds = time.perf_counter() - started
    if run.status != "succeeded":
        raise SystemExit(f"the file sync ended {run.status}: {run.errors[-1:]}")
    return seconds, summary(run)


# The peer's reading of a status word: what a first version knows (the same words the file
# holds), onto our statuses.
PEER_STATUS = {
    "scheduled": "booked",
    "confirmed": "booked",
    "complete": "fulfilled",
    "broken": "noshow",
    "cancelled": "cancelled",
}


def arm_peer(practice, path: Path, limit: int | None) -> tuple[float, int, Counter]:
    """The naive peer (see the module's docstring), on the first ``limit`` rows."""
    from django.db import transaction
    from django.utils import timezone

    from campaigns.bookings import booking_reason
    from campaigns.enrollments import enrollment_move
    from campaigns.models import (
        OPEN_STATES,
        Enrollment,
        OutcomeKind,
        OutcomeSource,
        State,
        Touch,
        TouchStatus,
    )
    from campaigns.outcomes import outcome_record
    from contacts.models import Contact, LastOutcome
    from schedule.models import Appointment, AppointmentChange, Source, SourceKind

    source, _ = Source.objects.get_or_create(
        practice=practice, name="Appointment export", defaults={"kind": SourceKind.FILE}
    )
    zone = practice.time_zone
    counts: Counter = Counter()
    rows = 0
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if limit is not None and rows >= limit:
                break
            rows += 1
            now = timezone.now()
            start = dt.datetime.strptime(row["AptDateTime"], "%m/%d/%Y %I:%M %p").replace(
                tzinfo=zone
            )
            status = PEER_STATUS.get(row["Status"].strip().lower(), "")
            birth = dt.datetime.strptime(row["Birthdate"], "%m/%d/%Y").date()
            with transaction.atomic():
                contact = Contact.objects.filter(
                    practice=practice, external_id=row["PatNum"], merged_into__isnull=True
                ).first()
                appointment, created = Appointment.objects.update_or_create(
                    source=source,
                    key=row["AptNum"],
                    defaults={
                        "practice": practice,
                        "contact": contact,
                        "match_note": "same EMR id" if contact else "no patient has this EMR id",
                        "patient_external_id": row["PatNum"],
                        "first_name": row["First Name"],
                        "last_name": row["Last Name"],
                        "date_of_birth": birth,
                        "phone": row["Cell"],
                        "start": start,
                        "status": status,
                        "status_word": row["Status"],
                        "appointment_type": row["Appt Type"],
                        "provider": row["Provider"],
                        "location": row["Operatory"],
                        "booked_at": now,
                    },
                )
                counts["created" if created else "updated"] += 1
                AppointmentChange.objects.create(
                    practice=practice,
                    appointment=appointment,
                    status=status,
                    status_word=row["Status"],
                    start=start,
                    recorded_at=now,
                )
                if contact is None:
                    counts["unmatched"] += 1
                    continue
                counts["matched"] += 1
                enrollment = (
                    Enrollment.objects.filter(contact=contact, state__in=OPEN_STATES)
                    .select_related("contact")
                    .first()
                )
                if status != "cancelled" and enrollment is not None:
                    reason = booking_reason(start, zone, source.name)
                    counts["touches_skipped"] += Touch.objects.filter(
                        enrollment=enrollment,
                        status__in=(TouchStatus.PLANNED, TouchStatus.CLAIMED),
                    ).update(status=TouchStatus.SKIPPED, reason=reason)
                    enrollment_move(
                        enrollment,
                        State.SCHEDULED,
                        at=now,
                        note=reason.removeprefix("skipped: "),
                        appointment_at=start,
                        source=OutcomeSource.PRACTICE_SYSTEM,
                    )
                    counts["enrollments_scheduled"] += 1
                if status in ("fulfilled", "noshow"):
                    enrollment = enrollment or (
                        Enrollment.objects.filter(contact=contact).order_by("-start_day").first()
                    )
                    outcome_record(
                        contact=contact,
                        enrollment=enrollment,
                        kind=OutcomeKind.SHOWED if status == "fulfilled" else OutcomeKind.NO_SHOW,
                        at=now,
                        source=OutcomeSource.PRACTICE_SYSTEM,
                    )
                    counts["showed" if status == "fulfilled" else "no_show"] += 1
                contact.last_outcome = {
                    "booked": LastOutcome.SCHEDULED,
                    "noshow": LastOutcome.NO_SHOW,
                    "cancelled": LastOutcome.CANCELED,
                }.get(status, contact.last_outcome)
                upcoming = (
                    Appointment.objects.filter(contact=contact, status="booked", start__gte=now)
                    .order_by("start")
                    .values_list("start", flat=True)
                    .first()
                )
                contact.next_appointment = timezone.localdate(upcoming, zone) if upcoming else None
                contact.save(update_fields=["last_outcome", "next_appointment", "updated_at"])
    return time.perf_counter() - started, rows, counts


def fhir_fill(fake, rows: list[dict], now: dt.datetime) -> None:
    from tests.fake_fhir.resources import appointment, patient

    words = {
        "Scheduled": "booked",
        "Confirmed": "booked",
        "Complete": "fulfilled",
        "Broken": "noshow",
        "Cancelled": "cancelled",
    }
    patients = {}
    resources = []
    base = now - dt.timedelta(hours=1)
    for i, row in enumerate(rows):
        n = row["patient"]
        pid = f"pat-{n}" if n >= 0 else f"stranger-{i}"
        if pid not in patients:
            who = _patient(n if n >= 0 else 9_000_000 + i)
            patients[pid] = patient(
                pid,
                mrn=who["external_id"],
                given=(who["first_name"],),
                family=who["last_name"],
                birth_date=who["date_of_birth"].isoformat(),
                mobile=who["phone"],
            )
        resources.append(
            appointment(
                row["key"],
                patient=pid,
                patient_display=f"{patients[pid]['name'][0]['given'][0]}",
                start=row["start"],
                status=words[row["status"]],
                last_updated=base + dt.timedelta(milliseconds=i),
            )
        )
    fake.put(*resources, *patients.values())


def arm_fhir(practice, fake) -> tuple[float, dict]:
    from schedule.models import Source, SourceKind
    from schedule.sources.fhir import fhir_sync
    from schedule.sync import summary

    source = Source.objects.create(
        practice=practice, kind=SourceKind.FHIR, name="FHIR server", base_url=fake.base_url
    )
    started = time.perf_counter()
    run = fhir_sync(source, trigger="bench")
    seconds = time.perf_counter() - started
    if run.status != "succeeded":
        raise SystemExit(f"the FHIR sync ended {run.status}: {run.errors[-1:]}")
    return seconds, summary(run)


def arm_lag(practice, drops: int, drop_rows: int, now: dt.datetime, seed: int) -> dict:
    """Each drop's processing through ``drop_folders_poll``, and the lag (see the module's
    docstring)."""
    from django.conf import settings

    from campaigns.models import Touch, TouchStatus
    from schedule.models import Appointment
    from schedule.sources.files import DROP_STABLE_SECONDS, drop_folder, drop_folders_poll

    interval = float(settings.CELERY_BEAT_SCHEDULE["schedule-sweep"]["schedule"])
    folder = drop_folder(practice)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    processing, lags = [], []
    for d in range(drops):
        rows = [
            {
                "key": f"L{d:04d}-{j:03d}",
                "patient": d * drop_rows + j,
                "status": "Scheduled",
                "start": now + dt.timedelta(days=3 + j % 20),
            }
            for j in range(drop_rows)
        ]
        path = folder / f"appointments-{d:04d}.csv"
        partial = folder / f".arriving-{d:04d}"
        csv_write(partial, rows, practice.time_zone)
        landed = time.time() - DROP_STABLE_SECONDS - 1
        os.utime(partial, (landed, landed))
        partial.rename(path)
        started = time.perf_counter()
        handled = drop_folders_poll()
        seconds = time.perf_counter() - started
        if handled != 1:
            raise SystemExit(f"drop {d}: the poll handled {handled} files")
        contacts = [f"P{d * drop_rows + j:07d}" for j in range(drop_rows)]
        left = Touch.objects.filter(
            enrollment__contact__external_id__in=contacts,
            enrollment__contact__practice=practice,
            status__in=(TouchStatus.PLANNED, TouchStatus.CLAIMED),
        ).count()
        synced = Appointment.objects.filter(practice=practice, key__startswith=f"L{d:04d}-")
        if left or synced.count() != drop_rows:
            raise SystemExit(f"drop {d}: {left} touches still planned after the poll")
        u = rng.uniform(0, interval)
        wait = u if u >= DROP_STABLE_SECONDS else u + interval
        processing.append(seconds)
        lags.append(wait + seconds)
    return {
        "interval": interval,
        "stable": DROP_STABLE_SECONDS,
        "processing_p50": percentile(processing, 0.5),
        "processing_p95": percentile(processing, 0.95),
        "lag_p50": percentile(lags, 0.5),
        "lag_p95": percentile(lags, 0.95),
        "lag_max": max(lags),
    }


SCOREBOARD_TRIGGERS = (
    ("campaigns_outcome", "scoreboard_outcome_ins"),
    ("campaigns_enrollment", "scoreboard_enrollment_upd"),
    ("contacts_contact", "scoreboard_contact_upd"),
)


def _scoreboard_triggers(*, enabled: bool) -> None:
    """Diagnosis only: the scoreboard's statement triggers on what a sync writes."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table, trigger in SCOREBOARD_TRIGGERS:
            word = "ENABLE" if enabled else "DISABLE"
            cursor.execute(f"ALTER TABLE {table} {word} TRIGGER {trigger}")


def profile_file(practice, path: Path) -> None:
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        profiler.runcall(arm_file, practice, path)
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    kinds = Counter(
        q["sql"].split(" ")[0] + " " + _table(q["sql"]) for q in queries.captured_queries
    )
    print(f"queries: {len(queries.captured_queries)}")
    for kind, n in kinds.most_common(30):
        print(f"  {n:>7} {kind}")


def _table(sql: str) -> str:
    for word in ("FROM", "INTO", "UPDATE"):
        if f"{word} " in sql:
            return sql.split(f"{word} ", 1)[1].split(" ", 1)[0]
    return ""


# --- Main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appointments", type=int, default=50_000)
    parser.add_argument("--peer-rows", type=int, default=None, help="default min(N, 5000)")
    parser.add_argument("--fhir", type=int, default=None, help="FHIR appointments (default N)")
    parser.add_argument("--drops", type=int, default=40, help="files dropped for the lag")
    parser.add_argument("--drop-rows", type=int, default=20)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--arms", default="file,peer,fhir,lag", help="comma-separated subset")
    parser.add_argument("--profile", action="store_true", help="the file arm under cProfile")
    parser.add_argument(
        "--without-scoreboard-triggers",
        action="store_true",
        help="diagnosis only: the file arm with the scoreboard's triggers on outcomes, "
        "enrollments and contacts disabled (their facts are then left stale)",
    )
    args = parser.parse_args()
    if args.appointments < 20:
        raise SystemExit("--appointments: at least 20")
    arms = {a for a in args.arms.split(",") if a}
    database_url = bench_database_url()
    database_claim(database_url)
    n = args.appointments
    enrolled, others = max(n // 5, 4), max(n // 5, 1)
    peer_rows = min(n, args.peer_rows or 5000)
    fhir_rows = min(n, args.fhir or n)

    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        env = bench_environment(
            database_url,
            MEDIA_ROOT=str(Path(tmp) / "media"),
            SCHEDULE_DROP_ROOT=str(Path(tmp) / "drop"),
            LOG_LEVEL="WARNING",
            REDIS_URL="",
            CELERY_BROKER_URL="memory://",
            CONN_MAX_AGE="3600",
        )
        if args.profile:
            env["DEBUG"] = "true"  # the queries are counted
        database_prepare(database_url, env)
        os.environ.update(env)
        import django

        django.setup()
        from django.utils import timezone

        now = timezone.now()
        today = timezone.localdate(now)
        started = time.perf_counter()
        _reset()
        warm = {}
        practices = {}
        wanted = ["file"] if args.profile else sorted(arms - {"lag"})
        for arm in wanted:
            warm[arm] = practice_build(f"warm-{arm}", 60, 20, today)
            practices[arm] = practice_build(arm, enrolled, others, today)
        if "lag" in arms and not args.profile:
            practices["lag"] = practice_build("lag", args.drops * args.drop_rows, 0, today)
        _analyze()
        rows = rows_make(n, enrolled, others, now, args.seed)
        warm_rows = rows_make(WARM_ROWS, 60, 20, now, args.seed + 1)
        zone = next(iter(practices.values())).time_zone
        path, warm_path = Path(tmp) / "appointments.csv", Path(tmp) / "warm.csv"
        csv_write(path, rows, zone)
        csv_write(warm_path, warm_rows, zone)
        print(
            f"{n:,} appointments ({path.stat().st_size / 1048576:.1f} MB), per practice "
            f"{enrolled:,} patients enrolled and {others:,} others; built in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        if args.profile:
            arm_file(warm["file"], warm_path)
            if os.environ.get("SYNC_BENCH_EXPLAIN"):
                from django.db import connection

                with connection.cursor() as cursor:
                    cursor.execute("LOAD 'auto_explain'")
                    cursor.execute("SET auto_explain.log_min_duration = 200")
                    cursor.execute("SET auto_explain.log_nested_statements = on")
                    cursor.execute("SET auto_explain.log_analyze = on")
            profile_file(practices["file"], path)
            return

        results: dict[str, dict] = {}
        with Autoanalyze(database_url) as autoanalyze:
            if "file" in arms:
                arm_file(warm["file"], warm_path)
                if args.without_scoreboard_triggers:
                    _scoreboard_triggers(enabled=False)
                try:
                    seconds, counts = arm_file(practices["file"], path)
                finally:
                    if args.without_scoreboard_triggers:
                        _scoreboard_triggers(enabled=True)
                results["file"] = {"rows": n, "seconds": seconds, "counts": counts}
                print(f"file: {n / seconds:,.0f} rows/s  {json.dumps(counts)}", flush=True)
            if "peer" in arms:
                arm_peer(warm["peer"], warm_path, None)
                seconds, done, counts = arm_peer(practices["peer"], path, peer_rows)
                results["peer"] = {"rows": done, "seconds": seconds, "counts": dict(counts)}
                print(f"peer: {done / seconds:,.0f} rows/s  {json.dumps(counts)}", flush=True)
            if "fhir" in arms:
                from tests.fake_fhir.server import FakeFhir

                with FakeFhir() as fake:
                    fhir_fill(fake, warm_rows, now)
                    arm_fhir(warm["fhir"], fake)
                    fake.reset()
                    fhir_fill(fake, rows[:fhir_rows], now)
                    seconds, counts = arm_fhir(practices["fhir"], fake)
                results["fhir"] = {"rows": fhir_rows, "seconds": seconds, "counts": counts}
                print(f"fhir: {fhir_rows / seconds:,.0f} rows/s  {json.dumps(counts)}", flush=True)
            if "lag" in arms:
                results["lag"] = arm_lag(
                    practices["lag"], args.drops, args.drop_rows, now, args.seed
                )
        report(n, results, autoanalyze.describe())


def report(n: int, results: dict, statistics: str) -> None:
    def rate(arm: str) -> float | None:
        r = results.get(arm)
        return r["rows"] / r["seconds"] if r else None

    print()
    print(f"{'arm':<8}{'rows':>10}{'seconds':>10}{'rows/s':>10}")
    for arm in ("file", "peer", "fhir"):
        if arm in results:
            r = results[arm]
            print(f"{arm:<8}{r['rows']:>10,}{r['seconds']:>10.2f}{rate(arm):>10,.0f}")
    lag = results.get("lag")
    if lag:
        print(
            f"lag      p50 {lag['lag_p50']:.1f} s, p95 {lag['lag_p95']:.1f} s, max "
            f"{lag['lag_max']:.1f} s (beat every {lag['interval']:g} s, a file taken once "
            f"{lag['stable']:g} s old; processing p50 {lag['processing_p50'] * 1000:.0f} ms, "
            f"p95 {lag['processing_p95'] * 1000:.0f} ms)"
        )
    print(f"statistics {statistics}")
    print(f"load average {os.getloadavg()[0]:.1f} (other work on this machine skews rates)")
    ours, peer = rate("file"), rate("peer")
    if ours and peer:
        met = ours >= 10 * peer
        print(f"{'MET   ' if met else 'MISSED'} file ≥ 10x peer: {ours / peer:.1f}x")
    if ours:
        met = ours >= 20_000
        print(f"{'MET   ' if met else 'MISSED'} file ≥ 20,000 appointments/s: {ours:,.0f}")
    if lag:
        met = lag["lag_p95"] < 60
        print(f"{'MET   ' if met else 'MISSED'} lag p95 under a minute: {lag['lag_p95']:.1f} s")

    def rounded(value):
        return None if value is None else round(value, 1)

    print(
        json.dumps(
            {
                "appointments": n,
                "rows_per_s": rounded(ours),
                "peer_rows_per_s": rounded(peer),
                "fhir_rows_per_s": rounded(rate("fhir")),
                "lag_p95_s": round(lag["lag_p95"], 2) if lag else None,
                "peer_rows": results.get("peer", {}).get("rows"),
                "fhir_rows": results.get("fhir", {}).get("rows"),
                "seconds": {
                    a: round(r["seconds"], 2) for a, r in results.items() if "seconds" in r
                },
            }
        )
    )


if __name__ == "__main__":
    main()
