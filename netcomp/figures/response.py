"""Figures of the response-classification chapter.

Each function takes the tidy tables of :mod:`netcomp.stats.response` /
:mod:`netcomp.stats.doseresponse` and returns a matplotlib Figure drawn in the book's style
(colour-blind-safe class colours, labelled axes with units, a title). Saving is left to
:func:`netcomp.figures.style.save_figure`.
Each ``*_text`` function gives the caption and alt text of the figure of the same data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from netcomp.figures.style import CLASS_COLOURS, OKABE_ITO, SERIES_COLOURS, FigureText, new_figure
from netcomp.figures.words import and_join, p_words, plural, upper_first

INHIBITION_LABEL = "Survival inhibition (%)"
#: Widest figure (inches), whatever the number of cultures.
MAX_WIDTH = 12.0
#: Most cultures named on an axis or in a legend; beyond that, names would overlap.
MAX_LABELLED = 40


def _class_colour(responder: bool) -> str:
    return CLASS_COLOURS["responder" if responder else "non-responder"]


def _class_legend(threshold_pct: float | None = None) -> list:
    handles: list = [
        Patch(color=CLASS_COLOURS["responder"], label="Responder"),
        Patch(color=CLASS_COLOURS["non-responder"], label="Non-responder"),
    ]
    if threshold_pct is not None:
        handles.append(
            Line2D([], [], color=OKABE_ITO["black"], ls="--", label=f"Threshold {threshold_pct:g}%")
        )
    return handles


def waterfall_plot(inhibition: pd.DataFrame, threshold_pct: float, drug: str) -> plt.Figure:
    """Bars of one drug's inhibition per culture, sorted high to low, coloured by class.

    ``inhibition`` has ``culture_id, inhibition_pct`` and optionally ``inhibition_sd``
    (drawn as error bars, replicate SD). Responder = inhibition > ``threshold_pct``.
    """
    data = inhibition.sort_values(["inhibition_pct", "culture_id"], ascending=[False, True])
    values = data["inhibition_pct"].to_numpy(float)
    colours = [_class_colour(v > threshold_pct) for v in values]
    fig, ax = new_figure(min(MAX_WIDTH, max(4.5, 0.45 * len(data) + 2)), 3.8)
    x = np.arange(len(data))
    sd = data["inhibition_sd"].to_numpy(float) if "inhibition_sd" in data else None
    ax.bar(x, values, color=colours, edgecolor="white", linewidth=0.5)
    if sd is not None:
        ax.errorbar(
            x,
            values,
            yerr=np.nan_to_num(sd),
            fmt="none",
            ecolor="#444444",
            elinewidth=0.8,
            capsize=2,
        )
    ax.axhline(threshold_pct, color=OKABE_ITO["black"], ls="--", lw=1)
    ax.axhline(0, color="#444444", lw=0.6)
    if len(data) <= MAX_LABELLED:
        ax.set_xticks(x, data["culture_id"].astype(str).tolist(), rotation=60, ha="right")
        ax.set_xlabel("Primary culture (sorted by inhibition)")
    else:  # too many names to read: the table beside the figure lists them
        ax.set_xticks([])
        ax.set_xlabel(f"{len(data)} primary cultures (sorted by inhibition)")
    ax.set_ylabel(INHIBITION_LABEL)
    ax.set_title(f"Survival inhibition by {drug} per culture (mean ± SD of replicates)")
    ax.legend(handles=_class_legend(threshold_pct), frameon=False, loc="upper right")
    fig.tight_layout()
    return fig


def _paired_panel(
    ax: plt.Axes, sub: pd.DataFrame, drug: str, comp: str, threshold_pct: float | None
) -> None:
    """One panel: a line per culture from ``drug`` to ``comp``, medians as black bars."""
    for _, row in sub.iterrows():
        colour = (
            _class_colour(row[drug] > threshold_pct)
            if threshold_pct is not None
            else OKABE_ITO["grey"]
        )
        ax.plot([0, 1], [row[drug], row[comp]], color=colour, alpha=0.8, lw=1.2, marker="o", ms=4)
    for pos, col in enumerate([drug, comp]):
        med = float(np.median(sub[col]))
        ax.plot(
            [pos - 0.18, pos + 0.18],
            [med, med],
            color=OKABE_ITO["black"],
            lw=3,
            solid_capstyle="butt",
        )
    if threshold_pct is not None:
        ax.axhline(threshold_pct, color=OKABE_ITO["black"], ls="--", lw=0.8)
    ax.axhline(0, color="#444444", lw=0.6)
    ax.set_xticks([0, 1], [drug, comp])
    ax.set_xlim(-0.4, 1.4)
    ax.set_xlabel("Drug")


def _paired_title(drug: str, comp: str, comparison: pd.DataFrame | None) -> str:
    """A panel's title, with the Wilcoxon p-value (exact or approximate) when one was given."""
    title = f"{drug} vs {comp}"
    if comparison is not None:
        hit = comparison[comparison["comparator"] == comp]
        if not hit.empty and np.isfinite(hit["p_value"].iloc[0]):
            kind = (
                "exact"
                if hit.get("p_method", pd.Series(["exact"])).iloc[0] == "exact"
                else "approx."
            )
            title += f"\nWilcoxon {kind} p = {hit['p_value'].iloc[0]:.3g}"
    return title


def paired_plot(
    paired: pd.DataFrame,
    drug: str,
    comparators: Sequence[str],
    comparison: pd.DataFrame | None = None,
    threshold_pct: float | None = None,
) -> plt.Figure:
    """``drug`` beside each comparator, one line per culture, medians as black bars.

    ``paired`` is the wide table of :func:`netcomp.stats.response.paired_inhibition` (one
    column per drug). Lines are coloured by the culture's class for ``drug`` when
    ``threshold_pct`` is given. ``comparison`` (from :func:`netcomp.stats.response.compare_drugs`)
    adds the Wilcoxon p-value to each panel's title.
    """
    comparators = list(comparators)
    # at most PAIRED_PER_ROW panels side by side: many comparators wrap into rows, so the
    # figure stays readable on a page (60 drugs in one row made it 27,000 pixels wide)
    ncols = max(1, min(PAIRED_PER_ROW, len(comparators)))
    nrows = max(1, -(-len(comparators) // ncols))
    fig, grid = new_figure(
        3.0 * ncols + 0.8, 4.0 * nrows + 0.4, nrows=nrows, ncols=ncols, sharey=True, squeeze=False
    )
    axes = list(grid.ravel())
    for ax in axes[len(comparators) :]:
        ax.set_visible(False)
    for row in grid:
        row[0].set_ylabel(INHIBITION_LABEL)
    for ax, comp in zip(axes, comparators, strict=False):
        sub = paired.loc[:, ["culture_id", drug, comp]].dropna()
        _paired_panel(ax, sub, drug, comp, threshold_pct)
        ax.set_title(_paired_title(drug, comp, comparison))
    handles = [Line2D([], [], color=OKABE_ITO["black"], lw=3, label="Median")]
    if threshold_pct is not None:
        handles = _class_legend(threshold_pct) + handles
    fig.legend(
        handles=handles,
        frameon=False,
        loc="lower center",
        ncols=len(handles),
        bbox_to_anchor=(0.5, -0.02),
    )
    fig.suptitle("Paired survival inhibition per culture (lines join the same culture)")
    fig.tight_layout(rect=(0, 0.07 / nrows, 1, 1))
    return fig


#: Panels per row of :func:`paired_plot`.
PAIRED_PER_ROW = 4


def threshold_sensitivity_plot(
    sensitivity: pd.DataFrame,
    published_threshold_pct: float = 15.0,
    window: float = 5.0,
    drug: str = "lenvatinib",
) -> plt.Figure:
    """Number of responders as the threshold varies (a step plot), marking the published one.

    ``sensitivity`` is :func:`netcomp.stats.response.responders_by_threshold`'s table; the
    shaded band is ``published ± window``.
    """
    data = sensitivity.sort_values("threshold_pct")
    fig, ax = new_figure(5.8, 3.6)
    n_total = int((data["n_responders"] + data["n_non_responders"]).max())
    ax.axvspan(
        published_threshold_pct - window,
        published_threshold_pct + window,
        color=OKABE_ITO["grey"],
        alpha=0.2,
        lw=0,
        label=f"±{window:g} points around {published_threshold_pct:g}%",
    )
    ax.step(
        data["threshold_pct"],
        data["n_responders"],
        where="post",
        color=CLASS_COLOURS["responder"],
        lw=2,
        label="Responders",
    )
    ax.step(
        data["threshold_pct"],
        data["n_non_responders"],
        where="post",
        color=CLASS_COLOURS["non-responder"],
        lw=2,
        ls="-.",
        label="Non-responders",
    )
    ax.axvline(
        published_threshold_pct,
        color=OKABE_ITO["black"],
        ls="--",
        lw=1,
        label=f"Published threshold ({published_threshold_pct:g}%)",
    )
    ax.set_ylim(-0.3, n_total + 0.3)
    ax.set_yticks(range(0, n_total + 1, max(1, n_total // 10)))
    ax.set_xlabel("Response threshold (% survival inhibition)")
    ax.set_ylabel("Number of cultures")
    ax.set_title(f"Sensitivity of the {drug} classification to the threshold")
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    fig.tight_layout()
    return fig


def response_by_group_plot(
    groups: Mapping[str, pd.DataFrame], drug: str = "lenvatinib"
) -> plt.Figure:
    """Stacked bars of responders / non-responders per level, one panel per grouping.

    ``groups`` maps a label (e.g. ``"Site of origin"``) to a table of
    :func:`netcomp.stats.response.response_by_group` (first column = the levels).
    """
    fig, axes = new_figure(3.6 * len(groups) + 0.5, 3.8, ncols=len(groups), squeeze=False)
    axes = axes[0]
    for ax, (label, table) in zip(axes, groups.items(), strict=True):
        levels = table.iloc[:, 0].astype(str).str.replace("_", " ").tolist()
        x = np.arange(len(levels))
        resp = table["n_responders"].to_numpy(int)
        non = table["n_non_responders"].to_numpy(int)
        ax.bar(x, resp, color=CLASS_COLOURS["responder"], label="Responder")
        ax.bar(
            x,
            non,
            bottom=resp,
            color=CLASS_COLOURS["non-responder"],
            label="Non-responder",
            hatch="//",
            edgecolor="white",
        )
        ax.set_xticks(x, levels, rotation=30, ha="right")
        ax.set_xlabel(label)
        ax.set_ylabel("Number of cultures")
        top = int((resp + non).max()) if len(x) else 1
        ax.set_yticks(range(0, top + 1))
        ax.set_title(f"By {label.lower()}")
    handles = [
        Patch(color=CLASS_COLOURS["responder"], label="Responder"),
        Patch(
            facecolor=CLASS_COLOURS["non-responder"],
            edgecolor="white",
            hatch="//",
            label="Non-responder",
        ),
    ]
    fig.legend(
        handles=handles, frameon=False, loc="lower center", ncols=2, bbox_to_anchor=(0.5, -0.01)
    )
    fig.suptitle(f"Response to {drug} by " + " and ".join(k.lower() for k in groups))
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def dose_response_plot(
    viability: pd.DataFrame, fits: pd.DataFrame, curves: pd.DataFrame, drug: str
) -> plt.Figure:
    """Mean ± SD viability per concentration with the fitted 4PL curves (log x axis).

    ``fits`` / ``curves`` come from :func:`netcomp.stats.doseresponse.fit_dose_response` and
    :func:`netcomp.stats.doseresponse.curve_points`; only fitted cultures of ``drug`` are drawn.
    """
    fitted = fits[(fits["drug"] == drug) & (fits["status"] == "fitted")]
    fig, ax = new_figure(6.0, 4.0)
    for i, (_, fit) in enumerate(fitted.iterrows()):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        cid = fit["culture_id"]
        obs = viability[
            (viability["culture_id"].astype(str) == cid) & (viability["drug"].astype(str) == drug)
        ]
        summ = obs.groupby("concentration_um")["viability_pct"].agg(["mean", "std"]).reset_index()
        ax.errorbar(
            summ["concentration_um"],
            summ["mean"],
            yerr=summ["std"].fillna(0),
            fmt="o",
            color=colour,
            ms=4,
            capsize=2,
        )
        cur = curves[(curves["culture_id"] == cid) & (curves["drug"] == drug)]
        outside = "" if bool(fit.get("ic50_within_range", True)) else " (outside tested range)"
        label = f"{cid}: IC50 {fit['ic50_um']:.3g} µM{outside}" if len(fitted) <= 12 else None
        ax.plot(cur["concentration_um"], cur["viability_pct"], color=colour, label=label)
        ax.axvline(fit["ic50_um"], color=colour, ls=":", lw=0.8)
    ax.set_xscale("log")
    # plain numbers: the book's style never parses mathtext, so "$10^{-1}$" would show raw
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _pos: f"{value:g}"))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel(f"{drug} concentration (µM, log scale)")
    ax.set_ylabel("Viability (% of untreated control)")
    ax.set_title(f"Dose-response of {drug}: four-parameter log-logistic fits")
    if 0 < len(fitted) <= 12:
        ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def classes_by_concentration_plot(
    summary: pd.DataFrame, drug: str, threshold_pct: float
) -> plt.Figure:
    """Responders and non-responders at each tested concentration (log x axis).

    ``summary`` is :func:`netcomp.stats.response.concentration_summary`'s table; the concentration
    the chapter classifies at (``chosen``) is marked by a dashed line.
    """
    data = summary.sort_values("concentration_um")
    fig, ax = new_figure(5.8, 3.6)
    x = data["concentration_um"].to_numpy(float)
    ax.plot(
        x,
        data["n_responders"],
        marker="o",
        color=CLASS_COLOURS["responder"],
        lw=2,
        label="Responders",
    )
    ax.plot(
        x,
        data["n_non_responders"],
        marker="s",
        ls="-.",
        lw=2,
        color=CLASS_COLOURS["non-responder"],
        label="Non-responders",
    )
    chosen = data.loc[data["chosen"].astype(bool), "concentration_um"]
    for value in chosen:
        ax.axvline(
            value,
            color=OKABE_ITO["black"],
            ls="--",
            lw=1,
            label=f"Chapter's concentration ({value:g} µM)",
        )
    if np.all(x > 0) and len(x) > 1:
        ax.set_xscale("log")
    ax.set_xticks(x, [f"{v:g}" for v in x])
    ax.minorticks_off()
    top = int(data["n_cultures"].max()) if len(data) else 1
    ax.set_ylim(-0.3, top + 0.3)
    ax.set_xlabel(f"{drug} concentration (µM, log scale)")
    ax.set_ylabel("Number of cultures")
    ax.set_title(f"Classes of {drug} at each concentration (threshold {threshold_pct:g}%)")
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- captions


def waterfall_text(inhibition: pd.DataFrame, threshold_pct: float, drug: str) -> FigureText:
    """Caption and alt text of :func:`waterfall_plot` (the same table and threshold)."""
    data = inhibition.sort_values(["inhibition_pct", "culture_id"], ascending=[False, True])
    values = data["inhibition_pct"].to_numpy(float)
    n, k = len(values), int(np.sum(values > threshold_pct))
    caption = (
        f"Survival inhibition by {drug} in each culture (bars: mean of the replicate "
        f"wells; whiskers: their SD), sorted from the highest; blue bars are responders, "
        f"orange bars non-responders, the dashed line the {threshold_pct:g}% threshold. "
        f"{k} of the {plural(n, 'culture')} lie above it."
    )
    if n:
        gap = np.abs(values - threshold_pct)
        i = int(np.argmin(gap))
        caption += (
            f" Closest to the line is {data['culture_id'].iloc[i]} "
            f"({values[i]:.1f}%, "
            + (
                f"{gap[i]:.1f} points {'above' if values[i] > threshold_pct else 'below'}"
                if gap[i] > 0
                else "on"
            )
            + " it), the "
            "culture whose class depends most on the threshold."
        )
    span = f" from {values.max():.1f}% down to {values.min():.1f}%" if n else ""
    alt = (
        f"Bar chart of {n} cultures sorted by survival inhibition{span}, "
        f"{k} blue bars above a dashed threshold line at {threshold_pct:g}% and "
        f"{n - k} orange bars below it."
    )
    return FigureText(caption, alt)


def paired_text(
    paired: pd.DataFrame,
    drug: str,
    comparators: Sequence[str],
    comparison: pd.DataFrame | None = None,
) -> FigureText:
    """Caption and alt text of :func:`paired_plot`."""
    parts, alt_parts = [], []
    for comp in comparators:
        sub = paired.loc[:, ["culture_id", drug, comp]].dropna()
        higher = int((sub[drug] > sub[comp]).sum())
        piece = (
            f"against {comp}, {drug} inhibited {higher} of the "
            f"{plural(len(sub), 'culture')} more (medians {np.median(sub[drug]):.1f}% "
            f"and {np.median(sub[comp]):.1f}%"
        )
        if comparison is not None:
            hit = comparison[comparison["comparator"] == comp]
            if not hit.empty and np.isfinite(hit["p_value"].iloc[0]):
                piece += f"; Wilcoxon p = {p_words(hit['p_value'].iloc[0])}"
        parts.append(piece + ")")
        alt_parts.append(f"against {comp} ({plural(len(sub), 'culture')})")
    caption = (
        f"Survival inhibition by {drug} and by each comparator in the same culture: one "
        f"line per culture, coloured by its class for {drug}; black bars are medians, "
        "the dashed line the threshold. A panel's title gives the Wilcoxon "
        "signed-rank p-value (two-sided). Lines that cross mean that the two drugs do "
        f"not rank the cultures alike. {upper_first('; '.join(parts))}."
    )
    alt = (
        f"{plural(len(alt_parts), 'panel')} of paired dots joined by lines, {drug} "
        f"{and_join(alt_parts)}, blue lines for responders and orange for non-responders."
    )
    return FigureText(caption, alt)


def threshold_sensitivity_text(
    sensitivity: pd.DataFrame, published_threshold_pct: float, window: float, drug: str
) -> FigureText:
    """Caption and alt text of :func:`threshold_sensitivity_plot`."""
    data = sensitivity.sort_values("threshold_pct")
    lo, hi = data["threshold_pct"].min(), data["threshold_pct"].max()
    band = data[
        (data["threshold_pct"] >= published_threshold_pct - window)
        & (data["threshold_pct"] <= published_threshold_pct + window)
    ]
    moves = int(np.abs(np.diff(band["n_responders"].to_numpy(int))).sum()) if len(band) else 0
    caption = (
        f"Responders (solid) and non-responders (dash-dot) to {drug} as the response "
        f"threshold moves from {lo:g}% to {hi:g}%; the dashed line is the published "
        f"threshold ({published_threshold_pct:g}%), the grey band ±{window:g} points "
        "around it. Each step is a culture changing class. Inside the band "
        f"{plural(moves, 'culture')} {'changes' if moves == 1 else 'change'} class: "
        f"{'its class rests' if moves == 1 else 'their classes rest'} on the exact "
        "choice of threshold."
    )
    alt = (
        f"Step chart of the number of responders falling from "
        f"{int(data['n_responders'].max())} to {int(data['n_responders'].min())} as the "
        f"threshold rises from {lo:g}% to {hi:g}%, the number of non-responders rising in "
        f"mirror, with a shaded band around {published_threshold_pct:g}%."
    )
    return FigureText(caption, alt)


def response_by_group_text(groups: Mapping[str, pd.DataFrame], drug: str) -> FigureText:
    """Caption and alt text of :func:`response_by_group_plot`."""
    parts = []
    for label, table in groups.items():
        levels = [
            f"{str(lvl).replace('_', ' ')} {int(r)} of {int(r + nr)}"
            for lvl, r, nr in zip(
                table.iloc[:, 0], table["n_responders"], table["n_non_responders"], strict=True
            )
        ]
        parts.append(f"{label.lower()}: {and_join(levels, limit=8)}")
    caption = (
        f"Responders (blue) and non-responders (orange, hatched) to {drug} in each "
        "group of "
        f"cultures, one panel per grouping. With one to a few cultures per bar, "
        f"differences between bars are not evidence of an effect of the group. "
        f"Responders by {'; by '.join(parts)}."
    )
    alt = (
        f"{plural(len(groups), 'panel')} of stacked bar charts "
        f"({and_join(label.lower() for label in groups)}), each bar split into responders "
        "and non-responders."
    )
    return FigureText(caption, alt)


def dose_response_text(fits: pd.DataFrame, drug: str) -> FigureText:
    """Caption and alt text of :func:`dose_response_plot` (one figure per drug)."""
    fitted = fits[(fits["drug"] == drug) & (fits["status"] == "fitted")]
    inside = fitted[fitted["ic50_within_range"].astype(bool)]
    caption = (
        f"Viability of each culture tested with {drug} at four or more concentrations "
        "(dots: mean ± SD of the replicate wells), with its fitted four-parameter "
        "log-logistic curve and a dotted line at its IC50 (log concentration axis). "
        f"{plural(len(fitted), 'culture')} fitted; {len(inside)} of them "
        f"{'has its' if len(inside) == 1 else 'have their'} IC50 within the tested "
        "concentrations, and an IC50 outside them is an extrapolation."
    )
    alt = (
        f"Line chart of viability against {drug} concentration on a log axis, "
        f"{plural(len(fitted), 'fitted curve')} falling from their upper to their lower "
        "plateau, each with its measured points."
    )
    return FigureText(caption, alt)


def classes_by_concentration_text(
    summary: pd.DataFrame, drug: str, threshold_pct: float
) -> FigureText:
    """Caption and alt text of :func:`classes_by_concentration_plot`."""
    data = summary.sort_values("concentration_um")
    chosen = data.loc[data["chosen"].astype(bool), "concentration_um"]
    counts = and_join(
        f"{r.n_responders} of {r.n_cultures} at {r.concentration_um:g} µM"
        for r in data.itertuples()
    )
    caption = (
        f"Responders (circles) and non-responders (squares) to {drug} at each tested "
        f"concentration, with the same {threshold_pct:g}% threshold; the dashed line "
        f"marks the concentration the chapter classifies at"
        f"{f' ({chosen.iloc[0]:g} µM)' if len(chosen) else ''}. Responders: {counts}."
    )
    alt = (
        f"Line chart of the number of responders and non-responders at "
        f"{plural(len(data), 'concentration')} of {drug} on a log axis."
    )
    return FigureText(caption, alt)
