"""Uploads cannot exhaust memory or outlive their refusal: the size limit applies while
the file arrives, a workbook is checked for what it unpacks to before it is parsed, and
the mapping page reads what the upload read, never the file again."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.models import ImportBatch
from reactivate.models import Role
from tests.contacts.helpers import csv_bytes
from tests.contacts.test_import_wizard_fuzz import xlsx_bytes

MEGABYTE = 1024 * 1024
ROWS = [["A-1", "Jane", "Doe", "(212) 555-0101", "jane@example.com", "03/05/1980", "NS", ""]]


@pytest.fixture
def admin_client(client_for, member):
    return client_for(member(Role.ADMIN))


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "incoming"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    return settings.MEDIA_ROOT


def files_under(*folders: Path) -> list[Path]:
    return [path for folder in folders for path in folder.rglob("*") if path.is_file()]


def url(name, practice, **kwargs):
    return reverse(f"contacts:{name}", kwargs={"practice_slug": practice.slug, **kwargs})


def post_file(client, practice, data: bytes, name: str):
    return client.post(url("imports", practice), {"file": SimpleUploadedFile(name, data)})


def workbook_bomb(shared_strings: bytes | None = None, *, many: bool = True) -> bytes:
    """A real workbook whose shared strings are replaced by ~300 MB of XML that packs into
    a few hundred KB: many strings, or one string of it all."""
    template = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["First Name", "Phone"], ["Jane", "1"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in template.infolist():
            if "sharedStrings" not in info.filename:
                bomb.writestr(info, template.read(info))
        with bomb.open("xl/sharedStrings.xml", "w", force_zip64=True) as entry:
            entry.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            if shared_strings is not None:
                entry.write(shared_strings)
            else:
                piece = b"<si><t>aaaaaaaaaaaaaaaaaaaaaaaa</t></si>" if many else b"a" * 36
                entry.write(b"" if many else b"<si><t>")
                block = piece * (MEGABYTE // len(piece))
                for _ in range(300):
                    entry.write(block)
                entry.write(b"" if many else b"</t></si>")
            entry.write(b"</sst>")
    return out.getvalue()


def peak_of_request(client, practice, data: bytes, name: str):
    tracemalloc.start()
    try:
        response = post_file(client, practice, data, name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak


@pytest.mark.parametrize("many", [True, False], ids=["many strings", "one string"])
def test_a_workbook_that_unpacks_to_gigabytes_is_refused_before_it_is_read(
    admin_client, practice, media_root, many
):
    bomb = workbook_bomb(many=many)
    assert len(bomb) < 3 * MEGABYTE
    response, peak = peak_of_request(admin_client, practice, bomb, "export.xlsx")
    assert "This workbook is not a normal export" in response.content.decode()
    assert peak < 50 * MEGABYTE
    assert not ImportBatch.objects.exists()
    assert files_under(media_root) == []


def test_a_workbook_whose_shared_strings_unpack_past_the_limit_is_refused(
    admin_client, practice, media_root, settings
):
    settings.IMPORT_MAX_BYTES = MEGABYTE
    # Strings that do not pack well (a normal ratio), 3 MB of them: over twice the limit.
    strings = b"".join(
        b"<si><t>%08x-%d</t></si>" % (i * 2654435761 % 2**32, i) for i in range(100_000)
    )
    response = post_file(admin_client, practice, workbook_bomb(strings), "export.xlsx")
    assert "This workbook unpacks to" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert files_under(media_root) == []


def test_an_upload_over_the_limit_is_refused_as_it_arrives_and_leaves_no_file(
    admin_client, practice, media_root, settings
):
    settings.IMPORT_MAX_BYTES = 64 * 1024
    response = post_file(admin_client, practice, csv_bytes(ROWS * 20_000), "export.csv")
    assert "The file is larger than 64 KB" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert files_under(media_root, settings.FILE_UPLOAD_TEMP_DIR) == []


def test_the_mapping_page_shows_what_the_upload_read_without_reading_the_file_again(
    admin_client, practice, media_root
):
    post_file(admin_client, practice, csv_bytes(ROWS), "export.csv")
    batch = ImportBatch.objects.get()
    Path(batch.file.path).write_bytes(b"\x00 not the upload any more")
    page = admin_client.get(url("import_detail", practice, batch_id=batch.pk))
    assert page.context["preview"][0].values["first_name"] == "Jane"
    preview = admin_client.post(url("import_preview", practice, batch_id=batch.pk), batch.mapping)
    assert preview.context["preview"][0].values["phone"] == "+12125550101"
