"""Figures of the chapter "Does the finding replicate?".

:func:`replication_plot` shows, above, each study's log odds ratio with its interval and
the prediction interval the published table gives for a new cohort; below, the posterior
of the difference in overexpression between the classes under each prior, with the
priors' own distributions of the difference drawn dashed.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from scipy import stats

from netcomp.figures.style import OKABE_ITO, FigureText, new_figure
from netcomp.figures.words import and_join, plural
from netcomp.stats.replication import BetaDifference, BetaPrior

COLOURS = (OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["green"], OKABE_ITO["vermillion"])
#: Draws of each prior's difference (the dashed lines); fixed generator, drawn once.
PRIOR_DRAWS = 50_000


def forest_data(
    side: pd.DataFrame, measures: pd.DataFrame | None, confidence: float = 0.95
) -> pd.DataFrame:
    """The plotted values: each study's log OR and Woolf interval, and the prediction interval.

    Columns ``study, log_or, low, high, kind`` (``kind`` "study" or "prediction interval");
    ``confidence`` should be the level the prediction intervals were computed at.
    """
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    rows = [
        {
            "study": r["study"],
            "log_or": r["log_or"],
            "low": r["log_or"] - z * r["se_log_or"],
            "high": r["log_or"] + z * r["se_log_or"],
            "kind": "study",
        }
        for r in side.to_dict("records")
    ]
    if measures is not None:
        for r in measures.to_dict("records"):
            rows.append(
                {
                    "study": f"prediction from {r['version']}",
                    "log_or": r["log_or_original"],
                    "low": r["pi_low"],
                    "high": r["pi_high"],
                    "kind": "prediction interval",
                }
            )
    return pd.DataFrame(rows)


def _prior_difference(prior_r: BetaPrior, prior_nr: BetaPrior) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.beta(prior_r.a, prior_r.b, PRIOR_DRAWS) - rng.beta(
        prior_nr.a, prior_nr.b, PRIOR_DRAWS
    )


def _study_label(study: str) -> str:
    """A forest row's label on at most two short lines (9-point type fits a phone-wide page)."""
    if study.startswith("prediction from "):
        return "prediction for a new cohort\n(from " + study.removeprefix("prediction from ") + ")"
    return study


def _forest_panel(ax: plt.Axes, forest: pd.DataFrame, gene: str, confidence: float) -> None:
    """Top panel: each study's log odds ratio with its interval; prediction intervals in grey."""
    y = np.arange(len(forest))[::-1]
    for yi, r in zip(y, forest.to_dict("records"), strict=True):
        pi = r["kind"] == "prediction interval"
        colour = (
            OKABE_ITO["grey"]
            if pi
            else OKABE_ITO["vermillion"]
            if r["study"] == "This cohort"
            else OKABE_ITO["blue"]
        )
        ax.plot(
            [r["low"], r["high"]],
            [yi, yi],
            color=colour,
            lw=6 if pi else 2.5,
            alpha=0.5 if pi else 1.0,
            solid_capstyle="butt",
        )
        if not pi:
            ax.plot(r["log_or"], yi, "o", color=colour, mec="black", ms=8)
    ax.axvline(0, color="black", ls=":", lw=1)
    ax.set_yticks(y, [_study_label(str(s)) for s in forest["study"]], fontsize=9)
    ax.set_ylim(-0.6, len(forest) - 0.4)
    ax.set_ylabel("Study")
    ax.set_xlabel(
        "log odds ratio (0 = no association; 0.5 added to every cell\nof a table with a zero cell)"
    )
    ax.set_title(
        f"{gene} overexpression and response: log odds ratios, {100 * confidence:g}% intervals"
    )
    ax.legend(
        handles=[
            Line2D(
                [],
                [],
                color=OKABE_ITO["blue"],
                lw=2.5,
                marker="o",
                mec="black",
                label="published (Woolf interval)",
            ),
            Line2D(
                [],
                [],
                color=OKABE_ITO["vermillion"],
                lw=2.5,
                marker="o",
                mec="black",
                label="this cohort (Woolf interval)",
            ),
            Patch(color=OKABE_ITO["grey"], alpha=0.5, label="prediction interval for a new cohort"),
        ],
        frameon=False,
        fontsize=8.5,
        loc="upper center",
        ncols=2,
        bbox_to_anchor=(0.4, -0.42),
    )


def _posterior_panel(
    ax: plt.Axes, posteriors: list[BetaDifference], priors: list[tuple[BetaPrior, BetaPrior]]
) -> None:
    """Bottom panel: the posterior (solid) and prior (dashed) difference under each prior."""
    bins = np.linspace(-1, 1, 81)
    for i, (post, (pr, pn)) in enumerate(zip(posteriors, priors, strict=True)):
        colour = COLOURS[i % len(COLOURS)]
        dens, edges = np.histogram(post.draws, bins=bins, density=True)
        ax.plot(
            0.5 * (edges[1:] + edges[:-1]),
            dens,
            color=colour,
            lw=2,
            label=f"posterior, {post.label}",
        )
        dens, _ = np.histogram(_prior_difference(pr, pn), bins=bins, density=True)
        ax.plot(
            0.5 * (edges[1:] + edges[:-1]),
            dens,
            color=colour,
            lw=1.2,
            ls="--",
            label=f"prior, {post.label}",
        )
    ax.axvline(0, color="black", ls=":", lw=1)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("Share overexpressing the gene: responders minus non-responders")
    ax.set_ylabel("Density")
    ax.set_title("Difference in overexpression: prior (dashed) and posterior")
    ax.legend(
        frameon=False, fontsize=8.5, loc="upper center", ncols=2, bbox_to_anchor=(0.45, -0.16)
    )


def replication_plot(
    forest: pd.DataFrame,
    posteriors: list[BetaDifference],
    priors: list[tuple[BetaPrior, BetaPrior]],
    gene: str,
    confidence: float = 0.95,
) -> plt.Figure:
    """Top: log odds ratios (Haldane-corrected where a cell is zero); bottom: posteriors.

    The forest's rows take the height they need (not half the figure); its labels are
    9-point and wrapped, and both legends sit under their panels, so the figure keeps the
    page's width and its text stays readable when the page scales it down.
    """
    top_height = 0.5 * len(forest) + 1.3
    fig, (left, right) = new_figure(
        7.2, top_height + 5.4, nrows=2, gridspec_kw={"height_ratios": [top_height, 3.6]}
    )
    _forest_panel(left, forest, gene, confidence)
    _posterior_panel(right, posteriors, priors)
    if not math.isfinite(float(forest[["low", "high"]].to_numpy().max())):
        left.set_xlim(-10, 10)
    fig.tight_layout()
    return fig


def replication_text(
    forest: pd.DataFrame, posteriors: list[BetaDifference], gene: str, confidence: float = 0.95
) -> FigureText:
    """Caption and alt text of :func:`replication_plot` (the same forest and posteriors)."""
    studies = forest[forest["kind"] == "study"]
    pis = forest[forest["kind"] == "prediction interval"]
    cohort = studies[studies["study"] == "This cohort"]
    caption = (
        f"Top: the log odds ratio of {gene} overexpression and response in each "
        f"published version and in this cohort, with its {100 * confidence:g}% Woolf "
        "interval (0.5 added to each cell of a table with a zero cell), and in grey the "
        "prediction interval the published table gives for a new cohort of this size; 0 "
        "is no association. Bottom: the posterior of the difference in the share "
        "overexpressing between the classes (solid) under each prior, and the prior's "
        "own distribution of it (dashed)."
    )
    if len(cohort) and len(pis):
        r = cohort.iloc[0]
        inside = all(p.low <= r.log_or <= p.high for p in pis.itertuples())
        caption += (
            f" This cohort's log odds ratio, {r.log_or:.2f}, lies "
            f"{'inside' if inside else 'outside'} the prediction "
            f"interval{'s' if len(pis) > 1 else ''}."
        )
    if posteriors:
        reads = and_join(
            f"{100 * post.p_positive:.1f}% with the {post.label}" for post in posteriors
        )
        caption += f" Posterior probability that the difference is positive: {reads}."
    alt = (
        f"Two panels: above, {plural(len(forest), 'horizontal interval')} on a log odds "
        "ratio axis with a dotted line at 0; below, density curves of the difference "
        "between -1 and 1, solid posteriors and dashed priors."
    )
    return FigureText(caption, alt)
