"""Reading a practice's CSV or XLSX export into a header and rows (contacts.tabular)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from contacts.tabular import Table, TableError, table_open


def write(tmp_path: Path, content: bytes | str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def write_xlsx(tmp_path: Path, rows: list[list[object]], name: str = "export.xlsx") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def all_rows(table: Table) -> list[tuple[int, list[str] | None, str]]:
    return list(table.rows())


def error_of(path: Path, **kwargs: object) -> str:
    with pytest.raises(TableError) as caught:
        table_open(path, **kwargs)
    return str(caught.value)


# Text encodings ----------------------------------------------------------------------------


def test_utf8_csv_gives_headers_and_rows(tmp_path):
    path = write(tmp_path, "First Name,Last Name,Phone\nZoë,Ng,555-0100\n")

    table = table_open(path)

    assert table.encoding == "utf-8"
    assert table.delimiter == ","
    assert table.headers == ["First Name", "Last Name", "Phone"]
    assert all_rows(table) == [(1, ["Zoë", "Ng", "555-0100"], "")]


def test_utf8_bom_is_detected_and_not_part_of_the_first_header(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfFirst Name,Phone\r\nAna,555-0100\r\n")

    table = table_open(path)

    assert table.encoding == "utf-8-sig"
    assert table.headers == ["First Name", "Phone"]
    assert all_rows(table) == [(1, ["Ana", "555-0100"], "")]


def test_windows_1252_file_falls_back_to_cp1252(tmp_path):
    path = write(tmp_path, "First Name,Phone\nJosé,555-0100\n".encode("cp1252"))

    table = table_open(path)

    assert table.encoding == "cp1252"
    assert all_rows(table) == [(1, ["José", "555-0100"], "")]


def test_cp1252_file_with_a_utf8_bom_drops_the_bom(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + "Name,Phone\nJosé,555\n".encode("cp1252"))

    table = table_open(path)

    assert table.encoding == "cp1252"
    assert table.headers == ["Name", "Phone"]
    assert all_rows(table) == [(1, ["José", "555"], "")]


def test_non_ascii_text_beyond_the_first_64_kib_is_still_decoded_as_a_whole(tmp_path):
    filler = "".join(f"Patient {n},555-{n:04d}\n" for n in range(5000))
    path = write(tmp_path, ("Name,Phone\n" + filler + "José,555\n").encode("cp1252"))

    table = table_open(path)

    assert table.encoding == "cp1252"
    assert list(table.rows())[-1] == (5001, ["José", "555"], "")


def test_unknown_encoding_is_refused(tmp_path):
    # 0x81 and 0x8D are undefined in Windows-1252 and invalid as UTF-8.
    path = write(tmp_path, b"Name,Phone\nJos\x81\x8d,555\n")

    assert error_of(path) == "The file's text encoding is not recognized: save it as UTF-8 CSV."


def test_utf16_text_is_refused_as_an_unrecognized_encoding(tmp_path):
    path = write(tmp_path, "Name\tPhone\r\nAna\t555\r\n".encode("utf-16"))

    assert error_of(path) == "The file's text encoding is not recognized: save it as UTF-8 CSV."


# Delimiters and quoting --------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(tmp_path, delimiter):
    lines = [["First Name", "Last Name", "Phone"], ["Ana", "Ng", "555-0100"]]
    path = write(tmp_path, "".join(delimiter.join(line) + "\n" for line in lines))

    table = table_open(path)

    assert table.delimiter == delimiter
    assert table.headers == lines[0]
    assert all_rows(table) == [(1, lines[1], "")]


def test_commas_inside_values_do_not_beat_the_real_delimiter(tmp_path):
    path = write(
        tmp_path, 'Name;Notes;Amount\n"Ng, Ana";likes mornings, weekdays;1,5\nBo;x, y, z;2\n'
    )

    table = table_open(path)

    assert table.delimiter == ";"
    assert all_rows(table)[0] == (1, ["Ng, Ana", "likes mornings, weekdays", "1,5"], "")


def test_one_column_file_uses_comma(tmp_path):
    path = write(tmp_path, "Phone\n555-0100\n555-0101\n")

    table = table_open(path)

    assert table.delimiter == ","
    assert table.headers == ["Phone"]
    assert [cells for _, cells, _ in table.rows()] == [["555-0100"], ["555-0101"]]


def test_quoted_field_with_embedded_newlines_is_one_cell(tmp_path):
    path = write(
        tmp_path, 'Name,Notes,Phone\r\nAna,"Called twice.\r\nWants Tuesday",555\r\nBo,,556\r\n'
    )

    rows = all_rows(table_open(path))

    assert rows == [
        (1, ["Ana", "Called twice.\r\nWants Tuesday", "555"], ""),
        (2, ["Bo", "", "556"], ""),
    ]


def test_cells_are_stripped_of_surrounding_whitespace(tmp_path):
    path = write(tmp_path, " First Name , Phone \n  Ana  ,\t555 \n")

    table = table_open(path)

    assert table.headers == ["First Name", "Phone"]
    assert all_rows(table) == [(1, ["Ana", "555"], "")]


def test_control_characters_are_dropped_from_cells_but_line_breaks_kept(tmp_path):
    path = write(tmp_path, 'Chart,Address\nA\x1f12\x07,"1 Main St\nApt 2\x0b"\n')

    table = table_open(path)

    assert all_rows(table) == [(1, ["A12", "1 Main St\nApt 2"], "")]


# Rows --------------------------------------------------------------------------------------


def test_row_with_too_many_values_is_reported_and_later_rows_continue(tmp_path):
    path = write(tmp_path, "Name,Phone\nAna,555,extra,more\nBo,556\n")

    assert all_rows(table_open(path)) == [
        (1, None, "row has 4 values but the header has 2 columns"),
        (2, ["Bo", "556"], ""),
    ]


def test_row_with_too_few_values_is_reported_and_later_rows_continue(tmp_path):
    path = write(tmp_path, "Name,Phone,Email\nAna\nBo,556,bo@example.com\n")

    assert all_rows(table_open(path)) == [
        (1, None, "row has 1 value but the header has 3 columns"),
        (2, ["Bo", "556", "bo@example.com"], ""),
    ]


def test_trailing_blank_values_beyond_the_header_are_ignored(tmp_path):
    path = write(tmp_path, "Name,Phone\nAna,555,,\n")

    assert all_rows(table_open(path)) == [(1, ["Ana", "555"], "")]


def test_trailing_blank_header_cells_are_dropped(tmp_path):
    path = write(tmp_path, "Name,Phone,\nAna,555,\n")

    table = table_open(path)

    assert table.headers == ["Name", "Phone"]
    assert all_rows(table) == [(1, ["Ana", "555"], "")]


def test_blank_rows_are_skipped_but_keep_their_row_numbers(tmp_path):
    path = write(tmp_path, "\n\nName,Phone\nAna,555\n\n , \n,,\nBo,556\n")

    assert all_rows(table_open(path)) == [(1, ["Ana", "555"], ""), (5, ["Bo", "556"], "")]


def test_header_only_file_has_no_rows(tmp_path):
    path = write(tmp_path, "First Name,Phone\n")

    table = table_open(path)

    assert table.headers == ["First Name", "Phone"]
    assert all_rows(table) == []


def test_rows_can_be_read_again(tmp_path):
    path = write(tmp_path, "Name,Phone\nAna,555\n")
    table = table_open(path)

    assert all_rows(table) == all_rows(table) == [(1, ["Ana", "555"], "")]


def test_overlong_value_mid_file_is_a_malformed_row_and_reading_continues(tmp_path):
    path = write(tmp_path, 'Name,Notes\nAna,"' + "x" * 200_000 + "\nBo,ok\n")

    rows = all_rows(table_open(path))

    assert rows[0][0] == 1
    assert rows[0][1] is None
    assert "never closed" in rows[0][2]
    assert rows[-1][1] == ["Bo", "ok"]


def test_nul_character_mid_file_is_a_malformed_row_and_reading_continues(tmp_path):
    filler = "Ana,555\n" * 10_000  # past the first 64 KiB, where NUL means a binary file
    path = write(tmp_path, "Name,Phone\n" + filler + "B\x00o,556\nCy,557\n")

    rows = all_rows(table_open(path))

    assert rows[-2:] == [
        (10_001, None, "row contains a NUL character (the file may be damaged)"),
        (10_002, ["Cy", "557"], ""),
    ]


# Headers -----------------------------------------------------------------------------------


def test_duplicate_headers_get_a_number_suffix(tmp_path):
    path = write(tmp_path, "Phone,Name,Phone,phone\n1,Ana,2,3\n")

    assert table_open(path).headers == ["Phone", "Name", "Phone (2)", "phone (3)"]


def test_blank_headers_are_named_by_position(tmp_path):
    path = write(tmp_path, "Name,,Phone\nAna,x,555\n")

    assert table_open(path).headers == ["Name", "Column 2", "Phone"]


def test_first_row_of_data_is_not_accepted_as_a_header(tmp_path):
    path = write(tmp_path, "ana@example.com,(555) 010-0100,03/05/2024,\nbo@example.com,556,\n")

    assert error_of(path) == (
        "No header row: the first row must name the columns (e.g. First Name, Phone)."
    )


def test_header_row_is_the_first_non_blank_row(tmp_path):
    path = write(tmp_path, "\n,,\nName,Phone\nAna,555\n")

    assert table_open(path).headers == ["Name", "Phone"]


# Files we refuse ---------------------------------------------------------------------------


def test_empty_file_is_refused(tmp_path):
    assert error_of(write(tmp_path, b"")) == "The file is empty."


def test_file_of_only_whitespace_and_a_bom_is_empty(tmp_path):
    assert error_of(write(tmp_path, b"\xef\xbb\xbf \r\n\t\n")) == "The file is empty."


def test_binary_file_is_refused(tmp_path):
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))

    assert error_of(path) == "This does not look like a CSV or Excel file."


def test_file_over_the_size_limit_is_refused(tmp_path):
    path = write(tmp_path, "Name\n" + "Ana\n" * 400_000)  # 1.6 MB

    assert error_of(path, max_bytes=1024 * 1024) == "The file is 1.5 MB; the limit is 1 MB."


def test_old_xls_file_is_refused(tmp_path):
    path = write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "export.xls")

    assert error_of(path) == "Old Excel .xls files are not supported: save as .xlsx or CSV."


def test_html_saved_as_xls_is_refused(tmp_path):
    path = write(tmp_path, "<html><body><table><tr><td>Name</td></tr></table>", "export.xls")

    assert error_of(path) == (
        "This file is a web page or XML, not CSV or Excel: save it as .xlsx or CSV."
    )


def test_truncated_xlsx_is_damaged(tmp_path):
    good = write_xlsx(tmp_path, [["Name", "Phone"], ["Ana", "555"]])
    path = write(tmp_path, good.read_bytes()[:300], "damaged.xlsx")

    assert error_of(path) == "This .xlsx file is damaged or not an Excel workbook."


def test_zip_that_is_not_a_workbook_is_damaged(tmp_path):
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("export.csv", "Name,Phone\nAna,555\n")

    assert error_of(path) == "This .xlsx file is damaged or not an Excel workbook."


def test_text_named_xlsx_is_damaged(tmp_path):
    path = write(tmp_path, "this is not a workbook", "export.xlsx")

    assert error_of(path) == "This .xlsx file is damaged or not an Excel workbook."


def test_missing_file_is_a_table_error(tmp_path):
    assert error_of(tmp_path / "gone.csv").startswith("The file could not be read")


# XLSX --------------------------------------------------------------------------------------


def test_xlsx_gives_headers_and_text_rows(tmp_path):
    path = write_xlsx(tmp_path, [["First Name", " Phone "], ["  Ana ", "555-0100"]])

    table = table_open(path)

    assert (table.encoding, table.delimiter) == ("xlsx", "")
    assert table.headers == ["First Name", "Phone"]
    assert all_rows(table) == [(1, ["Ana", "555-0100"], "")]


def test_xlsx_is_detected_by_content_not_extension(tmp_path):
    path = write_xlsx(tmp_path, [["Name"], ["Ana"]], name="upload.csv")

    assert table_open(path).encoding == "xlsx"


def test_xlsx_numbers_become_text_without_a_useless_decimal(tmp_path):
    path = write_xlsx(
        tmp_path, [["Chart", "Phone", "Amount", "Paid"], [42, 5551230100.0, 1.5, True]]
    )

    assert all_rows(table_open(path)) == [(1, ["42", "5551230100", "1.5", "TRUE"], "")]


def test_xlsx_dates_become_iso_text(tmp_path):
    rows = [
        ["Birth", "Seen", "Called"],
        [dt.date(2024, 3, 5), dt.datetime(2024, 3, 6), dt.datetime(2024, 3, 7, 14, 30)],
    ]
    path = write_xlsx(tmp_path, rows)

    assert all_rows(table_open(path)) == [
        (1, ["2024-03-05", "2024-03-06", "2024-03-07 14:30:00"], "")
    ]


def test_xlsx_formula_is_kept_as_its_text_not_evaluated(tmp_path):
    path = write_xlsx(tmp_path, [["Amount", "Double"], [2, "=A2*2"]])

    assert all_rows(table_open(path)) == [(1, ["2", "=A2*2"], "")]


def test_xlsx_blank_rows_are_skipped_but_keep_their_row_numbers(tmp_path):
    path = write_xlsx(tmp_path, [[], ["Name", "Phone"], ["Ana", 555], [None, None], ["Bo", 556]])

    assert all_rows(table_open(path)) == [(1, ["Ana", "555"], ""), (3, ["Bo", "556"], "")]


def test_xlsx_short_row_is_padded_with_blanks(tmp_path):
    path = write_xlsx(tmp_path, [["Name", "Phone", "Email"], ["Ana"]])

    assert all_rows(table_open(path)) == [(1, ["Ana", "", ""], "")]


def test_xlsx_value_beyond_the_header_is_reported(tmp_path):
    path = write_xlsx(tmp_path, [["Name", "Phone"], ["Ana", 555, None, "stray"], ["Bo", 556]])

    assert all_rows(table_open(path)) == [
        (1, None, "row has 4 values but the header has 2 columns"),
        (2, ["Bo", "556"], ""),
    ]


def test_xlsx_duplicate_and_blank_headers_are_named(tmp_path):
    path = write_xlsx(tmp_path, [["Phone", None, "Phone"], [1, 2, 3]])

    assert table_open(path).headers == ["Phone", "Column 2", "Phone (2)"]


def test_xlsx_with_a_wrong_recorded_size_is_read_whole(tmp_path):
    good = write_xlsx(tmp_path, [["Name", "Phone"], ["Ana", 555], ["Bo", 556]], "good.xlsx")
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B3"', b'<dimension ref="A1"')
                assert b'<dimension ref="A1"' in data
            target.writestr(item, data)

    assert all_rows(table_open(path)) == [(1, ["Ana", "555"], ""), (2, ["Bo", "556"], "")]


def test_empty_xlsx_is_refused(tmp_path):
    path = write_xlsx(tmp_path, [])

    assert error_of(path) == "The first worksheet of this workbook is empty."
