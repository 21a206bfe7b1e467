"""Figures of the literature chapter: response rates across trials, TALENT's intervals and AEs.

Each function takes a tidy table from :mod:`netcomp.data.literature` and returns a Figure;
saving (with the plotted data) is left to :func:`netcomp.figures.style.save_figure`. Each
``*_text`` function gives the caption and alt text of the figure of the same table.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from netcomp.data.literature import COHORTS, INTERVAL_METHODS
from netcomp.figures.style import OKABE_ITO, FigureText, new_figure
from netcomp.figures.words import and_join, plural

#: Colour of TALENT's rows (highlighted) and of the other trials.
TALENT_COLOUR = OKABE_ITO["vermillion"]
OTHER_COLOUR = OKABE_ITO["blue"]
#: Colours of the adverse-event grades.
GRADE_COLOURS: dict[str, str] = {"1-2": OKABE_ITO["sky_blue"], "3-4": OKABE_ITO["vermillion"]}
#: Colours of the interval methods.
METHOD_COLOURS: dict[str, str] = {
    "clopper_pearson": OKABE_ITO["blue"],
    "wilson": OKABE_ITO["green"],
    "wilson_cc": OKABE_ITO["vermillion"],
    "jeffreys": OKABE_ITO["purple"],
}


def _wrap(label: str, width: int = 72) -> str:
    """Shorten long trial labels so the axis stays readable."""
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def _wrap_lines(label: str, width: int = 34, lines: int = 3) -> str:
    """A long label wrapped onto at most ``lines`` lines of about ``width`` characters.

    Nothing is cut unless the label needs more lines than that, so a trial's name and its
    drug stay readable at a size a page can show. "et al." stays on one line.
    """
    parts = textwrap.wrap(
        label.replace("et al.", "et\u00a0al."), width=width, break_long_words=False
    ) or [""]
    if len(parts) > lines:
        parts = [*parts[: lines - 1], _wrap(" ".join(parts[lines - 1 :]), width)]
    return "\n".join(parts)


def _orr_rows(ax: Axes, orr: pd.DataFrame, y: np.ndarray) -> None:
    """Each row's rate, its CI (solid: reported counts, dashed: implied) and its events/n."""
    for yi, rec in zip(y, orr.to_dict("records"), strict=True):
        colour = TALENT_COLOUR if rec["is_talent"] else OTHER_COLOUR
        if np.isfinite(rec["ci_low_pct"]):
            style = "-" if rec["count_basis"] == "reported counts" else "--"
            ax.plot([rec["ci_low_pct"], rec["ci_high_pct"]], [yi, yi], style, color=colour, lw=1.8)
        filled = rec["count_basis"] != "no counts"
        ax.plot(
            rec["orr_pct"],
            yi,
            "D" if rec["is_talent"] else "o",
            color=colour,
            markerfacecolor=colour if filled else "white",
            markersize=7,
        )
        size = f"{rec['events']}/{rec['n']}" if pd.notna(rec["n"]) else ""
        ax.text(102, yi, size, va="center", fontsize=9, color="0.3")


def _orr_labels(ax: Axes, orr: pd.DataFrame, y: np.ndarray) -> None:
    """Row labels (trial, and its drug in brackets when not named), TALENT's in bold colour."""
    ax.set_yticks(y)
    names = [
        lbl if str(drug).lower() in lbl.lower() else f"{lbl} [{drug}]"
        for lbl, drug in zip(orr["label"], orr["drug"], strict=True)
    ]
    ax.set_yticklabels([_wrap_lines(name) for name in names], fontsize=9, linespacing=1.0)
    for tick, talent in zip(ax.get_yticklabels(), orr["is_talent"], strict=True):
        if talent:
            tick.set_color(TALENT_COLOUR)
            tick.set_fontweight("bold")


def _orr_legend(ax: Axes, orr: pd.DataFrame) -> None:
    """The legend under the plot, titled with the CI method."""
    method = next((m for m in orr["method"] if m), "")
    ci_name = INTERVAL_METHODS.get(method, method)
    handles = [
        Line2D([], [], color=TALENT_COLOUR, marker="D", lw=1.6, label="TALENT (lenvatinib)"),
        Line2D([], [], color=OTHER_COLOUR, marker="o", lw=0, label="other trials and studies"),
        Line2D([], [], color="0.35", lw=1.6, label="95% CI from reported counts"),
        Line2D(
            [], [], color="0.35", lw=1.6, ls="--", label="95% CI from counts implied by n and %"
        ),
        Line2D(
            [],
            [],
            color="0.35",
            marker="o",
            markerfacecolor="white",
            lw=0,
            label="no counts given: no CI",
        ),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.3, -0.06),
        ncol=2,
        fontsize=8.5,
        frameon=False,
        title=f"95% CI method: {ci_name}",
        title_fontsize=8.5,
    )


def plot_orr_forest(orr: pd.DataFrame, title: str | None = None) -> Figure:
    """Forest-style plot of objective response rates with their CIs where counts allow.

    ``orr`` is :func:`netcomp.data.literature.trial_orr_table`. TALENT's cohorts are drawn in
    their own colour; CIs from reported counts are solid, CIs from counts implied by n and
    % are dashed, and rows without counts show the point only. Each row's label (the trial
    and, in brackets, its drug) is wrapped over up to three lines rather than cut, in 9-point
    type.
    """
    if orr.empty:
        raise ValueError("no trial reports an objective response rate")
    n_rows = len(orr)
    fig, ax = new_figure(7.4, 0.46 * n_rows + 2.4)
    y = np.arange(n_rows)[::-1]
    _orr_rows(ax, orr, y)
    ax.text(102, n_rows - 0.5, "events/n", fontsize=9, color="0.3", va="bottom")
    _orr_labels(ax, orr, y)
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.7, n_rows)
    ax.set_xlabel("Objective response rate (% of patients)")
    ax.set_ylabel("Trial or study (as reported by the sources)")
    ax.grid(axis="x", color="0.9", lw=0.6)
    ax.set_axisbelow(True)
    _orr_legend(ax, orr)
    ax.set_title(title or "Objective response rates of systemic therapies for GEP-NETs")
    fig.tight_layout()
    return fig


def plot_interval_methods(intervals: pd.DataFrame, title: str | None = None) -> Figure:
    """TALENT's published 95% CIs (grey bands) beside the CIs of each recomputation method.

    ``intervals`` is :func:`netcomp.data.literature.talent_intervals`; one row per cohort and
    endpoint, one coloured segment per method.
    """
    keys = intervals.loc[:, ["endpoint", "cohort"]].drop_duplicates()
    keys = keys.assign(_c=keys["cohort"].map({c: i for i, c in enumerate(COHORTS)}))
    keys = keys.sort_values(["endpoint", "_c"], ascending=[False, True]).reset_index(drop=True)
    methods = [m for m in INTERVAL_METHODS if m in set(intervals["method"])]
    fig, ax = new_figure(7.2, 0.75 * len(keys) + 1.4)
    offsets = np.linspace(-0.27, 0.27, len(methods))
    labels = []
    for i, key in enumerate(keys.itertuples(index=False)):
        yi = len(keys) - 1 - i
        sel = intervals[
            (intervals["endpoint"] == key.endpoint) & (intervals["cohort"] == key.cohort)
        ]
        pub = sel.iloc[0]
        ax.fill_betweenx(
            [yi - 0.38, yi + 0.38],
            pub["published_ci_low_pct"],
            pub["published_ci_high_pct"],
            color="0.88",
            lw=0,
        )
        for off, method in zip(offsets, methods, strict=True):
            rec = sel[sel["method"] == method].iloc[0]
            ax.plot(
                [rec["ci_low_pct"], rec["ci_high_pct"]],
                [yi + off, yi + off],
                color=METHOD_COLOURS[method],
                lw=2,
                solid_capstyle="butt",
            )
        ax.plot(pub["rate_pct"], yi, "|", color="black", markersize=14)
        labels.append((yi, f"{key.endpoint}, {key.cohort} ({int(pub['events'])}/{int(pub['n'])})"))
    ax.set_yticks([y for y, _ in labels])
    ax.set_yticklabels([lbl for _, lbl in labels])
    ax.set_xlabel("Rate and 95% confidence interval (% of patients assessed)")
    ax.set_ylabel("Endpoint and cohort (events/n)")
    handles: list[Artist] = [Patch(color="0.88", label="published 95% CI")]
    handles += [
        Line2D([], [], color=METHOD_COLOURS[m], lw=2, label=INTERVAL_METHODS[m]) for m in methods
    ]
    handles += [Line2D([], [], color="black", marker="|", lw=0, markersize=10, label="rate")]
    ax.legend(
        handles=handles, fontsize=7.5, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False
    )
    ax.set_title(title or "TALENT's confidence intervals: published vs recomputed")
    fig.tight_layout()
    return fig


def plot_adverse_events(ae: pd.DataFrame, title: str | None = None) -> Figure:
    """TALENT's most frequent adverse events, stacked by grade, one panel per cohort.

    ``ae`` is :func:`netcomp.data.literature.adverse_events` (percentages recomputed from the
    counts; events in its row order, most frequent on top).
    """
    events = list(dict.fromkeys(ae["event"]))
    cohorts = [c for c in COHORTS if c in set(ae["cohort"])]
    fig, axes = new_figure(
        8.2, 0.26 * len(events) + 1.6, ncols=len(cohorts), sharey=True, squeeze=False
    )
    y = np.arange(len(events))[::-1]
    xmax = 0.0
    for ax, cohort in zip(axes[0], cohorts, strict=True):
        sub = ae[ae["cohort"] == cohort]
        left = np.zeros(len(events))
        for grade in ("1-2", "3-4"):
            pct = (
                sub[sub["grade"] == grade]
                .set_index("event")
                .reindex(events)["pct"]
                .fillna(0)
                .to_numpy()
            )
            ax.barh(
                y,
                pct,
                left=left,
                color=GRADE_COLOURS[grade],
                height=0.72,
                label=f"grade {grade.replace('-', '/')}",
            )
            left = left + pct
        xmax = max(xmax, float(left.max()))
        n = int(sub["denominator"].iloc[0])
        ax.set_title(f"{cohort} (n = {n})", fontsize=10)
        ax.set_xlabel("Patients with the event (% of cohort)")
        ax.grid(axis="x", color="0.9", lw=0.6)
        ax.set_axisbelow(True)
    for ax in axes[0]:
        ax.set_xlim(0, 5 * np.ceil(xmax / 5) + 2)
    axes[0][0].set_yticks(y)
    axes[0][0].set_yticklabels([_wrap(e, 44) for e in events], fontsize=8)
    axes[0][0].set_ylabel("Adverse event (CTCAE v4.03)")
    axes[0][-1].legend(loc="lower right", fontsize=8, title="Toxicity grade", title_fontsize=8)
    fig.suptitle(title or "TALENT: most frequent adverse events by grade and cohort", fontsize=11)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- captions


def orr_forest_text(orr: pd.DataFrame) -> FigureText:
    """Caption and alt text of :func:`plot_orr_forest` (the same table)."""
    talent = orr[orr["is_talent"].astype(bool)]
    others = orr[~orr["is_talent"].astype(bool)]
    with_ci = int(np.isfinite(orr["ci_low_pct"].to_numpy(float)).sum())
    caption = (
        f"Objective response rates of {plural(len(orr), 'trial or study', 'trials or studies')} "
        "of systemic therapies for GEP-NETs, as the source documents report them, "
        "highest first after TALENT (diamonds, in vermillion); a line is a 95% "
        "confidence interval, solid from reported counts, dashed from counts implied by "
        f"the number of patients and the printed percentage ({with_ci} rows have one). "
        "The trials differ in patients, previous treatment and response review, so the "
        "rates are context, not a like-for-like comparison."
    )
    if len(talent):
        rates = and_join(
            f"{str(label).split(', ')[-1]} {orr:g}%"
            for label, orr in zip(talent["label"], talent["orr_pct"], strict=True)
        )
        caption += f" TALENT: {rates}."
    if len(others):
        caption += (
            f" The other rates run from {others['orr_pct'].min():g}% to "
            f"{others['orr_pct'].max():g}%."
        )
    alt = (
        f"Forest plot with one row per trial ({len(orr)} rows), a marker at each response "
        "rate from 0 to 100% and a horizontal line for its interval where there is one; "
        "TALENT's rows at the top in vermillion."
    )
    return FigureText(caption, alt)


def interval_methods_text(intervals: pd.DataFrame) -> FigureText:
    """Caption and alt text of :func:`plot_interval_methods` (the same table)."""
    methods = [m for m in INTERVAL_METHODS if m in set(intervals["method"])]
    keys = intervals.loc[:, ["endpoint", "cohort"]].drop_duplicates()
    matched = intervals.groupby("method")["match"].sum()
    best = str(matched.idxmax()) if len(matched) else None
    caption = (
        "TALENT's published 95% confidence intervals (grey bands) for the objective "
        "response rate (ORR) and disease control rate (DCR) of each cohort, beside the "
        f"intervals recomputed from the counts by {plural(len(methods), 'method')} "
        "(coloured lines); the short vertical mark is the rate. A method that "
        "reproduces the published interval fills its band exactly."
    )
    if best is not None:
        caption += (
            f" {INTERVAL_METHODS[best]} reproduces {int(matched[best])} of the "
            f"{len(keys)} published intervals to the printed decimal."
        )
    alt = (
        f"Interval plot with {len(keys)} rows (endpoint and cohort), each a grey band with "
        f"{len(methods)} coloured horizontal lines over it, on a scale of 0 to 100% of "
        "patients."
    )
    return FigureText(caption, alt)


def adverse_events_text(ae: pd.DataFrame) -> FigureText:
    """Caption and alt text of :func:`plot_adverse_events` (the same table)."""
    events = list(dict.fromkeys(ae["event"]))
    cohorts = [c for c in COHORTS if c in set(ae["cohort"])]
    totals = ae.groupby(["cohort", "event"])["pct"].sum()
    tops = []
    for cohort in cohorts:
        top = totals[cohort].idxmax()
        tops.append(f"{cohort}, {top.lower()} ({totals[cohort].max():.0f}% of patients)")
    caption = (
        f"The {plural(len(events), 'most frequent adverse event')} of TALENT by "
        "toxicity grade (CTCAE v4.03), one panel per cohort: each bar stacks the "
        "patients with a grade 1/2 event (light blue) and a grade 3/4 event "
        "(vermillion), as percentages recomputed from the counts of the article's "
        f"Table 3. The most frequent event in each cohort: {'; '.join(tops)}."
    )
    alt = (
        f"{plural(len(cohorts), 'panel')} of horizontal stacked bars, one bar per adverse "
        f"event ({len(events)} events, most frequent at the top), split into grade 1/2 and "
        "grade 3/4."
    )
    return FigureText(caption, alt)
