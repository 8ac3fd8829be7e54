"""Reading and cleaning an import's rows: one file row → the contact values it carries,
with its problems in words. Shared by the preview (its first rows) and the run (all of
them, in chunks); it touches no contact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings

from contacts import dates, hygiene, import_sample, phones
from contacts.dedupe import Identity
from contacts.dedupe_keys import matching_keys
from contacts.models import Contact, ImportBatch, OutcomeSynonym
from contacts.tabular import Table, table_open
from reactivate.models import Practice

TEXT_FIELDS = (
    "external_id",
    "address",
    "city",
    "state",
    "postal_code",
    "treatment_interest",
    "preferred_language",
    "notes",
)
OPT_OUT_FIELDS = {"sms_opt_out": "sms", "email_opt_out": "email"}


DATE_FIELDS = ("date_of_birth", "last_activity", "next_appointment")
# Rows the day/month order of a file's date columns is decided from (dates.py): the same
# for the preview and the import, so both read every cell the same way.
DATE_SAMPLE_ROWS = import_sample.DATE_SAMPLE_ROWS


@dataclass(frozen=True, slots=True)
class PracticeRules:
    """What cleaning needs to know about the practice (and, once ``for_file`` has read
    it, the file's date columns), read once per run."""

    country: str
    area_code: str
    time_zone: str
    synonyms: dict[str, str]
    today: dt.date
    dayfirst: frozenset[str] = frozenset()  # the date fields whose column is day first

    @classmethod
    def of(cls, practice: Practice) -> PracticeRules:
        synonyms = dict(
            OutcomeSynonym.objects.filter(practice=practice).values_list("key", "outcome")
        )
        return cls(
            practice.country,
            practice.default_area_code,
            str(practice.time_zone),
            synonyms,
            practice.today(),
        )

    def for_file(self, table: Table, mapping: dict[str, str]) -> PracticeRules:
        positions = {
            name: table.headers.index(mapping[name]) for name in DATE_FIELDS if mapping.get(name)
        }
        sample = (cells for _, cells, _ in itertools.islice(table.rows(), DATE_SAMPLE_ROWS))
        default = dates.dayfirst_default(self.country)
        dayfirst = dates.columns_dayfirst(sample, positions, default=default)
        return dataclasses.replace(self, dayfirst=dayfirst)


@dataclass(slots=True)
class CleanRow:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    opt_outs: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def identity(self) -> Identity:
        v = self.values
        return Identity(
            v.get("external_id", ""),
            v.get("name_key", ""),
            v.get("phone", ""),
            v.get("email", ""),
            v.get("date_of_birth"),
        )


MAX_LENGTH = {name: Contact._meta.get_field(name).max_length for name in TEXT_FIELDS}


@lru_cache(maxsize=64)
def _positions(headers: tuple[str, ...], mapping: tuple[tuple[str, str], ...]) -> tuple:
    """(field, column position) of each mapped field: worked out once per file, not per row."""
    return tuple((name, headers.index(header) if header else None) for name, header in mapping)


def row_clean(
    row: int,
    cells: list[str] | None,
    problem: str,
    table: Table,
    mapping: dict[str, str],
    rules: PracticeRules,
) -> CleanRow:
    """One input row → the contact values it carries, with its problems in words."""
    result = CleanRow(row=row)
    if cells is None:
        result.error = problem or "row could not be read"
        return result
    raw = {
        name: cells[at] if at is not None else ""
        for name, at in _positions(tuple(table.headers), tuple(mapping.items()))
    }
    for name, value in raw.items():
        if value.startswith("="):
            result.problems.append(f"{name} holds a formula; kept as text, not evaluated")
    v = result.values
    v["first_name"] = hygiene.name_normalize(raw.get("first_name"))[:100]
    v["last_name"] = hygiene.name_normalize(raw.get("last_name"))[:100]
    for name in TEXT_FIELDS:
        if name in raw:
            v[name] = raw[name][: MAX_LENGTH[name]]
    if "phone" in mapping:
        phone = phones.phone_normalize(
            raw["phone"], country=rules.country, area_code=rules.area_code
        )
        v.update(
            phone_raw=phone.raw[:100],
            phone=phone.e164,
            phone_extension=phone.extension[:10],
            phone_valid=phone.valid,
            time_zone=phone.time_zone or rules.time_zone,
        )
        if phone.problem:
            result.problems.append(phone.problem)
    if "email" in mapping:
        email = hygiene.email_normalize(raw["email"])
        v.update(email_raw=email.raw[:254], email=email.normalized[:254], email_valid=email.valid)
        if email.problem:
            result.problems.append(email.problem)
    for name in DATE_FIELDS:
        if name in mapping:
            v[name], date_problem = dates.date_parse(
                raw[name],
                dayfirst=name in rules.dayfirst,
                not_after=rules.today if name == "date_of_birth" else None,
            )
            if date_problem:
                result.problems.append(date_problem)
    if "quoted_amount" in mapping:
        v["quoted_amount"], amount_problem = hygiene.amount_parse(raw["quoted_amount"])
        if amount_problem:
            result.problems.append(amount_problem)
    if "last_outcome" in mapping:
        v["last_outcome_raw"] = raw["last_outcome"][:100]
        v["last_outcome"] = hygiene.outcome_normalize(raw["last_outcome"], rules.synonyms)
    if "do_not_contact" in mapping and hygiene.flag_parse(raw["do_not_contact"]):
        v["do_not_contact"] = True
        v["do_not_contact_reason"] = "marked in import"
    for name, channel in OPT_OUT_FIELDS.items():
        if name in mapping and hygiene.flag_parse(raw[name]):
            result.opt_outs.add(channel)
    v.update(
        matching_keys(
            v["first_name"],
            v["last_name"],
            v.get("date_of_birth"),
            v.get("postal_code", ""),
            v.get("address", ""),
        )
    )
    if not (v["name_key"] or v.get("phone_raw") or v.get("email_raw") or v.get("external_id")):
        result.error = "row has no name, phone, email or EMR id"
    return result


def batch_table(batch: ImportBatch) -> Table:
    """The file kept with ``batch``, opened as read at upload (or with the header row chosen)."""
    return table_open(
        batch.file.path,
        filename=batch.original_name,
        max_bytes=settings.IMPORT_MAX_BYTES,
        header_row=(batch.sample or {}).get("header_row"),
    )


def chunks_clean(
    table: Table, mapping: dict[str, str], rules: PracticeRules, *, after: int, size: int
) -> Iterator[list[CleanRow]]:
    """The file's rows after row ``after``, cleaned, in chunks of ``size``."""
    chunk: list[CleanRow] = []
    for row, cells, problem in table.rows():
        if row <= after:
            continue
        chunk.append(row_clean(row, cells, problem, table, mapping, rules))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
