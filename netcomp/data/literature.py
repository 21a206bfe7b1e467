"""The clinical literature as data: TALENT's tables and the GEP-NET trials the seeds report.

Two curated files in ``data/literature/`` hold every number the literature chapter uses,
each with the seed document it comes from and a short verbatim *locator* near it:

- ``talent.csv``: TALENT's Tables 1-3 (and a few counts from its results text) in long form,
  with the counts and denominators needed to recompute every percentage;
- ``trials.csv``: one row per trial (or cohort) of a systemic therapy for GEP-NETs, with the
  results and approval status the seeds state, and nothing the seeds do not give.

The functions here recompute TALENT's rates and confidence intervals from the counts with
several interval methods, find which method reproduces the published intervals, check the
published percentages against their counts, and assemble the cross-trial tables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from netcomp.book import sources
from netcomp.stats.significance import significant

#: Folder of the curated literature files.
LITERATURE_DIR = Path(__file__).resolve().parents[2] / "data" / "literature"
#: Folder of the source documents (seeds), a sibling of the repository.
SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"

#: TALENT's cohorts in the order of its tables.
COHORTS: tuple[str, ...] = ("panNET", "GI-NET", "total")

#: The cohorts as a sentence names them.
COHORT_NAMES: dict[str, str] = {
    "panNET": "the panNET cohort",
    "GI-NET": "the GI-NET cohort",
    "total": "all patients",
}

#: Interval methods compared, with the label shown to readers.
INTERVAL_METHODS: dict[str, str] = {
    "clopper_pearson": "Clopper-Pearson (exact)",
    "wilson": "Wilson",
    "wilson_cc": "Wilson with continuity correction",
    "jeffreys": "Jeffreys",
}

#: Columns of ``results/talent_intervals.csv`` (a contract with re-users).
INTERVAL_COLUMNS: tuple[str, ...] = (
    "cohort",
    "endpoint",
    "events",
    "n",
    "rate_pct",
    "method",
    "ci_low_pct",
    "ci_high_pct",
    "published_ci_low_pct",
    "published_ci_high_pct",
    "match",
)

TALENT_COLUMNS: tuple[str, ...] = (
    "table",
    "section",
    "variable",
    "label",
    "cohort",
    "ae_grade",
    "statistic",
    "count",
    "denominator",
    "denominator_basis",
    "published_pct",
    "value",
    "low",
    "high",
    "unit",
    "source",
    "locator",
)
_TALENT_NUMERIC = ("count", "denominator", "published_pct", "value", "low", "high")

TRIALS_COLUMNS: tuple[str, ...] = (
    "trial_id",
    "trial",
    "drug",
    "drug_class",
    "phase",
    "design",
    "comparator",
    "site",
    "grade",
    "cohort",
    "n",
    "orr_pct",
    "orr_events",
    "orr_n",
    "orr_assessment",
    "pfs_median_months",
    "pfs_median_comparator_months",
    "pfs_hr",
    "pfs_hr_ci_low",
    "pfs_hr_ci_high",
    "os_median_months",
    "other_result",
    "approval_status",
    "approval_indication",
    "pivotal",
    "citation_key",
    "source",
    "locator",
    "source_2",
    "locator_2",
    "approval_source",
    "approval_locator",
    "note",
)
#: Numeric columns of ``trials.csv``; each value must appear near one of the row's locators.
TRIAL_NUMERIC_COLUMNS: tuple[str, ...] = (
    "n",
    "orr_pct",
    "orr_events",
    "orr_n",
    "pfs_median_months",
    "pfs_median_comparator_months",
    "pfs_hr",
    "pfs_hr_ci_low",
    "pfs_hr_ci_high",
    "os_median_months",
)
#: Separator between several locator snippets in one cell.
LOCATOR_SEPARATOR = " | "
#: Characters on each side of a locator within which the row's numbers must be written.
LOCATOR_WINDOW = 400


# --------------------------------------------------------------------------- loading


def _decimals(text: str) -> float:
    """Decimal places written in a published number ("44.2" -> 1, "50" -> 0, "" -> NaN)."""
    text = text.strip()
    if not text:
        return np.nan
    return float(len(text.split(".", 1)[1])) if "." in text else 0.0


def _read_text_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """Read a curated CSV as text (empty cells stay empty) and check its columns."""
    if not path.exists():
        raise FileNotFoundError(f"literature file not found: {path}")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise ValueError(f"{path.name} lacks column(s) {', '.join(missing)}")
    return raw.loc[:, list(columns)].astype(object)


def _to_number(values: pd.Series, name: str) -> pd.Series:
    """Convert a text column to float (empty -> NaN); name the column on failure."""
    text = values.astype(str).str.strip()
    try:
        return pd.to_numeric(text.where(text != "", None), errors="raise").astype(float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"column {name!r} holds a non-numeric value: {err}") from None


def load_talent(path: str | Path | None = None) -> pd.DataFrame:
    """TALENT's tables in long form: numbers as float, plus the published decimals.

    Adds ``pct_decimals``, ``low_decimals`` and ``high_decimals``: the precision at which
    each published number was printed, used to compare recomputed values with it.
    """
    path = Path(path) if path is not None else LITERATURE_DIR / "talent.csv"
    raw = _read_text_csv(path, TALENT_COLUMNS)
    bad = sorted(set(raw["cohort"]) - set(COHORTS))
    if bad:
        raise ValueError(f"talent.csv has unknown cohort(s) {', '.join(bad)}; expected {COHORTS}")
    table = raw.copy()
    for col in _TALENT_NUMERIC:
        table[col] = _to_number(raw[col], col)
    table["pct_decimals"] = raw["published_pct"].map(_decimals).astype(float)
    table["low_decimals"] = raw["low"].map(_decimals).astype(float)
    table["high_decimals"] = raw["high"].map(_decimals).astype(float)
    return table


def load_trials(path: str | Path | None = None) -> pd.DataFrame:
    """The cross-trial table: numbers as float, ``pivotal`` as bool, ``orr_decimals`` added."""
    path = Path(path) if path is not None else LITERATURE_DIR / "trials.csv"
    raw = _read_text_csv(path, TRIALS_COLUMNS)
    if raw["trial_id"].duplicated().any():
        dup = raw.loc[raw["trial_id"].duplicated(), "trial_id"].tolist()
        raise ValueError(f"trials.csv repeats trial_id(s) {', '.join(dup)}")
    table = raw.copy()
    for col in TRIAL_NUMERIC_COLUMNS:
        table[col] = _to_number(raw[col], col)
    flags = raw["pivotal"].str.strip().str.lower()
    if not flags.isin(["true", "false"]).all():
        raise ValueError("column 'pivotal' must be 'true' or 'false'")
    table["pivotal"] = (flags == "true").astype(bool)
    table["orr_decimals"] = raw["orr_pct"].map(_decimals).astype(float)
    return table


# --------------------------------------------------------------------------- intervals


def _check_counts(events: int, n: int) -> tuple[int, int]:
    k, m = int(events), int(n)
    if k != events or m != n or m <= 0 or k < 0 or k > m:
        raise ValueError(f"need whole numbers 0 <= events <= n, n > 0; got {events}/{n}")
    return k, m


def proportion_ci(
    events: int, n: int, method: str = "clopper_pearson", alpha: float = 0.05
) -> tuple[float, float]:
    """Two-sided ``1 - alpha`` interval for ``events / n`` (proportions, 0-1).

    ``method`` is one of :data:`INTERVAL_METHODS`: Clopper-Pearson, Wilson and Jeffreys
    come from statsmodels; Wilson with continuity correction (Newcombe 1998, method 4,
    the interval of R's ``prop.test``) from ``scipy.stats.binomtest(...).proportion_ci``.
    """
    k, m = _check_counts(events, n)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    if method == "wilson_cc":
        ci = stats.binomtest(k, m).proportion_ci(confidence_level=1 - alpha, method="wilsoncc")
        return max(0.0, float(ci.low)), min(1.0, float(ci.high))
    sm_method = {"clopper_pearson": "beta", "wilson": "wilson", "jeffreys": "jeffreys"}.get(method)
    if sm_method is None:
        raise ValueError(
            f"unknown interval method {method!r}; choose from {', '.join(INTERVAL_METHODS)}"
        )
    low, high = proportion_confint(k, m, alpha=alpha, method=sm_method)
    return float(low), float(high)


def round_half_up(value: float, decimals: int) -> float:
    """Round as printed tables do (0.05 -> 0.1), on the shortest decimal form of ``value``."""
    q = Fraction(repr(float(value))) * 10 ** int(decimals)
    return float(math.floor(q + Fraction(1, 2))) / 10 ** int(decimals)


def rounded_percent(count: int, denominator: int, decimals: int) -> float:
    """``100 * count / denominator`` rounded half up, computed exactly with fractions."""
    q = Fraction(100 * int(count), int(denominator)) * 10 ** int(decimals)
    return float(math.floor(q + Fraction(1, 2))) / 10 ** int(decimals)


# --------------------------------------------------------------------------- TALENT


def _rows_by_key(
    talent: pd.DataFrame, variables: Iterable[str]
) -> dict[tuple[str, str], list[int]]:
    """Positions of the rows of ``variables``, keyed by (variable, cohort), found in one pass."""
    keep = talent["variable"].isin(list(variables)).to_numpy()
    out: dict[tuple[str, str], list[int]] = {}
    for pos, var, cohort in zip(
        keep.nonzero()[0],
        talent["variable"].to_numpy()[keep],
        talent["cohort"].to_numpy()[keep],
        strict=True,
    ):
        out.setdefault((str(var), str(cohort)), []).append(int(pos))
    return out


def _talent_count(
    talent: pd.DataFrame,
    variable: str,
    cohort: str,
    index: dict[tuple[str, str], list[int]] | None = None,
) -> int:
    positions = (index if index is not None else _rows_by_key(talent, [variable])).get(
        (variable, cohort), []
    )
    if len(positions) != 1 or pd.isna(talent["count"].iloc[positions[0]]):
        raise ValueError(
            f"talent.csv needs exactly one count for {variable!r} in cohort {cohort!r}"
        )
    return int(talent["count"].iloc[positions[0]])


def talent_endpoint_counts(talent: pd.DataFrame) -> pd.DataFrame:
    """Events and denominators of TALENT's ORR and DCR per cohort, from Table 2's counts.

    ORR = complete + partial responses; DCR = complete + partial responses + stable
    disease; the denominator is the patients with a tumour assessment (Table 2's first
    row). Published rates and CIs come along for comparison.
    """
    index = _rows_by_key(
        talent,
        [
            "complete_response",
            "partial_response",
            "stable_disease",
            "tumour_assessment",
            "orr",
            "dcr",
        ],
    )
    rows = []
    for cohort in COHORTS:
        cr = _talent_count(talent, "complete_response", cohort, index)
        pr = _talent_count(talent, "partial_response", cohort, index)
        sd = _talent_count(talent, "stable_disease", cohort, index)
        n = _talent_count(talent, "tumour_assessment", cohort, index)
        for endpoint, events in (("ORR", cr + pr), ("DCR", cr + pr + sd)):
            positions = index.get((endpoint.lower(), cohort), [])
            if len(positions) != 1:
                raise ValueError(f"talent.csv needs one published {endpoint} row for {cohort!r}")
            pub = talent.iloc[positions]
            p = pub.iloc[0]
            rows.append(
                {
                    "cohort": cohort,
                    "endpoint": endpoint,
                    "events": events,
                    "n": n,
                    "published_rate_pct": p["published_pct"],
                    "published_ci_low_pct": p["low"],
                    "published_ci_high_pct": p["high"],
                    "rate_decimals": int(p["pct_decimals"]),
                    "low_decimals": int(p["low_decimals"]),
                    "high_decimals": int(p["high_decimals"]),
                }
            )
    return pd.DataFrame(rows)


def talent_intervals(
    talent: pd.DataFrame, methods: Iterable[str] | None = None, alpha: float = 0.05
) -> pd.DataFrame:
    """TALENT's ORR and DCR with their CIs recomputed by each method: the results contract.

    One row per cohort, endpoint and method, columns exactly :data:`INTERVAL_COLUMNS`;
    rates and bounds in percent, unrounded. ``match`` is True when both bounds, rounded
    half up to the published precision, equal the published bounds.
    """
    counts = talent_endpoint_counts(talent)
    method_list = list(methods) if methods is not None else list(INTERVAL_METHODS)
    rows = []
    for rec in counts.to_dict("records"):
        for method in method_list:
            low, high = proportion_ci(rec["events"], rec["n"], method, alpha)
            low_pct, high_pct = 100 * low, 100 * high
            match = bool(
                round_half_up(low_pct, rec["low_decimals"]) == rec["published_ci_low_pct"]
                and round_half_up(high_pct, rec["high_decimals"]) == rec["published_ci_high_pct"]
            )
            rows.append(
                {
                    "cohort": rec["cohort"],
                    "endpoint": rec["endpoint"],
                    "events": int(rec["events"]),
                    "n": int(rec["n"]),
                    "rate_pct": 100 * rec["events"] / rec["n"],
                    "method": method,
                    "ci_low_pct": low_pct,
                    "ci_high_pct": high_pct,
                    "published_ci_low_pct": float(rec["published_ci_low_pct"]),
                    "published_ci_high_pct": float(rec["published_ci_high_pct"]),
                    "match": match,
                }
            )
    out = pd.DataFrame(rows, columns=list(INTERVAL_COLUMNS))
    out["cohort"] = out["cohort"].astype(object)
    out["endpoint"] = out["endpoint"].astype(object)
    out["method"] = out["method"].astype(object)
    return out


def interval_method_summary(intervals: pd.DataFrame) -> pd.DataFrame:
    """How many published intervals each method reproduces (best first)."""
    grouped = intervals.groupby("method", sort=False)["match"]
    out = pd.DataFrame({"n_intervals": grouped.size(), "n_matched": grouped.sum().astype(int)})
    out = out.reset_index()
    out.insert(1, "label", out["method"].map(INTERVAL_METHODS))
    out["all_match"] = out["n_matched"] == out["n_intervals"]
    order = np.lexsort((out.index.to_numpy(), -out["n_matched"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def reproducing_method(intervals: pd.DataFrame) -> str | None:
    """The one method that reproduces every published interval, or None if not exactly one."""
    summary = interval_method_summary(intervals)
    winners = summary.loc[summary["all_match"], "method"].tolist()
    return winners[0] if len(winners) == 1 else None


def interval_comparison_table(intervals: pd.DataFrame, decimals: int = 1) -> pd.DataFrame:
    """Wide reader's table: published CI beside each method's CI (rounded), matches marked.

    One row per cohort and endpoint; a method's cell reads ``"30.7-58.6 ✓"`` when it
    reproduces the published interval at the printed precision.
    """
    rows = []
    keys = intervals.loc[:, ["cohort", "endpoint"]].drop_duplicates()
    for key in keys.itertuples(index=False):
        sel = intervals[
            (intervals["cohort"] == key.cohort) & (intervals["endpoint"] == key.endpoint)
        ]
        first = sel.iloc[0]
        row = {
            "cohort": key.cohort,
            "endpoint": key.endpoint,
            "events/n": f"{int(first['events'])}/{int(first['n'])}",
            "rate (%)": f"{round_half_up(first['rate_pct'], decimals):.{decimals}f}",
            "published 95% CI": (
                f"{first['published_ci_low_pct']:.{decimals}f}"
                f"-{first['published_ci_high_pct']:.{decimals}f}"
            ),
        }
        for rec in sel.to_dict("records"):
            low = round_half_up(rec["ci_low_pct"], decimals)
            high = round_half_up(rec["ci_high_pct"], decimals)
            mark = " ✓" if rec["match"] else ""
            row[INTERVAL_METHODS.get(rec["method"], rec["method"])] = (
                f"{low:.{decimals}f}-{high:.{decimals}f}{mark}"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def talent_value(talent: pd.DataFrame, variable: str, cohort: str, field: str = "count") -> float:
    """One number of ``talent.csv`` (e.g. the partial responses of the panNET cohort)."""
    rows = talent[(talent["variable"] == variable) & (talent["cohort"] == cohort)]
    if len(rows) != 1:
        raise ValueError(
            f"talent.csv has {len(rows)} rows for {variable!r} in cohort {cohort!r}, expected 1"
        )
    return float(rows[field].iloc[0])


def explain_mismatch(count: int, denominator: int, published: float, decimals: int) -> str:
    """A simple reason a printed percentage differs from its count, if one fits.

    Tries, in order: rounding twice (first to one more decimal), truncation, and a
    denominator within 3 of the stated one. Returns "" when the percentage matches.
    """
    d = int(decimals)
    if rounded_percent(count, denominator, d) == published:
        return ""
    exact = Fraction(100 * int(count), int(denominator))
    if round_half_up(rounded_percent(count, denominator, d + 1), d) == published:
        return (
            f"rounded twice ({float(exact):.{d + 2}f} -> {float(exact):.{d + 1}f}"
            f" -> {published:.{d}f})"
        )
    if float(math.floor(exact * 10**d)) / 10**d == published:
        return "truncated instead of rounded"
    for other in range(int(denominator) - 3, int(denominator) + 4):
        if other != denominator and other >= max(int(count), 1):
            if rounded_percent(count, other, d) == published:
                return f"matches {int(count)}/{other} instead of {int(count)}/{int(denominator)}"
    return "no simple explanation (possible typographical error)"


def percentage_check(talent: pd.DataFrame) -> pd.DataFrame:
    """Every published percentage of ``talent.csv`` recomputed from its count and denominator.

    ORR and DCR rows take their events from :func:`talent_endpoint_counts`. Columns:
    identification, ``count``, ``denominator``, ``published_pct``, ``recomputed_pct``
    (unrounded), ``recomputed_rounded`` (to the published precision), ``match`` and
    ``explanation`` (empty when matched).
    """
    table = talent.copy()
    counts = talent_endpoint_counts(talent).set_index(["endpoint", "cohort"])["events"]
    for endpoint in ("ORR", "DCR"):
        sel = table["variable"] == endpoint.lower()
        table.loc[sel, "count"] = [counts[(endpoint, c)] for c in table.loc[sel, "cohort"]]
    # percentages the results text gives for both cohorts together: Table 3's counts summed
    sel = table["section"] == AE_TEXT_SECTION
    table.loc[sel, "count"] = [
        table3_total(talent, var, grade)
        for var, grade in zip(table.loc[sel, "variable"], table.loc[sel, "ae_grade"], strict=True)
    ]
    sel = table["published_pct"].notna() & table["count"].notna() & table["denominator"].notna()
    checked = table.loc[sel].reset_index(drop=True)
    recomputed, rounded, match, why = [], [], [], []
    for rec in checked.to_dict("records"):
        k, m, d = int(rec["count"]), int(rec["denominator"]), int(rec["pct_decimals"])
        recomputed.append(100 * k / m)
        rounded.append(rounded_percent(k, m, d))
        match.append(bool(rounded[-1] == rec["published_pct"]))
        why.append(explain_mismatch(k, m, rec["published_pct"], d))
    out = checked.loc[
        :, ["table", "section", "variable", "label", "cohort", "ae_grade", "count", "denominator"]
    ].copy()
    out["count"] = out["count"].astype(int)
    out["denominator"] = out["denominator"].astype(int)
    out["published_pct"] = checked["published_pct"].astype(float)
    out["decimals"] = checked["pct_decimals"].astype(int)
    out["recomputed_pct"] = recomputed
    out["recomputed_rounded"] = rounded
    out["match"] = np.asarray(match, dtype=bool)
    out["explanation"] = pd.Series(why, dtype=object)
    return out


#: Section of ``talent.csv`` holding the results text's adverse-event percentages (both cohorts).
AE_TEXT_SECTION = "adverse_events_text"


def table3_total(talent: pd.DataFrame, variable: str, grade: str) -> int:
    """Patients of both cohorts with one Table 3 event at one grade (the panNET + GI-NET counts)."""
    rows = talent[
        (talent["table"] == "3")
        & (talent["variable"] == variable)
        & (talent["ae_grade"] == grade)
        & talent["cohort"].isin(["panNET", "GI-NET"])
    ]
    if len(rows) != 2:
        raise ValueError(f"Table 3 needs one {variable!r} count per cohort at grade {grade!r}")
    return int(rows["count"].sum())


def adverse_events(talent: pd.DataFrame) -> pd.DataFrame:
    """TALENT's Table 3 as a tidy table with percentages recomputed from the counts.

    Columns ``event, cohort, grade, count, denominator, pct, published_pct``; events are
    ordered by their total count over cohorts and grades (most frequent first).
    """
    ae = talent[talent["table"] == "3"]
    out = pd.DataFrame(
        {
            "event": ae["label"].astype(object).to_numpy(),
            "cohort": ae["cohort"].astype(object).to_numpy(),
            "grade": ae["ae_grade"].astype(object).to_numpy(),
            "count": ae["count"].astype(int).to_numpy(),
            "denominator": ae["denominator"].astype(int).to_numpy(),
            "published_pct": ae["published_pct"].astype(float).to_numpy(),
        }
    )
    out["pct"] = 100 * out["count"] / out["denominator"]
    totals = out.groupby("event", sort=False)["count"].sum()
    rank = {e: i for i, e in enumerate(sorted(totals.index, key=lambda e: (-totals[e], e)))}
    out["_rank"] = out["event"].map(rank)
    out = out.sort_values(
        ["_rank", "cohort", "grade"], ascending=[True, False, True], kind="stable"
    )
    cols = ["event", "cohort", "grade", "count", "denominator", "pct", "published_pct"]
    return out.loc[:, cols].reset_index(drop=True)


def top_adverse_events(ae: pd.DataFrame, cohort: str, grade: str, n: int = 3) -> pd.DataFrame:
    """The ``n`` most frequent events of one cohort at one grade (ties broken by name)."""
    sub = ae[(ae["cohort"] == cohort) & (ae["grade"] == grade)]
    if sub.empty:
        raise ValueError(f"no adverse events for cohort {cohort!r} at grade {grade!r}")
    order = sub.sort_values(["count", "event"], ascending=[False, True], kind="stable")
    return order.head(n).reset_index(drop=True)


# --------------------------------------------------------------------------- trials


def implied_events(pct: float, n: int, decimals: int) -> int | None:
    """The single event count ``k`` with ``100 k / n`` printing as ``pct``, else None.

    Lets a reported percentage and denominator stand in for counts when only one count
    is consistent with them; None when none or several are (then no CI is drawn).
    """
    if pd.isna(pct) or pd.isna(n) or int(n) <= 0:
        return None
    hits = [k for k in range(int(n) + 1) if rounded_percent(k, int(n), int(decimals)) == pct]
    return hits[0] if len(hits) == 1 else None


def trial_orr_table(
    trials: pd.DataFrame, method: str = "wilson_cc", alpha: float = 0.05
) -> pd.DataFrame:
    """ORR of every trial that reports one, with a CI where counts allow.

    ``count_basis`` says where the counts come from: "reported counts" (events and
    denominator given by the seed), "implied by n and %" (single-arm rows whose n and
    printed ORR admit exactly one event count, see :func:`implied_events`) or "no counts"
    (no CI). Rows are TALENT's cohorts first, then by decreasing ORR.
    """
    rows = []
    for rec in trials[trials["orr_pct"].notna()].to_dict("records"):
        events, n, basis = None, None, "no counts"
        if pd.notna(rec["orr_events"]) and pd.notna(rec["orr_n"]):
            events, n, basis = int(rec["orr_events"]), int(rec["orr_n"]), "reported counts"
        elif rec["comparator"] in ("", "none") and pd.notna(rec["n"]):
            k = implied_events(rec["orr_pct"], int(rec["n"]), int(rec["orr_decimals"]))
            if k is not None:
                events, n, basis = k, int(rec["n"]), "implied by n and %"
        low = high = np.nan
        if events is not None and n is not None:
            lo, hi = proportion_ci(events, n, method, alpha)
            low, high = 100 * lo, 100 * hi
        label = rec["trial"] if not rec["cohort"] else f"{rec['trial']}, {rec['cohort']}"
        rows.append(
            {
                "trial_id": rec["trial_id"],
                "label": label,
                "drug": rec["drug"],
                "drug_class": rec["drug_class"],
                "site": rec["site"],
                "orr_pct": float(rec["orr_pct"]),
                "events": events,
                "n": n,
                "count_basis": basis,
                "method": method if events is not None else "",
                "ci_low_pct": low,
                "ci_high_pct": high,
                "is_talent": rec["trial_id"].startswith("talent"),
                "source": sources.readable(
                    rec["source_2"]
                    if rec["source_2"] and rec["source"] != rec["source_2"]
                    else rec["source"]
                ),
            }
        )
    out = pd.DataFrame(rows)
    out["events"] = out["events"].astype("Int64")
    out["n"] = out["n"].astype("Int64")
    out["_talent"] = ~out["is_talent"]
    out = out.sort_values(
        ["_talent", "orr_pct", "label"], ascending=[True, False, True], kind="stable"
    )
    return out.drop(columns="_talent").reset_index(drop=True)


def _fmt(value: float) -> str:
    return f"{value:g}"


def key_result(row: pd.Series) -> str:
    """The results a trial row gives, as one short phrase (empty parts left out)."""
    parts = []
    if pd.notna(row["orr_pct"]):
        parts.append(f"ORR {_fmt(row['orr_pct'])}%")
    if pd.notna(row["pfs_median_months"]):
        pfs = f"median PFS {_fmt(row['pfs_median_months'])}"
        if pd.notna(row["pfs_median_comparator_months"]):
            pfs += f" vs {_fmt(row['pfs_median_comparator_months'])}"
        parts.append(pfs + " months")
    if pd.notna(row["pfs_hr"]):
        hr = f"HR {_fmt(row['pfs_hr'])}"
        if pd.notna(row["pfs_hr_ci_low"]) and pd.notna(row["pfs_hr_ci_high"]):
            hr += f" (95% CI {_fmt(row['pfs_hr_ci_low'])}-{_fmt(row['pfs_hr_ci_high'])})"
        parts.append(hr)
    if pd.notna(row["os_median_months"]):
        parts.append(f"median OS {_fmt(row['os_median_months'])} months")
    if row["other_result"]:
        parts.append(str(row["other_result"]))
    return "; ".join(parts) if parts else "no result given in the sources"


def approved_therapies(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per drug with an approval status in the seeds: indication, pivotal trials, result.

    The indication and status are the seeds' wording; ``pivotal_trial`` lists the trials
    the seeds tie to the approval (``pivotal`` true) and ``key_result`` their results.
    """
    approved = trials[trials["approval_status"] != ""]
    rows = []
    for drug, group in approved.groupby("drug", sort=False):
        pivotal = group[group["pivotal"]]
        results = [f"{r['trial']}: {key_result(r)}" for _, r in pivotal.iterrows()]
        rows.append(
            {
                "drug": drug,
                "class": group["drug_class"].iloc[0],
                "indication (as the sources state it)": "; ".join(
                    dict.fromkeys(group["approval_indication"])
                ),
                "status": "; ".join(dict.fromkeys(group["approval_status"])),
                "pivotal trial": ", ".join(pivotal["trial"])
                if len(pivotal)
                else "not named in the sources",
                "key result": " | ".join(results) if results else "not given in the sources",
                "source": "; ".join(
                    dict.fromkeys(sources.readable(f) for f in group["approval_source"])
                ),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- TALENT's design


@dataclass(frozen=True)
class SingleStageRule:
    """Exact single-stage phase II rule: the drug is active if ``min_responses`` of ``n`` respond.

    ``size`` is the one-sided type I error P(X >= min_responses | p0) and ``power``
    P(X >= min_responses | p1), both exact binomial tail sums.
    """

    n: int
    p0: float
    p1: float
    alpha: float
    min_responses: int
    size: float
    power: float


def binomial_tail(r: int, n: int, p: float) -> float:
    """P(X >= r) for X ~ Binomial(n, p) (1 for r <= 0, 0 for r > n)."""
    return float(stats.binom.sf(int(r) - 1, int(n), float(p)))


def single_stage_rule(n: int, p0: float, p1: float, alpha: float = 0.05) -> SingleStageRule:
    """The exact one-sided single-stage rule for ``n`` patients (A'Hern 2001).

    The smallest ``r`` with P(X >= r | p0) <= ``alpha`` (the book's significance rule,
    :func:`netcomp.stats.significance.significant`): rejecting "response rate <= p0"
    when at least ``r`` patients respond keeps the one-sided type I error at or below
    ``alpha``; its power is P(X >= r | p1). ``r = n + 1`` (never reject) when no ``r`` works.
    """
    if int(n) != n or n < 1 or not 0 < p0 < p1 < 1 or not 0 < alpha < 1:
        raise ValueError(
            f"need n >= 1 and 0 < p0 < p1 < 1, 0 < alpha < 1; got {n}, {p0}, {p1}, {alpha}"
        )
    n = int(n)
    r = next((r for r in range(n + 1) if significant(binomial_tail(r, n, p0), alpha)), n + 1)
    return SingleStageRule(
        n, float(p0), float(p1), float(alpha), r, binomial_tail(r, n, p0), binomial_tail(r, n, p1)
    )


def smallest_single_stage_n(
    p0: float, p1: float, alpha: float = 0.05, power: float = 0.9, n_max: int = 2000
) -> SingleStageRule:
    """The smallest ``n`` whose exact single-stage rule reaches ``power`` at ``p1`` (A'Hern)."""
    for n in range(1, n_max + 1):
        rule = single_stage_rule(n, p0, p1, alpha)
        if rule.power >= power:
            return rule
    raise ValueError(f"no n up to {n_max} reaches power {power}")


#: The test behind TALENT's design, named as the book shows it.
DESIGN_TEST = "exact binomial, one-sided (H1: ORR above the null rate)"


def talent_design(talent: pd.DataFrame) -> pd.DataFrame:
    """TALENT's sample-size statement recomputed, and each cohort's responses against its rule.

    The design (null and alternative ORR, patients per cohort, power, alpha) comes from the
    article's statistics section; the rule is :func:`single_stage_rule` at the stated
    patients per cohort, with alpha one-sided (the article does not state the sidedness of
    its design alpha; a single-arm phase II design conventionally uses one-sided). One row
    per cohort: the rule, the smallest ``n`` of an exact design with the stated power, the
    cohort's responses (Table 2) over the patients assessed and enrolled, whether they reach
    the rule, and the exact one-sided binomial p against the null rate over the patients
    assessed.
    """

    def design(variable: str) -> float:
        return talent_value(talent, variable, "total", "value")

    p0, p1 = design("design_null_rate") / 100, design("design_alternative_rate") / 100
    alpha, power = design("design_alpha") / 100, design("design_power") / 100
    n_design = int(design("design_n_per_cohort"))
    rule = single_stage_rule(n_design, p0, p1, alpha)
    smallest = smallest_single_stage_n(p0, p1, alpha, power)
    counts = talent_endpoint_counts(talent)
    orr = counts[counts["endpoint"] == "ORR"].set_index("cohort")
    rows = []
    for cohort in COHORTS[:2]:
        k, assessed = int(orr["events"].loc[cohort]), int(orr["n"].loc[cohort])
        rule_assessed = single_stage_rule(assessed, p0, p1, alpha)
        rows.append(
            {
                "cohort": cohort,
                "design_n": n_design,
                "null_rate_pct": 100 * p0,
                "alternative_rate_pct": 100 * p1,
                "alpha_one_sided": alpha,
                "design_power_pct": 100 * power,
                "rule_min_responses": rule.min_responses,
                "rule_size": rule.size,
                "rule_power_pct": 100 * rule.power,
                "exact_min_n": smallest.n,
                "exact_min_n_rule": smallest.min_responses,
                "enrolled": int(talent_value(talent, "enrolled", cohort)),
                "assessed": assessed,
                "responses": k,
                "rule_min_responses_assessed": rule_assessed.min_responses,
                "meets_rule": bool(k >= rule.min_responses and k >= rule_assessed.min_responses),
                "p_one_sided": float(
                    stats.binomtest(k, assessed, p0, alternative="greater").pvalue
                ),
                "test": DESIGN_TEST,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the text's own numbers


def _fmt_num(value: float) -> str:
    return f"{value:g}"


def _enrolment_checks(talent: pd.DataFrame, sizes: dict[str, int]) -> list[dict[str, object]]:
    """The abstract's enrolment per cohort against the cohort sizes in Table 2's header."""
    rows = []
    for cohort in COHORTS:
        enrolled = talent_value(talent, "enrolled", cohort)
        rows.append(
            {
                "check": "enrolled",
                "cohort": cohort,
                "where": "abstract",
                "published": enrolled,
                "computed": float(sizes[cohort]),
                "compared_with": "cohort size in the header of Table 2",
                "agrees": bool(enrolled == sizes[cohort]),
                "explanation": "" if enrolled == sizes[cohort] else "differs",
            }
        )
    return rows


def _dose_modification_check(talent: pd.DataFrame, n_all: int) -> dict[str, object]:
    """The abstract's "reductions or interruptions" against the results' shares of each.

    The results give percentages of ``n_all`` without counts: the counts they imply are used.
    """
    either = talent_value(talent, "dose_reduction_or_interruption", "total", "published_pct")
    parts = {
        v: talent_value(talent, v, "total", "published_pct")
        for v in ("dose_reduction", "dose_interruption")
    }
    k_either = implied_events(either, n_all, 1)
    k_reduced = implied_events(parts["dose_reduction"], n_all, 1)
    k_interrupted = implied_events(parts["dose_interruption"], n_all, 1)
    if k_either is None or k_reduced is None or k_interrupted is None:
        agrees, computed = False, np.nan
        why = "a percentage fits no single count of the patients"
    else:
        low, high = max(k_reduced, k_interrupted), min(n_all, k_reduced + k_interrupted)
        agrees, computed = low <= k_either <= high, 100 * k_either / n_all
        why = (
            f"{_fmt_num(either)}% is {k_either} of {n_all} patients; the results' "
            f"{_fmt_num(parts['dose_reduction'])}% ({k_reduced}) with a reduction "
            f"and {_fmt_num(parts['dose_interruption'])}% ({k_interrupted}) with an "
            f"interruption allow between {low} and {high} with either"
        )
    return {
        "check": "dose_reduction_or_interruption",
        "cohort": "total",
        "where": "abstract",
        "published": either,
        "computed": computed,
        "compared_with": "results: dose reduction and interruption shares",
        "agrees": bool(agrees),
        "explanation": why,
    }


def _survival_checks(talent: pd.DataFrame) -> list[dict[str, object]]:
    """The discussion's survival figures against the results' medians."""
    results = {
        (v, c): talent_value(talent, v, c, "value")
        for v in ("pfs_median", "os_median")
        for c in COHORTS
        if len(talent[(talent["variable"] == v) & (talent["cohort"] == c)]) == 1
    }
    rows = []
    for variable, reference, label in (
        ("pfs_median_discussion", "pfs_median", "median PFS"),
        ("os_median_discussion", "os_median", "median OS"),
        ("pfs_discussion_dor_paragraph", "pfs_median", "median PFS"),
    ):
        for rec in talent[talent["variable"] == variable].to_dict("records"):
            ref = results.get((reference, rec["cohort"]), np.nan)
            agrees = bool(rec["value"] == ref)
            same = [
                COHORT_NAMES[c]
                for (v, c), x in results.items()
                if v == reference and x == rec["value"]
            ]
            if agrees:
                why = ""
            elif same:
                why = (
                    f"the results give {_fmt_num(ref)} months for this cohort; "
                    f"{_fmt_num(rec['value'])} is the {label} of {' and '.join(same)}"
                )
            else:
                why = (
                    f"the results give {_fmt_num(ref)} months for this cohort; "
                    f"{_fmt_num(rec['value'])} matches no {label} in the results, and the "
                    "article does not say what it measures"
                )
            rows.append(
                {
                    "check": variable,
                    "cohort": rec["cohort"],
                    "where": "discussion",
                    "published": float(rec["value"]),
                    "computed": float(ref),
                    "compared_with": f"results: {label}",
                    "agrees": agrees,
                    "explanation": why,
                }
            )
    return rows


def text_checks(talent: pd.DataFrame) -> pd.DataFrame:
    """Numbers the abstract and discussion restate, checked against the results and tables.

    One row per statement: ``check``, ``cohort``, ``where`` (the part of the article that
    states it), ``published``, ``computed`` (the value the results or tables give, or that
    the statement's own percentage implies), ``compared_with``, ``agrees`` and
    ``explanation``. Rows: enrolment (abstract) against the cohort sizes of Table 2; the
    share needing dose reductions or interruptions (abstract) against the results' shares
    of each; the discussion's survival figures against the results'.
    """
    sizes = {c: int(talent_value(talent, "tumour_assessment", c, "denominator")) for c in COHORTS}
    rows = _enrolment_checks(talent, sizes)
    rows.append(_dose_modification_check(talent, sizes["total"]))
    rows.extend(_survival_checks(talent))
    out = pd.DataFrame(rows)
    out["agrees"] = out["agrees"].astype(bool)
    return out


# --------------------------------------------------------------------------- in vitro vs clinic


def invitro_vs_talent(
    classes: pd.Series,
    talent: pd.DataFrame,
    threshold_pct: float,
    method: str = "clopper_pearson",
    alpha: float = 0.05,
    population: str = "primary cultures (reconstructed cohort)",
    talent_method: str = "wilson_cc",
) -> pd.DataFrame:
    """The cultures' responder rate beside TALENT's ORR, each interval with its method named.

    ``classes`` is the bool Series of :func:`netcomp.stats.response.responder_classes`;
    ``population`` labels the cultures' row. The cultures' interval uses ``method`` (exact
    Clopper-Pearson by default, for a small cohort); TALENT's rows use ``talent_method``,
    by default the Wilson interval with continuity correction that reproduces the published
    intervals, so the table shows TALENT's intervals as published. ``method`` holds each
    row's method key and ``interval`` its reader's label. The two rates measure different
    things (see the chapter); the table only puts them side by side.
    """
    values = classes.astype(bool)
    k, n = int(values.sum()), int(values.size)
    rows = [
        {
            "population": population,
            "measure": f"survival inhibition > {threshold_pct:g}% in vitro",
            "events": k,
            "n": n,
        }
    ]
    counts = talent_endpoint_counts(talent)
    for rec in counts[counts["endpoint"] == "ORR"].to_dict("records"):
        rows.append(
            {
                "population": f"TALENT {rec['cohort']}",
                "measure": "objective response (RECIST 1.1, central review)",
                "events": int(rec["events"]),
                "n": int(rec["n"]),
            }
        )
    out = pd.DataFrame(rows)
    methods = [method] + [talent_method] * (len(out) - 1)
    ci = [
        proportion_ci(int(k), int(n), m, alpha)
        for k, n, m in zip(out["events"], out["n"], methods, strict=True)
    ]
    out["rate_pct"] = 100 * out["events"] / out["n"]
    out["ci_low_pct"] = [100 * lo for lo, _ in ci]
    out["ci_high_pct"] = [100 * hi for _, hi in ci]
    out["method"] = methods
    level = f"{1 - alpha:.0%}"
    out["interval"] = [
        f"{level} {INTERVAL_METHODS[m]}" + (" (as published)" if i and m == "wilson_cc" else "")
        for i, m in enumerate(methods)
    ]
    return out


# --------------------------------------------------------------------------- provenance

_NUMBER_WORDS = {
    w: float(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space (locators are matched on this form)."""
    return re.sub(r"\s+", " ", text).strip()


def numbers_in(text: str) -> set[float]:
    """Numbers written in ``text``, as digits or as words up to twenty."""
    found = {float(m) for m in re.findall(r"\d+(?:\.\d+)?", text)}
    found |= {
        _NUMBER_WORDS[w.lower()]
        for w in re.findall(r"[A-Za-z]+", text)
        if w.lower() in _NUMBER_WORDS
    }
    return found


def verify_locators(
    table: pd.DataFrame,
    seeds_dir: str | Path | None = None,
    numeric_columns: Sequence[str] = (),
    text_columns: Sequence[str] = (),
    pairs: Sequence[tuple[str, str]] = (("source", "locator"),),
    window: int = LOCATOR_WINDOW,
) -> pd.DataFrame:
    """Check each row's locators against the seeds and its numbers against the text near them.

    ``table`` is the raw text form of a curated file (numbers as written). For each row:
    every locator (cells may hold several, separated by :data:`LOCATOR_SEPARATOR`) must
    occur in its seed after whitespace normalisation, and every number in
    ``numeric_columns`` and in ``text_columns`` must be written within ``window``
    characters of one of them. Returns ``row, n_locators, locators_found, missing_numbers``.
    """
    folder = Path(seeds_dir) if seeds_dir is not None else SEEDS_DIR
    cache: dict[str, str] = {}

    def seed(name: str) -> str:
        if name not in cache:
            cache[name] = normalise_whitespace((folder / name).read_text(encoding="utf-8"))
        return cache[name]

    rows = []
    for i, rec in table.reset_index(drop=True).iterrows():
        windows, n_loc, found = [], 0, 0
        for src_col, loc_col in pairs:
            cell = str(rec.get(loc_col, "") or "")
            if not cell:
                continue
            text = seed(str(rec[src_col]))
            for loc in cell.split(LOCATOR_SEPARATOR):
                n_loc += 1
                needle = normalise_whitespace(loc)
                at = text.find(needle)
                if at >= 0:
                    found += 1
                    windows.append(text[max(0, at - window) : at + len(needle) + window])
        near = numbers_in(" ".join(windows))
        wanted = [str(rec[c]) for c in numeric_columns if str(rec.get(c, "") or "")]
        for c in text_columns:
            wanted += re.findall(r"\d+(?:\.\d+)?", str(rec.get(c, "") or ""))
        missing = [w for w in wanted if float(w) not in near]
        rows.append(
            {
                "row": i,
                "n_locators": n_loc,
                "locators_found": found,
                "missing_numbers": ", ".join(missing),
            }
        )
    return pd.DataFrame(rows)


def read_raw(path: str | Path) -> pd.DataFrame:
    """A curated literature CSV exactly as written (all text), for provenance checks."""
    return pd.read_csv(Path(path), dtype=str, keep_default_na=False, encoding="utf-8").astype(
        object
    )
