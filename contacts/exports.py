"""CSV exports of contacts and open duplicate candidates (DESIGN §7 columns), written by
``csv_safety.csv_lines`` so no cell can run as a formula in a spreadsheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import chain

from django.http import StreamingHttpResponse

from contacts.csv_safety import csv_lines
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
# First in a downloaded file: Excel reads a CSV without it as the local code page and
# garbles accents ("José" as "JosÃ©").
UTF8_BOM = "\ufeff"


def csv_download(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    """A page's CSV file (``lines`` from ``csv_lines``), streamed as it is written, BOM first."""
    response = StreamingHttpResponse(
        chain([UTF8_BOM], lines), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
