"""Dispatch throughput benchmark: due touches through the dispatcher and real Celery worker
processes to the fake Twilio, against a bare loop of SDK calls to the same fake (the ceiling).

What runs, all on this machine:

- the fake Twilio as a process of its own (``python -m tests.fake_twilio.server``);
- ``--workers`` Celery worker processes (prefork, ``--concurrency`` children each, queue
  ``outreach``) on their own Redis database, sending through the real ``twilio`` SDK to the
  fake, with the rate limit off (``OUTREACH_SEND_RATE=0``) and ``--task-touches`` touches
  per send task (``OUTREACH_TASK_TOUCHES``);
- the dispatcher (``touches_dispatch_due``, what beat runs every minute) in this process.

``touches`` is N due texts (one practice, one running campaign, N patients with their own
numbers, in a zone where it is early afternoon now so the send guard lets them through),
built in bulk before the clock starts. The clock runs from the first dispatcher pass until
no touch is planned, claimed or sending. ``duplicates`` comes from the fake's own log
(``/_fake/log``): numbers that received more than one message (must be 0); ``missing`` is
touches whose number received none.

``ceiling`` is bare loops of ``Client.messages.create`` (the SDK through the app's
``BaseUrlHttpClient``, a kept-alive connection each) against the same fake server, in this
process, in the same run: no database, no Celery, no guard. As many loops run at once as
the workers keep requests in flight (``--workers`` x ``--concurrency`` x
``OUTREACH_SEND_THREADS``: 8 by default), and each client sends once before the clock
starts. The single loop the earlier runs compared against is printed beside it
(``ceiling_one_thread_per_s``). Figures over time: ``benchmarks/README.md``.

Target: touches/s ≥ half the ceiling's messages/s.

``--rate R`` measures the rate limit instead: the workers run with ``OUTREACH_SEND_RATE=R``
(the per-sender token bucket in Redis, emptied first) and the dispatcher runs at beat's
real cadence (a pass every ``--beat-seconds``, default 60, at the real clock, as the
``dispatch-due-touches`` schedule does), never ahead of time. It reports the achieved rate
(touches over the seconds from the first pass until nothing is open) against R, and from
the fake's log the sustained rate after the bucket's initial burst and the most texts seen
in any one second. Target: achieved ≥ 0.8 R, and no second above burst + 1.5 R (the
fake's clock sees the machine's stalls: half a second's jitter is forgiven). The ceiling
is skipped (the limit, not the machine, bounds the run). For example::

    .venv/bin/python benchmarks/dispatch_bench.py --rate 10 --touches 936 --task-touches 50

What bounds it, and the figures over time: ``benchmarks/README.md``.

Run::

    .venv/bin/python benchmarks/dispatch_bench.py                 # 100k touches
    .venv/bin/python benchmarks/dispatch_bench.py --touches 10000
    .venv/bin/python benchmarks/dispatch_bench.py --touches 5000 --profile 2000

``--profile K`` skips the workers: it sends K touches in this process under cProfile and
prints the hottest functions and the queries per touch.

It uses the benchmarks' database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/reactivate_bench``; never ``DATABASE_URL``): created if
missing, refused when it holds a practice no benchmark created (``benchdb.database_claim``,
before anything starts), migrated, and emptied of all practices at each run. It uses its
own Redis database (``--redis``, default
``redis://127.0.0.1:6379/14``). The last line printed is one JSON object: ``touches``,
``touches_per_s``, ``duplicates``, ``ceiling_per_s`` (plus ``ceiling_in_flight``,
``ceiling_one_thread_per_s``, ``missing``, ``seconds`` and the settings used).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the project's packages, run from anywhere

from tests.celery_worker import celery_worker_command  # noqa: E402 - after the path is set
from tests.fake_twilio.server import (  # noqa: E402 - after the path is set
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    RemoteFakeTwilio,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import (  # noqa: E402 (a sibling script module)
    Autoanalyze,
    bench_database_url,
    database_claim,
    database_prepare,
    practice_own,
    series_insert,
)

DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
SERVICE_SID = "MG" + "2" * 32


def _environment(args, media_root: str, fake_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="reactivate.settings",
        MEDIA_ROOT=media_root,
        DEBUG="false",  # with DEBUG on, Django keeps every query's SQL in memory
        SECRET_KEY=env.get("SECRET_KEY") or "dispatch-bench-only-" + os.urandom(16).hex(),
        ALLOWED_HOSTS="localhost",
        # Production settings refuse to start without it; no email webhook runs here.
        ANYMAIL_WEBHOOK_SECRET=env.get("ANYMAIL_WEBHOOK_SECRET") or "bench:" + os.urandom(8).hex(),
        LOG_LEVEL="WARNING",
        # Connections kept for the whole run (production keeps them 60 s): the CPU of the
        # database backends serving the run is then measured, not lost with a reconnect.
        CONN_MAX_AGE="3600",
        REDIS_URL=args.redis,
        CELERY_BROKER_URL=args.redis,
        CELERY_RESULT_BACKEND=args.redis,
        MESSAGING_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=DEFAULT_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=DEFAULT_AUTH_TOKEN,
        TWILIO_API_BASE_URL=fake_url,
        # Texts to numbers whose line type is known (the steady state: a number is looked
        # up once per 90 days); a first text to a new number adds one Lookup request.
        NUMBER_CHECK_BACKEND="sandbox",
        OUTREACH_SEND_RATE=str(args.rate),
        OUTREACH_TASK_TOUCHES=str(args.task_touches),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    )
    return env


# --- Processes --------------------------------------------------------------------------


def _fake_start(port: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-W",
            "ignore::RuntimeWarning",
            "-m",
            "tests.fake_twilio.server",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if "listening on " not in line:
        process.kill()
        raise SystemExit(f"the fake Twilio did not start: {line!r}")
    return process, line.rsplit(" ", 1)[1].strip()


def _workers_start(count: int, concurrency: int, env: dict[str, str]) -> list[subprocess.Popen]:
    workers = []
    for number in range(count):
        process = subprocess.Popen(
            celery_worker_command(
                ["outreach"],
                name=f"dispatch-bench-{number}",
                concurrency=concurrency,
                loglevel="WARNING",
                heartbeat=False,
            ),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        workers.append(process)
    for process in workers:
        # At WARNING, the banner is all it prints before "ready" (which is at INFO): wait for
        # the pool to answer a ping instead.
        threading.Thread(target=_drain, args=(process,), daemon=True).start()
    return workers


def _drain(process: subprocess.Popen) -> None:
    for line in process.stdout:
        if "ERROR" in line or "Traceback" in line or "CRITICAL" in line:
            sys.stderr.write(f"[worker {process.pid}] {line}")


def _workers_ready(app, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if sum(1 for reply in replies for name in reply if name.startswith("dispatch-bench-")) >= (
            count
        ):
            return
    raise SystemExit("the Celery workers did not answer in time")


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (and of its children it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


class CpuMeter:
    """CPU seconds used by groups of processes between ``start()`` and ``stop()``."""

    def __init__(self, groups):
        self.groups = groups  # name -> callable returning pids
        self.used: dict[str, float] = {}

    def _sample(self) -> dict[str, dict[int, float]]:
        return {
            name: {pid: _cpu_seconds(pid) for pid in pids()} for name, pids in self.groups.items()
        }

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        self.used = {
            name: sum(cpu - self.before[name].get(pid, 0.0) for pid, cpu in after[name].items())
            for name in after
        }
        return self.used


# --- Data -------------------------------------------------------------------------------


def afternoon_zone(now: dt.datetime) -> str:
    """A fixed-offset zone where it is 13:xx now: inside every sending window for hours."""
    offset = (13 - now.astimezone(dt.UTC).hour) % 24
    if offset > 12:
        offset -= 24
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/UTC"


# Ten 555 exchanges in New York area codes: 100k distinct numbers, none in Florida. Patient
# i (from 0) has +1, area code i // 10000, 555, and i % 10000 in four digits.
AREA_CODES = ("212", "315", "347", "516", "518", "585", "607", "631", "646", "716")


def _reset() -> None:
    from django.db import connection

    from reactivate.models import Practice

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Practice._meta.db_table} CASCADE")


def _build(count: int, now: dt.datetime) -> None:
    from django.db import connection, transaction

    from campaigns.models import (
        Campaign,
        CampaignStatus,
        Channel,
        Enrollment,
        Touch,
        TouchStatus,
    )
    from campaigns.sequences import sequence_default_ensure
    from contacts.models import Contact
    from outreach.models import SenderProfile
    from reactivate.models import Practice

    with transaction.atomic(), connection.cursor() as cursor:
        practice = Practice.objects.create(
            name="Bench Dental",
            slug="dispatch-bench",
            sends_on_saturday=True,
            sends_on_sunday=True,
        )
        practice_own(cursor, practice.pk)
    SenderProfile.objects.create(
        practice=practice,
        messaging_service_sid=SERVICE_SID,
        sms_number="+12125550199",
        voice_number="+12125550199",
        email_from="hello@bench.example",
    )
    campaign = Campaign.objects.create(
        practice=practice,
        name="Bench",
        sequence=sequence_default_ensure(practice),
        buckets=["inquiry"],
        start_date=now.date(),
        status=CampaignStatus.RUNNING,
    )
    step = campaign.sequence.steps.filter(channel=Channel.SMS).order_by("day", "position")[0]
    zone = afternoon_zone(now)
    params = {
        "p": practice.pk,
        "campaign": campaign.pk,
        "step": step.pk,
        "zone": zone,
        "today": now.date(),
        "due": now - dt.timedelta(minutes=1),
        "areas": list(AREA_CODES),
    }
    # Patient i - 1 (see AREA_CODES) has one enrollment, with one text due.
    number = (
        "'+1' || (%(areas)s::text[])[1 + (i - 1) / 10000] || '555'"
        " || lpad(((i - 1) %% 10000)::text, 4, '0')"
    )
    in_order = (
        "(SELECT id, row_number() OVER (ORDER BY id) AS i FROM {} WHERE practice_id = %(p)s) r"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        series_insert(
            cursor,
            Contact,
            count,
            {
                "practice_id": "%(p)s",
                "first_name": "'Pat' || (i - 1)",
                "last_name": "'Bench'",
                "phone": number,
                "phone_raw": number,
                "phone_valid": "true",
                "time_zone": "%(zone)s",
                "created_at": "now()",
                "updated_at": "now()",
            },
            params,
        )
        series_insert(
            cursor,
            Enrollment,
            count,
            {
                "practice_id": "%(p)s",
                "campaign_id": "%(campaign)s",
                "contact_id": "r.id",
                "bucket": "'inquiry'",
                "start_day": "%(today)s",
                "created_at": "now()",
                "state_changed_at": "now()",
            },
            params,
            source=in_order.format(Contact._meta.db_table),
        )
        series_insert(
            cursor,
            Touch,
            count,
            {
                "practice_id": "%(p)s",
                "enrollment_id": "r.id",
                "step_id": "%(step)s",
                "channel": f"'{Channel.SMS.value}'",
                "due_at": "%(due)s",
                "status": f"'{TouchStatus.PLANNED.value}'",
            },
            params,
            source=in_order.format(Enrollment._meta.db_table),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _scoreboard_trigger(*, enabled: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE campaigns_outcome "
            + ("ENABLE" if enabled else "DISABLE")
            + " TRIGGER scoreboard_outcome_ins"
        )


# --- Phases -----------------------------------------------------------------------------


def _sdk_client(fake_url: str):
    from django.conf import settings
    from twilio.rest import Client

    from outreach.twilio_client import BaseUrlHttpClient

    return Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=BaseUrlHttpClient(base_url=fake_url, timeout=10),
        environment={},
    )


def ceiling(fake_url: str, calls: int, threads: int = 1) -> float:
    """Messages per second of bare SDK creates against the fake: ``threads`` loops at once,
    each with its own client (one kept-alive connection each), as many requests in flight
    as the workers have (workers x children x ``OUTREACH_SEND_THREADS``). Every client
    sends one text before the clock starts (warm against warm)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings

    callback = settings.PUBLIC_BASE_URL + "/hooks/twilio/sms/status/"
    body = "Hi Pat, it's Bench Dental. Still thinking about your visit? Reply STOP to opt out."
    clients = [_sdk_client(fake_url) for _ in range(threads)]
    for client in clients:
        client.messages.create(to="+13155550000", body=body, messaging_service_sid=SERVICE_SID)

    def loop(k: int) -> None:
        client = clients[k]
        for i in range(k, calls, threads):
            client.messages.create(
                to=f"+1315555{i % 10000:04d}",
                body=body,
                messaging_service_sid=SERVICE_SID,
                status_callback=callback,
            )

    started = time.perf_counter()
    if threads == 1:
        loop(0)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(loop, range(threads)))
    return calls / (time.perf_counter() - started)


def _counts() -> Counter:
    from django.db.models import Count

    from campaigns.models import Touch

    rows = Touch.objects.order_by().values_list("status").annotate(n=Count("id"))
    return Counter(dict(rows))


def dispatch_at_beat(count: int, fake: RemoteFakeTwilio, beat: float) -> tuple[float, Counter]:
    """Run the dispatcher as beat does (a pass every ``beat`` seconds, at the real clock)
    until nothing is planned, claimed or sending; print progress at each pass."""
    from outreach.tasks import touches_dispatch_due

    started = time.perf_counter()
    next_pass = started
    while True:
        now = time.perf_counter()
        if now >= next_pass:
            touches_dispatch_due()
            next_pass += beat
        if fake.stats()["messages"] >= count or now + 1.0 >= next_pass:
            counts = _counts()
            open_ = counts["planned"] + counts["claimed"] + counts["sending"]
            if not open_:
                return time.perf_counter() - started, counts
            if now + 1.0 >= next_pass:
                done = count - open_
                print(f"  {now - started:6.1f} s: {done:,} done, {dict(counts)}", flush=True)
        time.sleep(0.1 if fake.stats()["messages"] >= count else 1.0)


def pace(fake: RemoteFakeTwilio, rate: float) -> tuple[float, int]:
    """From the fake's log: the sustained texts/s after the bucket's initial burst, and the
    most texts created in any one second."""
    times = sorted(
        dt.datetime.fromisoformat(entry["date_created"]).timestamp()
        for entry in fake.log
        if entry["kind"] == "message"
    )
    burst = int(max(1.0, rate))
    sustained = 0.0
    if len(times) > burst + 1 and times[-1] > times[burst]:
        sustained = (len(times) - burst - 1) / (times[-1] - times[burst])
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return sustained, most


def _rate_limit_reset(redis_url: str) -> None:
    """Every sender starts with a full bucket (a previous run's state is not this one's)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("reactivate:rate:*"):
        client.delete(key)


def dispatch(count: int, fake: RemoteFakeTwilio, progress: float) -> tuple[float, Counter]:
    """Run the dispatcher until nothing is planned, claimed or sending.

    While texts go out it watches the fake's counter (cheap), not the database, so that
    watching costs the workers nothing; the database is checked once the count is reached.
    """
    from django.utils import timezone

    from outreach.tasks import touches_dispatch_due

    started = time.perf_counter()
    touches_dispatch_due()
    last_report = started
    while True:
        now = time.perf_counter()
        messages = fake.stats()["messages"]
        if messages >= count or now - last_report >= progress:
            counts = _counts()
            open_ = counts["planned"] + counts["claimed"] + counts["sending"]
            if not open_:
                return time.perf_counter() - started, counts
            done = count - open_
            print(
                f"  {now - started:6.1f} s: {done:,} done ({done / (now - started):,.0f}/s), "
                f"{dict(counts)}",
                flush=True,
            )
            last_report = now
            if counts["planned"] and not counts["claimed"]:
                # Retries (429, broken connections) come back planned with a backoff: take
                # them as if their minute had come.
                touches_dispatch_due(timezone.now() + dt.timedelta(hours=1))
        time.sleep(0.05 if messages >= count else 0.25)


def duplicates(fake) -> tuple[int, int, int]:
    """(numbers with more than one message, touches whose number got none, messages)."""
    from campaigns.models import Touch

    log = [entry for entry in fake.log if entry["kind"] == "message"]
    per_number = Counter(entry["to"] for entry in log)
    phones = set(Touch.objects.values_list("enrollment__contact__phone", flat=True))
    return (
        sum(1 for n in per_number.values() if n > 1),
        len(phones - per_number.keys()),
        len(log),
    )


def profile(sample: int, now: dt.datetime) -> None:
    """Send ``sample`` touches in this process under cProfile; print where time goes."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from campaigns.models import Touch, TouchStatus
    from outreach.pacing import touches_send
    from outreach.sending import SEND_BATCH

    ids = list(Touch.objects.order_by("pk").values_list("pk", flat=True)[:sample])
    Touch.objects.filter(pk__in=ids).update(status=TouchStatus.CLAIMED, claimed_at=now)
    first, rest = ids[:SEND_BATCH], ids[SEND_BATCH:]
    with CaptureQueriesContext(connection) as queries:
        touches_send(first)
    print(f"queries for a batch of {len(first)}: {len(queries)}")
    for query in queries.captured_queries:
        print("   ", query["sql"][:150])
    started = time.perf_counter()
    touches_send(rest[: len(rest) // 2])
    seconds = time.perf_counter() - started
    print(f"in process, unprofiled: {len(rest) // 2 / seconds:,.0f} touches/s")
    profiler = cProfile.Profile()
    profiler.runcall(touches_send, rest[len(rest) // 2 :])
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(20)
    by_package: Counter = Counter()
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        parts = Path(filename).parts
        if "site-packages" in parts:
            name = parts[parts.index("site-packages") + 1]
        elif str(ROOT) in filename:
            name = "/".join(Path(filename).relative_to(ROOT).parts[:1])
        else:
            name = "stdlib/builtins"
        by_package[name] += tottime
    total = sum(by_package.values())
    print("own time by package:")
    for name, seconds in by_package.most_common(12):
        print(f"  {name:<20}{seconds / total:6.1%}")


def _cpu_words(cpu: dict[str, float]) -> str:
    total = sum(cpu.values())
    return ", ".join(f"{name} {ms:.2f}" for name, ms in cpu.items()) + f" (total {total:.2f})"


# --- Main -------------------------------------------------------------------------------


def rate_limit(args, app, fake: RemoteFakeTwilio, workers: list[subprocess.Popen]) -> None:
    """``--rate``: the achieved rate against the configured one, at beat's cadence."""
    _rate_limit_reset(args.redis)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("outreach")
    _workers_ready(app, args.workers)
    print(
        f"{args.workers} worker(s) x {args.concurrency} children, {args.task_touches} touches "
        f"per task, {args.rate:g} texts/s, a dispatcher pass every {args.beat_seconds:g} s …",
        flush=True,
    )
    with Autoanalyze(args.database_url) as autoanalyze:
        seconds, counts = dispatch_at_beat(args.touches, fake, args.beat_seconds)
    duplicated, missing, messages = duplicates(fake)
    sustained, most = pace(fake, args.rate)
    rate = args.touches / seconds
    burst = max(1.0, args.rate)
    print()
    print(f"touches        {args.touches:>10,}   {dict(counts)}")
    print(f"seconds        {seconds:>10.1f}   (N/R = {args.touches / args.rate:.1f})")
    print(f"achieved/s     {rate:>10.2f}   configured {args.rate:g}/s")
    print(f"sustained/s    {sustained:>10.2f}   (after the first {burst:g}, the bucket's burst)")
    print(f"most in 1 s    {most:>10}   (bucket: at most {burst + args.rate:g})")
    print(f"messages       {messages:>10,}   duplicates {duplicated}, missing {missing}")
    print(f"statistics     {autoanalyze.describe()}")
    met = rate >= 0.8 * args.rate
    print(f"{'MET   ' if met else 'MISSED'} achieved ≥ 0.8 x configured: {rate / args.rate:.2f}x")
    # Twilio's (the fake's) clock, not the sender's: on a loaded machine sends a few tenths
    # of a second apart can arrive together, so half a second of tokens is forgiven (as in
    # tests/outreach/test_worker_send.py).
    met = most <= burst + args.rate * 1.5
    print(f"{'MET   ' if met else 'MISSED'} never above the bucket (half a second's jitter)")
    met = duplicated == 0 and missing == 0
    print(f"{'MET   ' if met else 'MISSED'} every touch sent exactly once")
    print(
        json.dumps(
            {
                "touches": args.touches,
                "rate": args.rate,
                "achieved_per_s": round(rate, 2),
                "sustained_per_s": round(sustained, 2),
                "most_in_one_second": most,
                "duplicates": duplicated,
                "missing": missing,
                "seconds": round(seconds, 1),
                "beat_seconds": args.beat_seconds,
                "workers": args.workers,
                "concurrency": args.concurrency,
                "task_touches": args.task_touches,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--touches", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool children per worker")
    parser.add_argument("--task-touches", type=int, default=200, help="touches per send task")
    parser.add_argument("--ceiling-calls", type=int, default=None, help="default min(N, 20000)")
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--port", type=int, default=0, help="the fake Twilio's port (0: any)")
    parser.add_argument("--profile", type=int, default=0, metavar="K")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="texts/s per sender (OUTREACH_SEND_RATE; 0: off): measure the rate limit at "
        "beat's cadence instead of throughput",
    )
    parser.add_argument("--beat-seconds", type=float, default=60.0, help="with --rate")
    parser.add_argument(
        "--without-scoreboard-trigger",
        action="store_true",
        help="diagnosis only: disable the scoreboard's AFTER INSERT trigger on outcomes "
        "for the run (each send writes the enrollment's 'contacted' outcome)",
    )
    args = parser.parse_args()
    args.database_url = bench_database_url()
    if args.touches > 100_000 or args.touches < 1:
        raise SystemExit("--touches: 1 to 100000 (ten area codes of 10,000 numbers)")
    database_claim(args.database_url)  # before the fake and the workers start

    fake_process, fake_url = _fake_start(args.port)
    workers: list[subprocess.Popen] = []
    try:
        with tempfile.TemporaryDirectory(prefix="dispatch-bench-") as tmp:
            env = _environment(args, str(Path(tmp) / "media"), fake_url)
            database_prepare(args.database_url, env)
            os.environ.update(env)
            import django

            django.setup()
            from django.conf import settings
            from django.utils import timezone

            from reactivate.celery import app

            fake = RemoteFakeTwilio(fake_url, timeout=120)
            now = timezone.now()
            started = time.perf_counter()
            _reset()
            _build(args.touches, now)
            print(
                f"{args.touches:,} due touches built in {time.perf_counter() - started:.1f} s; "
                f"fake Twilio at {fake_url}",
                flush=True,
            )
            if args.profile:
                profile(min(args.profile, args.touches), now)
                return

            if args.rate:
                workers = _workers_start(args.workers, args.concurrency, env)
                rate_limit(args, app, fake, workers)
                return

            calls = args.ceiling_calls or min(args.touches, 20_000)
            # The same requests in flight as the workers keep (each pool child's send
            # threads); the one-thread loop is the ceiling the earlier runs used.
            in_flight = args.workers * args.concurrency * max(1, settings.OUTREACH_SEND_THREADS)
            one_thread_per_s = ceiling(fake_url, calls)
            fake.reset()
            meter = CpuMeter({"client": lambda: [os.getpid()], "fake": lambda: [fake_process.pid]})
            meter.start()
            ceiling_per_s = ceiling(fake_url, calls, threads=in_flight)
            ceiling_cpu = {k: v / calls * 1000 for k, v in meter.stop().items()}
            print(
                f"ceiling: {calls:,} SDK creates, {in_flight} loops at once: "
                f"{ceiling_per_s:,.0f}/s (one loop: {one_thread_per_s:,.0f}/s); CPU ms per "
                f"text: {_cpu_words(ceiling_cpu)}",
                flush=True,
            )
            fake.reset()

            _scoreboard_trigger(enabled=not args.without_scoreboard_trigger)
            with app.connection_for_write() as conn:
                conn.default_channel.queue_purge("outreach")
            workers = _workers_start(args.workers, args.concurrency, env)
            _workers_ready(app, args.workers)
            print(
                f"{args.workers} worker(s) x {args.concurrency} children, "
                f"{args.task_touches} touches per task: dispatching …",
                flush=True,
            )
            meter = CpuMeter(
                {
                    "workers": lambda: [p for w in workers for p in [w.pid, *_descendants(w.pid)]],
                    "dispatcher": lambda: [os.getpid()],
                    "fake": lambda: [fake_process.pid],
                }
            )
            meter.start()
            try:
                with Autoanalyze(args.database_url) as autoanalyze:
                    seconds, counts = dispatch(args.touches, fake, progress=10.0)
            finally:
                _scoreboard_trigger(enabled=True)
            dispatch_cpu = {k: v / args.touches * 1000 for k, v in meter.stop().items()}
            _stop(workers)
            duplicated, missing, messages = duplicates(fake)
    finally:
        _stop([*workers, fake_process])

    rate = args.touches / seconds
    print()
    print(f"touches        {args.touches:>10,}   {dict(counts)}")
    print(f"seconds        {seconds:>10.1f}")
    print(f"touches/s      {rate:>10,.0f}")
    print(
        f"ceiling/s      {ceiling_per_s:>10,.0f}   (bare SDK loops, {in_flight} at once, "
        f"same fake server; one loop: {one_thread_per_s:,.0f}/s)"
    )
    print(f"messages       {messages:>10,}   duplicates {duplicated}, missing {missing}")
    print(f"CPU ms/touch   {_cpu_words(dispatch_cpu)}")
    print(f"CPU ms/text    {_cpu_words(ceiling_cpu)}   (ceiling)")
    print(f"load average   {os.getloadavg()[0]:.1f} (other work on this machine skews rates)")
    print(f"statistics     {autoanalyze.describe()}")
    met = rate >= ceiling_per_s / 2
    print(f"{'MET   ' if met else 'MISSED'} ≥ ½ ceiling: {rate / ceiling_per_s:.2f}x ceiling")
    met0 = duplicated == 0 and missing == 0
    print(f"{'MET   ' if met0 else 'MISSED'} every touch sent exactly once")
    print(
        json.dumps(
            {
                "touches": args.touches,
                "touches_per_s": round(rate, 1),
                "duplicates": duplicated,
                "ceiling_per_s": round(ceiling_per_s, 1),
                "ceiling_in_flight": in_flight,
                "ceiling_one_thread_per_s": round(one_thread_per_s, 1),
                "missing": missing,
                "seconds": round(seconds, 1),
                "workers": args.workers,
                "concurrency": args.concurrency,
                "task_touches": args.task_touches,
                "scoreboard_trigger": not args.without_scoreboard_trigger,
                "autoanalyze_runs": autoanalyze.runs,
            }
        )
    )


if __name__ == "__main__":
    main()
