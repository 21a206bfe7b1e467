"""Every rule of the cohort contract gives a clear problem naming file, line and column."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from netcomp.cli import main
from netcomp.data.cohort import load_cohort
from netcomp.data.validate import CohortError, validate_cohort
from tests.conftest import BUNDLED


def _edit(folder: Path, filename: str, row: int, column: str, value: str) -> None:
    """Set one cell (0-based data row) of a CSV in ``folder``, keeping everything as text."""
    df = pd.read_csv(folder / filename, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(folder / filename, index=False, lineterminator="\n")


def _only_error(folder: Path, **kwargs):
    report = validate_cohort(folder, **kwargs)
    assert not report.ok
    return report.errors


def test_bundled_cohort_is_valid():
    report = validate_cohort(BUNDLED)
    assert report.ok and not report.warnings, report.format()


def test_cli_validate_exit_codes(cohort_dir: Path, capsys):
    assert main(["validate", str(cohort_dir)]) == 0
    assert "0 errors" in capsys.readouterr().out
    _edit(cohort_dir, "cultures.csv", 0, "grade", "G7")
    _edit(cohort_dir, "viability.csv", 1, "viability_pct", "-3")
    assert main(["validate", str(cohort_dir)]) == 1
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert len(lines) == 3  # every problem, then the one-line summary
    assert "2 errors" in lines[-1] and "NOT valid" in lines[-1]


def test_missing_folder(tmp_path: Path):
    (err,) = _only_error(tmp_path / "nope")
    assert "folder not found" in err.message


def test_missing_required_file(cohort_dir: Path):
    (cohort_dir / "expression.csv").unlink()
    (err,) = _only_error(cohort_dir)
    assert err.file == "expression.csv" and "missing" in err.message


def test_empty_file(cohort_dir: Path):
    (cohort_dir / "mutations.csv").write_text("")
    (err,) = _only_error(cohort_dir)
    assert err.file == "mutations.csv" and "empty" in err.message


def test_missing_column_with_rename_hint(cohort_dir: Path):
    df = pd.read_csv(cohort_dir / "cultures.csv", dtype=str).rename(columns={"ki67_pct": "ki67"})
    df.to_csv(cohort_dir / "cultures.csv", index=False)
    (err,) = _only_error(cohort_dir)
    assert (err.file, err.line, err.column) == ("cultures.csv", 1, "ki67_pct")
    assert "rename it to 'ki67_pct'" in err.message


def test_unknown_column_is_a_warning_and_kept_out(cohort_dir: Path):
    df = pd.read_csv(cohort_dir / "cultures.csv", dtype=str)
    df["batch"] = "A"
    df.to_csv(cohort_dir / "cultures.csv", index=False)
    report = validate_cohort(cohort_dir)
    assert report.ok
    (warn,) = report.warnings
    assert (warn.file, warn.column) == ("cultures.csv", "batch")
    assert "batch" not in load_cohort(cohort_dir).cultures.columns


def test_duplicate_culture_id(cohort_dir: Path):
    _edit(cohort_dir, "cultures.csv", 2, "culture_id", "NET01")
    errors = _only_error(cohort_dir)
    dup = [e for e in errors if "duplicate" in e.message]
    assert {e.line for e in dup} == {2, 4}  # both copies are named
    assert all(e.file == "cultures.csv" and e.column == "culture_id" for e in dup)


def test_culture_id_unknown_in_another_file(cohort_dir: Path):
    _edit(cohort_dir, "expression.csv", 4, "culture_id", "NET1")
    (err,) = _only_error(cohort_dir)
    assert (err.file, err.line, err.column, err.value) == (
        "expression.csv",
        6,
        "culture_id",
        "NET1",
    )
    assert "not listed in cultures.csv" in err.message and "did you mean" in err.message


def test_culture_without_viability(cohort_dir: Path):
    df = pd.read_csv(cohort_dir / "viability.csv", dtype=str)
    df[df["culture_id"] != "NET05"].to_csv(cohort_dir / "viability.csv", index=False)
    (err,) = _only_error(cohort_dir)
    assert (err.file, err.line, err.column, err.value) == ("cultures.csv", 6, "culture_id", "NET05")


def test_non_numeric_value(cohort_dir: Path):
    _edit(cohort_dir, "cultures.csv", 3, "ki67_pct", "high")
    (err,) = _only_error(cohort_dir)
    assert (err.file, err.line, err.column, err.value) == ("cultures.csv", 5, "ki67_pct", "high")
    assert err.message == "not a number"


def test_decimal_comma(cohort_dir: Path):
    _edit(cohort_dir, "viability.csv", 7, "viability_pct", "12,5")
    (err,) = _only_error(cohort_dir)
    assert (err.file, err.line, err.column) == ("viability.csv", 9, "viability_pct")
    assert "decimal comma" in err.message and "12.5" in err.message


@pytest.mark.parametrize(
    ("filename", "row", "column", "value"),
    [
        ("viability.csv", 0, "viability_pct", "-5"),
        ("cultures.csv", 1, "ki67_pct", "140"),
        ("mutations.csv", 2, "vaf", "1.5"),
        ("expression.csv", 3, "fold_change", "0"),
        ("viability.csv", 4, "concentration_um", "0"),
        ("viability.csv", 5, "replicate", "0"),
    ],
)
def test_value_out_of_range(cohort_dir: Path, filename, row, column, value):
    _edit(cohort_dir, filename, row, column, value)
    errors = _only_error(cohort_dir)
    err = next(e for e in errors if e.column == column)
    assert (err.file, err.line, err.value) == (filename, row + 2, value)
    assert "out of range" in err.message and err.rule


def test_whole_number_replicate(cohort_dir: Path):
    _edit(cohort_dir, "viability.csv", 0, "replicate", "1.5")
    (err,) = _only_error(cohort_dir)
    assert (err.column, err.message) == ("replicate", "not a whole number")


@pytest.mark.parametrize(
    ("column", "value", "suggestion"),
    [
        ("site", "Pancreas", "pancreas"),
        ("grade", "g2", "G2"),
        ("site", "small intestine", "small_intestine"),
        ("site", "pancraes", "pancreas"),
    ],
)
def test_unknown_category_with_did_you_mean(cohort_dir: Path, column, value, suggestion):
    _edit(cohort_dir, "cultures.csv", 0, column, value)
    (err,) = _only_error(cohort_dir)
    assert (err.file, err.line, err.column, err.value) == ("cultures.csv", 2, column, value)
    assert f"did you mean '{suggestion}'" in err.message
    assert "one of" in err.rule  # the allowed list


def test_semicolon_separated_file(cohort_dir: Path):
    text = (cohort_dir / "cultures.csv").read_text().replace(",", ";")
    (cohort_dir / "cultures.csv").write_text(text)
    errors = _only_error(cohort_dir)
    err = next(e for e in errors if e.file == "cultures.csv")
    assert "semicolon" in err.message and err.line == 1


def test_bom_prefixed_file_is_read_with_a_warning(cohort_dir: Path):
    raw = (cohort_dir / "cultures.csv").read_bytes()
    (cohort_dir / "cultures.csv").write_bytes(b"\xef\xbb\xbf" + raw)
    report = validate_cohort(cohort_dir)
    assert report.ok
    (warn,) = report.warnings
    assert warn.file == "cultures.csv" and "byte-order mark" in warn.message


def test_mutated_gene_not_in_panel(cohort_dir: Path):
    _edit(cohort_dir, "mutations.csv", 0, "gene", "GENEX")
    (err,) = _only_error(cohort_dir)
    assert (err.file, err.line, err.column, err.value) == ("mutations.csv", 2, "gene", "GENEX")
    assert "panel.txt" in err.message


def test_bad_gene_symbol_and_variant_form(cohort_dir: Path):
    _edit(cohort_dir, "expression.csv", 0, "gene", "hras")
    _edit(cohort_dir, "mutations.csv", 1, "variant", "G12V")
    errors = _only_error(cohort_dir)
    assert {(e.file, e.line, e.column) for e in errors} == {
        ("expression.csv", 2, "gene"),
        ("mutations.csv", 3, "variant"),
    }


def test_empty_required_value(cohort_dir: Path):
    _edit(cohort_dir, "cultures.csv", 0, "grade", "")
    (err,) = _only_error(cohort_dir)
    assert (err.file, err.line, err.column) == ("cultures.csv", 2, "grade")
    assert "empty" in err.message


def test_all_problems_are_reported_at_once(cohort_dir: Path):
    _edit(cohort_dir, "cultures.csv", 0, "grade", "G4")
    _edit(cohort_dir, "cultures.csv", 1, "ki67_pct", "140")
    _edit(cohort_dir, "viability.csv", 0, "viability_pct", "abc")
    _edit(cohort_dir, "mutations.csv", 0, "vaf", "2")
    errors = _only_error(cohort_dir)
    assert len(errors) == 4


@pytest.mark.parametrize(
    "column", ["patient_name", "Date of birth", "email", "MRN", "codice_fiscale", "phone"]
)
def test_identifier_columns_are_refused_unless_allowed(cohort_dir: Path, column):
    df = pd.read_csv(cohort_dir / "cultures.csv", dtype=str)
    df[column] = "secret"
    df.to_csv(cohort_dir / "cultures.csv", index=False)
    (err,) = _only_error(cohort_dir)
    assert (err.file, err.column) == ("cultures.csv", column)
    assert "identifier" in err.message and "--allow-identifiers" in err.message
    report = validate_cohort(cohort_dir, allow_identifiers=True)
    assert report.ok
    assert column not in load_cohort(cohort_dir, allow_identifiers=True).cultures.columns


def test_xlsx_workbook(cohort_dir: Path, tmp_path: Path):
    book = tmp_path / "cohort.xlsx"
    with pd.ExcelWriter(book) as xl:
        for name in ("cultures", "viability", "expression", "mutations"):
            pd.read_csv(cohort_dir / f"{name}.csv", dtype=str).to_excel(
                xl, sheet_name=name, index=False
            )
        genes = (cohort_dir / "panel.txt").read_text().split()
        pd.DataFrame({"gene": genes}).to_excel(xl, sheet_name="panel", index=False)
    report = validate_cohort(book)
    assert report.ok, report.format()
    a, b = load_cohort(book), load_cohort(cohort_dir)
    pd.testing.assert_frame_equal(a.viability, b.viability)
    assert a.panel == b.panel


def test_load_cohort_raises_with_full_report(cohort_dir: Path):
    _edit(cohort_dir, "cultures.csv", 0, "site", "liver")
    with pytest.raises(CohortError) as info:
        load_cohort(cohort_dir)
    assert "cultures.csv, line 2, column 'site'" in str(info.value)


def test_validation_never_writes_to_the_input(cohort_dir: Path):
    def digest() -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(cohort_dir.iterdir())
        }

    before = digest()
    _edit(cohort_dir, "cultures.csv", 0, "grade", "g2")
    edited = digest()
    validate_cohort(cohort_dir)
    assert digest() == edited != before


def test_template_is_valid_and_has_a_dictionary(tmp_path: Path):
    assert main(["template", str(tmp_path / "t")]) == 0
    assert validate_cohort(tmp_path / "t").ok
    text = (tmp_path / "t" / "DICTIONARY.md").read_text()
    for column in ("culture_id", "ki67_pct", "viability_pct", "fold_change", "vaf"):
        assert f"`{column}`" in text
    assert main(["template", str(tmp_path / "t")]) == 1  # never overwrites


def test_data_dictionary_file_is_up_to_date():
    from netcomp.data.dictionary import dictionary_markdown

    assert (BUNDLED.parent / "DICTIONARY.md").read_text(encoding="utf-8") == dictionary_markdown()


@pytest.mark.parametrize("as_workbook", [False, True])
def test_deidentified_copy_drops_identifiers_and_keeps_the_rest(
    cohort_dir: Path, tmp_path: Path, as_workbook: bool
):
    from netcomp.data.validate import deidentified_copy

    df = pd.read_csv(cohort_dir / "cultures.csv", dtype=str)
    df["Date of birth"] = "1950-01-01"
    df.to_csv(cohort_dir / "cultures.csv", index=False)
    source = cohort_dir
    if as_workbook:
        source = tmp_path / "cohort.xlsx"
        with pd.ExcelWriter(source) as xl:
            for name in ("cultures", "viability", "expression", "mutations"):
                pd.read_csv(cohort_dir / f"{name}.csv", dtype=str).to_excel(
                    xl, sheet_name=name, index=False
                )
            genes = (cohort_dir / "panel.txt").read_text().split()
            pd.DataFrame({"gene": genes}).to_excel(xl, sheet_name="panel", index=False)
    copy = deidentified_copy(source, tmp_path / "copy")
    report = validate_cohort(copy)
    assert report.ok and not report.warnings, report.format()
    assert "1950-01-01" not in (copy / "cultures.csv").read_text()
    a, b = load_cohort(copy), load_cohort(source, allow_identifiers=True)
    pd.testing.assert_frame_equal(a.cultures, b.cultures)
    pd.testing.assert_frame_equal(a.viability, b.viability)
    assert a.panel == b.panel
