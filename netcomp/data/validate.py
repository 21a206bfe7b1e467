"""Validation of a cohort folder (or ``.xlsx`` workbook) against :mod:`netcomp.data.contract`.

Every problem is collected, not just the first: each names the file, the line as an editor
shows it (computed from the CSV reader's own positions, so blank lines and quoted line
breaks are counted; in a workbook, the sheet row), the column, the offending value (at most
80 characters of it), the rule and what to do. At most
:data:`netcomp.data.contract.MAX_PROBLEMS_PER_COLUMN` problems are listed per file and column,
then one line gives the total. Checks are vectorised, so time grows linearly with file size.
Files are only read; no input makes this module raise.
"""

from __future__ import annotations

import csv
import difflib
import gc
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcomp.data import contract
from netcomp.data.contract import Column, TableSpec
from netcomp.text.safe_text import clip, plain_text
from netcomp.text.wording import plural

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: How numbers must be written: optional sign, digits with a decimal point, optional exponent.
NUMBER_RE = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NON_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_COMMA_NUMBER = re.compile(r"[+-]?\d+,\d+")
_PANEL_HEADERS = ("gene", "genes", "symbol", "gene_symbol", "hgnc_symbol")


@dataclass(frozen=True)
class Problem:
    """One thing wrong (``error``) or worth knowing (``warning``) in a cohort.

    ``more`` > 0 marks the line that stands for that many further problems of the same file
    and column which were not listed one by one.
    """

    file: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    rule: str | None = None
    severity: str = "error"
    more: int = 0

    def __post_init__(self) -> None:
        if self.value is not None:
            object.__setattr__(self, "value", clip(self.value))
        if self.column is not None:
            object.__setattr__(self, "column", clip(self.column))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", {'row' if ', sheet ' in self.file else 'line'} {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        text = f"{self.severity.upper()}: {where}: {self.message}"
        if self.value is not None:
            text += f" (value: {self.value!r})"
        if self.rule:
            text += f" [rule: {self.rule}]"
        return text


@dataclass
class ValidationReport:
    """All problems found in a cohort, plus the tables that could be read.

    ``dropped_columns`` maps a file to the identifier columns left out of it (only with
    ``allow_identifiers``).
    """

    source: str
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    panel: tuple[str, ...] = ()
    dropped_columns: dict[str, list[str]] = field(default_factory=dict)
    _counts: dict[tuple[str, str | None, str], int] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def n_errors(self) -> int:
        """Number of errors, including those not listed one by one."""
        return sum(p.more or 1 for p in self.errors)

    @property
    def n_warnings(self) -> int:
        """Number of warnings, including those not listed one by one."""
        return sum(p.more or 1 for p in self.warnings)

    def add(self, problem: Problem) -> None:
        """Record a problem; beyond the per-column limit it is only counted."""
        key = (problem.file, problem.column, problem.severity)
        n = self._counts.get(key, 0) + 1
        self._counts[key] = n
        if n <= contract.MAX_PROBLEMS_PER_COLUMN:
            self.problems.append(problem)

    def add_many(
        self,
        file: str,
        column: str | None,
        lines: Iterable[int | None],
        values: Iterable[str | None],
        message: str | Callable[[str], str],
        rule: str | None = None,
        severity: str = "error",
        total: int | None = None,
    ) -> None:
        """Record one problem per (line, value), listing only up to the per-column limit.

        ``message`` may be a function of the value; it is called for listed values only, so
        a column with 200,000 bad values costs no more than one with 20.
        """
        key = (file, column, severity)
        room = max(0, contract.MAX_PROBLEMS_PER_COLUMN - self._counts.get(key, 0))
        listed = 0
        for line, value in zip(lines, values, strict=False):
            if listed >= room:
                break
            text = message(value or "") if callable(message) else message
            self.problems.append(
                Problem(
                    file, text, line=line, column=column, value=value, rule=rule, severity=severity
                )
            )
            listed += 1
        self._counts[key] = self._counts.get(key, 0) + (listed if total is None else total)

    def _finish(self) -> None:
        for (file, column, severity), n in self._counts.items():
            hidden = n - contract.MAX_PROBLEMS_PER_COLUMN
            if hidden > 0:
                where = f"column '{clip(column)}'" if column is not None else "this file"
                self.problems.append(
                    Problem(
                        file,
                        f"{hidden} more {severity}{'' if hidden == 1 else 's'} in {where} "
                        f"not listed ({n} in total, "
                        f"the first {contract.MAX_PROBLEMS_PER_COLUMN} are shown above); fix "
                        "those and validate again",
                        column=column,
                        severity=severity,
                        more=hidden,
                    )
                )
        self._counts = {}

    def summary(self, label: str | None = None) -> str:
        """One line: how many errors and warnings, and the verdict.

        ``label`` replaces the source path (pages show the data folder by name only).
        """
        verdict = "valid" if self.ok else "NOT valid"
        return (
            f"{plain_text(self.source if label is None else label)}: "
            f"{plural(self.n_errors, 'error')}, "
            f"{plural(self.n_warnings, 'warning')}: "
            f"cohort is {verdict}."
        )

    def format(self) -> str:
        """Every problem on its own line, then the summary line."""
        return "\n".join([*(str(p) for p in self.problems), self.summary()])


class CohortError(ValueError):
    """Raised when a cohort does not satisfy the data contract; carries the full report."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.format())


# --------------------------------------------------------------------------- identifiers


def normalise_column_name(name: str) -> str:
    """``'DateOfBirth'`` -> ``'date_of_birth'``: camelCase split, accents dropped, lower case."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


_NAME_WORDS = {"name", "names", "nome", "nomi", "nom", "nombre"}


def identifier_column_reason(name: str) -> str | None:
    """Why a column name suggests a direct patient identifier, or ``None`` if it does not.

    Contract columns never match. ``gene_name``, ``drug_name`` and other ``*_name`` columns
    about things, not persons, do not match either.
    """
    if str(name).strip() in {c.name for t in contract.TABLES for c in t.columns}:
        return None
    norm = normalise_column_name(name)
    if not norm:
        return None
    words = norm.split("_")
    glued = norm.replace("_", "")
    if glued in contract.IDENTIFIER_WHOLE_NAMES:
        return f"'{glued}'"
    for phrase in contract.IDENTIFIER_PHRASES:
        if f"_{phrase}_" in f"_{norm}_" or (len(phrase) > 6 and phrase.replace("_", "") in glued):
            return f"'{phrase.replace('_', ' ')}'"
    qualified = any(w in contract.NON_PERSON_QUALIFIERS for w in words)
    for word in words:
        if word in contract.IDENTIFIER_WORDS:
            if word in _NAME_WORDS and qualified:
                continue
            return f"'{word}'"
    for word in (
        "surname",
        "firstname",
        "lastname",
        "fullname",
        "patientname",
        "birthdate",
        "dateofbirth",
        "codicefiscale",
        "cognome",
        "telefono",
        "indirizzo",
        "nascita",
        "telephone",
        "email",
        "address",
        "postcode",
        "zipcode",
        "passport",
    ):
        if word in glued:
            return f"'{word}'"
    return None


def identifier_columns(columns: list[str]) -> list[str]:
    """Column names that suggest a direct patient identifier (name, birth date, phone, ...)."""
    return [c for c in columns if identifier_column_reason(c) is not None]


_MONTHS = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|gen|mag|giu|lug|ago|set|ott|"
    r"dic|gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|"
    r"novembre|dicembre)[a-z]*\.?"
)
_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "e-mail address",
        re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    ),
    (
        "codice fiscale",
        re.compile(
            r"(?<![A-Za-z0-9])[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[ABCDEHLMPRSTabcdehlmprst]"
            r"[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z]"
            r"(?![A-Za-z0-9])"
        ),
    ),
    (
        "calendar date (possible date of birth)",
        re.compile(
            r"(?<!\d)(?:(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
            r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d\d"
            r"|(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:19|20)\d\d"
            r"|(?:0?[1-9]|[12]\d|3[01])\s*" + _MONTHS + r"\s*(?:19|20)\d\d)(?!\d)",
            re.IGNORECASE,
        ),
    ),
    ("social security number", re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")),
    (
        "national insurance number",
        re.compile(
            r"(?<![A-Za-z0-9])[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])"
        ),
    ),
)
#: Phone numbers: an international prefix (+ or 00); or a leading 0 (a trunk prefix, in
#: brackets or followed by a separator, or 9+ digits written together); or an Italian mobile
#: number (3xx) written with separators. Decimal numbers never match.
_PHONE = re.compile(
    r"(?<![\w.,+])(?:(?:\+|00)[1-9]\d{0,2}(?:[\s/-]?\(?\d{1,5}\)?){2,6}"
    r"|\(0\d{1,4}\)[\s/-]?\d{3,4}(?:[\s-]?\d{2,4}){0,2}"
    r"|0\d{1,4}[\s/-]\d{3,4}(?:[\s-]?\d{2,4}){0,2}"
    r"|0\d{8,11}"
    r"|3\d{2}[\s/-]\d{3}[\s-]?\d{3,4})(?![\w.,])"
)
_NHS = re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{4}")


def _nhs_checksum_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def identifier_value_kind(value: str) -> str | None:
    """What kind of direct identifier a cell value looks like, or ``None``.

    E-mail addresses, phone numbers (international ``+``/``00`` prefix, or a leading ``0``
    or Italian mobile ``3xx`` with separators), calendar dates (a date of birth, alone or
    next to a name), codice fiscale, NHS numbers with a valid check digit, US social
    security and UK national insurance numbers.
    """
    text = str(value).strip()
    digits = sum(ch.isdigit() for ch in text)
    if "@" not in text and digits < 6:
        return None
    for kind, pattern in _VALUE_PATTERNS:
        if pattern.search(text):
            return kind
    for match in _PHONE.finditer(text):
        if 9 <= sum(ch.isdigit() for ch in match.group()) <= 15:
            return "phone number"
    if _NHS.fullmatch(text):
        plain = re.sub(r"\D", "", text)
        if _nhs_checksum_ok(plain):
            return "NHS number"
    return None


def _identifier_hits(values: pd.Series) -> pd.Series:
    """For a column of text, the identifier kind of each cell (``None`` where none)."""
    uniques = pd.unique(values[values.ne("")])
    kinds = {u: identifier_value_kind(u) for u in uniques}
    kinds = {u: k for u, k in kinds.items() if k is not None}
    if not kinds:
        return pd.Series(None, index=values.index, dtype=object)
    return values.map(kinds)


# --------------------------------------------------------------------------- reading


@dataclass
class RawTable:
    """A table as read: every column as stripped text, index = the line (or sheet row)."""

    label: str
    frame: pd.DataFrame
    header_line: int
    #: the file's last line as editors count them (``None`` for a sheet, which has no end)
    last_line: int | None = None


def _not_text_problem(raw: bytes, label: str) -> Problem | None:
    """A problem if the bytes are UTF-16 text, a zip archive or binary (NUL bytes)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(
            label,
            "file is UTF-16 text ('Unicode text'); save it as 'CSV UTF-8 (comma delimited)'",
            line=1,
            rule="UTF-8 encoding",
        )
    if raw.startswith(b"PK\x03\x04"):
        return Problem(
            label,
            "file is a zip archive (an Excel workbook renamed?), not "
            "text: save the sheet as 'CSV UTF-8', or give the .xlsx workbook",
            rule="UTF-8 text",
        )
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return Problem(
            label,
            "file contains NUL bytes: it is not a text (CSV) file",
            line=line,
            rule="UTF-8 text",
        )
    return None


def _report_non_utf8_lines(raw: bytes, label: str, report: ValidationReport) -> None:
    """One error per line that is not valid UTF-8, showing it as Windows-1252 text."""
    bad_lines = []
    for number, raw_line in enumerate(raw.split(b"\n"), start=1):
        try:
            raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad_lines.append((number, raw_line, raw_line[exc.start : exc.start + 1]))
    report.add_many(
        label,
        None,
        [n for n, _, _ in bad_lines],
        [text.decode("cp1252", errors="replace").strip() for _, text, _ in bad_lines],
        lambda _v: (
            "not UTF-8 text: this line has characters in another encoding (probably "
            "Latin-1/Windows-1252, as 'CSV (comma delimited)' or older Excel save it); "
            "save the file as 'CSV UTF-8 (comma delimited)'"
        ),
        rule="UTF-8 encoding",
    )


def _decode(raw: bytes, label: str, report: ValidationReport) -> str | None:
    """Bytes of a text file -> str, or ``None`` with an error naming the line and the fix."""
    if raw.startswith(b"\xef\xbb\xbf"):
        report.add(
            Problem(
                label,
                "file starts with a UTF-8 byte-order mark (BOM), as Excel writes it; it was "
                "read correctly, but save as plain 'CSV UTF-8' without BOM to silence this",
                line=1,
                severity="warning",
            )
        )
        raw = raw[3:]
    problem = _not_text_problem(raw, label)
    if problem is not None:
        report.add(problem)
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    _report_non_utf8_lines(raw, label, report)
    return None


#: Files above this size are refused before they are read (a whole-genome expression table of
#: 1,000 cultures x 20,000 genes is about 600 MB; validating it takes minutes, linear in size).
MAX_FILE_BYTES = 1024**3


def _read_bytes(path: Path, label: str, report: ValidationReport) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            report.add(
                Problem(
                    label,
                    f"is {size / 1024**2:,.0f} MB; netcomp reads files of at "
                    f"most {MAX_FILE_BYTES // 1024**2:,} MB: is this the right file? "
                    "Keep only the cultures and genes you analyse",
                    rule=f"at most {MAX_FILE_BYTES // 1024**2:,} MB per file",
                )
            )
            return None
        return path.read_bytes()
    except OSError as exc:
        report.add(Problem(label, f"cannot be read: {exc.strerror or exc}"))
        return None


def _csv_records(
    text: str,
    label: str,
    report: ValidationReport,
) -> list[tuple[int, list[str]]] | None:
    """Non-blank CSV records with the editor line each starts on (quoted newlines counted)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for fields in reader:
            start, previous = previous + 1, reader.line_num
            stripped = [f.strip() for f in fields]
            if any(stripped):
                records.append((start, stripped))
    except csv.Error as exc:
        report.add(
            Problem(
                label,
                f"cannot be read as CSV: {clip(exc)}",
                line=previous + 1,
                rule="comma-separated values",
            )
        )
        return None
    if records and text.count('"') % 2 == 1:
        unclosed = _unclosed_quote(records, label)
        if unclosed is not None:
            report.add(unclosed)
            return None
    return records


def _line_breaks(text: str) -> int:
    """How many line ends ``text`` holds, as editors count them (CRLF, CR or LF each one)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _unclosed_quote(records: list[tuple[int, list[str]]], label: str) -> Problem | None:
    """The problem of a quote that is never closed, or None if no value swallowed a line.

    An odd number of quote characters means one is never closed (a doubled quote inside a
    quoted value counts two); the CSV reader then reads everything after it, to the end of
    the file, as one value, and every later line seems missing: one clear error instead of
    hundreds about the lines it swallowed.
    """
    start, fields = records[-1]  # an unclosed quote runs to the end: it is in the last record
    for i, value in enumerate(fields):
        if "\n" in value or "\r" in value:
            header = records[0][1]
            column = header[i] if start != records[0][0] and i < len(header) else None
            last = start + _line_breaks(value)
            return Problem(
                label,
                f'a quote (") opened on this line is never closed, so lines {start}-{last} '
                "were read as one value; close the quote, or remove it",
                line=start,
                column=column,
                rule="quotes come in pairs",
            )
    return None


def _split_row_hint(
    fields: list[str], width: int, kinds: list[str]
) -> tuple[str, str | None, str | None]:
    """Explain a row with too many values: most often an unquoted decimal comma."""
    extra = len(fields) - width
    candidates = [
        i
        for i in range(len(fields) - 1)
        if len(fields[i]) + len(fields[i + 1]) <= 40
        and re.fullmatch(r"[+-]?\d+", fields[i])
        and re.fullmatch(r"\d+", fields[i + 1])
    ]
    if extra == 1:
        plausible = [i for i in candidates if i < width and kinds[i] in ("number", "unknown")]
        candidates = plausible or candidates
        # the measured values are usually the last columns: name the rightmost first
        candidates = sorted(candidates, key=lambda i: (kinds[i] != "number", -i))
    base = f"row has {len(fields)} values but the header has {width} columns"
    if not candidates:
        return (
            base + ": remove the extra values, or quote a value that contains a comma",
            None,
            None,
        )
    shown = [f"{fields[i]},{fields[i + 1]}" for i in candidates[:3]]
    first = shown[0]
    a, b = first.split(",")
    if len(b) == 3:
        hint = (
            f"'{first}' is ambiguous: {a}{b} with a thousands separator, or {a}.{b} with a "
            "decimal comma? Write the number without a comma, with a decimal point"
        )
    else:
        hint = f"{first} means {a}.{b} — use a decimal point"
    others = (" (" + " or ".join(repr(s) for s in shown) + "?)") if len(shown) > 1 else ""
    column = None
    if len(candidates) == 1 and candidates[0] < width:
        column = str(candidates[0])
    return (
        f"{base}: a number written with a decimal comma splits the row{others}; {hint}",
        column,
        first,
    )


def _header_problem(
    records: list[tuple[int, list[str]]],
    label: str,
    spec: TableSpec | None,
    report: ValidationReport,
) -> bool:
    """Report an empty file or a semicolon/tab-separated header; ``True`` if one was found."""
    if not records:
        report.add(
            Problem(
                label,
                "file is empty; it needs a header row"
                + ("" if spec is contract.MUTATIONS else " and at least one data row"),
                rule="header row + data rows",
            )
        )
        return True
    header_line, header = records[0]
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "semicolon" if ";" in header[0] else "tab"
        report.add(
            Problem(
                label,
                f"file is {sep}-separated; netcomp reads comma-separated files: save it as "
                "'CSV UTF-8 (comma delimited)' with '.' as the decimal point",
                line=header_line,
                value=header[0],
                rule="comma-separated values",
            )
        )
        return True
    return False


@dataclass
class _ShapedRows:
    """Data rows cut to the header's width, with their lines and the unnamed columns used."""

    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    short: list[int] = field(default_factory=list)
    unnamed_used: set[int] = field(default_factory=set)


def _shape_rows(
    records: list[tuple[int, list[str]]],
    header: list[str],
    full_width: int,
    kinds: list[str],
    label: str,
    report: ValidationReport,
) -> _ShapedRows:
    """Cut each data row to the header's width; rows with too many values are reported."""
    width = len(header)
    shaped = _ShapedRows()
    for line, fields in records:
        n = len(fields)
        if n > width:
            while n > width and fields[n - 1] == "":
                n -= 1  # trailing delimiters (every spreadsheet row ending in a comma)
            if width < n <= full_width:  # values under empty header cells at the end
                shaped.unnamed_used.update(i for i in range(width, n) if fields[i] != "")
                n = width
            if n > width:
                message, column, value = _split_row_hint(fields[:n], width, kinds)
                report.add(
                    Problem(
                        label,
                        message,
                        line=line,
                        column=header[int(column)] if column is not None else None,
                        value=value,
                        rule="one value per column; decimal point '.'",
                    )
                )
                continue
            fields = fields[:width]
        elif n < width:
            shaped.short.append(line)
            continue
        shaped.rows.append(fields)
        shaped.lines.append(line)
    return shaped


def _unnamed_column_problem(label: str, i: int, header_line: int) -> Problem:
    """A column with values under an empty header cell."""
    return Problem(
        label,
        f"column {i + 1} has values but no name in the header row; give it a name or delete it",
        line=header_line,
        rule="every column has a name",
    )


def _named_columns(
    frame: pd.DataFrame,
    header: list[str],
    header_line: int,
    label: str,
    report: ValidationReport,
) -> dict[int, str]:
    """Position -> name of the columns to keep; unnamed and repeated columns reported."""
    keep: dict[int, str] = {}
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name == "":
            if frame[i].ne("").any():
                report.add(_unnamed_column_problem(label, i, header_line))
            continue
        if name in seen:
            report.add(
                Problem(
                    label,
                    f"column name '{clip(name)}' appears twice (columns {seen[name] + 1} and "
                    f"{i + 1}); a table reader would silently rename the second to "
                    f"'{clip(name)}.1': delete or rename one of them",
                    line=header_line,
                    column=name,
                    rule="column names are unique",
                )
            )
            continue
        seen[name] = i
        keep[i] = name
    return keep


def _frame_from_records(
    records: list[tuple[int, list[str]]],
    label: str,
    spec: TableSpec | None,
    report: ValidationReport,
) -> RawTable | None:
    """Header + rows -> a text frame indexed by line; header and row-shape problems reported."""
    if _header_problem(records, label, spec, report):
        return None
    header_line, header = records[0]
    full_width = len(header)
    while header and header[-1] == "":
        header = header[:-1]  # a trailing delimiter on the header row
    width = len(header)
    kinds = []
    for name in header:
        col = next((c for c in spec.columns if c.name == name), None) if spec else None
        kinds.append(col.kind if col else "unknown")
    shaped = _shape_rows(records[1:], header, full_width, kinds, label, report)
    report.add_many(
        label,
        None,
        shaped.short,
        [None] * len(shaped.short),
        lambda _v: (
            "row has fewer values than the header has columns "
            f"({width}); fill in the missing values (leave a cell empty with ',,')"
        ),
        rule="one value per column",
    )
    frame = pd.DataFrame(
        shaped.rows,
        columns=range(width),
        index=pd.Index(shaped.lines, dtype="int64"),
        dtype=object,
    )
    if not shaped.rows:
        frame = pd.DataFrame({i: pd.Series(dtype=object) for i in range(width)})
    for i in sorted(shaped.unnamed_used):
        report.add(_unnamed_column_problem(label, i, header_line))
    keep = _named_columns(frame, header, header_line, label, report)
    frame = frame[list(keep)].rename(columns=keep)
    return RawTable(label, frame, header_line)


def _read_csv_table(
    path: Path, label: str, spec: TableSpec | None, report: ValidationReport
) -> RawTable | None:
    raw = _read_bytes(path, label, report)
    if raw is None:
        return None
    text = _decode(raw, label, report)
    if text is None:
        return None
    records = _csv_records(text, label, report)
    if records is None:
        return None
    table = _frame_from_records(records, label, spec, report)
    if table is not None:
        table.last_line = _line_breaks(text) + 1
    return table


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:-9] if text.endswith("T00:00:00") else text
    return str(value).strip()


def _not_xlsx_problem(raw: bytes, label: str) -> Problem | None:
    """A problem if the bytes are an old .xls / protected workbook or not a zip archive."""
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        return Problem(
            label,
            "this is an old Excel 97-2003 (.xls) or a password-protected "
            "workbook; save it as an unprotected Excel workbook (.xlsx)",
            rule=".xlsx workbook",
        )
    if not raw.startswith(b"PK\x03\x04"):
        what = "text (a CSV file renamed?)" if raw[:200].isascii() else "not a workbook"
        return Problem(
            label,
            f"is not an .xlsx workbook: its content is {what}; an .xlsx "
            "file is a zip archive. Save it from the spreadsheet as 'Excel "
            "workbook (.xlsx)', or give a folder of CSV files",
            rule=".xlsx workbook",
        )
    return None


def _load_workbook(raw: bytes, label: str, report: ValidationReport) -> Any | None:
    """The openpyxl workbook (read-only, cached values), or ``None`` with the problem reported."""
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        report.add(
            Problem(
                label,
                "cannot be opened as an .xlsx workbook (damaged or not "
                f"saved by a spreadsheet: {clip(exc)}); save it again as 'Excel "
                "workbook (.xlsx)'",
                rule=".xlsx workbook",
            )
        )
        return None
    except Exception as exc:  # openpyxl raises its own types for broken XML inside the zip
        report.add(
            Problem(
                label,
                "cannot be opened as an .xlsx workbook "
                f"({type(exc).__name__}: {clip(exc)}); save it again as 'Excel "
                "workbook (.xlsx)'",
                rule=".xlsx workbook",
            )
        )
        return None


def _sheet_records(ws: Any) -> list[tuple[int, list[str]]]:
    """Non-blank rows of a sheet as (sheet row, cell texts), padded to the widest row."""
    # the stored used range of a sheet often spans every row and column a user ever
    # formatted (up to 1,048,576 x 16,384): read the cells that exist, not the range
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    records = []
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        last = len(row)
        while last and (row[last - 1] is None or row[last - 1] == ""):
            last -= 1
        if last:
            records.append((number, [_cell_text(v) for v in row[:last]]))
    width = max((len(cells) for _, cells in records), default=0)
    return [(n, cells + [""] * (width - len(cells))) for n, cells in records]


def _open_workbook(path: Path, report: ValidationReport) -> dict[str, list[tuple[int, list[str]]]]:
    """Every sheet of a workbook as records (sheet row, cell texts); problems reported."""
    label = path.name
    raw = _read_bytes(path, label, report)
    if raw is None:
        return {}
    problem = _not_xlsx_problem(raw, label)
    if problem is not None:
        report.add(problem)
        return {}
    book = _load_workbook(raw, label, report)
    if book is None:
        return {}
    sheets: dict[str, list[tuple[int, list[str]]]] = {}
    try:
        for ws in book.worksheets:
            sheets[str(ws.title)] = _sheet_records(ws)
    except Exception as exc:  # a damaged sheet inside a readable zip
        report.add(
            Problem(
                label,
                f"a sheet cannot be read ({type(exc).__name__}: {clip(exc)});"
                " save the workbook again as 'Excel workbook (.xlsx)'",
                rule=".xlsx workbook",
            )
        )
    finally:
        book.close()
    return sheets


def _one_by_one(texts: Iterable[str]) -> Callable[[str], str]:
    """A message callback for :meth:`ValidationReport.add_many` giving ``texts`` in turn."""
    remaining = iter(texts)
    return lambda _value: next(remaining)


def _find_sheet(sheets: Mapping[str, object], name: str) -> str | None:
    for title in sheets:
        if title.strip().lower() == name:
            return title
    return None


@dataclass
class _Sources:
    """What a cohort path holds: table records per contract file, panel lines, labels."""

    labels: dict[str, str] = field(default_factory=dict)
    tables: dict[str, RawTable | None] = field(default_factory=dict)
    panel: list[tuple[int, str]] | None = None
    workbook: bool = False
    sheet_names: list[str] = field(default_factory=list)


def _load_sources(path: Path, report: ValidationReport) -> _Sources:
    src = _Sources(workbook=path.is_file())
    if src.workbook:
        sheets = _open_workbook(path, report)
        src.sheet_names = list(sheets)
        for spec in contract.TABLES:
            title = _find_sheet(sheets, spec.name)
            src.labels[spec.filename] = f"{path.name}, sheet '{title or spec.name}'"
            if title is not None:
                src.tables[spec.filename] = _frame_from_records(
                    sheets[title], src.labels[spec.filename], spec, report
                )
        title = _find_sheet(sheets, "panel")
        src.labels[contract.PANEL_FILENAME] = f"{path.name}, sheet '{title or 'panel'}'"
        if title is not None:
            lines = [(n, cells[0] if cells else "") for n, cells in sheets[title]]
            if lines and lines[0][1].strip().lower() in _PANEL_HEADERS:
                lines = lines[1:]
            src.panel = lines
        if not sheets:
            src.labels = {}  # the workbook could not be read: no per-sheet "missing" noise
        known = {spec.name for spec in contract.TABLES} | {"panel"}
        others = [t for t in sheets if t.strip().lower() not in known]
        if others:
            shown = ", ".join(repr(clip(t, 40)) for t in others[:10])
            more = f" and {len(others) - 10} more" if len(others) > 10 else ""
            report.add(
                Problem(
                    path.name,
                    f"sheet(s) {shown}{more} are not part of the data "
                    "contract and are not read; rename a sheet if it holds one of "
                    "cultures, viability, expression, mutations or panel",
                    severity="warning",
                )
            )
        return src
    for spec in contract.TABLES:
        src.labels[spec.filename] = spec.filename
        file = path / spec.filename
        if file.is_file():
            src.tables[spec.filename] = _read_csv_table(file, spec.filename, spec, report)
    src.labels[contract.PANEL_FILENAME] = contract.PANEL_FILENAME
    panel = path / contract.PANEL_FILENAME
    if panel.is_file():
        raw = _read_bytes(panel, contract.PANEL_FILENAME, report)
        text = _decode(raw, contract.PANEL_FILENAME, report) if raw is not None else None
        src.panel = [] if text is None else list(enumerate(re.split(r"\r\n|\r|\n", text), start=1))
    return src


def _read_panel_lines(
    lines: list[tuple[int, str]], name: str, report: ValidationReport
) -> tuple[str, ...]:
    genes: list[str] = []
    seen: dict[str, int] = {}
    pattern = re.compile(contract.GENE_PATTERN)
    for i, raw in lines:
        gene = raw.strip()
        if not gene or gene.startswith("#"):
            continue
        if not pattern.match(gene):
            report.add(
                Problem(
                    name,
                    "not a gene symbol",
                    line=i,
                    column="gene",
                    value=gene,
                    rule="HGNC symbol, upper case, one per line",
                )
            )
            continue
        if gene in seen:
            report.add(
                Problem(
                    name,
                    f"gene listed twice (first on line {seen[gene]})",
                    line=i,
                    column="gene",
                    value=gene,
                    severity="warning",
                )
            )
            continue
        seen[gene] = i
        genes.append(gene)
    if not genes:
        report.add(
            Problem(
                name,
                "the panel lists no genes; write one gene symbol per line",
                rule="one gene symbol per line",
            )
        )
    return tuple(genes)


# --------------------------------------------------------------------------- columns


def _identifier_named_columns(
    raw: RawTable, report: ValidationReport, allow_identifiers: bool
) -> list[str]:
    """Columns whose name marks a direct identifier, each reported (an error unless allowed)."""
    named: list[str] = []
    for col in raw.frame.columns:
        reason = identifier_column_reason(col)
        if reason is None:
            continue
        named.append(col)
        report.add(
            Problem(
                raw.label,
                f"column '{clip(col)}' looks like a direct patient identifier (its name has "
                f"{reason}); netcomp refuses it to protect patients: remove the column (use "
                "pseudonymised culture_id codes)"
                + (
                    ", or it is dropped because --allow-identifiers was given"
                    if allow_identifiers
                    else ", or pass --allow-identifiers to drop it and go on"
                ),
                line=raw.header_line,
                column=col,
                rule="no direct identifiers",
                severity="warning" if allow_identifiers else "error",
            )
        )
    return named


def _identifier_values(
    raw: RawTable,
    col: str,
    spec_col: Column | None,
    report: ValidationReport,
    allow_identifiers: bool,
) -> tuple[bool, pd.Series | None]:
    """Report identifier-looking values in one text column.

    Returns (drop the column?, mask of the cells reported); the mask is ``None`` when nothing
    was found or the column is dropped.
    """
    df, label = raw.frame, raw.label
    kinds = _identifier_hits(df[col])
    hit = kinds.notna()
    if not hit.any():
        return False, None
    first_line = int(df.index[hit.to_numpy()][0])
    if spec_col is None and allow_identifiers:
        report.add(
            Problem(
                label,
                f"column '{clip(col)}' holds values that look like direct identifiers "
                f"(first on line {first_line}: {kinds[hit].iloc[0]}); it is dropped because "
                "--allow-identifiers was given",
                line=raw.header_line,
                column=col,
                rule="no direct identifiers",
                severity="warning",
            )
        )
        return True, None
    fix = (
        "replace it with a pseudonymised code"
        if spec_col is not None
        else "remove the column or the value, or pass --allow-identifiers to drop this column"
    )
    sub = kinds[hit].iloc[: contract.MAX_PROBLEMS_PER_COLUMN]
    texts = [
        f"value looks like a direct patient identifier ({kind}; the value is not "
        f"repeated here): {fix}"
        for kind in sub
    ]
    report.add_many(
        label,
        col,
        sub.index.tolist(),
        [None] * len(sub),
        _one_by_one(texts),
        rule="no direct identifiers",
        total=int(hit.sum()),
    )
    return False, hit


def _screen_identifiers(
    raw: RawTable, spec: TableSpec, report: ValidationReport, allow_identifiers: bool
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Refuse (or drop) identifier columns; flag identifier-looking values.

    Returns the frame without dropped columns and, per contract column, the mask of cells
    already reported as identifiers (so they are not reported twice).
    """
    df, label = raw.frame, raw.label
    known = set(spec.column_names)
    drop = _identifier_named_columns(raw, report, allow_identifiers)
    flagged: dict[str, pd.Series] = {}
    for col in df.columns:
        if col in drop:
            continue
        spec_col = spec.column(col) if col in known else None
        if spec_col is not None and (spec_col.kind != "text"):
            continue
        dropped, hit = _identifier_values(raw, col, spec_col, report, allow_identifiers)
        if dropped:
            drop.append(col)
        elif spec_col is not None and hit is not None:
            flagged[col] = hit
    if drop:
        if allow_identifiers:
            report.dropped_columns.setdefault(label, []).extend(drop)
        df = df.drop(columns=drop)
    return df, flagged


def _did_you_mean(value: str, allowed: tuple[str, ...]) -> str:
    lowered = {a.lower(): a for a in allowed}
    if value.lower() in lowered:
        return f"; did you mean '{lowered[value.lower()]}'? (values are case-sensitive)"
    simple = value.lower().replace(" ", "_").replace("-", "_")
    if simple in lowered:
        return f"; did you mean '{lowered[simple]}'?"
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean '{lowered[close[0]]}'?" if close else ""


def _number_message(value: str) -> str:
    if len(value) <= 40 and _COMMA_NUMBER.fullmatch(value):
        a, b = value.split(",")
        if len(b) == 3:
            return (
                f"'{value}' is ambiguous: {a}{b} with a thousands separator, or {a}.{b} "
                "with a decimal comma? Write the number without a comma, with a decimal "
                "point"
            )
        return f"decimal comma: {value} means {a}.{b} — use a decimal point, e.g. {a}.{b}"
    if _NON_FINITE.fullmatch(value):
        return (
            "not a finite number (infinity and NaN are not data values; leave the cell "
            "empty only if the column is optional)"
        )
    return "not a number"


def _fullmatch(s: pd.Series, pattern: str) -> pd.Series:
    """Whether each value matches ``pattern`` (tested once per distinct value)."""
    regex = re.compile(pattern)
    verdict = {u: regex.fullmatch(u) is not None for u in pd.unique(s)}
    return s.map(verdict).astype(bool)


MaskReporter = Callable[[pd.Series, "str | Callable[[str], str]"], None]


def _mask_reporter(s: pd.Series, col: Column, label: str, report: ValidationReport) -> MaskReporter:
    """A function reporting the cells of a mask with a message (optional columns: warnings)."""
    lines = s.index
    optional = not col.required
    severity = "warning" if optional else "error"
    ignored = "; the value is ignored" if optional else ""
    rule = col.rule()

    def report_mask(mask: pd.Series, message: str | Callable[[str], str]) -> None:
        arr = mask.to_numpy()
        if not arr.any():
            return
        msg = (
            message
            if not ignored
            else ((lambda v: message(v) + ignored) if callable(message) else message + ignored)
        )
        report.add_many(
            label,
            col.name,
            lines[arr].tolist(),
            s[arr].tolist(),
            msg,
            rule=rule,
            severity=severity,
            total=int(arr.sum()),
        )

    return report_mask


def _check_numbers(
    s: pd.Series, empty: pd.Series, col: Column, report_mask: MaskReporter
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse a number column; returns (values, cells that failed, cells out of range)."""
    # pandas' C parser accepts exactly NUMBER_RE plus inf/infinity (any case)
    values = pd.to_numeric(s.where(~empty), errors="coerce").astype("float64")
    not_number = ~empty & values.isna()
    report_mask(not_number, _number_message)
    infinite = pd.Series(np.isinf(values.to_numpy()), index=s.index)
    report_mask(
        infinite,
        lambda v: (
            _number_message(v) if _NON_FINITE.fullmatch(v) else "not a finite number (too large)"
        ),
    )
    values = values.where(~infinite)
    bad = not_number | infinite
    if col.kind == "integer":
        frac = values.notna() & (values % 1 != 0)
        report_mask(frac, "not a whole number")
        values = values.where(~frac)
        bad |= frac
    out_of_range = pd.Series(False, index=s.index)
    if col.minimum is not None:
        out_of_range |= (values < col.minimum) if col.min_inclusive else (values <= col.minimum)
    if col.maximum is not None:
        out_of_range |= (values > col.maximum) if col.max_inclusive else (values >= col.maximum)
    report_mask(out_of_range, "value out of range")
    bad |= out_of_range
    return values, bad, out_of_range


def _check_column(
    df: pd.DataFrame,
    out: pd.DataFrame,
    col: Column,
    label: str,
    report: ValidationReport,
    skip: pd.Series | None,
) -> pd.Series:
    """Check one column against its rule; return the mask of cells that passed."""
    s = df[col.name].astype(str)
    empty = s.eq("")
    optional = not col.required
    report_mask = _mask_reporter(s, col, label, report)
    if col.required:
        report_mask(empty, "required value is empty")
    if col.kind in ("number", "integer"):
        values, bad, out_of_range = _check_numbers(s, empty, col, report_mask)
        out[col.name] = values.where(~(bad if optional else out_of_range))
        return ~bad & ~empty
    if col.name == "sex":
        mapped = s.str.lower().map(contract.SEX_ALIASES)
        unknown = ~empty & mapped.isna()
        report_mask(unknown, lambda v: "not a recognised sex value" + _did_you_mean(v, col.allowed))
        out[col.name] = mapped.where(~unknown, "").fillna("")
        return ~unknown & ~empty
    bad = pd.Series(False, index=df.index)
    if col.allowed:
        bad = ~empty & ~s.isin(col.allowed)
        report_mask(bad, lambda v: "unknown value" + _did_you_mean(v, col.allowed))
    elif col.pattern:
        bad = ~empty & ~_fullmatch(s, col.pattern)
        if skip is not None:
            bad &= ~skip
        report_mask(bad, "value has the wrong form")
    out[col.name] = s.where(~bad, "") if optional else s
    return ~bad & ~empty


def _column_set_problems(
    raw: RawTable, df: pd.DataFrame, spec: TableSpec, report: ValidationReport
) -> list[str]:
    """Report missing required and unknown columns; return the missing ones."""
    label = raw.label
    missing = [c for c in spec.required_columns if c not in df.columns]
    for col in missing:
        close = difflib.get_close_matches(col, [str(c) for c in df.columns], n=1)
        hint = f"; found '{clip(close[0])}': rename it to '{col}'" if close else ""
        report.add(
            Problem(
                label,
                f"required column '{col}' is missing{hint}",
                line=raw.header_line,
                column=col,
                rule="columns: " + ", ".join(spec.required_columns),
            )
        )
    known = set(spec.column_names)
    unknown = [col for col in df.columns if col not in known]
    limit = contract.MAX_PROBLEMS_PER_COLUMN
    for col in unknown[:limit]:
        report.add(
            Problem(
                label,
                f"unknown column '{clip(col)}' is kept out of the analysis "
                f"(known columns: {', '.join(spec.column_names)})",
                line=raw.header_line,
                column=col,
                severity="warning",
            )
        )
    if len(unknown) > limit:  # a wide export: one line, not one per column
        rest = unknown[limit:]
        named = ", ".join(repr(clip(c, 30)) for c in rest[:5])
        report.add(
            Problem(
                label,
                f"{len(rest)} more unknown columns ({named}, ...) are kept out of the "
                f"analysis ({len(unknown)} in total); is this the right file?",
                line=raw.header_line,
                severity="warning",
                more=len(rest),
            )
        )
    return missing


def _duplicate_rows(
    df: pd.DataFrame,
    out: pd.DataFrame,
    good: dict[str, pd.Series],
    spec: TableSpec,
    label: str,
    report: ValidationReport,
) -> None:
    """Report rows repeating the table's unique key (among cells that passed their checks)."""
    keys = [k for k in spec.unique if k in out.columns]
    if not keys or len(out) <= 1:
        return
    usable = np.logical_and.reduce([good[k].to_numpy() for k in keys])
    sub = out.loc[usable, keys]
    dup = sub.duplicated(keep=False)
    if not dup.any():
        return
    dups = sub[dup]
    group = dups.groupby(keys, sort=False).ngroup()
    key_text = ", ".join(keys)
    listed = dups.index[: contract.MAX_PROBLEMS_PER_COLUMN].tolist()
    values, messages = [], []
    for line in listed:
        same = group.index[group.to_numpy() == group.loc[line]].tolist()
        others = ", ".join([str(x) for x in same if x != line][:5])
        values.append(", ".join(str(df.at[line, k]) for k in keys))
        messages.append(
            f"duplicate row: the combination of ({key_text}) must be "
            f"unique; the same values are on "
            f"line{'' if len(same) == 2 else 's'} {others}"
        )
    texts = iter(messages)
    report.add_many(
        label,
        keys[0] if len(keys) == 1 else None,
        listed,
        values,
        lambda _v: next(texts),
        rule=f"unique ({key_text})",
        total=int(dup.sum()),
    )


def _check_table(
    raw: RawTable, spec: TableSpec, report: ValidationReport, allow_identifiers: bool
) -> pd.DataFrame | None:
    """All checks of one file; the contract columns as a typed frame (index = line)."""
    label = raw.label
    df, flagged = _screen_identifiers(raw, spec, report, allow_identifiers)
    if _column_set_problems(raw, df, spec, report):
        return None
    if df.empty and spec is not contract.MUTATIONS:
        # the line below the header, or the header itself when the file ends on it
        below = raw.header_line + 1
        report.add(
            Problem(
                label,
                "file has a header but no data rows",
                line=below if raw.last_line is None else min(below, raw.last_line),
                rule="at least one row",
            )
        )
        return None
    present = [c for c in spec.columns if c.name in df.columns]
    out = pd.DataFrame(index=df.index)
    good: dict[str, pd.Series] = {}
    for column in present:
        good[column.name] = _check_column(df, out, column, label, report, flagged.get(column.name))
    out = out[[c.name for c in present]]
    _duplicate_rows(df, out, good, spec, label, report)
    return out


# --------------------------------------------------------------------------- cross-file rules


def _unknown_culture_ids(
    report: ValidationReport,
    frames: dict[str, pd.DataFrame],
    labels: dict[str, str],
    known: set[str],
    cultures_label: str,
) -> None:
    """Report culture ids of the measurement tables that cultures.csv does not list."""
    sorted_known = sorted(known)

    def message(cid: str) -> str:
        close = difflib.get_close_matches(cid, sorted_known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"culture_id is not listed in {cultures_label}{hint}"

    for name in ("viability", "expression", "mutations"):
        df = frames.get(name)
        if df is None or df.empty:
            continue
        label = labels[contract.table(name).filename]
        ids = df["culture_id"].astype(str)
        unknown = ids.ne("") & ~ids.isin(known)
        arr = unknown.to_numpy()
        if arr.any():
            report.add_many(
                label,
                "culture_id",
                df.index[arr].tolist(),
                ids[arr].tolist(),
                message,
                rule=f"culture_id must appear in {cultures_label}",
                total=int(arr.sum()),
            )


def _cross_file_problems(
    report: ValidationReport, frames: dict[str, pd.DataFrame], labels: dict[str, str]
) -> None:
    """Rules across files: known culture ids, viability for every culture, genes in the panel."""
    cultures = frames.get("cultures")
    if cultures is None:
        return
    cultures_label = labels.get("cultures.csv", "cultures.csv")
    known = set(cultures["culture_id"].astype(str)) - {""}
    _unknown_culture_ids(report, frames, labels, known, cultures_label)
    viability = frames.get("viability")
    if viability is not None:
        ids = cultures["culture_id"].astype(str)
        missing = ids.ne("") & ~ids.isin(set(viability["culture_id"].astype(str)))
        arr = missing.to_numpy()
        vlabel = labels.get("viability.csv", "viability.csv")
        report.add_many(
            cultures_label,
            "culture_id",
            cultures.index[arr].tolist(),
            ids[arr].tolist(),
            f"culture has no viability measurement in {vlabel}; add its "
            "measurements or remove the culture",
            rule="every culture has viability data",
            total=int(arr.sum()),
        )
    mutations = frames.get("mutations")
    if mutations is not None and report.panel and not mutations.empty:
        genes = mutations["gene"].astype(str)
        outside = genes.ne("") & ~genes.isin(set(report.panel))
        arr = outside.to_numpy()
        report.add_many(
            labels["mutations.csv"],
            "gene",
            mutations.index[arr].tolist(),
            genes[arr].tolist(),
            f"gene is not in {labels.get(contract.PANEL_FILENAME, 'panel.txt')}: "
            "a mutation can only be reported for a gene the panel assays (add it "
            "to the panel or fix the symbol)",
            rule="gene listed in the panel",
            total=int(arr.sum()),
        )


# --------------------------------------------------------------------------- entry points


def validate_cohort(path: str | Path, allow_identifiers: bool = False) -> ValidationReport:
    """Check a cohort folder or ``.xlsx`` workbook; return every problem found.

    Nothing is written. With ``allow_identifiers`` a column that looks like a patient
    identifier (by its name, or by its values if it is not a contract column) is dropped
    with a warning instead of being an error; identifier-looking values in a contract
    column stay errors.
    """
    path = Path(path)
    report = ValidationReport(source=str(path))
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived cells, no cycles: collection would only cost time
    try:
        _validate(path, report, allow_identifiers)
    except OSError as exc:  # a folder or file the user may not read: their fix, not a bug
        where = f" ({clip(exc.filename)})" if exc.filename else ""
        report.add(
            Problem(
                str(path),
                f"cannot be read: {exc.strerror or exc}{where}; make "
                "sure you may read the folder and every file in it (ls -l)",
            )
        )
    except Exception as exc:  # never a traceback: say what happened and where to report it
        report.add(
            Problem(
                str(path),
                f"could not be checked: unexpected {type(exc).__name__}: "
                f"{clip(exc)} (please report this with the file that caused it)",
            )
        )
    finally:
        if collecting:
            gc.enable()
    report._finish()
    report.tables = {name: df.reset_index(drop=True) for name, df in report.tables.items()}
    return report


def _missing_source_hint(path: Path, src: _Sources, filename: str) -> str:
    """What to add to 'required file is missing': a near file, a workbook, the sheets found."""
    hint = ""
    if not src.workbook and path.is_dir():
        hint = _not_a_file_hint(path / filename)
        books = sorted(p.name for p in path.glob("*.xlsx"))
        if books:
            hint = f"; this folder holds the workbook '{clip(books[0])}': give its path"
    if src.workbook and src.sheet_names:
        hint = "; sheets found: " + ", ".join(clip(n, 40) for n in src.sheet_names[:10])
    return hint


def _report_missing_sources(path: Path, src: _Sources, report: ValidationReport) -> None:
    """One error per required file (or sheet) that the cohort lacks."""
    for filename, label in src.labels.items():
        present = (
            src.panel is not None if filename == contract.PANEL_FILENAME else filename in src.tables
        )
        if not present:
            what = f"sheet '{filename.rsplit('.', 1)[0]}'" if src.workbook else f"file {filename}"
            hint = _missing_source_hint(path, src, filename)
            report.add(
                Problem(
                    label,
                    f"required {what} is missing; run 'netcomp template DIR' "
                    f"to see the expected files{hint}",
                )
            )


def _validate(path: Path, report: ValidationReport, allow_identifiers: bool) -> None:
    if not path.exists():
        report.add(
            Problem(
                str(path),
                "folder not found: give the folder that holds "
                "cultures.csv, viability.csv, expression.csv, mutations.csv and "
                "panel.txt",
            )
        )
        return
    if path.is_file() and path.suffix.lower() not in WORKBOOK_SUFFIXES:
        hint = (
            "an old Excel 97-2003 workbook: save it as .xlsx"
            if path.suffix.lower() == ".xls"
            else "expected a folder of CSV files or an .xlsx workbook"
        )
        report.add(Problem(str(path), hint))
        return
    if not path.is_file() and not path.is_dir():
        report.add(Problem(str(path), "expected a folder of CSV files or an .xlsx workbook"))
        return
    src = _load_sources(path, report)
    _report_missing_sources(path, src, report)
    frames: dict[str, pd.DataFrame] = {}
    for spec in contract.TABLES:
        raw = src.tables.get(spec.filename)
        if raw is None:
            continue
        checked = _check_table(raw, spec, report, allow_identifiers)
        if checked is not None:
            frames[spec.name] = checked
    if src.panel is not None:
        report.panel = _read_panel_lines(src.panel, src.labels[contract.PANEL_FILENAME], report)
    _cross_file_problems(report, frames, src.labels)
    report.tables = frames


def _not_a_file_hint(file: Path) -> str:
    """Why ``file`` (present under its name but not a readable regular file) was not read."""
    if file.is_symlink() and not file.exists():
        return (
            f"; {file.name} is a symbolic link to {clip(str(file.readlink()))}, which "
            "does not exist"
        )
    if file.is_dir():
        return f"; {file.name} is a folder, not a file"
    if file.exists():
        return f"; {file.name} is not a regular file (a pipe or device?)"
    return ""


def deidentified_copy(path: str | Path, out_dir: str | Path) -> Path:
    """Copy a cohort (folder or workbook) to ``out_dir`` as CSV files without identifiers.

    Used by ``netcomp build --allow-identifiers``: the chapters read this copy, so columns
    that look like patient identifiers (by name, or unknown columns by their values) never
    reach a notebook, a table or a page. Values are copied as read (text), in UTF-8. The
    user's own files are only read.
    """
    path, out = Path(path), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = ValidationReport(source=str(path))
    src = _load_sources(path, report)
    for spec in contract.TABLES:
        raw = src.tables.get(spec.filename)
        if raw is None:
            raise ValueError(
                f"{src.labels.get(spec.filename, spec.filename)} cannot be read; "
                "validate the cohort first"
            )
        frame, _ = _screen_identifiers(raw, spec, ValidationReport(str(path)), True)
        frame.to_csv(out / spec.filename, index=False, lineterminator="\n")
    genes = [line.strip() for _, line in (src.panel or [])]
    (out / contract.PANEL_FILENAME).write_text("\n".join(genes) + "\n", encoding="utf-8")
    return out
