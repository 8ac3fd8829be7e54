"""CSV exports of contacts and open duplicate candidates (DESIGN §7 columns).

Every value goes through ``csv_safe`` so a name such as "=HYPERLINK(...)" cannot run as a
formula when the file is opened in a spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator

from contacts.importing import csv_safe
from contacts.segments import contacts_with_bucket
from contacts.selectors import open_candidates
from reactivate.models import Practice

CONTACT_COLUMNS = (
    "id",
    "external_id",
    "first_name",
    "last_name",
    "phone",
    "phone_raw",
    "email",
    "date_of_birth",
    "last_outcome",
    "bucket",
    "do_not_contact",
    "sms_opt_out",
    "call_opt_out",
    "email_opt_out",
    "time_zone",
)
DUPLICATE_COLUMNS = ("contact_a", "contact_b", "score", "reason")
# First in a downloaded file: Excel reads a CSV as UTF-8 only when it starts with the BOM.
UTF8_BOM = "\ufeff"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: tuple[str, ...], rows) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_safe(value) for value in row])


def contacts_csv(practice: Practice, today: dt.date) -> Iterator[str]:
    qs = contacts_with_bucket(practice, today).order_by("id")
    # The three opt-out columns are read from their timestamps and written as yes/no.
    fields = [f"{c}_at" if c.endswith("_opt_out") else c for c in CONTACT_COLUMNS]
    values = qs.values_list(*fields)
    rows = (
        (*row[:11], row[11] is not None, row[12] is not None, row[13] is not None, row[14])
        for row in values.iterator(chunk_size=5000)
    )
    return csv_lines(CONTACT_COLUMNS, rows)


def duplicates_csv(practice: Practice) -> Iterator[str]:
    rows = (
        open_candidates(practice)
        .order_by("-score", "id")
        .values_list("contact_a_id", "contact_b_id", "score", "reason")
    )
    return csv_lines(DUPLICATE_COLUMNS, rows.iterator(chunk_size=5000))
