"""Direct identifiers: refused by column name and value, dropped only with --allow-identifiers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netcomp.cli import main
from netcomp.data import contract
from netcomp.data.cohort import load_cohort
from netcomp.data.validate import (
    deidentified_copy,
    identifier_column_reason,
    identifier_columns,
    identifier_value_kind,
    normalise_column_name,
    validate_cohort,
)
from tests.cohorts import write_second_cohort
from tests.conftest import BUNDLED


def _add_column(folder: Path, filename: str, column: str, values) -> None:
    df = pd.read_csv(folder / filename, dtype=str, keep_default_na=False)
    df[column] = values
    df.to_csv(folder / filename, index=False, lineterminator="\n")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("PatientName", "patient_name"),
        ("DateOfBirth", "date_of_birth"),
        ("CodiceFiscale", "codice_fiscale"),
        ("NHSNumber", "nhs_number"),
        ("Data di nascita", "data_di_nascita"),
        ("e-mail", "e_mail"),
        ("Città", "citta"),
        ("  hospital.Number ", "hospital_number"),
    ],
)
def test_column_names_are_normalised(name, expected):
    assert normalise_column_name(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "PatientName",
        "patient_name",
        "Patient Name",
        "DateOfBirth",
        "date of birth",
        "birthdate",
        "BirthDate",
        "dob",
        "DOB",
        "CodiceFiscale",
        "codice_fiscale",
        "codicefiscale",
        "CF",
        "cognome",
        "Nome",
        "nome_paziente",
        "telefono",
        "Telefono cellulare",
        "nhs_number",
        "NHSNumber",
        "initials",
        "Iniziali",
        "hospital_number",
        "HospitalNo",
        "FullName",
        "full name",
        "first_name",
        "LastName",
        "surname",
        "Surname",
        "email",
        "E-mail",
        "emailAddress",
        "phone",
        "phoneNumber",
        "Telephone",
        "mobile",
        "MRN",
        "medical_record_no",
        "address",
        "Indirizzo",
        "street",
        "postcode",
        "Postal code",
        "ZIP",
        "zip_code",
        "CAP",
        "data_di_nascita",
        "luogo_nascita",
        "national_id",
        "SSN",
        "passport_number",
        "patient_id",
        "Name",
        "names",
        "tessera_sanitaria",
        "residenza",
    ],
)
def test_identifier_column_names_are_recognised(name):
    assert identifier_column_reason(name) is not None, name


@pytest.mark.parametrize(
    "name",
    [
        "gene_name",
        "GeneName",
        "drug_name",
        "drugName",
        "sample_name",
        "cell_line_name",
        "site",
        "batch",
        "notes",
        "plate",
        "well",
        "ki67",
        "response",
        "dose",
        "time_h",
        "drug_id",
        "condition",
        "passage",
        "comment",
        "operator_code",
        "tumour_size_mm",
        "nome_farmaco",
        "hospital_name",
        "centre",
        "date_of_surgery_year",
        "sample",
        *[c.name for t in contract.TABLES for c in t.columns],
    ],
)
def test_no_false_alarms_on_non_identifier_names(name):
    assert identifier_column_reason(name) is None, name


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("mario.rossi@example.com", "e-mail address"),
        ("Contact: j.smith@nhs.net", "e-mail address"),
        ("+39 333 1234567", "phone number"),
        ("0039 02 12345678", "phone number"),
        ("020 7946 0958", "phone number"),
        ("(020) 7946 0958", "phone number"),
        ("333-123-4567", "phone number"),
        ("+1 (555) 123-4567", "phone number"),
        ("RSSMRA85T10A562S", "codice fiscale"),
        ("rssmra85t10a562s", "codice fiscale"),
        ("943 476 5919", "NHS number"),
        ("9434765919", "NHS number"),
        ("1950-03-12", "calendar date (possible date of birth)"),
        ("12/03/1950", "calendar date (possible date of birth)"),
        ("Mario Rossi 12.3.1950", "calendar date (possible date of birth)"),
        ("Rossi M., nato il 12 marzo 1950", "calendar date (possible date of birth)"),
        ("NET-2021-03-15", "calendar date (possible date of birth)"),
        ("123-45-6789", "social security number"),
        ("AB 12 34 56 C", "national insurance number"),
    ],
)
def test_identifier_values_are_recognised(value, kind):
    assert identifier_value_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "NET01",
        "PT-001",
        "C-2023",
        "plate-3-well-12",
        "lenvatinib",
        "drug-x_2",
        "HRAS",
        "p.G12V",
        "p.E746_A750del",
        "78.5",
        "0.000123456789",
        "1.5e-7",
        "2023",
        "10",
        "G2",
        "pancreas",
        "9434765918",  # an NHS number with a wrong check digit
        "1234567890",
        "good response",
        "<script>alert(1)</script>",
        "12345",
        "",
    ],
)
def test_no_false_alarms_on_ordinary_values(value):
    assert identifier_value_kind(value) is None


def test_nhs_check_digit_is_the_modulus_11_rule():
    # independent computation of the NHS check digit for the documented example 943 476 591
    digits = [9, 4, 3, 4, 7, 6, 5, 9, 1]
    check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
    assert check == 9
    assert identifier_value_kind("943476591" + str(check)) == "NHS number"
    for wrong in set(range(10)) - {check}:
        assert identifier_value_kind("943476591" + str(wrong)) is None


def test_bundled_and_other_cohorts_raise_no_identifier_alarm(tmp_path: Path):
    for folder in (BUNDLED, write_second_cohort(tmp_path / "second")):
        report = validate_cohort(folder)
        assert report.ok and not any("identifier" in p.message for p in report.problems)


def test_thing_names_are_only_unknown_columns(cohort_dir: Path):
    _add_column(cohort_dir, "expression.csv", "gene_name", "HRas proto-oncogene")
    _add_column(cohort_dir, "viability.csv", "drug_name", "Lenvima")
    report = validate_cohort(cohort_dir)
    assert report.ok
    assert sorted((w.file, w.column) for w in report.warnings) == [
        ("expression.csv", "gene_name"),
        ("viability.csv", "drug_name"),
    ]
    assert all("unknown column" in w.message for w in report.warnings)


@pytest.mark.parametrize(
    "column",
    [
        "PatientName",
        "DateOfBirth",
        "birthdate",
        "CodiceFiscale",
        "cognome",
        "telefono",
        "nhs_number",
        "initials",
        "hospital_number",
        "FullName",
    ],
)
def test_identifier_column_is_refused_then_dropped_and_named(
    cohort_dir: Path, tmp_path: Path, column: str
):
    _add_column(cohort_dir, "cultures.csv", column, "x")
    report = validate_cohort(cohort_dir)
    (err,) = report.errors
    assert (err.file, err.line, err.column) == ("cultures.csv", 1, column)
    assert "identifier" in err.message and "--allow-identifiers" in err.message
    allowed = validate_cohort(cohort_dir, allow_identifiers=True)
    assert allowed.ok
    (warn,) = allowed.warnings
    assert warn.column == column and "dropped" in warn.message
    assert allowed.dropped_columns == {"cultures.csv": [column]}
    copy = deidentified_copy(cohort_dir, tmp_path / "copy")
    header = (copy / "cultures.csv").read_text().splitlines()[0].split(",")
    assert header == pd.read_csv(BUNDLED / "cultures.csv", nrows=0).columns.tolist()


def test_identifier_values_in_an_unknown_column(cohort_dir: Path, tmp_path: Path):
    notes = ["ok"] * 11
    notes[2] = "call +39 333 1234567"
    notes[6] = "mario.rossi@example.com"
    _add_column(cohort_dir, "cultures.csv", "notes", notes)
    report = validate_cohort(cohort_dir)
    errors = [e for e in report.errors]
    assert [(e.file, e.line, e.column) for e in errors] == [
        ("cultures.csv", 4, "notes"),
        ("cultures.csv", 8, "notes"),
    ]
    assert "phone number" in errors[0].message and "e-mail address" in errors[1].message
    # the identifying value itself is not repeated in the report
    assert "1234567" not in report.format() and "rossi" not in report.format()
    allowed = validate_cohort(cohort_dir, allow_identifiers=True)
    assert allowed.ok
    (warn,) = [w for w in allowed.warnings if w.column == "notes"]
    assert "dropped" in warn.message and "line 4" in warn.message
    copy = deidentified_copy(cohort_dir, tmp_path / "copy")
    text = (copy / "cultures.csv").read_text()
    assert "notes" not in text and "@" not in text
    pd.testing.assert_frame_equal(
        load_cohort(copy).cultures, load_cohort(cohort_dir, allow_identifiers=True).cultures
    )


def test_identifier_values_in_culture_id_stay_errors(cohort_dir: Path):
    code = "RSSMRA85T10A562S"
    for name in ("cultures.csv", "viability.csv", "expression.csv", "mutations.csv"):
        path = cohort_dir / name
        path.write_text(path.read_text().replace("NET03,", f"{code},"))
    expected_lines = {
        name: [
            i
            for i, line in enumerate((cohort_dir / name).read_text().splitlines(), 1)
            if line.startswith(code + ",")
        ]
        for name in ("cultures.csv", "viability.csv", "expression.csv", "mutations.csv")
    }
    for allow in (False, True):
        report = validate_cohort(cohort_dir, allow_identifiers=allow)
        assert not report.ok
        for name, lines in expected_lines.items():
            found = [
                e
                for e in report.errors
                if e.file == name and e.column == "culture_id" and "codice fiscale" in e.message
            ]
            listed = min(len(lines), contract.MAX_PROBLEMS_PER_COLUMN)
            assert [e.line for e in found] == lines[:listed], name
        assert code not in report.format()
        assert all(e.column == "culture_id" for e in report.errors if not e.more)


def test_cli_validate_allow_identifiers(cohort_dir: Path, capsys):
    _add_column(cohort_dir, "cultures.csv", "Telefono", "02 1234 5678")
    assert main(["validate", str(cohort_dir)]) == 1
    out = capsys.readouterr().out
    assert "cultures.csv, line 1, column 'Telefono'" in out
    assert main(["validate", "--allow-identifiers", str(cohort_dir)]) == 0
    assert "dropped because --allow-identifiers" in capsys.readouterr().out


def test_identifier_columns_helper_keeps_order():
    assert identifier_columns(["culture_id", "Cognome", "gene_name", "eMail"]) == [
        "Cognome",
        "eMail",
    ]
