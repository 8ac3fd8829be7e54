"""Arbitrary bytes in, a clear message or a complete report out: never a crash."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.import_runs import import_batch_run
from contacts.models import ImportStatus
from tests.contacts.helpers import upload

PIECES = st.sampled_from(
    [
        "First Name",
        "Last Name",
        "Cell",
        "E-mail",
        "DOB",
        "Status",
        ",",
        ";",
        "\t",
        "|",
        "\n",
        "\r\n",
        '"',
        '""',
        "Jane",
        "DOE",
        "(212) 555-0101",
        "x204",
        "a@b.c",
        "@@",
        "NS",
        "03/05/1980",
        "45356",
        "=SUM(A1)",
        "+1",
        "-",
        "é",
        "\x00",
        "\ufeff",
        " ",
    ]
)
CSVISH = st.lists(PIECES, max_size=60).map(lambda parts: "".join(parts).encode("utf-8"))
FILES = st.one_of(st.binary(max_size=400), CSVISH, CSVISH.map(lambda b: b"First Name,Cell\n" + b))


@pytest.mark.django_db
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=FILES)
def test_any_bytes_get_a_message_or_a_report(practice, data):
    try:
        batch = upload(practice, data)
    except ValidationError as error:
        assert error.messages and all(message.strip() for message in error.messages)
        return
    batch.status = ImportStatus.QUEUED
    batch.save()
    batch = import_batch_run(batch.pk)
    if batch.status == ImportStatus.FAILED:
        assert batch.error  # e.g. no name column to map: said, not crashed
        return
    assert batch.status == ImportStatus.DONE
    assert batch.rows.count() == batch.summary["rows"] == batch.rows_total
