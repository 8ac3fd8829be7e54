"""Import throughput benchmark: our pipeline against django-import-export and a bare ceiling.

What is measured, all on one seeded dirty CSV (``dirty_rows.py``: mixed phone formats, case
noise, messy status words, about 10% duplicates with variations, family members sharing
phones, about 1% broken rows) and one PostgreSQL database:

``ours``
    The wizard's pipeline, in-process and synchronous (no Celery): ``import_batch_create``
    (file kept, checksummed, header checked), the guessed mapping resolved as the wizard
    saves it, then ``import_batch_run`` (cleaning, family-safe identity matching, duplicate
    candidates, per-row report), with the default chunk size.
``peer-idempotent``
    django-import-export 4.x on ``contacts.models.Contact`` with its bulk settings
    (``use_bulk``, ``batch_size=1000``, ``skip_diff``) and the per-row lookup by EMR id that
    an idempotent re-import needs (``import_id_fields = ["external_id"]`` within the
    practice; rows without an id are always new). Widgets normalize phones with
    phonenumbers, lowercase emails and read the file's date and amount formats, so it does
    a comparable minimum of cleaning (no identity matching, no candidates, no report).
``peer-insert``
    The same resource, insert-only: ``force_init_instance`` skips the lookup.
``ceiling``
    A bare pipeline: csv → phonenumbers → exact dedupe in a dict → ``COPY`` through a
    psycopg 3 ``cursor.copy`` into ``contacts_contact``. Nothing a real import needs beyond
    that.

Each phase runs in its own subprocess (this script re-invoked with ``--phase``) so its peak
RSS (``ru_maxrss`` of that process, which includes Python and Django themselves) is its
own; each starts from empty contact tables and a fresh practice. Seconds are wall time of
the import itself, file reading included; Django setup and database reset are not counted.

django-import-export's bulk mode cannot see rows still waiting in its own batch, so a
repeated EMR id inside one batch becomes two live contacts, which our
``unique_live_external_id`` constraint rejects — and one failed batch rolls back the whole
import. The peer phases therefore run with that constraint dropped (restored afterwards);
this only makes the peer's inserts cheaper.

The peer is slow, so by default it is measured on a prefix of the file (``--peer-rows``,
default ``min(rows, 100000)``); the table prints the rows each phase measured, and
rows per second stay comparable.

``peer-upsert``
    The Django-native upsert a Django engineer would write today: each row cleaned by the
    same widgets as ``peer-idempotent``, then ``bulk_create(update_conflicts=True)`` per
    1000 rows on the EMR id (see ``phase_upsert``).

Targets (issue 19.4): ours ≥ 10x the peer's idempotent mode and ≥ 1.5x the Django-native
upsert, at 100k and 1M rows, with no loss of duplicate recall or precision; peak RSS
under 512 MB at 1M rows. Ours against the ceiling and against the insert-only peer are
printed as ratios without a target (the ½-ceiling target was withdrawn: the ceiling does
no matching, no candidates and no per-row report).

Duplicate finding: this script's own file has no truth (which of its rows are one person
is not recorded), so the quality figures come from a second file that has it. After the
timed phases the run imports a linkage file (``dirty_rows.linkage_rows``: people with
record-linkage corruptions, mostly without phone or e-mail, truth per row) of
``--linkage-rows`` rows (default 20,000, or the file's rows if fewer; 0 skips it) through
the same pipeline, and counts with ``linkage_quality.py``, which is also a script of its
own. That import is not part of the timed figures.

Where the time goes, and the figures over time: ``benchmarks/README.md``.

Run (needs the ``bench`` extra: ``pip install -e '.[dev,bench]'``)::

    .venv/bin/python benchmarks/import_bench.py --rows 100000
    .venv/bin/python benchmarks/import_bench.py --rows 1000000

It uses the benchmarks' database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/reactivate_bench``; never ``DATABASE_URL``), creates
it if missing, refuses it when it holds a practice no benchmark created
(``benchdb.database_claim``), migrates it, and empties its contact tables at each phase.
The last line printed is one JSON object: ``rows``, ``rows_per_s``,
``peak_rss_mb``, ``peer_idempotent_rows_per_s``, ``peer_insert_rows_per_s``,
``peer_upsert_rows_per_s``, ``ceiling_rows_per_s`` (plus the rows each peer phase
measured), and from the linkage file ``linkage_rows``, ``candidate_recall`` (true pairs
merged or shown as candidates), ``candidate_precision`` and ``merge_precision`` (null
when skipped, or when nothing was merged).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import Autoanalyze, bench_database_url, database_claim, database_prepare, practice_own

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PHASES = ("ours", "peer-idempotent", "peer-insert", "peer-upsert", "ceiling")
RESULT_PREFIX = "BENCH-RESULT "
PEER_BATCH = 1000


def _peak_rss_mb() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _csv_rows(path: Path, limit: int | None):
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = next(reader)
        yield header
        for number, record in enumerate(reader, start=1):
            if limit is not None and number > limit:
                return
            yield record


# --- Child phases ---------------------------------------------------------------------


def django_setup() -> None:
    """Django on the benchmarks' database, in a phase's process (``run_child``).

    A phase empties tables: it takes its database from the one place that chooses the
    benchmarks' (run by hand, it would otherwise read the shell's DATABASE_URL)."""
    database_url = bench_database_url()
    database_claim(database_url)
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def practice_reset() -> int:
    """Empty the contact tables and make a fresh practice; returns its id."""
    from django.db import connection, transaction

    from reactivate.models import Practice

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE contacts_contact, contacts_importbatch RESTART IDENTITY CASCADE")
    with transaction.atomic(), connection.cursor() as cursor:
        practice = Practice.objects.create(
            name="Bench practice", slug=f"bench-{os.getpid()}-{time.time_ns()}", country="US"
        )
        practice_own(cursor, practice.pk)
    return practice.pk


def _unique_external_id(*, present: bool) -> None:
    """Drop or restore the partial unique index on live EMR ids (for the peer phases)."""
    from django.db import connection

    from contacts.models import Contact

    [constraint] = [c for c in Contact._meta.constraints if c.name == "unique_live_external_id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [constraint.name])
        exists = cursor.fetchone() is not None
    if exists == present:
        return
    with connection.schema_editor() as editor:
        if present:
            editor.add_constraint(Contact, constraint)
        else:
            editor.remove_constraint(Contact, constraint)


def file_import(practice, path: Path):
    """Import ``path`` for ``practice`` as the wizard does (import_batch_start minus the
    Celery queueing), in this process; the finished batch, or exit if it did not finish."""
    from contacts.import_batches import import_batch_create, import_headers
    from contacts.import_runs import import_batch_run
    from contacts.mapping import mapping_resolve
    from contacts.models import ImportStatus

    with path.open("rb") as file:
        batch = import_batch_create(practice=practice, fileobj=file, name=path.name)
    batch.mapping = mapping_resolve(import_headers(batch), batch.mapping)
    batch.status = ImportStatus.QUEUED
    batch.save(update_fields=["mapping", "status"])
    batch = import_batch_run(batch.pk)
    if batch.status != ImportStatus.DONE:
        raise SystemExit(f"our import ended {batch.status}: {batch.error}")
    return batch


def phase_ours(path: Path, practice_id: int, limit: int | None) -> dict:
    """The wizard's pipeline on the whole file, timed (``linkage_quality.py`` runs it too,
    then reads what it decided)."""
    from reactivate.models import Practice

    assert limit is None, "our pipeline always imports the whole file"
    practice = Practice.objects.get(pk=practice_id)
    start = time.perf_counter()
    batch = file_import(practice, path)
    seconds = time.perf_counter() - start
    return {
        "rows": batch.summary["rows"],
        "seconds": seconds,
        "summary": batch.summary,
        "batch": batch.pk,
    }


def _peer_resource(practice_id: int, *, insert_only: bool):
    import phonenumbers
    from import_export import fields, resources, widgets

    from contacts.models import Contact

    class PhoneWidget(widgets.CharWidget):
        def clean(self, value, row=None, **kwargs):
            try:
                number = phonenumbers.parse(value or "", "US")
            except phonenumbers.NumberParseException:
                return ""
            if not phonenumbers.is_valid_number(number):
                return ""
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    class EmailWidget(widgets.CharWidget):
        def clean(self, value, row=None, **kwargs):
            return (value or "").strip().lower()

    class DatesWidget(widgets.DateWidget):
        def __init__(self):
            super().__init__()
            self.formats = ("%m/%d/%Y", "%Y-%m-%d", "%Y%m%d")

    class AmountWidget(widgets.DecimalWidget):
        def clean(self, value, row=None, **kwargs):
            return super().clean((value or "").replace("$", "").replace(",", ""), row)

    class FlagWidget(widgets.BooleanWidget):
        TRUE_VALUES = ["Y", "y", "yes", "1", "true", "TRUE"]

        def clean(self, value, row=None, **kwargs):
            return value in self.TRUE_VALUES

    def text(attribute: str, column: str, widget=None) -> fields.Field:
        return fields.Field(attribute=attribute, column_name=column, widget=widget)

    class ContactResource(resources.ModelResource):
        external_id = text("external_id", "Chart #")
        first_name = text("first_name", "Pt First Name")
        last_name = text("last_name", "Pt Last Name")
        phone_raw = text("phone_raw", "Cell")
        phone = text("phone", "Cell", PhoneWidget())
        email_raw = text("email_raw", "E-mail")
        email = text("email", "E-mail", EmailWidget())
        date_of_birth = text("date_of_birth", "DOB", DatesWidget())
        address = text("address", "Address")
        city = text("city", "City")
        state = text("state", "State")
        postal_code = text("postal_code", "Zip")
        last_outcome_raw = text("last_outcome_raw", "Last Appt Status")
        last_activity = text("last_activity", "Last Visit", DatesWidget())
        treatment_interest = text("treatment_interest", "Treatment")
        quoted_amount = text("quoted_amount", "Quoted Amount", AmountWidget())
        do_not_contact = text("do_not_contact", "DNC", FlagWidget())

        class Meta:
            model = Contact
            fields = (
                "external_id",
                "first_name",
                "last_name",
                "phone_raw",
                "phone",
                "email_raw",
                "email",
                "date_of_birth",
                "address",
                "city",
                "state",
                "postal_code",
                "last_outcome_raw",
                "last_activity",
                "treatment_interest",
                "quoted_amount",
                "do_not_contact",
            )
            import_id_fields = ("external_id",)
            use_bulk = True
            batch_size = PEER_BATCH
            skip_diff = True
            force_init_instance = insert_only

        def get_queryset(self):
            return Contact.objects.filter(practice_id=practice_id)

        def init_instance(self, row=None):
            return Contact(practice_id=practice_id)

        def get_instance(self, instance_loader, row):
            # Per-row lookup by EMR id in this practice; a row without one is always new.
            # (first(): bulk mode may already have written the same id twice.)
            chart = row.get("Chart #")
            if not chart:
                return None
            return self.get_queryset().filter(external_id=chart).order_by("pk").first()

    return ContactResource()


def phase_peer(path: Path, practice_id: int, limit: int | None, *, insert_only: bool) -> dict:
    import tablib

    resource_ = _peer_resource(practice_id, insert_only=insert_only)
    _unique_external_id(present=False)
    try:
        start = time.perf_counter()
        rows = _csv_rows(path, limit)
        dataset = tablib.Dataset(*rows, headers=next(rows))
        result = resource_.import_data(dataset, dry_run=False, use_transactions=True)
        seconds = time.perf_counter() - start
        if result.has_errors():
            first = (result.base_errors or [e for _, errs in result.row_errors() for e in errs])[0]
            raise SystemExit(f"peer import rolled back: {first.error!r}")
        totals = {k.lower(): v for k, v in result.totals.items() if v}
        return {"rows": len(dataset), "seconds": seconds, "summary": totals}
    finally:
        practice_reset()
        _unique_external_id(present=True)


def _upsert_key(*, present: bool) -> None:
    """For the upsert peer: the EMR id as the nullable, plainly unique key that
    ``ON CONFLICT (practice_id, external_id)`` can name (Django cannot name our partial
    index's condition), or back to the schema's column and partial index."""
    from django.db import connection

    with connection.cursor() as cursor:
        if present:
            _unique_external_id(present=False)
            cursor.execute("ALTER TABLE contacts_contact ALTER external_id DROP NOT NULL")
            cursor.execute(
                "CREATE UNIQUE INDEX IF NOT EXISTS bench_upsert_key"
                " ON contacts_contact (practice_id, external_id)"
            )
        else:
            cursor.execute("DROP INDEX IF EXISTS bench_upsert_key")
            cursor.execute("UPDATE contacts_contact SET external_id = '' WHERE external_id IS NULL")
            cursor.execute("ALTER TABLE contacts_contact ALTER external_id SET NOT NULL")
            _unique_external_id(present=True)


def phase_upsert(path: Path, practice_id: int, limit: int | None) -> dict:
    """The Django-native upsert: each row cleaned by the same widgets as the
    django-import-export peer, then ``bulk_create(update_conflicts=True, unique_fields=...,
    update_fields=...)`` per batch of ``PEER_BATCH``. A row without an EMR id has a NULL
    key (never in conflict: always new); a repeated id within a batch keeps its last row,
    since one INSERT ... ON CONFLICT cannot update a row twice."""
    from django.db import transaction

    from contacts.models import Contact

    resource_ = _peer_resource(practice_id, insert_only=False)
    columns = [(name, field) for name, field in resource_.fields.items()]
    update_fields = [name for name, _ in columns if name != "external_id"]
    written = 0
    _upsert_key(present=True)
    try:
        start = time.perf_counter()
        rows = _csv_rows(path, limit)
        header = next(rows)
        batch: dict = {}
        count = 0

        def flush() -> int:
            Contact.objects.bulk_create(
                list(batch.values()),
                update_conflicts=True,
                unique_fields=["practice", "external_id"],
                update_fields=update_fields,
            )
            done = len(batch)
            batch.clear()
            return done

        with transaction.atomic():
            for cells in rows:
                count += 1
                row = dict(zip(header, cells, strict=False))
                values = {name: field.clean(row) for name, field in columns}
                values["external_id"] = values["external_id"] or None
                key = values["external_id"] or count
                batch[key] = Contact(practice_id=practice_id, **values)
                if len(batch) >= PEER_BATCH:
                    written += flush()
            if batch:
                written += flush()
        seconds = time.perf_counter() - start
        live = Contact.objects.filter(practice_id=practice_id).count()
        return {
            "rows": count,
            "seconds": seconds,
            "summary": {"written": written, "contacts": live},
        }
    finally:
        practice_reset()
        _upsert_key(present=False)


def phase_ceiling(path: Path, practice_id: int, limit: int | None) -> dict:
    import phonenumbers
    from django.db import connection
    from django.utils import timezone

    from contacts.models import Contact

    columns = [f.column for f in Contact._meta.concrete_fields if f.column != "id"]
    now = timezone.now()
    base = []
    for f in Contact._meta.concrete_fields:
        if f.column == "id":
            continue
        if f.column in ("created_at", "updated_at"):
            base.append(now)
        elif f.column == "practice_id":
            base.append(practice_id)
        else:
            base.append(f.get_default())
    at = {column: i for i, column in enumerate(columns)}
    E164 = phonenumbers.PhoneNumberFormat.E164
    seen: dict[tuple, int] = {}
    written = duplicates = 0
    sql = f"COPY contacts_contact ({', '.join(columns)}) FROM STDIN"
    start = time.perf_counter()
    rows = _csv_rows(path, limit)
    next(rows)
    with connection.cursor() as cursor, transaction_atomic(), cursor.cursor.copy(sql) as copy:
        for number, cells in enumerate(rows, start=1):
            chart, first, last, cell, email = (c.strip() for c in cells[:5])
            try:
                parsed = phonenumbers.parse(cell, "US")
                phone = (
                    phonenumbers.format_number(parsed, E164)
                    if phonenumbers.is_valid_number(parsed)
                    else ""
                )
            except phonenumbers.NumberParseException:
                phone = ""
            key = (chart,) if chart else (first.lower(), last.lower(), phone, email.lower())
            if key in seen:
                duplicates += 1
                continue
            seen[key] = number
            values = base.copy()
            values[at["external_id"]] = chart
            values[at["first_name"]] = first
            values[at["last_name"]] = last
            values[at["phone_raw"]] = cell
            values[at["phone"]] = phone
            values[at["phone_valid"]] = bool(phone)
            values[at["email_raw"]] = email
            values[at["email"]] = email.lower()
            copy.write_row(values)
            written += 1
    seconds = time.perf_counter() - start
    return {
        "rows": written + duplicates,
        "seconds": seconds,
        "summary": {"created": written, "duplicates": duplicates},
    }


def transaction_atomic():
    from django.db import transaction

    return transaction.atomic()


def run_phase(phase: str, path: Path, limit: int | None, profile: str | None) -> None:
    django_setup()
    practice_id = practice_reset()
    if phase == "ours":
        work = lambda: phase_ours(path, practice_id, limit)  # noqa: E731
    elif phase == "ceiling":
        work = lambda: phase_ceiling(path, practice_id, limit)  # noqa: E731
    elif phase == "peer-upsert":
        work = lambda: phase_upsert(path, practice_id, limit)  # noqa: E731
    else:
        insert_only = phase == "peer-insert"
        work = lambda: phase_peer(path, practice_id, limit, insert_only=insert_only)  # noqa: E731
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        outcome = profiler.runcall(work)
        profiler.dump_stats(profile)
    else:
        outcome = work()
    outcome["peak_rss_mb"] = _peak_rss_mb()
    outcome["phase"] = phase
    print(RESULT_PREFIX + json.dumps(outcome, default=str), flush=True)


# --- Parent ---------------------------------------------------------------------------


def import_environment(database_url: str, media_root: str) -> dict[str, str]:
    """The environment of a phase's process: production-like settings, no Celery, no
    cache server, uploads as large as the file."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="reactivate.settings",
        MEDIA_ROOT=media_root,
        # The file for 1M rows is about 120 MB; the upload limit is not what is measured.
        IMPORT_MAX_MB="4096",
        # As in production: with DEBUG on, Django keeps the SQL of the last 9000 queries,
        # megabytes per import chunk, which would be measured as the pipeline's memory.
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or "import-bench-only-" + os.urandom(16).hex(),
        ALLOWED_HOSTS="localhost",
        # Production settings refuse to start without it; no webhook is posted to here.
        ANYMAIL_WEBHOOK_SECRET=env.get("ANYMAIL_WEBHOOK_SECRET") or "bench:" + os.urandom(8).hex(),
        # No cache or broker server is needed: everything runs in-process.
        REDIS_URL="",
        CELERY_BROKER_URL="memory://",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    )
    return env


def _write_file(path: Path, rows: int, seed: int) -> None:
    sys.path.insert(0, str(HERE))
    from dirty_rows import HEADER, dirty_rows

    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(dirty_rows(rows, seed=seed))


def run_child(
    phase: str,
    path: Path,
    limit: int | None,
    env: dict[str, str],
    script: Path = HERE / "import_bench.py",
) -> dict:
    """Run ``script --phase phase --file path`` in a process of its own (its peak RSS its
    own) and return the JSON it printed after RESULT_PREFIX."""
    command = [sys.executable, str(script), "--phase", phase, "--file", str(path)]
    if limit is not None:
        command += ["--limit", str(limit)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    sys.stderr.write(done.stderr[-4000:])
    raise SystemExit(f"phase {phase} failed (exit {done.returncode})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the file")
    parser.add_argument("--peer-rows", type=int, default=None, help="peer prefix (≤ 100k)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--profile", help="with --phase: write cProfile stats to this path")
    parser.add_argument(
        "--linkage-rows",
        type=int,
        default=None,
        help="rows of the linkage file the quality figures come from (default: 20,000 or "
        "--rows if fewer; 0 skips it)",
    )
    args = parser.parse_args()

    if args.phase:
        run_phase(args.phase, args.file, args.limit, args.profile)
        return

    database_url = bench_database_url()
    peer_rows = min(args.rows, args.peer_rows or 100_000)
    phases = [p for p in args.phases.split(",") if p]
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        env = import_environment(database_url, str(Path(tmp) / "media"))
        database_prepare(database_url, env)
        path = Path(tmp) / "dirty.csv"
        started = time.perf_counter()
        _write_file(path, args.rows, args.seed)
        size_mb = path.stat().st_size / 1048576
        print(
            f"file: {args.rows:,} rows, {size_mb:.1f} MB, seed {args.seed} "
            f"({time.perf_counter() - started:.1f} s to write)",
            flush=True,
        )
        results: dict[str, dict] = {}
        for phase in phases:
            limit = peer_rows if phase.startswith("peer") and peer_rows < args.rows else None
            print(f"running {phase} …", flush=True)
            with Autoanalyze(database_url) as autoanalyze:
                results[phase] = result = run_child(phase, path, limit, env)
            result["statistics"] = autoanalyze.describe()
            result["rows_per_s"] = result["rows"] / result["seconds"]
            print(f"  {json.dumps(result['summary'])}", flush=True)
        linkage_rows = min(args.rows, 20_000) if args.linkage_rows is None else args.linkage_rows
        quality = None
        if linkage_rows:
            # Imported here, not at the top: linkage_quality.py imports this module.
            from linkage_quality import linkage_measure

            print(f"running linkage quality on {linkage_rows:,} rows …", flush=True)
            quality = linkage_measure(env, Path(tmp), rows=linkage_rows, seed=11)
    _report(args.rows, results, quality)


def _report(rows: int, results: dict[str, dict], quality: dict | None) -> None:
    print()
    print(f"{'phase':<17}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'peak RSS MB':>13}")
    for phase, r in results.items():
        print(
            f"{phase:<17}{r['rows']:>10,}{r['seconds']:>10.1f}{r['rows_per_s']:>10,.0f}"
            f"{r['peak_rss_mb']:>13.0f}"
        )
    print()
    rate = {phase: r["rows_per_s"] for phase, r in results.items()}
    ours = results.get("ours")
    checks = []
    if ours:
        for phase, label, times in (
            ("peer-idempotent", "≥ 10x django-import-export idempotent", 10),
            ("peer-upsert", "≥ 1.5x Django-native upsert", 1.5),
        ):
            if phase in rate:
                ratio = ours["rows_per_s"] / rate[phase]
                checks.append((label, ratio >= times, f"{ratio:.1f}x"))
        rss_note = f"{ours['peak_rss_mb']:.0f} MB at {rows:,} rows"
        if rows >= 1_000_000:
            checks.append(("peak RSS < 512 MB at 1M", ours["peak_rss_mb"] < 512, rss_note))
        else:
            checks.append(
                ("peak RSS < 512 MB (target is at 1M)", ours["peak_rss_mb"] < 512, rss_note)
            )
    if quality:
        recall, precision = quality["candidate_recall"], quality["candidate_precision"]
        merges = quality["merge_precision"]
        where = f"linkage file, {quality['rows']:,} rows, {quality['true_pairs']:,} true pairs"
        checks.append(
            ("merges + candidates recall ≥ 0.95", (recall or 0) >= 0.95, f"{recall} ({where})")
        )
        checks.append(("candidate precision ≥ 0.8", (precision or 0) >= 0.8, f"{precision}"))
        checks.append(
            (
                "auto-merge precision 1.0",
                merges is None or merges == 1.0,
                f"{'nothing merged' if merges is None else merges} "
                f"({quality['merged_pairs']:,} merged pairs)",
            )
        )
    for label, met, detail in checks:
        print(f"{'MET   ' if met else 'MISSED'} {label}: {detail}")
    if ours:  # ratios without a target (the ½-ceiling target was withdrawn, issue 19.4)
        for phase, label in (("ceiling", "bare ceiling"), ("peer-insert", "insert-only peer")):
            if phase in rate:
                print(f"ours / {label}: {ours['rows_per_s'] / rate[phase]:.2f}x (no target)")
    for phase, r in results.items():
        print(f"statistics during {phase}: {r['statistics']}")
    quality = quality or {}
    print(
        json.dumps(
            {
                "rows": rows,
                "rows_per_s": round(ours["rows_per_s"], 1) if ours else None,
                "peak_rss_mb": round(ours["peak_rss_mb"], 1) if ours else None,
                "peer_idempotent_rows_per_s": _rounded(rate.get("peer-idempotent")),
                "peer_insert_rows_per_s": _rounded(rate.get("peer-insert")),
                "peer_upsert_rows_per_s": _rounded(rate.get("peer-upsert")),
                "ceiling_rows_per_s": _rounded(rate.get("ceiling")),
                "peer_rows_measured": results.get("peer-idempotent", {}).get("rows"),
                "linkage_rows": quality.get("rows"),
                "candidate_recall": quality.get("candidate_recall"),
                "candidate_precision": quality.get("candidate_precision"),
                "merge_precision": quality.get("merge_precision"),
            }
        )
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


if __name__ == "__main__":
    main()
