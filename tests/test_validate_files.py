"""Whatever a spreadsheet or an editor produces either validates or gets a precise report.

Each test writes a real file and checks the file, the line as an editor shows it, the column,
the value and the rule; the hypothesis test at the end breaks valid cohorts at random and
checks that validation never raises and always says where.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcomp.cli import main
from netcomp.data import contract
from netcomp.data.cohort import load_cohort
from netcomp.data.dictionary import write_template
from netcomp.data.validate import NUMBER_RE, validate_cohort
from tests.cohorts import CohortSpec, write_cohort
from tests.conftest import BUNDLED
from tests.strategies import examples


def _lines(folder: Path, name: str) -> list[str]:
    return (folder / name).read_text(encoding="utf-8").split("\n")


def _write_lines(folder: Path, name: str, lines: list[str], newline: str = "\n") -> None:
    (folder / name).write_bytes(newline.join(lines).encode("utf-8"))


def _set_last(line: str, value: str) -> str:
    return line.rsplit(",", 1)[0] + "," + value


def _workbook(folder: Path, target: Path, edit=None) -> Path:
    """The cohort in ``folder`` as one workbook; ``edit(name, frame)`` may change a sheet."""
    with pd.ExcelWriter(target) as xl:
        for name in ("cultures", "viability", "expression", "mutations"):
            frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
            if edit is not None:
                frame = edit(name, frame)
            frame.to_excel(xl, sheet_name=name, index=False)
        genes = (folder / "panel.txt").read_text().split()
        panel = pd.DataFrame({"gene": genes})
        if edit is not None:
            panel = edit("panel", panel)
        panel.to_excel(xl, sheet_name="panel", index=False)
    return target


# --------------------------------------------------------------------------- CSV shapes


@pytest.mark.parametrize("header_too", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_trailing_comma_on_every_row_is_accepted(cohort_dir: Path, header_too: bool, newline: str):
    for name in ("cultures.csv", "viability.csv"):
        lines = _lines(cohort_dir, name)
        body = [
            line + "," if line and (i > 0 or header_too) else line for i, line in enumerate(lines)
        ]
        _write_lines(cohort_dir, name, body, newline)
    report = validate_cohort(cohort_dir)
    assert report.ok and not report.warnings, report.format()
    pd.testing.assert_frame_equal(load_cohort(cohort_dir).viability, load_cohort(BUNDLED).viability)


def test_unquoted_decimal_comma_splits_the_row_and_is_explained(cohort_dir: Path):
    lines = _lines(cohort_dir, "viability.csv")
    lines[4] = _set_last(lines[4], "1,5")  # editor line 5
    lines[9] = _set_last(lines[9], "1,000")  # editor line 10
    _write_lines(cohort_dir, "viability.csv", lines)
    errors = validate_cohort(cohort_dir).errors
    by_line = {e.line: e for e in errors if e.file == "viability.csv"}
    assert "1,5 means 1.5" in by_line[5].message and "decimal point" in by_line[5].message
    assert "6 values" in by_line[5].message and "5 columns" in by_line[5].message
    assert by_line[5].value == "1,5"
    assert "ambiguous" in by_line[10].message and by_line[10].value == "1,000"
    assert all(e.rule for e in by_line.values())


def test_quoted_decimal_comma_and_thousands(cohort_dir: Path):
    lines = _lines(cohort_dir, "viability.csv")
    lines[1] = _set_last(lines[1], '"12,5"')
    lines[2] = _set_last(lines[2], '"1,000"')
    _write_lines(cohort_dir, "viability.csv", lines)
    e1, e2 = validate_cohort(cohort_dir).errors
    assert (e1.line, e1.column, e1.value) == (2, "viability_pct", "12,5")
    assert "12,5 means 12.5" in e1.message
    assert (e2.line, e2.column, e2.value) == (3, "viability_pct", "1,000")
    assert "ambiguous" in e2.message


def test_line_numbers_count_blank_lines_and_quoted_newlines(cohort_dir: Path):
    lines = _lines(cohort_dir, "cultures.csv")
    # a quoted value spanning two lines in an unknown column, then blank lines
    header = lines[0] + ",comment"
    rows = [line + ',"fine"' for line in lines[1:] if line]
    rows[0] = rows[0][: -len('"fine"')] + '"two\nlines"'
    text = [header, rows[0], "", "", *rows[1:4], "", *rows[4:]]
    # the row of NET05 now starts on editor line: 1 header + 2 (row 1) + 2 blank + 3 rows + 1
    text_str = "\n".join(text) + "\n"
    net05 = next(i for i, line in enumerate(text_str.split("\n"), 1) if line.startswith("NET05"))
    text_str = text_str.replace("NET05,pancreas", "NET05,liver").replace(
        "NET05,small_intestine", "NET05,liver"
    )
    (cohort_dir / "cultures.csv").write_text(text_str)
    report = validate_cohort(cohort_dir)
    (err,) = report.errors
    assert (err.file, err.line, err.column, err.value) == ("cultures.csv", net05, "site", "liver")
    assert net05 == 10
    (warn,) = report.warnings
    assert warn.column == "comment"


def test_duplicate_header_names_name_both_columns(cohort_dir: Path):
    lines = _lines(cohort_dir, "expression.csv")
    lines = [line + "," + line.split(",")[2] if line else line for line in lines]
    lines[0] = "culture_id,gene,fold_change,fold_change"
    _write_lines(cohort_dir, "expression.csv", lines)
    (err,) = validate_cohort(cohort_dir).errors
    assert (err.file, err.line, err.column) == ("expression.csv", 1, "fold_change")
    assert "columns 3 and 4" in err.message and "fold_change.1" in err.message


def test_row_with_too_few_values(cohort_dir: Path):
    lines = _lines(cohort_dir, "expression.csv")
    lines[3] = lines[3].rsplit(",", 1)[0]
    _write_lines(cohort_dir, "expression.csv", lines)
    errors = validate_cohort(cohort_dir).errors
    assert [(e.file, e.line) for e in errors] == [("expression.csv", 4)]
    assert "fewer values" in errors[0].message


def test_values_without_a_column_name(cohort_dir: Path):
    lines = _lines(cohort_dir, "expression.csv")
    lines[0] = lines[0] + ",,batch"
    lines[1:] = [line + ",x,A" if line else line for line in lines[1:]]
    _write_lines(cohort_dir, "expression.csv", lines)
    report = validate_cohort(cohort_dir)
    assert [(e.file, e.line) for e in report.errors] == [("expression.csv", 1)]
    assert "column 4 has values but no name" in report.errors[0].message
    assert [w.column for w in report.warnings] == ["batch"]


def test_values_under_a_trailing_empty_header_cell(cohort_dir: Path):
    lines = _lines(cohort_dir, "expression.csv")
    lines[0] = lines[0] + ","
    lines[1:] = [
        line + ("," if i % 7 else ",x") if line else line for i, line in enumerate(lines[1:])
    ]
    _write_lines(cohort_dir, "expression.csv", lines)
    report = validate_cohort(cohort_dir)
    assert [(e.file, e.line) for e in report.errors] == [("expression.csv", 1)]
    assert "column 4 has values but no name" in report.errors[0].message


def test_header_only_mutations_file_is_valid(cohort_dir: Path):
    (cohort_dir / "mutations.csv").write_text("culture_id,gene,variant,vaf\n")
    report = validate_cohort(cohort_dir)
    assert report.ok and not report.warnings, report.format()
    cohort = load_cohort(cohort_dir)
    assert cohort.mutations.empty
    assert not cohort.mutation_matrix().to_numpy().any()
    assert cohort.mutation_matrix().shape == (11, len(cohort.panel))


@pytest.mark.parametrize("name", ["cultures.csv", "viability.csv", "expression.csv"])
def test_header_only_other_files_are_errors(cohort_dir: Path, name: str):
    header = _lines(cohort_dir, name)[0]
    (cohort_dir / name).write_text(header + "\n\n")
    errors = [e for e in validate_cohort(cohort_dir).errors if e.file == name]
    assert errors and "no data rows" in errors[0].message and errors[0].line == 2


def test_an_unclosed_quote_is_one_error_naming_its_line_and_column(cohort_dir: Path):
    """Found by an adversarial pass: the reader swallowed the rest of the file into one value,
    and every swallowed culture was then reported missing (253 errors)."""
    lines = [line for line in _lines(cohort_dir, "cultures.csv") if line]
    header = lines[0].split(",")
    site = header.index("site")
    row = lines[2].split(",")
    row[site] = '"' + row[site]
    lines[2] = ",".join(row)
    (cohort_dir / "cultures.csv").write_text("\n".join(lines) + "\n")
    report = validate_cohort(cohort_dir)
    assert [(p.file, p.line, p.column, p.rule) for p in report.errors] == [
        ("cultures.csv", 3, "site", "quotes come in pairs")
    ]
    assert f"lines 3-{len(lines)} were read as one value" in report.errors[0].message


def test_a_quoted_line_break_in_a_value_is_not_an_unclosed_quote(cohort_dir: Path):
    lines = [line for line in _lines(cohort_dir, "cultures.csv") if line]
    lines[0] += ",notes"
    lines[1:] = [f"{line}," for line in lines[1:]]
    lines[-1] += '"first line\nsecond line, with a ""quoted"" word"'
    (cohort_dir / "cultures.csv").write_text("\n".join(lines) + "\n")
    report = validate_cohort(cohort_dir)
    assert report.ok and not any("quote" in p.message for p in report.problems)


def test_header_only_without_a_line_end_points_at_the_header(cohort_dir: Path):
    """A file that ends on its header has no line 2: the problem points at line 1 (the
    header), a line the user's editor shows (found by the CI profile's generated cohorts)."""
    header = _lines(cohort_dir, "cultures.csv")[0]
    (cohort_dir / "cultures.csv").write_text(header)
    errors = [e for e in validate_cohort(cohort_dir).errors if e.file == "cultures.csv"]
    assert [(e.message, e.line) for e in errors] == [("file has a header but no data rows", 1)]


def test_blank_panel_and_comment_lines(cohort_dir: Path):
    (cohort_dir / "panel.txt").write_text("# assayed genes\n\nMEN1\nhras\n")
    errors = validate_cohort(cohort_dir).errors
    bad = [e for e in errors if e.file == "panel.txt"]
    assert [(e.line, e.value) for e in bad] == [(4, "hras")]


# --------------------------------------------------------------------------- encodings


def test_latin1_file_names_each_line_and_the_fix(cohort_dir: Path):
    lines = _lines(cohort_dir, "cultures.csv")
    lines[0] += ",commento"
    lines[1:] = [line + ",ok" if line else line for line in lines[1:]]
    lines[3] = lines[3][:-2] + "attività ridotta"
    lines[7] = lines[7][:-2] + "però"
    (cohort_dir / "cultures.csv").write_bytes("\n".join(lines).encode("latin-1"))
    errors = validate_cohort(cohort_dir).errors
    assert [(e.file, e.line) for e in errors] == [("cultures.csv", 4), ("cultures.csv", 8)]
    assert all("UTF-8" in e.message and "Latin-1" in e.message for e in errors)
    assert "attività" in errors[0].value  # shown as the user's editor would show it


def test_utf16_and_binary_files_are_refused(cohort_dir: Path):
    text = (cohort_dir / "cultures.csv").read_text()
    (cohort_dir / "cultures.csv").write_bytes(text.encode("utf-16"))
    (cohort_dir / "panel.txt").write_bytes(b"MEN1\n\x00\x01\x02\n")
    errors = validate_cohort(cohort_dir).errors
    assert any(e.file == "cultures.csv" and "UTF-16" in e.message for e in errors)
    assert any(e.file == "panel.txt" and e.line == 2 and "NUL" in e.message for e in errors)


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "nan", "NaN", "1e999", "-INF"])
def test_numbers_must_be_finite(cohort_dir: Path, value: str):
    lines = _lines(cohort_dir, "viability.csv")
    lines[6] = _set_last(lines[6], value)
    _write_lines(cohort_dir, "viability.csv", lines)
    (err,) = validate_cohort(cohort_dir).errors
    assert (err.file, err.line, err.column, err.value) == (
        "viability.csv",
        7,
        "viability_pct",
        value,
    )
    assert (
        "not a finite number" in err.message
        and err.rule == contract.VIABILITY.column("viability_pct").rule()
    )


def test_long_values_are_clipped_in_messages(cohort_dir: Path):
    lines = _lines(cohort_dir, "viability.csv")
    lines[1] = _set_last(lines[1], "x" * 5000)
    _write_lines(cohort_dir, "viability.csv", lines)
    (err,) = validate_cohort(cohort_dir).errors
    assert err.value == "x" * 80 + "... (5000 characters)"
    assert len(str(err)) < 400


def test_at_most_20_problems_per_column_then_the_total(cohort_dir: Path, capsys):
    lines = _lines(cohort_dir, "viability.csv")
    for i in range(1, 36):
        lines[i] = _set_last(lines[i], "abc")
    for i in range(40, 43):
        cells = lines[i].split(",")
        cells[1] = cells[1].upper()
        lines[i] = ",".join(cells)
    _write_lines(cohort_dir, "viability.csv", lines)
    report = validate_cohort(cohort_dir)
    listed = [e for e in report.errors if e.column == "viability_pct" and not e.more]
    assert [e.line for e in listed] == list(range(2, 22))
    (more,) = [e for e in report.errors if e.more]
    assert more.more == 15 and "35 in total" in more.message
    assert more.column == "viability_pct" and more.file == "viability.csv"
    assert len([e for e in report.errors if e.column == "drug"]) == 3
    assert report.n_errors == 38
    assert main(["validate", str(cohort_dir)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 20 + 1 + 3 + 1 and "38 errors" in out[-1]


@pytest.mark.parametrize(
    "value",
    ["<script>", "NET`01`", "$x", "NET 01", "-NET01", "a" * 41, "NET01;", "ñet01", "NET/01"],
)
def test_culture_id_character_set(cohort_dir: Path, value: str):
    for name in ("cultures.csv", "viability.csv", "expression.csv", "mutations.csv"):
        path = cohort_dir / name
        text = path.read_text()
        quoted = '"' + value.replace('"', '""') + '"'
        path.write_text(re.sub(r"(?m)^NET01,", quoted + ",", text))
    errors = validate_cohort(cohort_dir).errors
    (err,) = [e for e in errors if e.file == "cultures.csv"]
    assert (err.line, err.column) == (2, "culture_id")
    assert "1-40 characters" in err.rule and "letters" in err.rule
    assert all(e.column == "culture_id" for e in errors if not e.more)


def test_culture_id_allowed_characters(cohort_dir: Path):
    for name in ("cultures.csv", "viability.csv", "expression.csv", "mutations.csv"):
        path = cohort_dir / name
        path.write_text(re.sub(r"(?m)^NET01,", "net.01_a-B9,", path.read_text()))
    assert validate_cohort(cohort_dir).ok


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("M", "male"),
        ("F", "female"),
        ("Male", "male"),
        ("female", "female"),
        ("m", "male"),
        ("w", "female"),
        ("W", "female"),
        ("maschio", "male"),
        ("Femmina", "female"),
        ("unknown", "unknown"),
        ("", ""),
    ],
)
def test_sex_spellings_are_normalised(cohort_dir: Path, given: str, expected: str):
    df = pd.read_csv(cohort_dir / "cultures.csv", dtype=str, keep_default_na=False)
    df.loc[3, "sex"] = given
    df.to_csv(cohort_dir / "cultures.csv", index=False)
    report = validate_cohort(cohort_dir)
    assert report.ok and not report.warnings, report.format()
    assert load_cohort(cohort_dir).cultures.loc[3, "sex"] == expected


def test_optional_columns_never_block_a_build(cohort_dir: Path):
    df = pd.read_csv(cohort_dir / "cultures.csv", dtype=str, keep_default_na=False)
    df.loc[0, "sex"] = "X"
    df.loc[1, "age_years"] = "abc"
    df.loc[2, "age_years"] = "150"
    df.loc[3, "age_years"] = "inf"
    df.to_csv(cohort_dir / "cultures.csv", index=False)
    report = validate_cohort(cohort_dir)
    assert report.ok
    got = {(w.line, w.column, w.value) for w in report.warnings}
    assert got == {
        (2, "sex", "X"),
        (3, "age_years", "abc"),
        (4, "age_years", "150"),
        (5, "age_years", "inf"),
    }
    assert all("ignored" in w.message for w in report.warnings)
    cultures = load_cohort(cohort_dir).cultures.set_index("culture_id")
    assert cultures.loc["NET01", "sex"] == ""
    assert cultures.loc[["NET02", "NET03", "NET04"], "age_years"].isna().all()
    original = pd.read_csv(BUNDLED / "cultures.csv").set_index("culture_id")
    assert cultures.loc["NET05", "age_years"] == original.loc["NET05", "age_years"]


def test_write_cohort_with_optional_columns_is_valid(tmp_path: Path):
    folder = write_cohort(tmp_path / "c", CohortSpec(with_optional=True, mutation_rate=0.0))
    report = validate_cohort(folder)
    assert report.ok and not report.warnings, report.format()
    raw = pd.read_csv(folder / "cultures.csv", dtype=str)["sex"].str.lower()
    expected = raw.map({"m": "male", "male": "male", "f": "female", "female": "female"})
    assert load_cohort(folder).cultures["sex"].tolist() == expected.tolist()


# --------------------------------------------------------------------------- workbooks


def test_workbook_rows_and_labels(cohort_dir: Path, tmp_path: Path):
    def edit(name: str, frame: pd.DataFrame) -> pd.DataFrame:
        if name == "cultures":
            frame.loc[4, "grade"] = "G9"
        return frame

    book = _workbook(cohort_dir, tmp_path / "cohort.xlsx", edit)
    (err,) = validate_cohort(book).errors
    assert (err.file, err.line, err.column, err.value) == (
        "cohort.xlsx, sheet 'cultures'",
        6,
        "grade",
        "G9",
    )
    assert "cohort.xlsx, sheet 'cultures', row 6, column 'grade'" in str(err)


def test_workbook_blank_rows_keep_sheet_row_numbers(cohort_dir: Path, tmp_path: Path):
    import openpyxl

    book = _workbook(cohort_dir, tmp_path / "cohort.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["viability"]
    ws.insert_rows(4, amount=2)  # two empty rows: data row 3 moves to sheet row 6
    ws.cell(row=8, column=5).value = "abc"
    wb["cultures"].title = "tmp"
    wb["tmp"].title = " Cultures"  # sheet names are matched ignoring case and spaces
    wb.save(book)
    (err,) = validate_cohort(book).errors
    assert (err.file, err.line, err.column) == (
        "cohort.xlsx, sheet 'viability'",
        8,
        "viability_pct",
    )


def test_workbook_dates_are_identifiers(cohort_dir: Path, tmp_path: Path):
    import datetime

    import openpyxl

    book = _workbook(cohort_dir, tmp_path / "cohort.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["cultures"]
    ws.cell(row=1, column=8).value = "born_on_sheet"
    ws.cell(row=1, column=9).value = "remark"
    ws.cell(row=3, column=9).value = datetime.datetime(1950, 3, 12)
    wb.save(book)
    errors = validate_cohort(book).errors
    assert {(e.line, e.column) for e in errors} == {(1, "born_on_sheet"), (3, "remark")}


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"culture_id,site\nNET01,pancreas\n", "CSV file renamed"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "97-2003"),
        (b"PK\x03\x04" + b"\x00" * 50, "cannot be opened"),
        (b"", "not an .xlsx workbook"),
        (bytes(range(256)), "not an .xlsx workbook"),
    ],
)
def test_broken_workbooks_are_refused_clearly(tmp_path: Path, content: bytes, phrase: str):
    book = tmp_path / "cohort.xlsx"
    book.write_bytes(content)
    report = validate_cohort(book)
    (err,) = report.errors
    assert err.file == "cohort.xlsx" and phrase in err.message


def test_workbook_with_a_damaged_part(cohort_dir: Path, tmp_path: Path):
    good = _workbook(cohort_dir, tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename.startswith("xl/worksheets/sheet2"):
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    report = validate_cohort(bad)
    assert not report.ok
    assert all(e.file.startswith("bad.xlsx") for e in report.errors)
    assert not any("unexpected" in e.message for e in report.errors), report.format()


@pytest.mark.parametrize("panel", [[], ["gene"]])
def test_empty_panel_sheet(cohort_dir: Path, tmp_path: Path, panel: list[str]):
    import openpyxl

    book = _workbook(cohort_dir, tmp_path / "cohort.xlsx")
    wb = openpyxl.load_workbook(book)
    del wb["panel"]
    ws = wb.create_sheet("panel")
    for i, value in enumerate(panel, start=1):
        ws.cell(row=i, column=1).value = value
    wb.save(book)
    errors = validate_cohort(book).errors
    assert [(e.file, e.message[:22]) for e in errors] == [
        ("cohort.xlsx, sheet 'panel'", "the panel lists no gen")
    ]


def test_folder_with_only_a_workbook_points_to_it(tmp_path: Path, cohort_dir: Path):
    folder = tmp_path / "only"
    folder.mkdir()
    _workbook(cohort_dir, folder / "mine.xlsx")
    errors = validate_cohort(folder).errors
    assert len(errors) == 5 and all("mine.xlsx" in e.message for e in errors)


# --------------------------------------------------------------------------- template


def test_template_into_an_existing_file_is_refused(tmp_path: Path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    with pytest.raises(FileExistsError, match="is a file"):
        write_template(target)
    assert main(["template", str(target)]) == 1
    assert "is a file" in capsys.readouterr().err
    assert target.read_text() == "keep me"
    with pytest.raises(FileExistsError, match="cannot create"):
        write_template(target / "sub")


# --------------------------------------------------------------------------- property test

JUNK = (
    "",
    " ",
    "abc",
    "inf",
    "-inf",
    "NaN",
    "1,5",
    "1,000",
    "1e999",
    "-1",
    "<script>",
    '"',
    "\x00",
    "é",
    "\u202e",
    "x" * 300,
    "1.2.3",
    "0x10",
    "+",
    "NULL",
    "=1+1",
    "\t",
)


@st.composite
def _broken(draw: st.DrawFn) -> tuple[int, list[tuple[str, str, int, int, str]]]:
    seed = draw(st.integers(0, 10_000))
    edits = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "cell",
                        "dup_row",
                        "blank",
                        "trailing",
                        "bom",
                        "cp1252",
                        "utf16",
                        "rename_header",
                        "dup_header",
                        "truncate",
                        "delete",
                        "shuffle_header",
                        "garbage",
                        "crlf",
                        "quote",
                    ]
                ),
                st.sampled_from([*contract.FILES]),
                st.integers(0, 1000),
                st.integers(0, 20),
                st.one_of(st.sampled_from(JUNK), st.text(max_size=12)),
            ),
            min_size=1,
            max_size=4,
        )
    )
    return seed, edits


def _edit_lines(lines: list[str], op: str, i: int, b: int, junk: str) -> list[str]:
    """The file's lines after a line-level edit (a cell, a row, the header)."""
    if op == "cell" and lines[i]:
        cells = lines[i].split(",")
        cells[b % len(cells)] = junk.replace("\n", " ")
        lines[i] = ",".join(cells)
    elif op == "dup_row":
        lines.insert(i, lines[i])
    elif op == "blank":
        lines.insert(i, "" if b % 2 else ",,,")
    elif op == "trailing":
        lines = [line + "," for line in lines]
    elif op in ("rename_header", "dup_header"):
        cells = lines[0].split(",")
        cells[b % len(cells)] = junk if op == "rename_header" else cells[(b + 1) % len(cells)]
        lines[0] = ",".join(cells)
    elif op == "shuffle_header":
        lines[0] = ",".join(reversed(lines[0].split(",")))
    elif op == "quote":
        lines.insert(i, '"' + junk)
    return lines


def _encoded(new: str, op: str) -> bytes:
    """The edited text as bytes: with a BOM, in cp1252 or UTF-16, with CRLF, or plain UTF-8."""
    if op == "bom":
        return b"\xef\xbb\xbf" + new.encode("utf-8")
    if op == "cp1252":
        return (new + "\nà").encode("cp1252", errors="replace")
    if op == "utf16":
        return new.encode("utf-16")
    if op == "crlf":
        return new.replace("\n", "\r\n").encode("utf-8", errors="surrogatepass")
    return new.encode("utf-8", errors="surrogatepass")


def _apply(folder: Path, edit: tuple[str, str, int, int, str]) -> None:
    op, name, a, b, junk = edit
    path = folder / name
    if not path.is_file():
        return
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    if op == "truncate":
        path.write_bytes(raw[: a % max(1, len(raw))])
    elif op == "delete":
        path.unlink()
    elif op == "garbage":
        path.write_bytes(np.random.default_rng(a).bytes(b * 10))
    else:
        lines = text.split("\n")
        lines = _edit_lines(lines, op, a % max(1, len(lines)), b, junk)
        path.write_bytes(_encoded("\n".join(lines), op))


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_broken())
def test_broken_cohorts_never_raise_and_always_say_where(case):
    seed, edits = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_cohort(
            Path(tmp) / "c",
            CohortSpec(
                n_cultures=3 + seed % 4,
                replicates=2,
                seed=seed,
                with_optional=bool(seed % 2),
                mutation_rate=0.3 if seed % 3 else 0.0,
            ),
        )
        for edit in edits:
            _apply(folder, edit)
        n_lines = {}
        for name in contract.FILES:
            if (folder / name).is_file():
                data = (folder / name).read_bytes()
                n_lines[name] = len(re.split(rb"\r\n|\r|\n", data))  # as editors count
        report = validate_cohort(folder)
        names = set(contract.FILES)
        for p in report.problems:
            assert p.file in names, p
            assert "unexpected" not in p.message, p
            assert p.severity in ("error", "warning")
            if p.value is not None or (
                p.column is not None and not p.more and p.file != contract.PANEL_FILENAME
            ):
                assert p.line is not None, p
            if p.line is not None:
                assert 1 <= p.line <= n_lines[p.file], (p, n_lines[p.file])
            if p.value is not None:
                assert len(p.value) <= 80 + len("... (99999 characters)")
        if report.ok:
            load_cohort(folder)  # a valid report always loads
        text = report.format()
        assert text.splitlines()[-1] == report.summary()
        # numbers in a valid report are exactly the finite values written as NUMBER_RE
        if report.ok:
            text = (folder / "viability.csv").read_text(encoding="utf-8-sig")
            # rows of only delimiters (an empty spreadsheet row, ",,,") are blank rows too
            text = "\n".join(ln for ln in text.splitlines() if ln.strip(", \t"))
            raw = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True
            )
            values = raw["viability_pct"].str.strip()
            values = values[values.ne("")]
            assert values.str.fullmatch(NUMBER_RE).all()


def test_the_data_contract_page_shows_real_output(cohort_dir: Path):
    lines = _lines(cohort_dir, "viability.csv")
    lines[4] = _set_last(lines[4], "1,5")
    _write_lines(cohort_dir, "viability.csv", lines)
    rows = _lines(cohort_dir, "cultures.csv")
    rows[0] += ",notes"
    rows[1:] = [row + ",ok" if row else row for row in rows[1:]]
    rows[3] = rows[3][:-2] + "a.b@example.org"
    rows[2] = re.sub(",(fe)?male,", ",X,", rows[2])
    _write_lines(cohort_dir, "cultures.csv", rows)
    shown = validate_cohort(cohort_dir).format().replace(str(cohort_dir), "my_cohort")
    page = (Path(__file__).resolve().parents[1] / "book" / "data_contract.md").read_text()
    example = page.split("```text\n", 1)[1].split("```", 1)[0]
    assert shown + "\n" == example


def test_a_file_above_the_size_limit_is_refused_unread(
    cohort_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    """A huge file is named with its size and the limit; the other files are still checked."""
    from netcomp.data import validate

    size = (cohort_dir / "expression.csv").stat().st_size
    monkeypatch.setattr(validate, "MAX_FILE_BYTES", size - 1)
    before = (cohort_dir / "expression.csv").read_bytes()
    report = validate_cohort(cohort_dir)
    refused = [p for p in report.errors if p.file == "expression.csv"]
    assert len(refused) == 1 and "netcomp reads files of at most" in refused[0].message
    assert refused[0].rule and refused[0].rule.endswith("MB per file")
    assert not [
        p
        for p in report.errors
        if p.file not in ("expression.csv",) and "expression" not in p.message
    ]
    assert (cohort_dir / "expression.csv").read_bytes() == before
