"""Response of the primary cultures to a drug: survival inhibition and responder classes.

The study's rule (as we read it): a culture's *survival inhibition* for a drug is
``100 - mean(viability_pct)`` over its replicate wells, viability being percent of the
untreated control of the same culture; a culture is a *responder* when that inhibition is
strictly above a threshold (15% in the study) and a *non-responder* at or below it.
Viability above 100% (growth stimulation) is valid and gives a negative inhibition.

Everything here is a pure function of the tidy ``viability`` table described in
:mod:`netcomp.data.contract`; errors are ``ValueError`` with a message that names what is
missing and what is available, so a notebook fails before it draws anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import pandas as pd
from scipy import special

from netcomp.stats.significance import significant
from netcomp.text.wording import and_list, plural

VIABILITY_COLUMNS: tuple[str, ...] = (
    "culture_id",
    "drug",
    "concentration_um",
    "replicate",
    "viability_pct",
)

#: Columns of ``results/response.csv`` (a contract with re-users of the compendium).
RESPONSE_COLUMNS: tuple[str, ...] = (
    "culture_id",
    "drug",
    "concentration_um",
    "n_replicates",
    "inhibition_pct",
    "inhibition_sd",
    "responder",
)

#: Most non-zero paired differences for which the Wilcoxon test counts its exact permutation
#: distribution (all 2^n sign patterns, mid-ranks for ties); larger cohorts use the
#: tie-corrected normal approximation (about 30 ms per comparison at this size).
EXACT_MAX_PAIRS = 300

#: Decimal places used when comparing concentrations (µM), so 0.1 + 0.2 matches 0.3.
_CONC_DECIMALS = 9


# --------------------------------------------------------------------------- helpers


def _fmt_conc(values: Sequence[float]) -> str:
    return ", ".join(f"{v:g}" for v in values) + " µM"


def _fmt_list(values: Sequence[str], limit: int = 20) -> str:
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def _check_viability(viability: pd.DataFrame) -> pd.DataFrame:
    """Return the viability columns with plain dtypes; raise if columns are missing."""
    missing = [c for c in VIABILITY_COLUMNS if c not in viability.columns]
    if missing:
        raise ValueError(
            f"viability table lacks column(s) {', '.join(missing)}; "
            f"it has: {', '.join(map(str, viability.columns))}"
        )
    if viability.empty:
        raise ValueError("viability table has no rows")
    table = viability.loc[:, list(VIABILITY_COLUMNS)].copy()
    table["culture_id"] = table["culture_id"].astype(str)
    table["drug"] = table["drug"].astype(str)
    table["concentration_um"] = table["concentration_um"].astype(float)
    table["viability_pct"] = table["viability_pct"].astype(float)
    if table["viability_pct"].isna().any():
        bad = table.loc[table["viability_pct"].isna(), "culture_id"].unique()
        raise ValueError(f"viability_pct is missing for culture(s) {_fmt_list(sorted(bad))}")
    table["_conc_key"] = table["concentration_um"].round(_CONC_DECIMALS)
    return table


def check_threshold(threshold_pct: float) -> float:
    """Return the threshold as float; raise ``ValueError`` unless it lies in [0, 100]."""
    try:
        value = float(threshold_pct)
    except (TypeError, ValueError):
        raise ValueError(
            f"response threshold must be a number between 0 and 100 (%), got {threshold_pct!r}"
        ) from None
    if not np.isfinite(value) or value < 0 or value > 100:
        raise ValueError(
            f"response threshold must lie between 0 and 100 (% survival inhibition), "
            f"got {threshold_pct!r}"
        )
    return value


def available_drugs(viability: pd.DataFrame) -> list[str]:
    """Drugs present in the viability table, sorted."""
    return sorted(_check_viability(viability)["drug"].unique())


def _check_drug(table: pd.DataFrame, drug: str) -> pd.DataFrame:
    rows = table[table["drug"] == drug]
    if rows.empty:
        raise ValueError(
            f"drug {drug!r} has no viability measurement; available drugs: "
            f"{', '.join(sorted(table['drug'].unique()))}"
        )
    return rows


def tested_concentrations(viability: pd.DataFrame, drug: str) -> list[float]:
    """Concentrations (µM) at which ``drug`` was tested in at least one culture, ascending."""
    rows = _check_drug(_check_viability(viability), drug)
    return sorted(rows.groupby("_conc_key")["concentration_um"].first().tolist())


def default_concentration(viability: pd.DataFrame, drug: str) -> float:
    """The concentration used for ``drug`` when none is given.

    Rule: the single concentration when the drug was tested at one; otherwise the
    highest concentration tested in *every* culture that received the drug (so all
    cultures are compared at the same dose). Raises ``ValueError`` when no concentration
    is shared by all those cultures.
    """
    rows = _check_drug(_check_viability(viability), drug)
    per_culture = [set(keys.unique()) for _, keys in rows.groupby("culture_id")["_conc_key"]]
    common = set.intersection(*per_culture)
    if not common:
        raise ValueError(
            f"no concentration of {drug!r} was tested in every culture; tested: "
            f"{_fmt_conc(sorted(rows['_conc_key'].unique()))}; pass concentration_um explicitly"
        )
    key = max(common)
    return float(rows.loc[rows["_conc_key"] == key, "concentration_um"].iloc[0])


def _resolve_concentration(
    table: pd.DataFrame, drug: str, concentration_um: float | Mapping[str, float] | None
) -> float:
    """The concentration to use for ``drug``: given (checked) or the default rule."""
    if isinstance(concentration_um, Mapping):
        concentration_um = concentration_um.get(drug)
    rows = _check_drug(table, drug)
    if concentration_um is None:
        return default_concentration(table, drug)
    try:
        wanted = round(float(concentration_um), _CONC_DECIMALS)
    except (TypeError, ValueError):
        raise ValueError(
            f"concentration_um must be a number (µM), got {concentration_um!r}"
        ) from None
    tested = sorted(rows["_conc_key"].unique())
    if wanted not in set(tested):
        raise ValueError(
            f"{drug!r} was not tested at {float(concentration_um):g} µM; "
            f"tested concentrations: {_fmt_conc(tested)}"
        )
    return float(rows.loc[rows["_conc_key"] == wanted, "concentration_um"].iloc[0])


@dataclass(frozen=True)
class ConcentrationChoice:
    """The concentration a drug is analysed at, which rule chose it, and who is left out.

    ``rule`` is ``"given"`` (the ``concentration_um`` parameter), ``"only"`` (the drug was
    tested at one concentration), ``"common"`` (the highest concentration tested in every
    culture that received the drug) or ``"most"`` (the fallback when no concentration is
    common to all of them: the one tested in the most cultures, the highest on a tie).
    ``excluded`` lists the cultures that received the drug but not at this concentration.
    """

    drug: str
    concentration_um: float
    rule: str
    tested: tuple[float, ...]
    n_cultures: int
    excluded: tuple[str, ...]

    def note(self) -> str:
        """The concentration in words, with the rule that chose it (for the chapter prose).

        The cultures left out (``excluded``) are for the caller to name.
        """
        conc, tested = f"{self.concentration_um:g} µM", _fmt_conc(self.tested)
        if self.rule == "given":
            text = f"{conc}, set by the concentration_um parameter (tested: {tested})"
        elif self.rule == "only":
            text = f"{conc}, the only concentration tested"
        elif self.rule == "common":
            text = f"{conc}, the highest concentration tested in every culture (tested: {tested})"
        else:
            n_at = self.n_cultures - len(self.excluded)
            text = (
                f"{conc}, the concentration tested in the most cultures ({n_at} of "
                f"{self.n_cultures}), because no concentration was tested in every "
                f"culture (tested: {tested})"
            )
        return text


def choose_concentration(
    viability: pd.DataFrame, drug: str, concentration_um: float | None = None
) -> ConcentrationChoice:
    """Pick the concentration of ``drug`` to classify at, outcome-blind, never failing on shape.

    A given ``concentration_um`` must have been tested (``ValueError`` otherwise). With
    none given, the rule of :func:`default_concentration`; when no concentration is common
    to every culture, the fallback is the concentration tested in the most cultures
    (highest on a tie), the others being listed in ``excluded``.
    """
    table = _check_viability(viability)
    rows = _check_drug(table, drug)
    keys = rows.groupby("_conc_key")["concentration_um"].first()
    tested = tuple(float(v) for v in sorted(keys.tolist()))
    per_key = rows.groupby("_conc_key")["culture_id"].nunique()
    cultures = sorted(rows["culture_id"].unique())
    if concentration_um is not None:
        key = round(_resolve_concentration(table, drug, concentration_um), _CONC_DECIMALS)
        rule = "given"
    elif len(tested) == 1:
        key, rule = float(per_key.index[0]), "only"
    else:
        common = per_key[per_key == len(cultures)]
        if len(common):
            key, rule = float(common.index.max()), "common"
        else:
            most = per_key[per_key == per_key.max()]
            key, rule = float(most.index.max()), "most"
    have = set(rows.loc[rows["_conc_key"] == key, "culture_id"])
    return ConcentrationChoice(
        drug=drug,
        concentration_um=float(keys.loc[key]),
        rule=rule,
        tested=tested,
        n_cultures=len(cultures),
        excluded=tuple(c for c in cultures if c not in have),
    )


def inhibition_at(viability: pd.DataFrame, choice: ConcentrationChoice) -> pd.DataFrame:
    """:func:`inhibition_table` of ``choice.drug`` at the chosen concentration.

    Only the cultures measured at that concentration (``choice.excluded`` are left out).
    """
    table = _check_viability(viability)
    key = round(choice.concentration_um, _CONC_DECIMALS)
    rows = table[(table["drug"] == choice.drug) & (table["_conc_key"] == key)]
    return inhibition_table(rows.drop(columns="_conc_key"), [choice.drug], choice.concentration_um)


def classes_by_concentration(
    viability: pd.DataFrame, drug: str, threshold_pct: float
) -> pd.DataFrame:
    """Inhibition and class of each culture at every concentration of ``drug`` it received.

    Long table ``concentration_um, culture_id, n_replicates, inhibition_pct, responder``
    sorted by concentration then culture; the same rule (strictly above the threshold) at
    each concentration.
    """
    threshold = check_threshold(threshold_pct)
    rows = _check_drug(_check_viability(viability), drug)
    inhib = (100.0 - rows["viability_pct"]).groupby([rows["_conc_key"], rows["culture_id"]])
    out = pd.DataFrame(
        {"n_replicates": inhib.size().astype("int64"), "inhibition_pct": inhib.mean()}
    ).reset_index()
    conc = rows.groupby("_conc_key")["concentration_um"].first()
    out.insert(0, "concentration_um", out["_conc_key"].map(conc).astype(float))
    out = out.drop(columns="_conc_key")
    out["responder"] = out["inhibition_pct"].to_numpy(float) > threshold
    return out.sort_values(["concentration_um", "culture_id"]).reset_index(drop=True)


def concentration_summary(by_concentration: pd.DataFrame, chosen_um: float) -> pd.DataFrame:
    """Per concentration: cultures tested, responders, and how many differ from ``chosen_um``.

    ``by_concentration`` is :func:`classes_by_concentration`'s table. ``n_changed`` counts
    the cultures tested at both concentrations whose class differs from their class at
    ``chosen_um`` (0 on the chosen row); ``chosen`` marks that row.
    """
    table = by_concentration.assign(_key=by_concentration["concentration_um"].round(_CONC_DECIMALS))
    key = round(float(chosen_um), _CONC_DECIMALS)
    ref = table.loc[table["_key"] == key].set_index("culture_id")["responder"]
    other = table["culture_id"].map(ref)
    table["_changed"] = other.notna() & (table["responder"] != other.fillna(False).astype(bool))
    grouped = table.groupby("_key", sort=True)
    out = pd.DataFrame(
        {
            "concentration_um": grouped["concentration_um"].first(),
            "n_cultures": grouped.size().astype("int64"),
            "n_responders": grouped["responder"].sum().astype("int64"),
        }
    )
    out["n_non_responders"] = out["n_cultures"] - out["n_responders"]
    out["responder_fraction"] = out["n_responders"] / out["n_cultures"]
    out["n_changed"] = grouped["_changed"].sum().astype("int64")
    out["chosen"] = out.index == key
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- inhibition


def _replicate_ttest(mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, ...]:
    """Vectorised one-sample t-test of the replicate inhibitions against 0 (two-sided).

    Undefined (NaN) with fewer than two replicates or zero spread between replicates.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        defined = (n >= 2) & (sd > 0)
        t = np.where(defined, mean / (sd / np.sqrt(n)), np.nan)
        df = np.where(n >= 2, n - 1, np.nan)
        # Student's t upper tail, stdtr(df, -|t|): what scipy.stats.t.sf computes, without
        # importing scipy.stats (slow) for the pre-flight check, which classifies cultures
        p = np.where(defined, 2.0 * special.stdtr(np.where(defined, df, 1), -np.abs(t)), np.nan)
    return t, p


def _drug_inhibition(
    table: pd.DataFrame, drug: str, concentration_um: float | Mapping[str, float] | None
) -> pd.DataFrame:
    """Per culture: replicates, mean and SD of inhibition for one drug at its concentration."""
    conc = _resolve_concentration(table, drug, concentration_um)
    rows = table[table["drug"] == drug]
    at_conc = rows[rows["_conc_key"] == round(conc, _CONC_DECIMALS)]
    lacking = sorted(set(rows["culture_id"]) - set(at_conc["culture_id"]))
    if lacking:
        raise ValueError(
            f"culture(s) {_fmt_list(lacking)} received {drug!r} but not at {conc:g} µM; "
            f"choose a concentration every culture received (tested overall: "
            f"{_fmt_conc(sorted(rows['_conc_key'].unique()))})"
        )
    inhib = 100.0 - at_conc["viability_pct"]
    grouped = inhib.groupby(at_conc["culture_id"], sort=True)
    summary = pd.DataFrame(
        {
            "n_replicates": grouped.size().astype("int64"),
            "inhibition_pct": grouped.mean(),
            "inhibition_sd": grouped.std(ddof=1),
        }
    )
    summary.index.name = "culture_id"
    summary = summary.reset_index()
    summary.insert(1, "drug", drug)
    summary.insert(2, "concentration_um", conc)
    return summary


def inhibition_table(
    viability: pd.DataFrame,
    drugs: Sequence[str] | None = None,
    concentration_um: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Survival inhibition of each culture for each drug at the chosen concentration.

    ``inhibition_pct = 100 - mean(viability_pct)`` over replicate wells;
    ``inhibition_sd`` is the replicates' sample standard deviation (ddof=1). Each row also
    carries a one-sample t-test of the replicate inhibitions against 0 (``t_statistic``,
    ``p_value``, two-sided): with about three wells per culture, a rank test cannot reach
    significance (the smallest two-sided Wilcoxon p with n=3 is 0.25), so the t-test is the
    only usable choice; it is NaN with one replicate or identical replicates.

    ``drugs`` defaults to every drug in the table (sorted). ``concentration_um`` is one
    value for all drugs, a ``{drug: µM}`` mapping, or None for
    :func:`default_concentration`. A culture that received the drug but not at the chosen
    concentration is an error, as is an unknown drug or concentration.
    """
    table = _check_viability(viability)
    if isinstance(drugs, str):
        drug_list = [drugs]
    else:
        drug_list = list(drugs) if drugs is not None else sorted(table["drug"].unique())
    if not drug_list:
        raise ValueError("no drug requested")
    pieces = [_drug_inhibition(table, drug, concentration_um) for drug in drug_list]
    out = pd.concat(pieces, ignore_index=True)
    t, p = _replicate_ttest(
        out["inhibition_pct"].to_numpy(float),
        out["inhibition_sd"].to_numpy(float),
        out["n_replicates"].to_numpy(float),
    )
    out["t_statistic"] = t
    out["p_value"] = p
    out["culture_id"] = out["culture_id"].astype(str)
    out["drug"] = out["drug"].astype(str)
    return out


@overload
def classify(inhibition_pct: pd.Series, threshold_pct: float) -> pd.Series: ...
@overload
def classify(inhibition_pct: np.ndarray, threshold_pct: float) -> np.ndarray: ...
def classify(
    inhibition_pct: pd.Series | np.ndarray, threshold_pct: float
) -> pd.Series | np.ndarray:
    """Responder (True) when inhibition is strictly above ``threshold_pct``, else False.

    Keeps the input's shape (and a Series' index). Missing inhibition is an error, not a
    silent non-responder.
    """
    threshold = check_threshold(threshold_pct)
    if isinstance(inhibition_pct, pd.Series):
        values = inhibition_pct.astype(float)
        if values.isna().any():
            raise ValueError(
                f"inhibition is missing for {_fmt_list(list(values.index[values.isna()]))}"
            )
        return (values > threshold).astype(bool).rename("responder")
    array = np.asarray(inhibition_pct, dtype=float)
    if np.isnan(array).any():
        raise ValueError("inhibition contains missing values (NaN)")
    return array > threshold


def _check_cultures(table: pd.DataFrame, drug: str, cultures: Sequence[str]) -> None:
    have = set(table.loc[table["drug"] == drug, "culture_id"])
    lacking = [c for c in map(str, cultures) if c not in have]
    if lacking:
        raise ValueError(
            f"culture(s) {_fmt_list(lacking)} have no viability measurement for {drug!r}; "
            f"cultures with data for it: {_fmt_list(sorted(have))}"
        )


def responder_classes(
    viability: pd.DataFrame,
    drug: str = "lenvatinib",
    threshold_pct: float = 15.0,
    concentration_um: float | None = None,
    cultures: Sequence[str] | None = None,
) -> pd.Series:
    """Responder status of each culture for ``drug``: bool Series named ``responder``.

    Indexed by ``culture_id`` (sorted). When ``cultures`` is given, every one of them must
    have a measurement for the drug, and only those are returned. Raises ``ValueError`` for
    an unknown drug, an untested concentration, a threshold outside 0-100 or missing
    cultures.
    """
    threshold = check_threshold(threshold_pct)
    table = _check_viability(viability)
    _check_drug(table, drug)
    if cultures is not None:
        _check_cultures(table, drug, cultures)
    inhib = inhibition_table(table.drop(columns="_conc_key"), [drug], concentration_um)
    series = inhib.set_index("culture_id")["inhibition_pct"]
    if cultures is not None:
        series = series.loc[sorted(set(map(str, cultures)))]
    series.index.name = "culture_id"
    return classify(series, threshold).sort_index()


def response_table(
    viability: pd.DataFrame,
    drugs: Sequence[str] | None = None,
    threshold_pct: float = 15.0,
    concentration_um: float | Mapping[str, float] | None = None,
    cultures: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The ``results/response.csv`` table: every drug classified against the same threshold.

    Columns exactly :data:`RESPONSE_COLUMNS`; rows sorted by drug (given order) then culture.
    """
    threshold = check_threshold(threshold_pct)
    table = _check_viability(viability)
    if isinstance(drugs, str):
        drugs = [drugs]
    drug_list = list(drugs) if drugs is not None else sorted(table["drug"].unique())
    for drug in drug_list:
        _check_drug(table, drug)
        if cultures is not None:
            _check_cultures(table, drug, cultures)
    inhib = inhibition_table(table.drop(columns="_conc_key"), drug_list, concentration_um)
    if cultures is not None:
        inhib = inhib[inhib["culture_id"].isin(set(map(str, cultures)))]
    inhib = inhib.assign(responder=classify(inhib["inhibition_pct"], threshold).to_numpy())
    return inhib.loc[:, list(RESPONSE_COLUMNS)].reset_index(drop=True)


# --------------------------------------------------------------------------- sensitivity


def _as_inhibition_series(inhibition: pd.Series | pd.DataFrame) -> pd.Series:
    """Accept a Series indexed by culture, or an inhibition table with one drug."""
    if isinstance(inhibition, pd.DataFrame):
        drugs: list[str] = (
            [str(d) for d in inhibition["drug"].unique()] if "drug" in inhibition else []
        )
        if len(drugs) > 1:
            raise ValueError(f"pass the inhibition of one drug, got {', '.join(drugs)}")
        return inhibition.set_index("culture_id")["inhibition_pct"].astype(float)
    return inhibition.astype(float)


def responders_by_threshold(
    inhibition: pd.Series | pd.DataFrame, thresholds: Sequence[float] | np.ndarray
) -> pd.DataFrame:
    """Number of responders and non-responders at each threshold (one row per threshold)."""
    series = _as_inhibition_series(inhibition)
    values = series.to_numpy(float)
    rows = []
    for thr in thresholds:
        n_resp = int(np.sum(classify(values, thr)))
        rows.append(
            {
                "threshold_pct": float(thr),
                "n_responders": n_resp,
                "n_non_responders": int(values.size - n_resp),
            }
        )
    return pd.DataFrame(rows, columns=["threshold_pct", "n_responders", "n_non_responders"])


def flipping_cultures(
    inhibition: pd.Series | pd.DataFrame, threshold: float, window: float = 5.0
) -> pd.DataFrame:
    """Cultures whose class changes for some threshold within ``threshold ± window``.

    A culture with inhibition ``x`` is a responder at threshold ``s`` iff ``x > s``, so
    its class differs from the one at ``threshold`` for some ``s`` in the window exactly
    when ``threshold - window < x <= threshold + window``. Returns ``culture_id,
    inhibition_pct, responder`` (class at ``threshold``) and ``margin_pct`` (``x -
    threshold``), sorted by closeness to the threshold.
    """
    thr = check_threshold(threshold)
    if window < 0:
        raise ValueError(f"window must be >= 0 points, got {window!r}")
    series = _as_inhibition_series(inhibition)
    mask = (series > thr - window) & (series <= thr + window)
    sel = series[mask]
    out = pd.DataFrame(
        {
            "culture_id": list(map(str, sel.index)),
            "inhibition_pct": sel.to_numpy(float),
            "responder": sel.to_numpy(float) > thr,
            "margin_pct": sel.to_numpy(float) - thr,
        }
    )
    order = np.lexsort((out["culture_id"].to_numpy(), np.abs(out["margin_pct"].to_numpy())))
    return out.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------- comparisons


def paired_inhibition(
    inhibition: pd.DataFrame, drugs: Sequence[str], complete: bool = True
) -> pd.DataFrame:
    """Wide table: one row per culture, one inhibition column per drug.

    With ``complete`` (default) only the cultures measured with every drug; otherwise every
    culture measured with the first drug, NaN where it lacks another (each pair of drugs
    can then use all the cultures it shares).
    """
    missing = [d for d in drugs if d not in set(inhibition["drug"])]
    if missing:
        raise ValueError(
            f"no inhibition for drug(s) {', '.join(missing)}; available: "
            f"{', '.join(sorted(inhibition['drug'].unique()))}"
        )
    wide = inhibition.pivot(index="culture_id", columns="drug", values="inhibition_pct")
    wide = wide.loc[:, list(drugs)]
    wide = (wide.dropna() if complete else wide.dropna(subset=[drugs[0]])).sort_index()
    wide.columns.name = None
    return wide.reset_index()


@dataclass(frozen=True)
class SignedRankTest:
    """Result of :func:`signed_rank_test` (two-sided)."""

    statistic: float
    p_value: float
    method: str
    n_nonzero: int
    ties: bool


def signed_rank_test(differences: Sequence[float] | np.ndarray) -> SignedRankTest:
    """Two-sided Wilcoxon signed-rank test that stays exact with tied differences.

    Zero differences are dropped before ranking (Wilcoxon's convention); the others get the
    mid-ranks of their absolute values. Under the null hypothesis each of the 2^n patterns
    of signs is equally likely, so the statistic ``T+`` (sum of the ranks of the positive
    differences) has a distribution that is counted exactly, with or without ties, by
    dynamic programming on doubled mid-ranks (whole numbers). The p-value is the share of
    sign patterns with ``|T+ - E|`` at least the observed one (tolerance 1e-9). It is the
    exact permutation p (``scipy.stats.permutation_test`` with ``permutation_type="samples"``
    enumerates the same 2^n patterns), whereas ``scipy.stats.wilcoxon(method="exact")``
    uses the no-ties distribution at a rounded statistic. Beyond :data:`EXACT_MAX_PAIRS`
    non-zero differences the tie-corrected normal approximation is used (``method`` is
    ``"approx"``). ``statistic`` is ``min(T+, T-)``, as scipy reports it; NaN without any
    non-zero difference.
    """
    from scipy import stats  # here, not at the top: importing scipy.stats takes ~0.5 s

    d = np.asarray(differences, dtype=float)
    nonzero = d[d != 0]
    n = int(nonzero.size)
    if n == 0:
        return SignedRankTest(np.nan, np.nan, "exact", 0, False)
    ranks = stats.rankdata(np.abs(nonzero))
    ties = bool(np.unique(np.abs(nonzero)).size < n)
    t_plus = float(ranks[nonzero > 0].sum())
    stat = min(t_plus, float(ranks.sum()) - t_plus)
    if n > EXACT_MAX_PAIRS:
        p = float(stats.wilcoxon(nonzero, method="approx").pvalue)
        return SignedRankTest(stat, p, "approx", n, ties)
    doubled = np.rint(2.0 * ranks).astype(np.int64)
    total = int(doubled.sum())
    ways = np.zeros(total + 1)
    ways[0] = 1.0
    for v in doubled:  # 0/1 knapsack over the signs; the right side is read before writing
        ways[v:] += ways[: total + 1 - v].copy()
    sums = np.nonzero(ways)[0]
    centre = total / 2.0
    observed = abs(2.0 * t_plus - centre)
    extreme = np.abs(sums - centre) >= observed - 2e-9
    p = float(ways[sums][extreme].sum() / ways.sum())
    return SignedRankTest(stat, min(1.0, p), "exact", n, ties)


def compare_drugs(
    inhibition: pd.DataFrame, drug: str, comparators: Sequence[str], alpha: float = 0.05
) -> pd.DataFrame:
    """Paired comparison of ``drug`` with each comparator over the cultures that had both.

    Wilcoxon signed-rank test, two-sided (:func:`signed_rank_test`): the exact permutation
    distribution over all 2^n sign patterns with mid-ranks for tied differences (zero
    differences dropped, Wilcoxon's convention) up to :data:`EXACT_MAX_PAIRS` non-zero
    differences, beyond which the tie-corrected normal approximation is used (``p_method``
    says which). Differences are rounded to 1e-9 before ranking so that float noise does
    not break ties. Reports medians of each drug, the median paired difference and whether
    ``drug``'s median is >= the comparator's; ``significant`` is ``p <= alpha``
    (:func:`netcomp.stats.significance.significant`; never for an undefined p).
    ``tied_differences`` flags tied absolute differences (handled exactly by the mid-rank
    enumeration).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    if drug in comparators:
        raise ValueError(
            f"{drug!r} is both the drug and a comparator; comparators: {', '.join(comparators)}"
        )
    if not comparators:
        raise ValueError("no comparator given")
    rows = []
    for comp in comparators:
        wide = paired_inhibition(inhibition, [drug, comp])
        x = wide[drug].to_numpy(float)
        y = wide[comp].to_numpy(float)
        diff = np.round(x - y, 9)
        test = signed_rank_test(diff)
        stat, p = test.statistic, test.p_value
        med_x, med_y = float(np.median(x)), float(np.median(y))
        rows.append(
            {
                "drug": drug,
                "comparator": comp,
                "n_pairs": int(x.size),
                "n_nonzero": test.n_nonzero,
                "median_drug_pct": med_x,
                "median_comparator_pct": med_y,
                "median_difference_pct": float(np.median(x - y)),
                "n_drug_higher": int(np.sum(diff > 0)),
                "tied_differences": test.ties,
                "wilcoxon_statistic": stat,
                "p_value": p,
                "p_method": test.method,
                "significant": significant(p, alpha),
                "drug_median_ge": med_x >= med_y,
            }
        )
    return pd.DataFrame(rows)


def response_by_group(
    classes: pd.Series, cultures: pd.DataFrame, by: str, levels: Sequence[str] | None = None
) -> pd.DataFrame:
    """Counts of responders and non-responders per level of a culture column (site, grade).

    ``classes`` is the bool Series of :func:`responder_classes`; ``cultures`` has
    ``culture_id`` and ``by``. ``levels`` fixes the row order (levels with no culture are
    dropped unless listed). A culture in ``classes`` without a row in ``cultures`` is an error.
    """
    if by not in cultures.columns:
        raise ValueError(
            f"cultures table has no column {by!r}; it has {', '.join(cultures.columns)}"
        )
    info = cultures.assign(culture_id=cultures["culture_id"].astype(str)).set_index("culture_id")
    lacking = [c for c in map(str, classes.index) if c not in info.index]
    if lacking:
        raise ValueError(f"culture(s) {_fmt_list(lacking)} are not in the cultures table")
    group = info.loc[list(map(str, classes.index)), by].astype(str).to_numpy()
    resp = classes.to_numpy(bool)
    order = list(levels) if levels is not None else sorted(set(group))
    rows = []
    for level in order:
        sel = group == level
        n_resp, n = int(np.sum(resp & sel)), int(np.sum(sel))
        rows.append(
            {
                by: level,
                "n_responders": n_resp,
                "n_non_responders": n - n_resp,
                "n_cultures": n,
                "responder_fraction": n_resp / n if n else np.nan,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- prose helpers


def comparison_sentence(comparison: pd.DataFrame) -> str:
    """One phrase per comparator: median, paired Wilcoxon p and number of pairs."""
    parts = []
    for row in comparison.to_dict("records"):
        p = f"{row['p_value']:.3f}" if np.isfinite(row["p_value"]) else "not computable"
        kind = "exact permutation" if row.get("p_method", "exact") == "exact" else "approximate"
        parts.append(
            f"{row['comparator']} (median {row['median_comparator_pct']:.1f}%; "
            f"Wilcoxon {kind} p = {p} over {plural(int(row['n_pairs']), 'paired culture')})"
        )
    return and_list(parts)


def culture_list(table: pd.DataFrame, value: str = "inhibition_pct") -> str:
    """``"NET03 (12.1%), NET07 (18.0%)"`` from rows with ``culture_id`` and ``value``.

    "none" if the table is empty.
    """
    if table.empty:
        return "none"
    return ", ".join(f"{row.culture_id} ({getattr(row, value):.1f}%)" for row in table.itertuples())


def drug_list(value: str | Sequence[str]) -> list[str]:
    """Normalise a drug parameter: ``"a, b"`` or ``["a", "b"]`` -> ``["a", "b"]`` (no repeats)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return list(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))
