"""The hand-written validator against an independent one: pandera, built from the contract.

netcomp's validator (:mod:`netcomp.data.validate`) is vectorised pandas code written for editor line
numbers, did-you-mean hints and linear time on large files. Here pandera, a well-kept
validation library, is given the same contract (:mod:`netcomp.data.contract`) as a
``DataFrameSchema`` and both judge the same generated files cell by cell: every (line, column)
one of them rejects, the other must reject too. Values are drawn from what spreadsheets
produce: valid numbers and codes, decimal commas, units typed into cells, infinities, case
slips, blanks and stray text.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcomp.data import contract, validate
from netcomp.data.contract import Column, TableSpec
from tests.strategies import examples


def _number_ok(value: str) -> bool:
    """Python's own float parser, as an independent judge of 'a finite number'."""
    if not value.isascii() or "_" in value or value.strip() != value:
        return False  # Python also reads 1_000, spaces and other scripts' digits; CSV cells not
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _number_rules(col: Column) -> list[Callable[[pd.Series], pd.Series]]:
    """A number column's value rules: it parses, and lies in range (whole, if integer)."""

    def parses(s: pd.Series) -> pd.Series:
        return s.map(_number_ok)

    def in_range(s: pd.Series) -> pd.Series:
        ok = s.map(_number_ok)
        x = s.where(ok, "nan").astype(float)
        if col.kind == "integer":
            ok &= x % 1 == 0
        if col.minimum is not None:
            ok &= (x >= col.minimum) if col.min_inclusive else (x > col.minimum)
        if col.maximum is not None:
            ok &= (x <= col.maximum) if col.max_inclusive else (x < col.maximum)
        return ok

    return [parses, in_range]


def _value_rules(col: Column) -> list[Callable[[pd.Series], pd.Series]]:
    """The rules a filled cell of ``col`` must pass (each named after what it checks)."""
    if col.kind in ("number", "integer"):
        return _number_rules(col)
    if col.name == "sex":

        def known_sex(s: pd.Series) -> pd.Series:
            return s.str.lower().isin(list(contract.SEX_ALIASES))

        return [known_sex]
    if col.allowed:

        def allowed(s: pd.Series) -> pd.Series:
            return s.isin(list(col.allowed))

        return [allowed]
    if col.pattern:

        def pattern(s: pd.Series) -> pd.Series:
            return s.str.fullmatch(col.pattern).astype(bool)

        return [pattern]
    return []


def _column_schema(col: Column) -> pa.Column:
    """One contract column as a pandera column over raw cell text ('' = empty)."""
    checks: list[pa.Check] = []
    if col.required:
        checks.append(pa.Check(lambda s: s != "", element_wise=False, name="required"))

    def filled(check):  # an empty optional cell is not judged by the value rules
        return pa.Check(lambda s, check=check: (s == "") | check(s), name=check.__name__)

    checks += [filled(rule) for rule in _value_rules(col)]
    return pa.Column(str, checks=checks, required=col.required)


def pandera_rejects(spec: TableSpec, frame: pd.DataFrame) -> set[tuple[int, str]]:
    """The (line, column) cells pandera's schema for ``spec`` rejects."""
    schema = pa.DataFrameSchema({c.name: _column_schema(c) for c in spec.columns})
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.dropna(subset=["index"])
        return {(int(i), str(c)) for i, c in zip(cases["index"], cases["column"], strict=True)}
    return set()


def netcomp_rejects(spec: TableSpec, frame: pd.DataFrame) -> set[tuple[int, str]]:
    """The (line, column) cells netcomp's validator reports (errors or warnings)."""
    report = validate.ValidationReport(source="oracle")
    raw = validate.RawTable(spec.filename, frame.copy(), header_line=1)
    validate._check_table(raw, spec, report, allow_identifiers=False)
    return {
        (int(p.line), str(p.column))
        for p in report.problems
        if p.line is not None
        and p.line > 1
        and p.column is not None
        and not p.message.startswith("duplicate row")
    }


# ---------------------------------------------------------------------- generated cell values

SLIPS = (
    "",
    "NA",
    "n/a",
    "-",
    "inf",
    "-Infinity",
    "nan",
    "1,5",
    "2,500",
    "12 %",
    "5%",
    "1e3",
    "-0",
    "+7",
    ".5",
    "5.",
    "0",
    "100",
    "101",
    "-1",
    "abc",
    "G 2",
    "g2",
    "Yes",
    "1.0",
    "2.5e-1",
    "1e400",
    "0x10",
    "١٢",
)


def _numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.floats(min_value=-200, max_value=300, allow_nan=False).map(lambda x: f"{x:g}"),
        st.integers(min_value=-3, max_value=150).map(str),
        st.sampled_from(SLIPS),
    )


def _cell(col: Column) -> st.SearchStrategy[str]:
    if col.kind in ("number", "integer"):
        return _numbers()
    if col.allowed or col.name == "sex":
        options = list(col.allowed) + [a.upper() for a in col.allowed]
        if col.name == "sex":
            options += list(contract.SEX_ALIASES) + ["M", "F", "x"]
        return st.one_of(st.sampled_from(options), st.sampled_from(SLIPS))
    examples = {
        "culture_id": ["NET01", "net-2", "A.b_3", "-x", "two words", "é1", "N" * 41],
        "drug": ["lenvatinib", "Lenvatinib", "drug-2", "2drug", "su_11248"],
        "gene": ["HRAS", "hras", "C1orf112", "MEN-1", "1ABC", "KRAS "],
        "variant": ["p.G12V", "p.R98*", "G12V", "p.E746_A750del", "c.35G>T"],
    }
    return st.one_of(st.sampled_from(examples.get(col.name, ["x"])), st.sampled_from(SLIPS))


@st.composite
def tables(draw: st.DrawFn) -> tuple[TableSpec, pd.DataFrame]:
    spec = draw(st.sampled_from(contract.TABLES))
    n = draw(st.integers(min_value=1, max_value=12))  # under the 20-per-column listing limit
    data = {c.name: [draw(_cell(c)).strip() for _ in range(n)] for c in spec.columns}
    frame = pd.DataFrame(data, index=pd.RangeIndex(2, n + 2))  # index = editor line
    return spec, frame


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_the_validator_and_pandera_reject_the_same_cells(case):
    spec, frame = case
    assert netcomp_rejects(spec, frame) == pandera_rejects(spec, frame)


@pytest.mark.parametrize(
    ("value", "bad"),
    [("5", False), ("1,5", True), ("inf", True), ("", True), ("101", True), ("NA", True)],
)
def test_the_oracle_itself_judges_ki67(value: str, bad: bool):
    """The pandera schema is right on hand-picked Ki67 cells (0-100, required)."""
    row = {
        "culture_id": "NET01",
        "site": "pancreas",
        "grade": "G1",
        "ki67_pct": value,
        "syndromic": "no",
        "sex": "",
        "age_years": "",
    }
    frame = pd.DataFrame([row], index=[2])
    assert ((2, "ki67_pct") in pandera_rejects(contract.CULTURES, frame)) is bad
    assert ((2, "ki67_pct") in netcomp_rejects(contract.CULTURES, frame)) is bad
