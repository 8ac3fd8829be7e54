"""Nasty files through the real wizard views: every file gets a page (a preview, or a
clear message), never a 500."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from contacts.import_runs import import_batch_run
from contacts.models import ImportBatch, ImportStatus
from reactivate.models import Role
from tests.contacts.helpers import csv_bytes

HEADER = ["Chart #", "First Name", "Last Name", "Cell", "E-mail", "DOB", "Status"]
ROW = ["A-1", "Jane", "Doe", "(212) 555-0101", "jane@example.com", "03/05/1980", "NS"]


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_formulas() -> bytes:
    return xlsx_bytes(
        [HEADER, ["=1+1", "=A1&B1", "=SUM(A1:A3)", '=HYPERLINK("x")', "=1/0", "=TODAY()", "NS"]]
    )


def xlsx_truncated() -> bytes:
    data = xlsx_bytes([HEADER, ROW] * 50)
    return data[: len(data) // 2]


def xlsx_mangled_sheet() -> bytes:
    """A real archive whose worksheet XML stops mid-row."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADER, ROW, ROW])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) - 200]
            target.writestr(info, data)
    return out.getvalue()


def csv_text(lines: list[str], encoding: str = "utf-8") -> bytes:
    return "\r\n".join(lines).encode(encoding)


NASTY = {
    "formulas in xlsx cells": (xlsx_formulas(), "export.xlsx"),
    "truncated xlsx": (xlsx_truncated(), "export.xlsx"),
    "xlsx with a damaged sheet": (xlsx_mangled_sheet(), "export.xlsx"),
    "a 200,000-character field": (
        csv_bytes([ROW, [*ROW[:6], "x" * 200_000], ROW], HEADER),
        "e.csv",
    ),
    "a 10 MB line without a newline": (
        csv_bytes([ROW], HEADER) + b"A-2,Jane," + b"y" * 10_000_000,
        "e.csv",
    ),
    "a 10 MB header without a newline": (b"Chart #,First Name," + b"z" * 10_000_000, "e.csv"),
    "an unclosed quote": (csv_bytes([ROW], HEADER) + b'A-3,"Jane,Doe,555\n' * 3, "e.csv"),
    "NUL bytes in rows": (csv_bytes([ROW, ["A-\x002", "J\x00ne", "Doe", "", "", "", ""]]), "e.csv"),
    "NUL bytes in the header": (
        csv_text(["Chart\x00 #,First\x00Name,Cell", "A-1,Jane,555"]),
        "e.csv",
    ),
    "UTF-16 without a BOM": (csv_text([",".join(HEADER), ",".join(ROW)], "utf-16-le"), "e.csv"),
    "UTF-16 with a BOM": (csv_text([",".join(HEADER), ",".join(ROW)], "utf-16"), "e.csv"),
    "Shift-JIS": (csv_text(["名前,電話", "山田,090-1234-5678"], "shift_jis"), "e.csv"),
    "Latin-1 names": (
        csv_text(["Nom,Prénom,Téléphone", "Müller,Zoë,555-0100"], "latin-1"),
        "e.csv",
    ),
    "duplicate headers": (csv_text(["Cell,Cell,First Name,First Name", "1,2,Jane,Ann"]), "e.csv"),
    "headers of punctuation": (csv_text(['"","#",";;","=cmd|x"', "Jane,555,a,b"]), "e.csv"),
    "a 40 KB header": (csv_text([f"First Name,{'H' * 40_000}", "Jane,x"]), "e.csv"),
    "ten thousand columns": (csv_text([",".join(f"C{i}" for i in range(10_000)), "1"]), "e.csv"),
    "header only": (csv_text([",".join(HEADER)]), "e.csv"),
    "rows wider than the header": (csv_text(["First Name,Cell", "Jane,555,extra,more"]), "e.csv"),
    "a lone carriage return file": ("\r".join([",".join(HEADER), ",".join(ROW)]).encode(), "e.csv"),
    "an html page": (b"<!doctype html><html><table><tr><td>x</td></tr></table>", "e.csv"),
    "a zip that is not a workbook": (b"PK\x03\x04" + b"\x00" * 200, "export.xlsx"),
}


@pytest.fixture
def admin_client(client_for, member):
    return client_for(member(Role.ADMIN))


def url(name, practice, **kwargs):
    return reverse(f"contacts:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


def through_the_wizard(client, practice, data: bytes, name: str) -> None:
    """Upload, show the mapping page, preview, start and run, show the summary: each
    step answers with a page, and a refused file says why."""
    response = client.post(url("imports", practice), {"file": SimpleUploadedFile(name, data)})
    if response.status_code == 200:  # refused: the upload form says why
        errors = re.findall(
            r'class="errorlist[^"]*"[^>]*>\s*<li>([^<]+)', response.content.decode()
        )
        assert errors and all(error.strip() for error in errors)
        assert not ImportBatch.objects.exists()
        return
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    detail = url("import_detail", practice, batch_id=batch.pk)
    assert client.get(detail).status_code == 200
    mapping = dict(batch.mapping)
    preview = client.post(url("import_preview", practice, batch_id=batch.pk), mapping)
    assert preview.status_code == 200
    start = client.post(url("import_start", practice, batch_id=batch.pk), mapping)
    assert start.status_code == 302
    batch.refresh_from_db()
    if batch.status == ImportStatus.QUEUED:
        batch = import_batch_run(batch.pk)
        assert batch.status == ImportStatus.DONE or batch.error
    assert client.get(detail).status_code == 200


@pytest.mark.parametrize(("data", "name"), NASTY.values(), ids=NASTY.keys())
def test_a_nasty_file_gets_a_page_with_a_message_never_an_error(admin_client, practice, data, name):
    through_the_wizard(admin_client, practice, data, name)


HEADER_PIECES = st.sampled_from(
    ["First", " Name", "Cell", "#", "é", "\x00", "\x07", "\ufeff", "=", "@", "1", " ", "\t", '"']
)
MUTATED_HEADERS = st.lists(st.lists(HEADER_PIECES, max_size=6).map("".join), min_size=1, max_size=8)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(headers=MUTATED_HEADERS, xlsx=st.booleans())
def test_mutated_headers_get_a_page_never_an_error(admin_client, practice, headers, xlsx):
    ImportBatch.objects.all().delete()
    rows = [headers, ["Jane", "(212) 555-0101", "=1+1", "\x00", "x" * 300, "", "1", "2"]]
    if xlsx:
        clean = [[re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", str(c)) for c in r] for r in rows]
        through_the_wizard(admin_client, practice, xlsx_bytes(clean), "export.xlsx")
    else:
        data = "\r\n".join(",".join(f'"{c}"' for c in r) for r in rows).encode()
        through_the_wizard(admin_client, practice, data, "export.csv")
