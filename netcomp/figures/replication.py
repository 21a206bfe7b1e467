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

from netcomp.figures.style import OKABE_ITO, new_figure
from netcomp.replication import BetaDifference, BetaPrior

COLOURS = (OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["green"], OKABE_ITO["vermillion"])
#: Draws of each prior's difference (the dashed lines); fixed generator, drawn once.
PRIOR_DRAWS = 50_000


def forest_data(side: pd.DataFrame, measures: pd.DataFrame | None,
                confidence: float = 0.95) -> pd.DataFrame:
    """The plotted values: each study's log OR and Woolf interval, and the prediction interval.

    Columns ``study, log_or, low, high, kind`` (``kind`` "study" or "prediction interval");
    ``confidence`` should be the level the prediction intervals were computed at.
    """
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    rows = [{"study": r.study, "log_or": r.log_or, "low": r.log_or - z * r.se_log_or,
             "high": r.log_or + z * r.se_log_or, "kind": "study"} for r in side.itertuples()]
    if measures is not None:
        for r in measures.itertuples():
            rows.append({"study": f"prediction from {r.version}", "log_or": r.log_or_original,
                         "low": r.pi_low, "high": r.pi_high, "kind": "prediction interval"})
    return pd.DataFrame(rows)


def _prior_difference(prior_r: BetaPrior, prior_nr: BetaPrior) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.beta(prior_r.a, prior_r.b, PRIOR_DRAWS) - rng.beta(prior_nr.a, prior_nr.b,
                                                                  PRIOR_DRAWS)


def replication_plot(forest: pd.DataFrame, posteriors: list[BetaDifference],
                     priors: list[tuple[BetaPrior, BetaPrior]], gene: str,
                     confidence: float = 0.95) -> plt.Figure:
    """Top: log odds ratios (Haldane-corrected where a cell is zero); bottom: posteriors."""
    fig, (left, right) = new_figure(8.0, 8.6, nrows=2, gridspec_kw={"height_ratios": [1, 1.1]})
    y = np.arange(len(forest))[::-1]
    for yi, r in zip(y, forest.itertuples(), strict=True):
        pi = r.kind == "prediction interval"
        colour = (OKABE_ITO["grey"] if pi else OKABE_ITO["vermillion"] if r.study == "This cohort"
                  else OKABE_ITO["blue"])
        left.plot([r.low, r.high], [yi, yi], color=colour, lw=6 if pi else 2.5,
                  alpha=0.5 if pi else 1.0, solid_capstyle="butt")
        if not pi:
            left.plot(r.log_or, yi, "o", color=colour, mec="black", ms=8)
    left.axvline(0, color="black", ls=":", lw=1)
    left.set_yticks(y, [str(s) for s in forest["study"]], fontsize=8)
    left.set_ylabel("Study")
    left.set_xlabel("log odds ratio (0 = no association;\n0.5 added to every cell of a table "
                    "with a zero cell)")
    left.set_title(f"{gene} overexpression and response: log odds ratios, "
                   f"{100 * confidence:g}% intervals")
    left.legend(handles=[Line2D([], [], color=OKABE_ITO["blue"], lw=2.5, marker="o",
                                mec="black", label="published (Woolf interval)"),
                         Line2D([], [], color=OKABE_ITO["vermillion"], lw=2.5, marker="o",
                                mec="black", label="this cohort (Woolf interval)"),
                         Patch(color=OKABE_ITO["grey"], alpha=0.5,
                               label="prediction interval for a new cohort")],
                frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    bins = np.linspace(-1, 1, 81)
    for i, (post, (pr, pn)) in enumerate(zip(posteriors, priors, strict=True)):
        colour = COLOURS[i % len(COLOURS)]
        dens, edges = np.histogram(post.draws, bins=bins, density=True)
        right.plot(0.5 * (edges[1:] + edges[:-1]), dens, color=colour, lw=2,
                   label=f"posterior, {post.label}")
        dens, _ = np.histogram(_prior_difference(pr, pn), bins=bins, density=True)
        right.plot(0.5 * (edges[1:] + edges[:-1]), dens, color=colour, lw=1.2, ls="--",
                   label=f"prior, {post.label}")
    right.axvline(0, color="black", ls=":", lw=1)
    right.set_xlim(-1, 1)
    right.set_xlabel("Share overexpressing the gene: responders minus non-responders")
    right.set_ylabel("Density")
    right.set_title("Difference in overexpression: prior (dashed) and posterior")
    right.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if not math.isfinite(float(forest[["low", "high"]].to_numpy().max())):
        left.set_xlim(-10, 10)
    fig.tight_layout()
    return fig
