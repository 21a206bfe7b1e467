"""Validation of a cohort folder (or ``.xlsx`` workbook) against :mod:`netcomp.contract`.

Every problem is collected, not just the first: each names the file, the line (as an
editor shows it: the header is line 1), the column, the offending value, the rule and what
to do. Column rules are checked by pandera schemas built from the contract; checks that
span files (unknown cultures, genes outside the panel) are done here. Files are only read.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from netcomp import contract
from netcomp.contract import Column, TableSpec


@dataclass(frozen=True)
class Problem:
    """One thing wrong (``error``) or worth knowing (``warning``) in a cohort."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    rule: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
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
    """All problems found in a cohort, plus the tables that could be read."""

    source: str
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    panel: tuple[str, ...] = ()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One line: how many errors and warnings, and the verdict."""
        verdict = "valid" if self.ok else "NOT valid"
        return (
            f"{self.source}: {len(self.errors)} error(s), {len(self.warnings)} warning(s): "
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


# --------------------------------------------------------------------------- reading


def _normalise_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def identifier_columns(columns: list[str]) -> list[str]:
    """Column names that suggest a direct patient identifier (name, birth date, phone, ...)."""
    found = []
    for col in columns:
        norm = _normalise_name(col)
        parts = set(norm.split("_"))
        for hint in contract.IDENTIFIER_HINTS:
            if hint == norm or hint in parts or ("_" in hint and hint in norm):
                found.append(col)
                break
    return found


def _read_csv_text(path: Path, report: ValidationReport) -> str | None:
    name = path.name
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        report.problems.append(
            Problem(
                name,
                "file starts with a UTF-8 byte-order mark (BOM), as Excel writes it; it was "
                "read correctly, but save as plain 'CSV UTF-8' without BOM to silence this",
                line=1,
                severity="warning",
            )
        )
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report.problems.append(
            Problem(name, "file is not UTF-8 text; save it as 'CSV UTF-8'", line=line,
                    rule="UTF-8 encoding")
        )
        return None
    if not text.strip():
        report.problems.append(
            Problem(name, "file is empty; it needs a header row and at least one data row",
                    rule="header row + data rows")
        )
        return None
    return text


def _parse_csv(
    path: Path, spec: TableSpec, report: ValidationReport, allow_identifiers: bool
) -> pd.DataFrame | None:
    text = _read_csv_text(path, report)
    if text is None:
        return None
    header = text.splitlines()[0]
    if ";" in header and "," not in header:
        report.problems.append(
            Problem(
                path.name,
                "file is semicolon-separated; netcomp reads comma-separated files: save it "
                "as 'CSV (comma delimited)' with '.' as the decimal point",
                line=1,
                value=header[:80],
                rule="comma-separated values",
            )
        )
        return None
    if "\t" in header and "," not in header:
        report.problems.append(
            Problem(path.name, "file is tab-separated; save it as comma-separated CSV", line=1,
                    value=header[:80], rule="comma-separated values")
        )
        return None
    from io import StringIO

    try:
        df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.ParserError as exc:
        report.problems.append(
            Problem(path.name, f"cannot be parsed as CSV: {exc}", rule="comma-separated values")
        )
        return None
    return _tidy_frame(df, spec, path.name, report, allow_identifiers)


def _tidy_frame(
    df: pd.DataFrame, spec: TableSpec, name: str, report: ValidationReport,
    allow_identifiers: bool,
) -> pd.DataFrame | None:
    df = df.rename(columns=lambda c: str(c).strip())
    df = _check_identifiers(df, name, report, allow_identifiers)
    df = df.map(lambda v: v.strip() if isinstance(v, str) else v)
    if df.empty:
        report.problems.append(
            Problem(name, "file has a header but no data rows", line=2, rule="at least one row")
        )
        return None
    missing = [c for c in spec.required_columns if c not in df.columns]
    for col in missing:
        close = difflib.get_close_matches(col, list(df.columns), n=1)
        hint = f"; found '{close[0]}': rename it to '{col}'" if close else ""
        report.problems.append(
            Problem(name, f"required column '{col}' is missing{hint}", line=1, column=col,
                    rule="columns: " + ", ".join(spec.required_columns))
        )
    known = set(spec.column_names)
    for col in df.columns:
        if col not in known:
            report.problems.append(
                Problem(
                    name,
                    f"unknown column '{col}' is kept out of the analysis "
                    f"(known columns: {', '.join(spec.column_names)})",
                    line=1,
                    column=col,
                    severity="warning",
                )
            )
    if missing:
        return None
    return df[[c for c in spec.column_names if c in df.columns]]


def _read_panel_lines(lines: list[str], name: str, report: ValidationReport) -> tuple[str, ...]:
    genes: list[str] = []
    seen: dict[str, int] = {}
    pattern = re.compile(contract.GENE_PATTERN)
    for i, raw in enumerate(lines, start=1):
        gene = raw.strip()
        if not gene or gene.startswith("#"):
            continue
        if not pattern.match(gene):
            report.problems.append(
                Problem(name, "not a gene symbol", line=i, column="gene", value=gene,
                        rule="HGNC symbol, upper case, one per line")
            )
            continue
        if gene in seen:
            report.problems.append(
                Problem(name, f"gene listed twice (first on line {seen[gene]})", line=i,
                        column="gene", value=gene, severity="warning")
            )
            continue
        seen[gene] = i
        genes.append(gene)
    if not genes:
        report.problems.append(
            Problem(name, "the panel lists no genes; write one gene symbol per line",
                    rule="one gene symbol per line")
        )
    return tuple(genes)


# --------------------------------------------------------------------------- column rules


def _numeric_problems(df: pd.DataFrame, spec: TableSpec, report: ValidationReport) -> pd.DataFrame:
    """Convert number columns; report values that are not numbers (with a decimal-comma hint)."""
    out = df.copy()
    for col in spec.columns:
        if col.name not in out.columns or col.kind not in ("number", "integer"):
            continue
        raw = out[col.name].astype(str)
        empty = raw.eq("")
        values = pd.to_numeric(raw.where(~empty), errors="coerce")
        bad = values.isna() & ~empty
        for idx in raw.index[bad]:
            value = raw[idx]
            if re.fullmatch(r"-?\d+,\d+", value):
                msg = "decimal comma: write the number with a decimal point ('.'), e.g. " + value.replace(",", ".")
            else:
                msg = "not a number"
            report.problems.append(
                Problem(spec.filename, msg, line=int(idx) + 2, column=col.name, value=value,
                        rule=col.rule())
            )
        if col.kind == "integer":
            frac = values.notna() & (values % 1 != 0)
            for idx in values.index[frac]:
                report.problems.append(
                    Problem(spec.filename, "not a whole number", line=int(idx) + 2,
                            column=col.name, value=raw[idx], rule=col.rule())
                )
            values = values.where(~frac)
        out[col.name] = values
    return out


def _pandera_schema(spec: TableSpec, present: list[str]) -> pa.DataFrameSchema:
    columns: dict[str, pa.Column] = {}
    for col in spec.columns:
        if col.name not in present:
            continue
        checks: list[pa.Check] = []
        if col.allowed:
            checks.append(pa.Check.isin(list(col.allowed)))
        if col.pattern:
            checks.append(pa.Check.str_matches(col.pattern))
        if col.minimum is not None:
            checks.append(pa.Check.ge(col.minimum) if col.min_inclusive else pa.Check.gt(col.minimum))
        if col.maximum is not None:
            checks.append(pa.Check.le(col.maximum) if col.max_inclusive else pa.Check.lt(col.maximum))
        dtype = float if col.kind in ("number", "integer") else str
        columns[col.name] = pa.Column(dtype, checks=checks, nullable=True, coerce=False)
    unique = [c for c in spec.unique if c in present] if spec.unique else None
    return pa.DataFrameSchema(columns, unique=unique or None, report_duplicates="all")


def _did_you_mean(value: str, allowed: tuple[str, ...]) -> str:
    lowered = {a.lower(): a for a in allowed}
    if value.lower() in lowered:
        return f"; did you mean '{lowered[value.lower()]}'? (values are case-sensitive)"
    simple = value.lower().replace(" ", "_").replace("-", "_")
    if simple in lowered:
        return f"; did you mean '{lowered[simple]}'?"
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean '{lowered[close[0]]}'?" if close else ""


def _column_problems(df: pd.DataFrame, spec: TableSpec, report: ValidationReport) -> pd.DataFrame:
    """Check every column rule with pandera (lazily, so all failures are reported)."""
    raw = df
    df = _numeric_problems(df, spec, report)
    for col in spec.columns:
        if col.name in df.columns and col.required:
            empty = df[col.name].isna() | df[col.name].astype(str).eq("")
            for idx in df.index[empty]:
                # a non-number was already reported by _numeric_problems
                if col.kind in ("number", "integer") and any(
                    p.line == int(idx) + 2 and p.column == col.name and p.file == spec.filename
                    for p in report.problems
                ):
                    continue
                report.problems.append(
                    Problem(spec.filename, "required value is empty", line=int(idx) + 2,
                            column=col.name, rule=col.rule())
                )
    checked = df.copy()
    for col in spec.columns:
        if col.name in checked.columns and col.kind not in ("number", "integer"):
            checked[col.name] = checked[col.name].astype(object).where(
                checked[col.name].astype(str).ne(""), None
            )
    schema = _pandera_schema(spec, list(checked.columns))
    try:
        schema.validate(checked, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        for _, case in cases.iterrows():
            column = case.get("column")
            check = str(case.get("check"))
            value = case.get("failure_case")
            index = case.get("index")
            line = int(index) + 2 if pd.notna(index) else None
            if pd.notna(index) and pd.notna(column) and column in raw.columns:
                value = raw.at[index, column]  # report the value as the user wrote it
            if check in ("column_in_dataframe", "dtype('float64')", "dtype('str')") or value is None:
                continue
            if "unique" in check or check == "multiple_fields_uniqueness":
                keys = ", ".join(spec.unique)
                report.problems.append(
                    Problem(spec.filename, f"duplicate row: the combination of ({keys}) must be "
                            "unique", line=line, column=str(column) if pd.notna(column) else None,
                            value=str(value), rule=f"unique ({keys})")
                )
                continue
            spec_col: Column = spec.column(str(column))
            msg = "value not allowed"
            if spec_col.allowed:
                msg = "unknown value" + _did_you_mean(str(value), spec_col.allowed)
            elif spec_col.minimum is not None or spec_col.maximum is not None:
                msg = "value out of range"
            elif spec_col.pattern:
                msg = "value has the wrong form"
            report.problems.append(
                Problem(spec.filename, msg, line=line, column=str(column), value=str(value),
                        rule=spec_col.rule())
            )
    return df


# --------------------------------------------------------------------------- cross-file rules


def _cross_file_problems(report: ValidationReport) -> None:
    tables = report.tables
    cultures = tables.get("cultures")
    if cultures is None:
        return
    known = set(cultures["culture_id"].astype(str))
    for name in ("viability", "expression", "mutations"):
        df = tables.get(name)
        if df is None:
            continue
        filename = contract.table(name).filename
        for idx, cid in df["culture_id"].astype(str).items():
            if cid and cid not in known:
                close = difflib.get_close_matches(cid, sorted(known), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                report.problems.append(
                    Problem(filename, f"culture_id is not listed in cultures.csv{hint}",
                            line=int(idx) + 2, column="culture_id", value=cid,
                            rule="culture_id must appear in cultures.csv")
                )
    viability = tables.get("viability")
    if viability is not None:
        measured = set(viability["culture_id"].astype(str))
        for idx, cid in cultures["culture_id"].astype(str).items():
            if cid and cid not in measured:
                report.problems.append(
                    Problem("cultures.csv", "culture has no viability measurement in "
                            "viability.csv; add its measurements or remove the culture",
                            line=int(idx) + 2, column="culture_id", value=cid,
                            rule="every culture has viability data")
                )
    mutations = tables.get("mutations")
    if mutations is not None and report.panel:
        panel = set(report.panel)
        for idx, gene in mutations["gene"].astype(str).items():
            if gene and gene not in panel:
                report.problems.append(
                    Problem("mutations.csv", "gene is not in panel.txt: a mutation can only be "
                            "reported for a gene the panel assays (add it to panel.txt or fix "
                            "the symbol)", line=int(idx) + 2, column="gene", value=gene,
                            rule="gene listed in panel.txt")
                )


# --------------------------------------------------------------------------- entry points


def _check_identifiers(df: pd.DataFrame, name: str, report: ValidationReport,
                       allow_identifiers: bool) -> pd.DataFrame:
    found = identifier_columns(list(df.columns))
    for col in found:
        report.problems.append(
            Problem(
                name,
                f"column '{col}' looks like a direct patient identifier; netcomp refuses it "
                "to protect patients: remove the column (use pseudonymised culture_id codes)"
                + (", or it is dropped because --allow-identifiers was given"
                   if allow_identifiers else ", or pass --allow-identifiers to drop it and go on"),
                line=1,
                column=col,
                rule="no direct identifiers",
                severity="warning" if allow_identifiers else "error",
            )
        )
    return df.drop(columns=found)


def _load_sources(path: Path, report: ValidationReport) -> dict[str, tuple[str, object]]:
    """Return {file name: ("csv", Path) | ("frame", DataFrame) | ("lines", list)} of what exists."""
    sources: dict[str, tuple[str, object]] = {}
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
        for spec in contract.TABLES:
            if spec.name in sheets:
                sources[spec.filename] = ("frame", sheets[spec.name])
        if "panel" in sheets:
            panel = sheets["panel"]
            header = str(panel.columns[0]).strip()
            lines = panel.iloc[:, 0].astype(str).tolist()
            if header.lower() not in ("gene", "genes", "symbol", "gene_symbol"):
                lines = [header, *lines]  # the sheet has no header row
            sources[contract.PANEL_FILENAME] = ("lines", lines)
        return sources
    for filename in contract.FILES:
        file = path / filename
        if file.is_file():
            sources[filename] = ("csv", file)
    return sources


def validate_cohort(path: str | Path, allow_identifiers: bool = False) -> ValidationReport:
    """Check a cohort folder or ``.xlsx`` workbook; return every problem found.

    Nothing is written. With ``allow_identifiers`` a column that looks like a patient
    identifier is dropped with a warning instead of being an error.
    """
    path = Path(path)
    report = ValidationReport(source=str(path))
    if not path.exists():
        report.problems.append(
            Problem(str(path), "folder not found: give the folder that holds cultures.csv, "
                    "viability.csv, expression.csv, mutations.csv and panel.txt")
        )
        return report
    if path.is_file() and path.suffix.lower() not in (".xlsx", ".xlsm"):
        report.problems.append(
            Problem(str(path), "expected a folder of CSV files or an .xlsx workbook")
        )
        return report
    sources = _load_sources(path, report)
    is_book = path.is_file()
    for filename in contract.FILES:
        if filename not in sources:
            what = f"sheet '{filename.rsplit('.', 1)[0]}'" if is_book else f"file {filename}"
            report.problems.append(
                Problem(filename, f"required {what} is missing; run 'netcomp template DIR' to "
                        "see the expected files")
            )
    for spec in contract.TABLES:
        if spec.filename not in sources:
            continue
        kind, obj = sources[spec.filename]
        if kind == "csv":
            df = _parse_csv(obj, spec, report, allow_identifiers)  # type: ignore[arg-type]
        else:
            df = _tidy_frame(obj, spec, spec.filename, report, allow_identifiers)  # type: ignore[arg-type]
        if df is None:
            continue
        report.tables[spec.name] = _column_problems(df, spec, report)
    if contract.PANEL_FILENAME in sources:
        kind, obj = sources[contract.PANEL_FILENAME]
        if kind == "csv":
            text = _read_csv_text(obj, report)  # type: ignore[arg-type]
            lines = text.splitlines() if text is not None else []
        else:
            lines = obj  # type: ignore[assignment]
        if lines:
            report.panel = _read_panel_lines(lines, contract.PANEL_FILENAME, report)
    _cross_file_problems(report)
    return report


def deidentified_copy(path: str | Path, out_dir: str | Path) -> Path:
    """Copy a valid cohort (folder or workbook) to ``out_dir`` without identifier columns.

    Used by ``netcomp build --allow-identifiers``: the chapters read this copy, so columns
    that look like patient identifiers never reach a notebook, a table or a page. The
    user's own files are only read.
    """
    path, out = Path(path), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if path.is_file():
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
        frames = {spec.filename: sheets[spec.name] for spec in contract.TABLES}
        panel = sheets["panel"]
        genes = panel.iloc[:, 0].astype(str).tolist()
        if str(panel.columns[0]).strip().lower() not in ("gene", "genes", "symbol", "gene_symbol"):
            genes = [str(panel.columns[0]), *genes]
        (out / contract.PANEL_FILENAME).write_text("\n".join(genes) + "\n", encoding="utf-8")
    else:
        frames = {spec.filename: pd.read_csv(path / spec.filename, dtype=str,
                                             keep_default_na=False, encoding="utf-8-sig")
                  for spec in contract.TABLES}
        (out / contract.PANEL_FILENAME).write_bytes((path / contract.PANEL_FILENAME).read_bytes())
    for filename, frame in frames.items():
        frame = frame.drop(columns=identifier_columns([str(c) for c in frame.columns]))
        frame.to_csv(out / filename, index=False, lineterminator="\n")
    return out
