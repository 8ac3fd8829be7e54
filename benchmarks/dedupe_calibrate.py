"""Calibrate duplicate scores: the share of true duplicates among generated pairs at each
raw score (issue 19.3), written to ``contacts/rules/duplicate_calibration.json``.

A file of people with known truth (``dirty_rows.linkage_rows``: rows with one person
number are one person) goes through the real import pipeline into the benchmarks'
database. Then every pair candidate finding compared as the import went (``block_pairs``:
``contacts.candidates.BLOCKS``, blocks bigger than ``MAX_BLOCK`` left out) is compared by
``contacts.pair_scoring.pair_compare`` and labelled by person number. Over the pairs
candidate finding considers (a shared phone or email, or more than names alike), a
monotone mapping raw score → share of true duplicates is fitted by pool-adjacent-violators
(a higher raw score never gets a lower share) and written as steps, with the generator's
seed and size, the date and the commit. It also prints, per threshold, the recall and precision the
candidates would have, to choose ``dedupe.CANDIDATE_THRESHOLD``.

Run::

    .venv/bin/python benchmarks/dedupe_calibrate.py --rows 20000 --write

Uses ``BENCH_DATABASE_URL`` (``benchdb``), never ``DATABASE_URL``; empties its contact tables.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import bench_database_url, database_claim, practice_own
from dirty_rows import HEADER, linkage_rows
from import_bench import file_import

ROOT = Path(__file__).resolve().parent.parent
MIN_PAIRS_PER_STEP = 20  # a step's share is read off at least this many pairs


def _setup() -> None:
    url = bench_database_url()
    database_claim(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reactivate.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _import(path: Path):
    """Import ``path`` through the wizard's pipeline into a fresh practice; returns it."""
    from django.db import connection, transaction

    from reactivate.models import Practice

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE contacts_contact, contacts_importbatch RESTART IDENTITY CASCADE")
    with transaction.atomic(), connection.cursor() as cursor:
        practice = Practice.objects.create(
            name="Calibration practice", slug=f"calibrate-{os.getpid()}-{time.time_ns()}"
        )
        practice_own(cursor, practice.pk)
    file_import(practice, path)
    return practice


def block_pairs(rows, chunk: int):
    """Every pair of ``rows`` (CandidateRows, in the order the import created them) that
    candidate finding compares: chunk by chunk, each chunk's contacts with the contacts
    there are by then that share a block of at most MAX_BLOCK members, a block once too big
    never read again (``candidates_find``'s ``oversized``). Blocks grow as a list is
    imported, so pairs of a block too big at the end were compared while it was small."""
    from contacts.candidates import BLOCKS, MAX_BLOCK

    pairs = set()
    members = {block: defaultdict(list) for block in BLOCKS}
    oversized = set()
    for start in range(0, len(rows), chunk):
        subjects = rows[start : start + chunk]
        for block in BLOCKS:
            for row in subjects:
                if key := getattr(row, block):
                    members[block][key].append(row.id)
        for block in BLOCKS:
            for row in subjects:
                key = getattr(row, block)
                if not key or (block, key) in oversized:
                    continue
                ids = members[block][key]
                if len(ids) > MAX_BLOCK:
                    oversized.add((block, key))
                    continue
                pairs.update((min(row.id, other), max(row.id, other)) for other in ids)
    return {(a, b) for a, b in pairs if a != b}


def pav(points: list[tuple[float, int]]) -> list[tuple[float, float, int]]:
    """Pool adjacent violators over (raw, label) points: steps (from raw, share, pairs)
    whose shares never go down, each pooling at least MIN_PAIRS_PER_STEP pairs. Pairs of
    one raw score are one group, never split between steps."""
    groups: dict[float, list[float]] = {}
    for raw, label in points:
        group = groups.setdefault(raw, [0, 0])
        group[0] += label
        group[1] += 1
    blocks: list[list[float]] = []  # [from raw, positives, count]
    for raw in sorted(groups):
        blocks.append([raw, *groups[raw]])
        while len(blocks) > 1 and (
            blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]
            or blocks[-2][2] < MIN_PAIRS_PER_STEP
        ):
            last = blocks.pop()
            blocks[-1][1] += last[1]
            blocks[-1][2] += last[2]
    # The last step may be small: pool it into the one before.
    while len(blocks) > 1 and blocks[-1][2] < MIN_PAIRS_PER_STEP:
        last = blocks.pop()
        blocks[-1][1] += last[1]
        blocks[-1][2] += last[2]
    return [(raw, positives / count, int(count)) for raw, positives, count in blocks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--write", action="store_true", help="write the calibration file")
    parser.add_argument("--explain", type=int, default=0, help="print this many missed pairs")
    args = parser.parse_args()
    _setup()
    from django.db import connection

    from contacts import pair_scoring
    from contacts.candidates import CANDIDATE_FIELDS, CANDIDATE_THRESHOLD, CandidateRow

    person_of: dict[str, int] = {}
    sizes: dict[int, int] = defaultdict(int)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "linkage.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(HEADER)
            for row, person in linkage_rows(args.rows, seed=args.seed):
                writer.writerow(row)
                person_of[row[0]] = person
                sizes[person] += 1
        started = time.perf_counter()
        practice = _import(path)
        print(f"imported {args.rows} rows in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT external_id, {', '.join(CANDIDATE_FIELDS)} FROM contacts_contact "  # noqa: S608
            "WHERE practice_id = %s AND merged_into_id IS NULL",
            [practice.pk],
        )
        fetched = cursor.fetchall()
    rows = {row[1]: CandidateRow._make(row[1:]) for row in fetched}
    person = {row[1]: person_of[row[0]] for row in fetched}
    true_pairs = sum(n * (n - 1) // 2 for n in sizes.values())
    from contacts.import_runs import _chunk_rows

    pairs = block_pairs(sorted(rows.values()), _chunk_rows(len(fetched)))
    compared = []
    for a, b in pairs:
        comparison = pair_scoring.pair_compare(rows[a], rows[b])
        compared.append((comparison, int(person[a] == person[b])))
    found_true = sum(label for _, label in compared)
    print(
        f"{len(rows)} contacts, {true_pairs} true pairs; blocks give {len(pairs)} pairs, "
        f"{found_true} true: block recall {found_true / max(true_pairs, 1):.3f}"
    )
    # Fitted on the pairs candidate finding considers: a shared phone or email, or more
    # than names alike (``Comparison.corroborated``); the others are never shown.
    eligible = [(c, label) for c, label in compared if c.phone or c.email or c.corroborated]
    steps = pav([(c.raw, label) for c, label in eligible])
    for raw, share, count in steps:
        print(f"  raw ≥ {raw:6.2f}: share {share:.3f} of {count} pairs")
    if args.write:
        data = {
            "about": "Share of true duplicates among generated pairs, by raw score "
            "(contacts.pair_scoring); written by benchmarks/dedupe_calibrate.py.",
            "generator": "benchmarks/dirty_rows.py linkage_rows",
            "seed": args.seed,
            "rows": args.rows,
            "pairs": len(eligible),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "commit": subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip(),
            "steps": [
                {"from_raw": raw, "share": round(share, 4), "pairs": count}
                for raw, share, count in steps
            ],
        }
        pair_scoring.CALIBRATION_FILE.write_text(json.dumps(data, indent=1) + "\n")
        pair_scoring.calibration.cache_clear()
        print(f"wrote {pair_scoring.CALIBRATION_FILE}")
    # What candidates would be at each threshold (shared phone or email always shown).
    for threshold in sorted({0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, CANDIDATE_THRESHOLD}):
        kept = [
            label
            for c, label in compared
            if c.phone
            or c.email
            or (c.corroborated and pair_scoring.calibrated(c.raw) >= threshold)
        ]
        hits = sum(kept)
        # Without the pairs shown only because they share a phone or email.
        scored = [
            label
            for c, label in compared
            if c.corroborated and pair_scoring.calibrated(c.raw) >= threshold
        ]
        print(
            f"threshold {threshold:.2f}: {len(kept)} candidates, recall "
            f"{hits / max(true_pairs, 1):.3f}, precision {hits / max(len(kept), 1):.3f}; "
            f"scored alone: {len(scored)}, recall {sum(scored) / max(true_pairs, 1):.3f}, "
            f"precision {sum(scored) / max(len(scored), 1):.3f}"
        )
    missed = [
        c
        for c, label in compared
        if label
        and not (c.phone or c.email)
        and not (c.corroborated and pair_scoring.calibrated(c.raw) >= CANDIDATE_THRESHOLD)
    ]
    for c in missed[: args.explain]:
        print(f"  missed raw {c.raw:5.1f}: {c.evidence}")


if __name__ == "__main__":
    main()
