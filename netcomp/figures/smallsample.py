"""Figures of the chapter "Statistics for very small cohorts".

Each function takes a tidy table from :mod:`netcomp.stats.smallsample` and returns a matplotlib
Figure in the book's style (Okabe-Ito colours, labelled axes with units, a title). Saving
is left to :func:`netcomp.figures.style.save_figure`, called with the same table. Each
``*_text`` function gives the caption and alt text of the figure of the same data.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axis import Axis
from matplotlib.lines import Line2D

from netcomp.figures.style import OKABE_ITO, SERIES_COLOURS, FigureText, new_figure
from netcomp.figures.words import and_join, p_words, plural, reaches

#: Display names and colours of the tests compared in the exact-versus-approximate figure.
TEST_SERIES: tuple[tuple[str, str, str], ...] = (
    ("p_fisher", "Fisher exact, two-sided", OKABE_ITO["blue"]),
    ("p_fisher_greater", "Fisher exact, one-sided", OKABE_ITO["sky_blue"]),
    ("p_chi_square", "Pearson chi-square, two-sided", OKABE_ITO["vermillion"]),
    ("p_chi_square_yates", "chi-square with Yates' correction, two-sided", OKABE_ITO["orange"]),
)

#: White ground under a label drawn next to its own line, so that no line crosses it.
_LABEL_BOX: dict[str, object] = {
    "boxstyle": "square,pad=0.15",
    "facecolor": "white",
    "edgecolor": "none",
    "alpha": 0.9,
}

#: Display names of the multiple-testing procedures.
PROCEDURE_LABELS: dict[str, str] = {
    "unadjusted": "unadjusted p ≤ alpha",
    "bonferroni": "Bonferroni",
    "benjamini_hochberg": "Benjamini-Hochberg",
}


def _plain_log_ticks(axis: Axis) -> None:
    """Tick labels of a log axis as plain numbers (1, 0.1, 0.01, 1e-05).

    The book's style never parses text as mathtext, so matplotlib's default log labels
    (``$10^{-2}$``) would show as raw markup.
    """
    axis.set_major_formatter(ticker.FuncFormatter(lambda value, _pos: f"{value:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


def _table_probability_panel(
    ax: plt.Axes, tables: pd.DataFrame, labels: list[str], tick: dict[str, Any]
) -> None:
    """Left panel: each table's probability under no effect, the observed one in blue."""
    x = np.arange(len(tables))
    colours = [OKABE_ITO["blue"] if obs else OKABE_ITO["grey"] for obs in tables["observed"]]
    ax.bar(x, 100 * tables["probability_no_effect"], color=colours, edgecolor="black", lw=0.6)
    ax.set_xticks(x, labels, **tick)
    ax.set_xlabel("Table (with feature: responders vs non-responders)")
    ax.set_ylabel("Probability under no effect (%)")
    ax.set_title("Tables with the observed margins")


def _table_pvalue_panel(
    ax: plt.Axes, tables: pd.DataFrame, labels: list[str], tick: dict[str, Any], alpha: float
) -> None:
    """Right panel: each test's p-value per table (log scale), the level as a dashed line."""
    x = np.arange(len(tables))
    width = 0.8 / len(TEST_SERIES)
    for k, (column, name, colour) in enumerate(TEST_SERIES):
        ax.bar(
            x + (k - (len(TEST_SERIES) - 1) / 2) * width,
            tables[column],
            width,
            color=colour,
            edgecolor="black",
            lw=0.4,
            label=name,
        )
    ax.axhline(alpha, color=OKABE_ITO["black"], ls="--", lw=1)
    # a few points above its line, on a white ground, so that no line runs through the label
    ax.annotate(
        f"alpha = {alpha:g}",
        (-0.45, alpha),
        xytext=(0, 3),
        textcoords="offset points",
        va="bottom",
        ha="left",
        fontsize=8,
        bbox=_LABEL_BOX,
    )
    ax.set_xticks(x, labels, **tick)
    values = tables[[c for c, _, _ in TEST_SERIES]].to_numpy(float)
    smallest = float(values[values > 0].min()) if (values > 0).any() else alpha
    ax.set_yscale("log")
    _plain_log_ticks(ax.yaxis)
    ax.set_ylim(max(min(smallest, alpha) / 2, 1e-300), 1.6)
    ax.set_xlabel("Table (with feature: responders vs non-responders)")
    ax.set_ylabel("p-value (probability, log scale)")
    ax.set_title("p-value of each table, by test")


def exact_vs_chi_square_plot(tables: pd.DataFrame, alpha: float) -> plt.Figure:
    """Tables sharing the observed margins: their chance under no effect and each test's p-value.

    ``tables`` comes from :func:`netcomp.stats.smallsample.tables_with_margins`. Left: how likely
    each table is if the feature has no effect. Right: the p-value every test gives it,
    with the significance level as a dashed line.
    """
    fig, (left, right) = new_figure(10.0, 4.8, ncols=2, gridspec_kw={"width_ratios": [1, 1.6]})
    many = len(tables) > 6  # long labels side by side would overlap: turn them upright
    labels = [
        (f"{lab} (observed)" if obs else lab)
        if many
        else (lab.replace(" vs ", "\nvs ") + ("\n(observed)" if obs else ""))
        for lab, obs in zip(tables["label"], tables["observed"], strict=True)
    ]
    tick = {"fontsize": 7 if many else 8, "rotation": 90 if many else 0}
    _table_probability_panel(left, tables, labels, tick)
    _table_pvalue_panel(right, tables, labels, tick, alpha)
    handles, names = right.get_legend_handles_labels()
    fig.legend(
        handles,
        names,
        frameon=False,
        fontsize=8,
        ncols=4,
        loc="lower center",
        bbox_to_anchor=(0.5, 0),
    )  # anchored: a tight save must not move it onto the label
    fig.suptitle(
        f"Exact test or chi-square approximation with {_total(tables)} cultures", fontsize=11
    )
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def _total(tables: pd.DataFrame) -> int:
    """Number of cultures of the tables (from a label like '4/6 vs 0/5')."""
    first = str(tables["label"].iloc[0])
    left, right = first.split(" vs ")
    return int(left.split("/")[1]) + int(right.split("/")[1])


def p_value_distribution_plot(
    simulated: pd.DataFrame, exact: pd.DataFrame, alpha: float, n_label: str = ""
) -> plt.Figure:
    """How often a study of this size gives a p-value at or below x, by scenario.

    ``simulated``: ``scenario, p_value`` (one row per simulated study); ``exact``:
    ``scenario, p_value, cumulative`` (:func:`netcomp.stats.smallsample.p_value_distribution`).
    Steps are the simulated shares, dots the exact ones; the dotted diagonal is what a
    continuous test would give under no effect.
    """
    fig, ax = new_figure(6.6, 4.4)
    scenarios = list(dict.fromkeys(simulated["scenario"]))
    low = max(min(simulated["p_value"].min(), exact["p_value"].min(), alpha) / 2, 1e-6)
    for k, name in enumerate(scenarios):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        p = np.sort(simulated.loc[simulated["scenario"] == name, "p_value"].to_numpy(float))
        share = np.arange(1, p.size + 1) / p.size
        ax.step(
            np.concatenate([[low], p, [1.0]]),
            100 * np.concatenate([[0.0], share, [1.0]]),
            where="post",
            color=colour,
            lw=1.6,
            label=f"{name}: simulated",
        )
        ex = exact[exact["scenario"] == name]
        ax.plot(
            ex["p_value"],
            100 * ex["cumulative"],
            "o",
            color=colour,
            mec="black",
            mew=0.5,
            ms=5,
            label=f"{name}: exact",
        )
    grid = np.logspace(np.log10(low), 0, 100)
    ax.plot(
        grid, 100 * grid, ":", color=OKABE_ITO["grey"], lw=1.2, label="continuous test, no effect"
    )
    ax.axvline(alpha, color=OKABE_ITO["black"], ls="--", lw=1)
    ax.text(alpha / 1.08, 50, f"alpha = {alpha:g}", ha="right", va="center", fontsize=8)
    ax.set_xscale("log")
    _plain_log_ticks(ax.xaxis)
    ax.set_xlim(low, 1.05)
    ax.set_ylim(0, 105)
    ax.set_xlabel("p-value threshold x (log scale)")
    ax.set_ylabel("Studies with p ≤ x (%)")
    title = "Sampling distribution of the two-sided Fisher p-value"
    ax.set_title(title + (f"\n{n_label}" if n_label else ""), pad=14)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def false_positive_plot(distribution: pd.DataFrame, n_features: int, expected: float) -> plt.Figure:
    """Share of simulated no-effect screens calling k features significant, by procedure.

    ``distribution`` comes from :func:`netcomp.stats.smallsample.call_distribution`;
    ``expected`` (the exact mean number of unadjusted calls) is marked by a dashed line.
    """
    fig, ax = new_figure(7.0, 4.2)
    procedures = list(dict.fromkeys(distribution["procedure"]))
    width = 0.8 / len(procedures)
    for k, proc in enumerate(procedures):
        sub = distribution[distribution["procedure"] == proc]
        ax.bar(
            sub["n_called"] + (k - (len(procedures) - 1) / 2) * width,
            100 * sub["share"],
            width,
            color=SERIES_COLOURS[k],
            edgecolor="black",
            lw=0.4,
            label=PROCEDURE_LABELS.get(proc, proc),
        )
    ax.axvline(expected, color=OKABE_ITO["black"], ls="--", lw=1)
    ax.text(
        expected,
        ax.get_ylim()[1] * 0.97,
        f" expected (unadjusted): {expected:.2f}",
        fontsize=8,
        va="top",
    )
    top = int(distribution["n_called"].max())
    ax.set_xticks(range(top + 1))
    ax.set_xlabel("Features called significant in one simulated study (count)")
    ax.set_ylabel("Simulated studies (%)")
    ax.set_title(f"False positives in a screen of {n_features} features with no true effect")
    ax.legend(frameon=False, fontsize=8, loc="center right")
    fig.tight_layout()
    return fig


_POWER_STYLES = {"two-sided": ("-", "o"), "greater": ("--", "s"), "less": (":", "^")}


def _simulated_power_points(
    ax: plt.Axes,
    simulated: pd.DataFrame,
    scenario: str,
    alternative: str,
    colour: str,
    marker: str,
) -> None:
    """Simulated power of one scenario and sidedness, with 95% Monte Carlo error bars."""
    sim = simulated[(simulated["scenario"] == scenario) & (simulated["alternative"] == alternative)]
    ax.errorbar(
        sim["n_total"],
        100 * sim["simulated"],
        yerr=100 * 1.96 * sim["mc_se"],
        fmt=marker,
        color=colour,
        mec="black",
        mew=0.5,
        ms=4.5,
        capsize=2,
    )


def _first_size_marker(
    ax: plt.Axes,
    sizes: pd.DataFrame,
    key: tuple[str, float, str],
    target: float,
    colour: str,
) -> None:
    """A triangle on the target line at the first size reaching it (scenario, alpha, sided)."""
    scenario, alpha, alternative = key
    row = sizes[
        (sizes["scenario"] == scenario)
        & (sizes["alpha"] == alpha)
        & (sizes["alternative"] == alternative)
    ]
    if not row.empty and not pd.isna(row["n_first"].iloc[0]):
        ax.plot(
            int(row["n_first"].iloc[0]),
            100 * target,
            "v",
            color=colour,
            mec="black",
            mew=0.5,
            ms=7,
            zorder=4,
        )


def _power_series(
    ax: plt.Axes,
    curve: pd.DataFrame,
    target: float,
    simulated: pd.DataFrame | None,
    sizes: pd.DataFrame | None,
) -> None:
    """One exact power line per scenario, level and sidedness, with its points and marker."""
    several = curve["alpha"].nunique() > 1
    series = list(dict.fromkeys(zip(curve["scenario"], curve["alpha"], strict=True)))
    for k, (scenario, alpha) in enumerate(series):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        name = f"{scenario}, alpha = {alpha:g}" if several else scenario
        for alternative in dict.fromkeys(curve["alternative"]):
            line, marker = _POWER_STYLES[alternative]
            sub = curve[
                (curve["scenario"] == scenario)
                & (curve["alpha"] == alpha)
                & (curve["alternative"] == alternative)
            ].sort_values("n_total")
            ax.plot(
                sub["n_total"],
                100 * sub["power"],
                line,
                color=colour,
                lw=1.5,
                label=f"{name}, {'one-sided' if alternative != 'two-sided' else alternative}",
            )
            if simulated is not None and alpha == series[0][1]:
                _simulated_power_points(ax, simulated, scenario, alternative, colour, marker)
            if sizes is not None:
                _first_size_marker(ax, sizes, (scenario, alpha, alternative), target, colour)


def _target_line(ax: plt.Axes, target: float, n_max: int) -> None:
    """The target power as a dotted line, labelled at its right end."""
    ax.axhline(100 * target, color=OKABE_ITO["black"], ls=":", lw=1)
    # a few points above its line, on a white ground: the dotted line must not strike it out
    ax.annotate(
        f"target {100 * target:g}%",
        (n_max, 100 * target),
        xytext=(0, 3),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=8,
        bbox=_LABEL_BOX,
        zorder=5,
    )


def power_curve_plot(
    curve: pd.DataFrame,
    target: float,
    responder_share: float,
    simulated: pd.DataFrame | None = None,
    sizes: pd.DataFrame | None = None,
    cohort_n: int | None = None,
) -> plt.Figure:
    """Exact power of Fisher's test against the total size of a planned study.

    ``curve`` is :func:`netcomp.stats.smallsample.power_by_size` (``scenario, alternative,
    alpha, n_total, power``); colour marks the assumed effect (and the level, when the curve
    has several), line style the sidedness. ``simulated``
    (:func:`netcomp.stats.smallsample.power_checks`) adds simulated points with 95% Monte
    Carlo error bars; ``sizes`` (:func:`netcomp.stats.smallsample.sample_sizes`) marks each
    first size reaching ``target`` on the target line; ``cohort_n`` marks the size of the
    data at hand.
    """
    fig, ax = new_figure(7.2, 4.8)
    _power_series(ax, curve, target, simulated, sizes)
    n_max = int(curve["n_total"].max())
    _target_line(ax, target, n_max)
    if cohort_n is not None and cohort_n <= n_max:
        ax.axvline(
            cohort_n, color=OKABE_ITO["grey"], lw=1.2, label=f"this cohort: {cohort_n} cultures"
        )
    ax.set_ylim(0, 103)
    ax.set_xlim(0, n_max + 1)
    share = (
        "responder-balanced" if responder_share == 0.5 else f"{100 * responder_share:g}% responders"
    )
    ax.set_xlabel(f"Cultures in the planned study, both classes ({share})")
    ax.set_ylabel("Power (%)")
    ax.set_title(
        "Exact power of Fisher's test by study size\n"
        + (
            "lines: exact; points: simulated (95% Monte Carlo error); "
            if simulated is not None
            else "lines: exact; "
        )
        + "triangles: first size reaching the target"
    )
    ax.legend(frameon=False, fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    fig.tight_layout()
    return fig


def _risk_difference_panel(ax: plt.Axes, rd: pd.DataFrame, conf: float) -> None:
    """Left panel: the risk difference (percentage points) with its Newcombe interval."""
    for row in rd.to_dict("records"):
        ax.plot([100 * row["low"], 100 * row["high"]], [0, 0], color=OKABE_ITO["blue"], lw=2.5)
        ax.plot(100 * row["estimate"], 0, "o", color=OKABE_ITO["blue"], mec="black", ms=8)
    ax.axvline(0, color=OKABE_ITO["grey"], ls=":", lw=1)
    ax.set_xlim(-100, 100)
    ax.set_yticks([0], ["risk difference\n(Newcombe)"])
    ax.set_ylim(-1, 1)
    ax.set_ylabel("Measure")
    ax.set_xlabel("Responders minus non-responders with the feature (percentage points)")
    ax.set_title(f"Risk difference, {100 * conf:g}% CI")


def _odds_ratio_panel(ax: plt.Axes, odds: pd.DataFrame, conf: float) -> None:
    """Right panel: odds ratios (log scale); an infinite bound runs off the right edge."""
    finite = np.concatenate([odds[["estimate", "low", "high"]].to_numpy(float).ravel(), [1.0]])
    finite = finite[np.isfinite(finite) & (finite > 0)]
    lo, hi = finite.min() / 3, finite.max() * 3
    colours = [OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["green"]]
    for i, row in enumerate(odds.to_dict("records")):
        y = -i
        colour = colours[i % len(colours)]
        high = row["high"] if np.isfinite(row["high"]) else hi
        ax.plot([row["low"], high], [y, y], color=colour, lw=2.5)
        if not np.isfinite(row["high"]):
            ax.annotate(
                "",
                xy=(hi, y),
                xytext=(hi / 1.6, y),
                arrowprops={"arrowstyle": "->", "color": colour, "lw": 2},
            )
            ax.text(hi, y + 0.18, "upper bound ∞", ha="right", fontsize=8, color="#333333")
        if np.isfinite(row["estimate"]):
            ax.plot(row["estimate"], y, "o", color=colour, mec="black", ms=8)
        else:
            label = "no estimate" if np.isnan(row["estimate"]) else "estimate ∞"
            ax.text(hi, y - 0.3, label, ha="right", fontsize=8, color="#333333")
    ax.axvline(1, color=OKABE_ITO["grey"], ls=":", lw=1)
    ax.set_xscale("log")
    _plain_log_ticks(ax.xaxis)
    ax.set_xlim(lo, hi * 1.05)
    ax.set_ylim(-len(odds) + 0.4, 0.6)
    ax.set_yticks([-i for i in range(len(odds))], odds["measure"].tolist())
    ax.set_ylabel("Estimator")
    ax.set_xlabel("Odds ratio (ratio, log scale; 1 = no association)")
    ax.set_title(f"Odds ratio, {100 * conf:g}% CI")


def effect_size_plot(effects: pd.DataFrame) -> plt.Figure:
    """Estimates with confidence intervals: risk difference (left), odds ratios (right, log).

    ``effects`` comes from :func:`netcomp.stats.smallsample.effect_sizes`. An infinite estimate
    or bound is drawn as an arrow running off the right edge.
    """
    fig, (left, right) = new_figure(10.0, 3.4, ncols=2, gridspec_kw={"width_ratios": [1, 1.3]})
    rd = effects[effects["measure"] == "risk difference"]
    odds = effects[effects["measure"] != "risk difference"].reset_index(drop=True)
    conf = float(effects["confidence"].iloc[0])
    _risk_difference_panel(left, rd, conf)
    _odds_ratio_panel(right, odds, conf)
    fig.suptitle("Effect sizes with their intervals", fontsize=11)
    handles = [
        Line2D([], [], color="black", lw=2.5, label="confidence interval"),
        Line2D([], [], marker="o", color="white", mec="black", ms=8, label="estimate"),
    ]
    left.legend(handles=handles, frameon=False, fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- captions


def exact_vs_chi_square_text(tables: pd.DataFrame, alpha: float) -> FigureText:
    """Caption and alt text of :func:`exact_vs_chi_square_plot` (the same tables)."""
    obs = tables[tables["observed"].astype(bool)]
    caption = (
        f"Left: every 2×2 table with the observed margins ({_total(tables)} cultures) "
        "and its probability if the feature had no effect, the observed table in blue. "
        "Right: the p-value each test gives each table (log scale), with alpha = "
        f"{alpha:g} dashed. Where the bars of one table straddle the line, the tests "
        "disagree on significance."
    )
    if len(obs):
        row = obs.iloc[0]
        verdicts = [f"p = {p_words(row[col])} ({name})" for col, name, _ in TEST_SERIES]
        caption += f" For the observed table ({row['label']}): {'; '.join(verdicts)}."
    alt = (
        f"Two bar charts side by side over the same {plural(len(tables), 'table')}: left, "
        "the probability of each table under no effect; right, four bars per table, one "
        "per test, against a dashed line at alpha."
    )
    return FigureText(caption, alt)


def p_value_distribution_text(exact: pd.DataFrame, alpha: float, n_label: str = "") -> FigureText:
    """Caption and alt text of :func:`p_value_distribution_plot` (the exact table)."""
    shares = []
    for name in dict.fromkeys(exact["scenario"]):
        ex = exact[exact["scenario"] == name]
        hit = ex[reaches(ex["p_value"], alpha)]
        share = float(hit["cumulative"].max()) if len(hit) else 0.0
        shares.append(
            f"{100 * share:.1f}% under the {name}"
            if name.endswith("effect")
            else f"{100 * share:.1f}% ({name})"
        )
    caption = (
        "How often a study of this design gives a two-sided Fisher p-value at or below "
        "x, for each x (log scale): steps are simulated studies, dots the exact "
        "distribution, the dotted diagonal what a continuous test would give with no "
        f"effect; the dashed line is alpha = {alpha:g}. Read the height of each curve "
        f"at the dashed line: the share of studies with p ≤ {alpha:g} is "
        f"{and_join(shares)}."
    )
    if n_label:
        caption += f" Design: {n_label}."
    alt = (
        "Cumulative step curves of simulated p-values, one per scenario, with exact values "
        "as dots, rising from 0 to 100% between a p-value of almost 0 and 1, and a dashed "
        "vertical line at alpha."
    )
    return FigureText(caption, alt)


def false_positive_text(distribution: pd.DataFrame, n_features: int, expected: float) -> FigureText:
    """Caption and alt text of :func:`false_positive_plot` (the same distribution)."""
    parts = []
    for proc in dict.fromkeys(distribution["procedure"]):
        sub = distribution[distribution["procedure"] == proc]
        none = float(sub.loc[sub["n_called"] == 0, "share"].sum())
        name = {"unadjusted": "unadjusted"}.get(proc, PROCEDURE_LABELS.get(proc, proc))
        parts.append(f"{name} {100 * (1 - none):.1f}%")
    caption = (
        f"Simulated screens of {n_features} features with no true effect: the share of "
        "studies (bars) in which each procedure calls 0, 1, 2, ... features significant; "
        f"the dashed line is the exact expected number of unadjusted calls "
        f"({expected:.2f}). Every call is a false positive. Share of studies with at "
        f"least one: {and_join(parts)}."
    )
    alt = (
        "Grouped bar chart of the share of simulated studies by number of features called "
        f"significant, one bar per procedure ({plural(len(parts), 'procedure')}), with a "
        "dashed line at the expected number."
    )
    return FigureText(caption, alt)


def power_curve_text(
    curve: pd.DataFrame,
    target: float,
    responder_share: float,
    sizes: pd.DataFrame | None = None,
    cohort_n: int | None = None,
    simulated: pd.DataFrame | None = None,
) -> FigureText:
    """Caption and alt text of :func:`power_curve_plot` (the same curves and sizes)."""
    share = (
        "half responders, half non-responders"
        if responder_share == 0.5
        else f"{100 * responder_share:g}% responders"
    )
    several = curve["alpha"].nunique() > 1
    caption = (
        f"Exact power of Fisher's test against the total size of a planned study "
        f"({share}): colour marks the assumed effect"
        + (" and the level alpha" if several else "")
        + ", line style the sidedness (solid two-sided, dashed one-sided)"
        + ("; points with error bars are simulated studies" if simulated is not None else "")
        + f". Triangles mark the first size reaching the {100 * target:g}% target"
        + (f"; the grey line is this cohort's {cohort_n} cultures" if cohort_n else "")
        + ". The curves zig-zag because the test is discrete."
    )
    if sizes is not None and len(sizes):
        two = sizes[sizes["alternative"] == "two-sided"]
        reads = []
        for r in two.to_dict("records"):
            name = f"{r['scenario']}, alpha = {r['alpha']:g}" if several else r["scenario"]
            reads.append(
                f"{int(r['n_first'])} cultures ({name})"
                if pd.notna(r["n_first"])
                else f"not within {int(curve['n_total'].max())} cultures ({name})"
            )
        if reads:
            caption += f" Two-sided, the target is first reached at {and_join(reads)}."
    if cohort_n:
        at = curve[(curve["n_total"] == cohort_n) & (curve["alternative"] == "two-sided")]
        if len(at):
            reads = [
                f"{100 * r['power']:.0f}% ({r['scenario']}"
                + (f", alpha = {r['alpha']:g}" if several else "")
                + ")"
                for r in at.to_dict("records")
            ]
            caption += f" At {cohort_n} cultures the two-sided power is {and_join(reads)}."
    n_series = len(
        dict.fromkeys(zip(curve["scenario"], curve["alpha"], curve["alternative"], strict=True))
    )
    alt = (
        f"Line chart of power (0 to 100%) against study size (up to "
        f"{int(curve['n_total'].max())} cultures), {plural(n_series, 'rising curve')}, a "
        f"dotted horizontal line at the {100 * target:g}% target and triangles where each "
        "curve first reaches it."
    )
    return FigureText(caption, alt)


def effect_size_text(effects: pd.DataFrame) -> FigureText:
    """Caption and alt text of :func:`effect_size_plot` (the same table)."""
    conf = float(effects["confidence"].iloc[0])

    def num(x: float, scale: float = 1.0, spec: str = ".3g") -> str:
        if np.isnan(x):
            return "none"
        return "∞" if np.isinf(x) else format(scale * x, spec)

    parts = []
    for r in effects.to_dict("records"):
        if r["measure"] == "risk difference":
            parts.append(
                f"risk difference {num(r['estimate'], 100, '.0f')} points "
                f"({num(r['low'], 100, '.0f')} to {num(r['high'], 100, '.0f')})"
            )
        else:
            parts.append(
                f"{r['measure']} {num(r['estimate'])} ({num(r['low'])} to {num(r['high'])})"
            )
    caption = (
        f"Effect sizes of the observed table with {100 * conf:g}% confidence intervals: "
        "left, the risk difference (Newcombe interval, percentage points); right, the "
        "odds ratios on a log scale, an arrow where a bound is infinite. The width of "
        "an interval, more than its point, says what the cohort can show: "
        f"{'; '.join(parts)}."
    )
    alt = (
        "Two interval plots side by side: a risk difference with its interval on a scale "
        "from -100 to 100 points, and odds ratios with their intervals on a logarithmic "
        "scale with a dotted line at 1."
    )
    return FigureText(caption, alt)
