"""The study's two published versions and what standard tests give on each one's 2x2 table.

The study behind this book was published twice, and the two versions disagree on one
responder's *HRAS* status:

- the 2022 conference abstract (ASCO Annual Meeting, J Clin Oncol 2022;40(16_suppl):e16211)
  defines responders as survival inhibition above 15% and reports *HRAS* high in 5 of the 6
  responders and none of the 5 non-responders; it gives no p-value;
- the 2023 journal article (Front Endocrinol 2023;13:1045038) states no threshold in its
  abstract and reports *HRAS* overexpression in 4 of the 6 responders and none of the 5
  non-responders, with p = .048.

:func:`version_tests` puts the standard exact tests of both tables side by side, each with
its sidedness and two-sided convention, and says whether any gives the published p = .048.
Unconditional tests (Barnard, Boschloo) depend on which margin is taken as fixed, so both
sampling models are shown: the two response classes as the groups (the abstracts' wording,
"x of the 6 responders") and the two *HRAS* groups as the groups (response rate by *HRAS*).
Fisher's test and the conditional odds ratio condition on both margins and are the same
either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from scipy import stats

#: The p-value the journal article reports for HRAS and response.
REPORTED_P: float = 0.048
#: Decimals at which a computed p-value is compared with the reported one (".048").
MATCH_DECIMALS: int = 3


@dataclass(frozen=True)
class PublishedVersion:
    """One published version of the study: its source and its HRAS-by-response counts."""

    key: str
    label: str
    citation: str
    reference: str
    responders_high: int
    n_responders: int
    nonresponders_high: int
    n_nonresponders: int
    threshold_pct: float | None
    reported_p: float | None

    def table(self) -> np.ndarray:
        """``[[high & R, high & NR], [low & R, low & NR]]``: columns are the response classes."""
        a, b = self.responders_high, self.nonresponders_high
        return np.array([[a, b], [self.n_responders - a, self.n_nonresponders - b]], dtype=np.int64)

    def counts_text(self) -> str:
        """E.g. ``"5/6 vs 0/5"``: HRAS high among responders vs among non-responders."""
        return (
            f"{self.responders_high}/{self.n_responders} vs "
            f"{self.nonresponders_high}/{self.n_nonresponders}"
        )


CONFERENCE_2022 = PublishedVersion(
    key="conference-2022",
    label="Conference abstract (2022)",
    citation="liverani2022asco",
    reference=(
        "ASCO Annual Meeting 2022, abstract e16211; J Clin Oncol "
        "2022;40(16_suppl):e16211, doi:10.1200/JCO.2022.40.16_suppl.e16211"
    ),
    responders_high=5,
    n_responders=6,
    nonresponders_high=0,
    n_nonresponders=5,
    threshold_pct=15.0,
    reported_p=None,
)
JOURNAL_2023 = PublishedVersion(
    key="journal-2023",
    label="Journal article (2023)",
    citation="liverani2023",
    reference="Front Endocrinol 2023;13:1045038, doi:10.3389/fendo.2022.1045038 (abstract)",
    responders_high=4,
    n_responders=6,
    nonresponders_high=0,
    n_nonresponders=5,
    threshold_pct=None,
    reported_p=REPORTED_P,
)
#: Both versions, oldest first.
VERSIONS: tuple[PublishedVersion, ...] = (CONFERENCE_2022, JOURNAL_2023)

#: Sampling models of the unconditional tests: which margin is fixed (the two groups).
GROUPS_CLASSES = "groups: responders vs non-responders (HRAS high compared)"
GROUPS_HRAS = "groups: HRAS high vs HRAS low (response compared)"

FISHER_TWO = (
    "two-sided: sum of the probabilities of all tables no more likely than the "
    "observed one (scipy's convention)"
)
FISHER_ONE = "one-sided (greater): HRAS high more often among responders"
BARNARD_TWO = (
    "two-sided: Wald statistic with pooled variance, |T| at least the observed, "
    "maximised over the common proportion (scipy's convention)"
)
BOSCHLOO_TWO = (
    "two-sided: scipy reports twice the smaller one-sided p-value, capped at 1 "
    "(not a separate two-sided statistic)"
)
OR_SIDED = (
    "conditional maximum likelihood; exact two-sided 95% CI from the noncentral "
    "hypergeometric distribution"
)

#: Columns of the machine-readable table (``results/published_versions.csv``).
DATA_COLUMNS: tuple[str, ...] = (
    "version_key",
    "version",
    "citation",
    "counts",
    "test_key",
    "test",
    "sided_key",
    "sided",
    "p_value",
    "estimate",
    "ci_low",
    "ci_high",
    "matches_reported_p",
)
#: Reader-facing headers of :func:`version_tests`, in the order of :data:`DATA_COLUMNS`
#: (``citation`` is dropped from the displayed table).
DISPLAY_HEADERS: dict[str, str] = {
    "version": "Published version",
    "counts": "HRAS high: responders vs non-responders",
    "test": "Test",
    "sided": "Sidedness and convention",
    "p_value": "p-value",
    "estimate_text": "Odds ratio (exact 95% CI)",
    "gives_reported": "Gives p = .048?",
}


def _fmt_or(value: float) -> str:
    return "∞" if np.isinf(value) else f"{value:.2f}"


def _or_text(estimate: float, low: float, high: float) -> str:
    """The odds ratio and its interval in words: "unbounded, a cell is zero (95% CI 1.35 to ∞)"."""
    interval = f"(95% CI {_fmt_or(low)} to {_fmt_or(high)})"
    if np.isinf(estimate):
        return f"unbounded, a cell is zero {interval}"
    if estimate == 0:
        return f"0, a cell is zero {interval}"
    return f"{_fmt_or(estimate)} {interval}"


def _matches(p: float, target: float = REPORTED_P, decimals: int = MATCH_DECIMALS) -> bool:
    return bool(round(p, decimals) == round(target, decimals))


def version_test_data(versions: tuple[PublishedVersion, ...] = VERSIONS) -> pd.DataFrame:
    """Every test of every version's table (see :func:`_version_test_data`); a fresh copy."""
    return _version_test_data(tuple(versions)).copy()


def _p_row(
    base: dict[str, object], keys: tuple[str, str], test: str, sided: str, p: float
) -> dict[str, object]:
    """One p-value row of :func:`_version_test_data` (no estimate or interval)."""
    return {
        **base,
        "test_key": keys[0],
        "test": test,
        "sided_key": keys[1],
        "sided": sided,
        "p_value": float(p),
        "estimate": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "matches_reported_p": _matches(float(p)),
    }


def _version_p_rows(table: np.ndarray, base: dict[str, object]) -> list[dict[str, object]]:
    """Fisher's test (one- and two-sided), Barnard's and Boschloo's under both sampling models."""
    rows = [
        _p_row(
            base,
            ("fisher", "one-sided (greater)"),
            "Fisher's exact test",
            FISHER_ONE,
            stats.fisher_exact(table, alternative="greater").pvalue,
        ),
        _p_row(
            base,
            ("fisher", "two-sided"),
            "Fisher's exact test",
            FISHER_TWO,
            stats.fisher_exact(table).pvalue,
        ),
    ]
    for key, groups, oriented in (
        ("classes", GROUPS_CLASSES, table),
        ("hras", GROUPS_HRAS, table.T),
    ):
        # scipy's unconditional tests treat the two columns as the independent groups.
        rows.append(
            _p_row(
                base,
                (f"barnard-{key}", "two-sided"),
                f"Barnard's exact test ({groups})",
                BARNARD_TWO,
                stats.barnard_exact(oriented, alternative="two-sided").pvalue,
            )
        )
        rows.append(
            _p_row(
                base,
                (f"boschloo-{key}", "two-sided (doubled one-sided)"),
                f"Boschloo's exact test ({groups})",
                BOSCHLOO_TWO,
                stats.boschloo_exact(oriented, alternative="two-sided").pvalue,
            )
        )
    return rows


def _odds_ratio_row(table: np.ndarray, base: dict[str, object]) -> dict[str, object]:
    """The conditional odds ratio with its exact 95% confidence interval (no p-value)."""
    res = stats.contingency.odds_ratio(table, kind="conditional")
    ci = res.confidence_interval(confidence_level=0.95)
    return {
        **base,
        "test_key": "odds-ratio",
        "test": "Odds ratio (conditional, exact)",
        "sided_key": "two-sided interval",
        "sided": OR_SIDED,
        "p_value": np.nan,
        "estimate": float(res.statistic),
        "ci_low": float(ci.low),
        "ci_high": float(ci.high),
        "matches_reported_p": False,
    }


@cache
def _version_test_data(versions: tuple[PublishedVersion, ...]) -> pd.DataFrame:
    """Every test of every version's table, machine-readable (columns :data:`DATA_COLUMNS`).

    Per version: Fisher's exact test one-sided (greater) and two-sided; Barnard's and
    Boschloo's unconditional exact tests, two-sided, under both sampling models
    (:data:`GROUPS_CLASSES`, :data:`GROUPS_HRAS`); the conditional odds ratio with its exact
    95% confidence interval (``p_value`` empty). ``matches_reported_p`` says whether the
    p-value rounds to .048 at three decimals.
    """
    rows: list[dict[str, object]] = []
    for version in versions:
        table = version.table()
        base: dict[str, object] = {
            "version_key": version.key,
            "version": version.label,
            "citation": version.citation,
            "counts": version.counts_text(),
        }
        rows.extend(_version_p_rows(table, base))
        rows.append(_odds_ratio_row(table, base))
    return pd.DataFrame(rows, columns=list(DATA_COLUMNS))


def versions_table(versions: tuple[PublishedVersion, ...] = VERSIONS) -> pd.DataFrame:
    """What each version states, one row per version, with reader-facing headers."""
    rows = []
    for v in versions:
        rule = (
            f"survival inhibition above {v.threshold_pct:g}%"
            if v.threshold_pct is not None
            else "a significant survival inhibition (no threshold stated)"
        )
        rows.append(
            {
                "Published version": v.label,
                "Source": v.reference,
                "Responders: rule": rule,
                "Responders / non-responders": f"{v.n_responders} / {v.n_nonresponders}",
                "HRAS high: responders": f"{v.responders_high} of {v.n_responders}",
                "HRAS high: non-responders": f"{v.nonresponders_high} of {v.n_nonresponders}",
                "Reported p-value": (
                    "none given"
                    if v.reported_p is None
                    else f"{v.reported_p:.3f}".replace("0.", ".", 1)
                ),
            }
        )
    return pd.DataFrame(rows)


def version_tests(versions: tuple[PublishedVersion, ...] = VERSIONS) -> pd.DataFrame:
    """:func:`version_test_data` ready to show: human headers, every test with its sidedness.

    Show it with ``netcomp.book.display.show_table(df, {"p-value": "{:.4f}"})``: the p-value of
    the odds-ratio rows is empty (shown as a dash) and their estimate is text.
    """
    data = version_test_data(versions)
    is_or = data["p_value"].isna()
    estimate_text = [
        _or_text(e, lo, hi) if o else np.nan
        for o, e, lo, hi in zip(
            is_or, data["estimate"], data["ci_low"], data["ci_high"], strict=True
        )
    ]
    shown = data.assign(
        estimate_text=estimate_text,
        gives_reported=np.where(
            is_or, "not a test", np.where(data["matches_reported_p"], "yes", "no")
        ),
    )
    return shown.loc[:, list(DISPLAY_HEADERS)].rename(columns=DISPLAY_HEADERS)


def any_gives_reported(versions: tuple[PublishedVersion, ...] = VERSIONS) -> dict[str, bool]:
    """Per version label: does any test in :func:`version_test_data` give p = .048?"""
    data = version_test_data(versions)
    return {
        str(k): bool(g.any()) for k, g in data.groupby("version", sort=False)["matches_reported_p"]
    }


def versions_sentence(versions: tuple[PublishedVersion, ...] = VERSIONS) -> str:
    """One plain sentence: each version's counts, its p-value range, and whether .048 appears."""
    data = version_test_data(versions).dropna(subset=["p_value"])
    parts = []
    for version in versions:
        p = data.loc[data["version"] == version.label, "p_value"]
        parts.append(
            f"{version.label.lower()}, HRAS high in {version.counts_text()}: "
            f"p from {p.min():.4f} to {p.max():.4f}"
        )
    hits = [k for k, v in any_gives_reported(versions).items() if v]
    text = "; ".join(parts)
    verdict = (
        f"None of these {len(data)} test results gives p = .048."
        if not hits
        else "p = .048 is given on the table of the " + " and ".join(hits) + "."
    )
    return text[0].upper() + text[1:] + ". " + verdict
