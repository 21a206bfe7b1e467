"""Tests of netcomp.data.literature: intervals, percentage checks, trial tables and provenance.

Interval bounds are checked against independent formulas (beta quantiles, the Wilson closed
form, root-finding on the corrected score equation); TALENT's counts and published intervals
are typed from the article's Table 2; the locator test re-reads the seed documents.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

matplotlib.use("Agg")

from netcomp.book.notebooks import read_chapter
from netcomp.data import literature as lit
from netcomp.figures import literature as litfig
from netcomp.stats.response import responder_classes

REPO = Path(__file__).resolve().parents[1]
LIT_DIR = REPO / "data" / "literature"
SEEDS = Path(__file__).parents[1].parent / "shared" / "seeds"
Z = stats.norm.ppf(0.975)

# TALENT Table 2: (events, n) per cohort and endpoint, ORR = CR + PR, DCR = CR + PR + SD,
# n = patients with tumour assessment; and the published 95% CIs.
TALENT_COUNTS = {
    ("panNET", "ORR"): (0 + 23, 52),
    ("panNET", "DCR"): (0 + 23 + 27, 52),
    ("GI-NET", "ORR"): (0 + 9, 55),
    ("GI-NET", "DCR"): (0 + 9 + 42, 55),
    ("total", "ORR"): (0 + 32, 107),
    ("total", "DCR"): (0 + 32 + 69, 107),
}
TALENT_PUBLISHED = {
    ("panNET", "ORR"): (30.7, 58.6),
    ("panNET", "DCR"): (85.7, 99.3),
    ("GI-NET", "ORR"): (8.2, 29.3),
    ("GI-NET", "DCR"): (81.6, 97.6),
    ("total", "ORR"): (21.6, 39.6),
    ("total", "DCR"): (87.7, 97.7),
}
COUNTS = [(1, 10), (3, 25), (9, 55), (23, 52), (32, 107), (50, 52), (101, 107), (9, 10)]


@pytest.fixture(scope="module")
def talent() -> pd.DataFrame:
    return lit.load_talent(LIT_DIR / "talent.csv")


@pytest.fixture(scope="module")
def trials() -> pd.DataFrame:
    return lit.load_trials(LIT_DIR / "trials.csv")


def _half_up(value: float | Fraction, decimals: int) -> float:
    """Independent half-up rounding through Decimal."""
    if isinstance(value, Fraction):
        dec = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        dec = Decimal(repr(float(value)))
    return float(dec.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- intervals


@pytest.mark.parametrize(("k", "n"), COUNTS + [(0, 12), (12, 12)])
def test_clopper_pearson_equals_beta_quantiles(k: int, n: int) -> None:
    low = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
    high = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    got = lit.proportion_ci(k, n, "clopper_pearson")
    assert got == pytest.approx((low, high), abs=1e-10)


@pytest.mark.parametrize(("k", "n"), COUNTS)
def test_wilson_equals_closed_form(k: int, n: int) -> None:
    centre = (k + Z**2 / 2) / (n + Z**2)
    half = Z * np.sqrt(k * (n - k) / n + Z**2 / 4) / (n + Z**2)
    assert lit.proportion_ci(k, n, "wilson") == pytest.approx(
        (centre - half, centre + half), abs=1e-10
    )


@pytest.mark.parametrize(("k", "n"), COUNTS)
def test_jeffreys_equals_beta_quantiles(k: int, n: int) -> None:
    low = stats.beta.ppf(0.025, k + 0.5, n - k + 0.5)
    high = stats.beta.ppf(0.975, k + 0.5, n - k + 0.5)
    assert lit.proportion_ci(k, n, "jeffreys") == pytest.approx((low, high), abs=1e-10)


def _wilson_cc_formula(k: int, n: int) -> tuple[float, float]:
    """Newcombe's (1998) closed form of the Wilson interval with continuity correction."""
    z = Z
    p, q = k / n, 1 - k / n
    denom = 2 * (n + z * z)
    low = (
        0.0
        if k == 0
        else (2 * n * p + z * z - 1 - z * np.sqrt(z * z - 2 - 1 / n + 4 * p * (n * q + 1))) / denom
    )
    high = (
        1.0
        if k == n
        else (2 * n * p + z * z + 1 + z * np.sqrt(z * z + 2 - 1 / n + 4 * p * (n * q - 1))) / denom
    )
    return max(0.0, low), min(1.0, high)


def test_wilson_cc_from_scipy_equals_the_closed_form() -> None:
    # the library takes the interval from scipy's binomtest; the hand-written formula agrees
    for n in range(1, 61):
        for k in range(n + 1):
            assert lit.proportion_ci(k, n, "wilson_cc") == pytest.approx(
                _wilson_cc_formula(k, n), abs=1e-12
            )


def test_wilson_cc_hand_computed_value() -> None:
    # 5/10, z = 1.959964: sqrt(z^2 - 2 - 1/10 + 4*0.5*(10*0.5 + 1)) = sqrt(13.741459) = 3.706948;
    # lower = (10 + 3.841459 - 1 - 1.959964*3.706948) / (2*(10 + 3.841459)) = 5.575975/27.682918
    #       = 0.201423; by symmetry the upper bound is 0.798577.
    low, high = lit.proportion_ci(5, 10, "wilson_cc")
    assert low == pytest.approx(0.201423, abs=2e-6)
    assert high == pytest.approx(0.798577, abs=2e-6)


@pytest.mark.parametrize(("k", "n"), COUNTS)
def test_wilson_cc_solves_the_corrected_score_equation(k: int, n: int) -> None:
    # Newcombe's method 4: the bounds solve |p - pi| - 1/(2n) = z * sqrt(pi (1 - pi) / n).
    p = k / n
    low = optimize.brentq(
        lambda x: (p - 0.5 / n - x) - Z * np.sqrt(x * (1 - x) / n), 1e-15, p - 0.5 / n
    )
    high = optimize.brentq(
        lambda x: (x - p - 0.5 / n) - Z * np.sqrt(x * (1 - x) / n), p + 0.5 / n, 1 - 1e-15
    )
    assert lit.proportion_ci(k, n, "wilson_cc") == pytest.approx((low, high), abs=1e-9)


def test_wilson_cc_edges_and_errors() -> None:
    assert lit.proportion_ci(0, 20, "wilson_cc")[0] == 0.0
    assert lit.proportion_ci(20, 20, "wilson_cc")[1] == 1.0
    with pytest.raises(ValueError, match="events <= n"):
        lit.proportion_ci(5, 4)
    with pytest.raises(ValueError, match="unknown interval method"):
        lit.proportion_ci(1, 4, "wald")


def test_rounding_helpers() -> None:
    assert lit.round_half_up(0.05, 1) == 0.1
    assert lit.round_half_up(58.580601, 1) == 58.6
    assert lit.rounded_percent(1, 8, 0) == 13.0  # 12.5 rounds up
    assert lit.rounded_percent(8, 55, 1) == 14.5  # 14.5454...


# --------------------------------------------------------------------------- TALENT


def test_talent_endpoint_counts_match_table_2(talent: pd.DataFrame) -> None:
    counts = lit.talent_endpoint_counts(talent)
    got = {(r.cohort, r.endpoint): (r.events, r.n) for r in counts.itertuples()}
    assert got == TALENT_COUNTS


def test_talent_intervals_contract_and_values(talent: pd.DataFrame) -> None:
    iv = lit.talent_intervals(talent)
    assert tuple(iv.columns) == lit.INTERVAL_COLUMNS
    assert len(iv) == len(TALENT_COUNTS) * len(lit.INTERVAL_METHODS)
    for rec in iv.itertuples(index=False):
        k, n = TALENT_COUNTS[(rec.cohort, rec.endpoint)]
        assert (rec.events, rec.n) == (k, n)
        assert rec.rate_pct == pytest.approx(100 * k / n)
        pub = TALENT_PUBLISHED[(rec.cohort, rec.endpoint)]
        assert (rec.published_ci_low_pct, rec.published_ci_high_pct) == pub
        expected = (_half_up(rec.ci_low_pct, 1), _half_up(rec.ci_high_pct, 1)) == pub
        assert rec.match == expected


def test_only_wilson_cc_reproduces_talent(talent: pd.DataFrame) -> None:
    iv = lit.talent_intervals(talent)
    for (cohort, endpoint), (k, n) in TALENT_COUNTS.items():
        # independent Wilson-cc bounds rounded to one decimal equal the published ones
        low, high = _wilson_cc_formula(k, n)
        assert (_half_up(100 * low, 1), _half_up(100 * high, 1)) == TALENT_PUBLISHED[
            (cohort, endpoint)
        ]
    summary = lit.interval_method_summary(iv).set_index("method")
    assert summary.loc["wilson_cc", "n_matched"] == 6
    assert summary.drop(index="wilson_cc")["n_matched"].max() == 0
    assert lit.reproducing_method(iv) == "wilson_cc"
    wide = lit.interval_comparison_table(iv)
    assert len(wide) == 6 and wide["Wilson with continuity correction"].str.endswith("✓").all()


EXPECTED_MISMATCHES = {
    ("ki67_0_5", "panNET", ""),  # 16/54 = 29.6, printed 30.2 (= 16/53)
    ("ki67_0_5", "GI-NET", ""),  # 28/54 = 51.9, printed 58.2
    ("ki67_5_10", "panNET", ""),  # 12/54 = 22.2, printed 22.6 (= 12/53)
    ("ki67_10_20", "panNET", ""),  # 26/54 = 48.148, printed 48.2
    ("everolimus", "panNET", ""),  # 38/55 = 69.09, printed 69.0
    ("tumour_assessment", "panNET", ""),  # 52/55 = 94.545, printed 94.6
    ("progressive_disease", "panNET", ""),  # 2/52 = 3.846, printed 3.9
    ("abdominal_pain_upper", "panNET", "1-2"),  # 8/55 = 14.545, printed 14.6
    ("alkaline_phosphatase_increased", "panNET", "1-2"),
    ("epistaxis", "panNET", "1-2"),
    ("discontinuation_toxicity", "GI-NET", ""),  # 10/56 = 17.857, printed 17.8
    # the results text's grade 3/4 percentages of all 111 patients against Table 3's counts
    ("hypertension", "total", "3-4"),  # 12 + 13 = 25/111 = 22.5, printed 22.7 (= 25/110)
    ("asthenia", "total", "3-4"),  # 3 + 9 = 12/111 = 10.8, printed 13.6
    ("diarrhea", "total", "3-4"),  # 4 + 8 = 12/111 = 10.8, printed 10.9 (= 12/110)
}
#: Table 3's grade 3/4 counts (panNET, GI-NET) of the events the results text restates.
TABLE3_GRADE34 = {"hypertension": (12, 13), "asthenia": (3, 9), "diarrhea": (4, 8)}


def test_percentage_check_against_exact_fractions(talent: pd.DataFrame) -> None:
    pc = lit.percentage_check(talent)
    raw = pd.read_csv(LIT_DIR / "talent.csv", dtype=str, keep_default_na=False)
    # counts from the file, or derived: ORR/DCR from Table 2, the text's AE rows from Table 3
    derived = (raw["section"] == "adverse_events_text") | raw["variable"].isin(["orr", "dcr"])
    expected_rows = int(
        (
            (raw["published_pct"] != "")
            & (raw["denominator"] != "")
            & ((raw["count"] != "") | derived)
        ).sum()
    )
    assert len(pc) == expected_rows
    in_text = pc[pc["section"] == "adverse_events_text"].set_index("variable")
    assert {v: int(in_text.loc[v, "count"]) for v in TABLE3_GRADE34} == {
        v: a + b for v, (a, b) in TABLE3_GRADE34.items()
    }
    assert in_text.loc["hypertension", "explanation"] == "matches 25/110 instead of 25/111"
    assert in_text.loc["diarrhea", "explanation"] == "matches 12/110 instead of 12/111"
    assert in_text.loc["asthenia", "explanation"].startswith("no simple explanation")
    for rec in pc.itertuples(index=False):
        exact = Fraction(100 * rec.count, rec.denominator)
        assert rec.recomputed_pct == pytest.approx(float(exact))
        assert rec.recomputed_rounded == _half_up(exact, rec.decimals)
        assert rec.match == (_half_up(exact, rec.decimals) == rec.published_pct)
    mismatched = {(r.variable, r.cohort, r.ae_grade) for r in pc[~pc["match"]].itertuples()}
    assert mismatched == EXPECTED_MISMATCHES
    assert (pc.loc[pc["match"], "explanation"] == "").all()


def test_explain_mismatch() -> None:
    assert lit.explain_mismatch(23, 56, 41.1, 1) == ""
    assert lit.explain_mismatch(52, 55, 94.6, 1).startswith("rounded twice")
    assert lit.explain_mismatch(38, 55, 69.0, 1) == "truncated instead of rounded"
    assert lit.explain_mismatch(16, 54, 30.2, 1) == "matches 16/53 instead of 16/54"
    assert lit.explain_mismatch(28, 54, 58.2, 1).startswith("no simple explanation")


def test_adverse_events_table(talent: pd.DataFrame) -> None:
    ae = lit.adverse_events(talent)
    assert len(ae) == 20 * 2 * 2
    assert np.allclose(ae["pct"], 100 * ae["count"] / ae["denominator"])
    # totals over cohorts and grades: hypertension 28+12+30+13, diarrhea 25+4+28+8, asthenia 62
    assert list(dict.fromkeys(ae["event"]))[:3] == ["Hypertension", "Diarrhea", "Asthenia"]
    top = lit.top_adverse_events(ae, "GI-NET", "3-4", n=2)
    assert top["event"].tolist() == ["Hypertension", "Asthenia"] and top["count"].tolist() == [
        13,
        9,
    ]


# --------------------------------------------------------------------------- trials


def test_implied_events() -> None:
    assert lit.implied_events(12.0, 25, 1) == 3
    assert lit.implied_events(64, 53, 0) == 34
    assert lit.implied_events(13.7, 62, 1) is None  # no count of 62 prints as 13.7
    assert lit.implied_events(28, 170, 0) is None  # 47 and 48 both print as 28


def test_trial_orr_table(trials: pd.DataFrame) -> None:
    orr = lit.trial_orr_table(trials, method="clopper_pearson")
    assert orr["is_talent"].iloc[:3].all() and not orr["is_talent"].iloc[3:].any()
    assert orr["orr_pct"].iloc[3:].is_monotonic_decreasing
    talent_rows = orr[orr["is_talent"]].set_index("trial_id")
    assert talent_rows.loc["talent_pannet", ["events", "n"]].tolist() == [23, 52]
    low = stats.beta.ppf(0.025, 23, 52 - 23 + 1)
    assert talent_rows.loc["talent_pannet", "ci_low_pct"] == pytest.approx(100 * low)
    by_id = orr.set_index("trial_id")
    # a placebo-controlled trial's n covers both arms: never used to imply counts
    assert by_id.loc["raymond_sunitinib", "count_basis"] == "no counts"
    assert by_id.loc["keynote028_nonpan", "count_basis"] == "implied by n and %"
    assert by_id.loc["keynote028_nonpan", ["events", "n"]].tolist() == [3, 25]
    assert by_id.loc["sunitinib_realworld", "count_basis"] == "no counts"


def test_trials_file_values_and_citations(trials: pd.DataFrame) -> None:
    rows = trials.set_index("trial_id")
    assert rows.loc[
        "raymond_sunitinib", ["pfs_median_months", "pfs_median_comparator_months"]
    ].tolist() == [
        11.4,
        5.5,
    ]
    assert rows.loc["ssa_metaanalysis", ["pfs_hr", "pfs_hr_ci_low", "pfs_hr_ci_high"]].tolist() == [
        0.41,
        0.29,
        0.58,
    ]
    assert np.isnan(rows.loc["promid", "orr_pct"])
    bib = (REPO / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    used = {k for k in trials["citation_key"] if k}
    assert used <= keys, f"citation keys missing from references.bib: {sorted(used - keys)}"


def test_approved_therapies(trials: pd.DataFrame) -> None:
    approved = lit.approved_therapies(trials).set_index("drug")
    assert {
        "sunitinib",
        "everolimus",
        "177Lu-DOTATATE",
        "octreotide LAR",
        "lanreotide autogel",
        "surufatinib",
    } <= set(approved.index)
    assert "lenvatinib" not in approved.index
    assert approved.loc["everolimus", "pivotal trial"] == "RADIANT-3, RADIANT-4"
    assert "median PFS 11.4 vs 5.5 months" in approved.loc["sunitinib", "key result"]


def test_invitro_vs_talent(talent: pd.DataFrame) -> None:
    viability = pd.DataFrame(
        {
            "culture_id": np.repeat(["C1", "C2", "C3", "C4"], 3),
            "drug": "lenvatinib",
            "concentration_um": 10.0,
            "replicate": np.tile([1, 2, 3], 4),
            "viability_pct": [50, 52, 48, 95, 96, 94, 80, 79, 81, 101, 99, 100],
        }
    )
    classes = responder_classes(viability, "lenvatinib", 15.0)  # inhibitions 50, 5, 20, 0
    table = lit.invitro_vs_talent(classes, talent, 15.0)
    first = table.iloc[0]
    assert (first["events"], first["n"]) == (2, 4)
    assert first["ci_low_pct"] == pytest.approx(100 * stats.beta.ppf(0.025, 2, 3))
    assert first["ci_high_pct"] == pytest.approx(100 * stats.beta.ppf(0.975, 3, 2))
    assert table["events"].iloc[1:].tolist() == [23, 9, 32]
    # each row names its interval: exact for the cultures, the published method for TALENT
    assert table["method"].tolist() == ["clopper_pearson"] + ["wilson_cc"] * 3
    assert table["interval"].iloc[0] == "95% Clopper-Pearson (exact)"
    assert table["interval"].iloc[1:].str.endswith("(as published)").all()
    for rec in table.iloc[1:].itertuples(index=False):
        pub = TALENT_PUBLISHED[(rec.population.removeprefix("TALENT "), "ORR")]
        assert (_half_up(rec.ci_low_pct, 1), _half_up(rec.ci_high_pct, 1)) == pub


# --------------------------------------------------------------------------- TALENT's design


def _tail(r: int, n: int, p: float) -> float:
    """P(X >= r), X ~ Binomial(n, p), as the sum of the binomial terms written out."""
    return sum(math.comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(max(r, 0), n + 1))


def _rule(n: int, p0: float, alpha: float) -> int:
    return next(r for r in range(n + 2) if _tail(r, n, p0) <= alpha)


@pytest.mark.parametrize(
    ("n", "p0", "p1"),
    [(55, 0.10, 0.25), (20, 0.05, 0.25), (40, 0.2, 0.4), (52, 0.10, 0.25), (3, 0.5, 0.9)],
)
def test_single_stage_rule_against_written_out_sums(n: int, p0: float, p1: float) -> None:
    rule = lit.single_stage_rule(n, p0, p1, 0.05)
    r = _rule(n, p0, 0.05)
    assert rule.min_responses == r
    assert rule.size == pytest.approx(_tail(r, n, p0), abs=1e-12)
    assert rule.power == pytest.approx(_tail(r, n, p1), abs=1e-12)
    if r > 0:  # one response fewer would break the alpha
        assert _tail(r - 1, n, p0) > 0.05


def test_talent_rule_is_10_of_55_and_55_is_the_smallest_exact_design() -> None:
    rule = lit.single_stage_rule(55, 0.10, 0.25, 0.05)
    assert rule.min_responses == 10
    assert rule.size == pytest.approx(0.0444167, abs=1e-6)  # P(X >= 10 | 55, 0.10)
    assert rule.power == pytest.approx(0.9111874, abs=1e-6)  # P(X >= 10 | 55, 0.25)
    # brute force over n: every smaller n misses 90% power at its own exact rule
    for n in range(1, 55):
        assert _tail(_rule(n, 0.10, 0.05), n, 0.25) < 0.90
    smallest = lit.smallest_single_stage_n(0.10, 0.25, 0.05, 0.90)
    assert (smallest.n, smallest.min_responses) == (55, 10)
    with pytest.raises(ValueError):
        lit.single_stage_rule(55, 0.3, 0.2)


def test_talent_design_table(talent: pd.DataFrame) -> None:
    design = lit.talent_design(talent).set_index("cohort")
    assert design.loc[:, "design_n"].tolist() == [55, 55]
    assert (design["null_rate_pct"] == 10).all() and (design["alternative_rate_pct"] == 25).all()
    assert (design["rule_min_responses"] == 10).all() and (design["exact_min_n"] == 55).all()
    assert design.loc["panNET", ["enrolled", "assessed", "responses"]].tolist() == [55, 52, 23]
    assert design.loc["GI-NET", ["enrolled", "assessed", "responses"]].tolist() == [56, 55, 9]
    # the rule at the patients assessed is also 10 (52: P(X >= 9) = 0.071 > 0.05)
    assert design["rule_min_responses_assessed"].tolist() == [
        _rule(52, 0.1, 0.05),
        _rule(55, 0.1, 0.05),
    ]
    assert design["meets_rule"].tolist() == [True, False]
    # one-sided exact binomial p against 10% over the patients assessed, summed by hand
    assert design.loc["panNET", "p_one_sided"] == pytest.approx(_tail(23, 52, 0.1), rel=1e-9)
    assert design.loc["GI-NET", "p_one_sided"] == pytest.approx(_tail(9, 55, 0.1), rel=1e-9)
    assert design.loc["GI-NET", "p_one_sided"] == pytest.approx(0.0943630, abs=1e-6)
    assert design["test"].str.contains("one-sided").all()


def test_text_checks(talent: pd.DataFrame) -> None:
    checks = lit.text_checks(talent).set_index(["check", "cohort"])
    assert checks.loc[("enrolled", "total"), ["published", "computed"]].tolist() == [111, 55 + 56]
    assert (
        checks.loc[("enrolled", "panNET"), "agrees"]
        and checks.loc[("enrolled", "GI-NET"), "agrees"]
    )
    dose = checks.loc[("dose_reduction_or_interruption", "total")]
    # 93.7% of 111 is 104 (103.98); 81.1% is 90 (90.02), 92.8% is 103 (103.01): 103 <= 104 <= 111
    assert dose["computed"] == pytest.approx(100 * 104 / 111)
    assert dose["agrees"] and "between 103 and 111" in dose["explanation"]
    pfs = checks.loc[("pfs_median_discussion", "panNET")]
    assert (pfs["published"], pfs["computed"], bool(pfs["agrees"])) == (15.7, 15.6, False)
    assert "all patients" in pfs["explanation"] and "GI-NET" in pfs["explanation"]
    os_ = checks.loc[("os_median_discussion", "panNET")]
    assert (os_["published"], os_["computed"], bool(os_["agrees"])) == (31, 32, False)
    other = checks.loc["pfs_discussion_dor_paragraph"]
    assert other["published"].tolist() == [28, 37] and other["computed"].tolist() == [15.6, 15.7]
    assert not other["agrees"].any()


# --------------------------------------------------------------------------- provenance

_WORDS = {
    w: float(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}


def _numbers(text: str) -> set[float]:
    found = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)}
    return found | {
        _WORDS[w.lower()] for w in re.findall(r"[A-Za-z]+", text) if w.lower() in _WORDS
    }


def _check_file(
    name: str, numeric: list[str], text_cols: list[str], pairs: list[tuple[str, str]]
) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}; locators cannot be checked")
    seeds = {
        p.name: re.sub(r"\s+", " ", p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")
    }
    raw = pd.read_csv(LIT_DIR / name, dtype=str, keep_default_na=False)
    problems = []
    for i, row in raw.iterrows():
        near = ""
        for src, loc_col in pairs:
            if not row[loc_col]:
                continue
            assert row[src] in seeds, f"{name} row {i}: unknown seed {row[src]!r}"
            text = seeds[row[src]]
            for loc in row[loc_col].split(" | "):
                needle = re.sub(r"\s+", " ", loc).strip()
                at = text.find(needle)
                if at < 0:
                    problems.append(f"row {i}: locator not found in {row[src]}: {loc!r}")
                    continue
                near += " " + text[max(0, at - 400) : at + len(needle) + 400]
        have = _numbers(near)
        values = [row[c] for c in numeric if row[c]]
        values += [v for c in text_cols for v in re.findall(r"\d+(?:\.\d+)?", row[c])]
        problems += [f"row {i}: {v} not near its locator" for v in values if float(v) not in have]
    assert not problems, "\n".join(problems)


def test_talent_locators_and_numbers() -> None:
    _check_file(
        "talent.csv",
        ["count", "published_pct", "value", "low", "high"],
        [],
        [("source", "locator")],
    )


def test_trials_locators_and_numbers() -> None:
    _check_file(
        "trials.csv",
        list(lit.TRIAL_NUMERIC_COLUMNS),
        ["other_result"],
        [("source", "locator"), ("source_2", "locator_2"), ("approval_source", "approval_locator")],
    )


def test_every_row_names_a_source_and_locator(trials: pd.DataFrame, talent: pd.DataFrame) -> None:
    for table in (trials, talent):
        assert (table["source"].str.match(r"^00[0-4]_[0-9a-f]{16}\.txt$")).all()
        assert (table["locator"].str.len() >= 10).all()
    has_approval = trials["approval_status"] != ""
    assert (trials.loc[has_approval, "approval_locator"] != "").all()


def test_module_locator_check_agrees(trials: pd.DataFrame) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}")
    check = lit.verify_locators(
        lit.read_raw(LIT_DIR / "trials.csv"),
        SEEDS,
        numeric_columns=lit.TRIAL_NUMERIC_COLUMNS,
        text_columns=["other_result"],
        pairs=[("source", "locator"), ("source_2", "locator_2")],
    )
    assert (check["n_locators"] == check["locators_found"]).all()
    assert (check["missing_numbers"] == "").all()
    bad = (
        lit.read_raw(LIT_DIR / "trials.csv")
        .head(1)
        .assign(locator="no such passage anywhere", n="999")
    )
    flagged = lit.verify_locators(bad, SEEDS, numeric_columns=["n"], pairs=[("source", "locator")])
    assert flagged["locators_found"].iloc[0] == 0 and flagged["missing_numbers"].iloc[0] == "999"


# --------------------------------------------------------------------------- figures and notebook


def test_figures_have_titles_and_labels(talent: pd.DataFrame, trials: pd.DataFrame) -> None:
    orr = lit.trial_orr_table(trials)
    figs = [
        litfig.plot_orr_forest(orr),
        litfig.plot_interval_methods(lit.talent_intervals(talent)),
        litfig.plot_adverse_events(lit.adverse_events(talent)),
    ]
    for fig in figs:
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_title() or (fig._suptitle is not None and fig._suptitle.get_text())
        matplotlib.pyplot.close(fig)
    fig = litfig.plot_orr_forest(orr)
    assert len(fig.axes[0].get_yticklabels()) == len(orr)
    matplotlib.pyplot.close(fig)


def test_notebook_conventions() -> None:
    nb = read_chapter(REPO / "notebooks" / "04_literature_context.md")
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code[0]["metadata"]["tags"] == ["parameters"]
    for name in (
        "data_dir",
        "results_dir",
        "figures_dir",
        "literature_dir",
        "drug",
        "response_threshold_pct",
    ):
        assert re.search(rf"^{name} = ", "".join(code[0]["source"]), re.M)
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    h1 = [
        line
        for c in cells
        if c["cell_type"] == "markdown"
        for line in "".join(c["source"]).splitlines()
        if line.startswith("# ")
    ]
    assert len(h1) == 1
