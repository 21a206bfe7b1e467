"""Figures of the biomarker-association chapter.

Each function takes a tidy table from :mod:`netcomp.stats.association` or
:mod:`netcomp.stats.robustness` and returns a matplotlib Figure in the book's style
(colour-blind-safe colours, labelled axes with units, a title). Saving is left to
:func:`netcomp.figures.style.save_figure`, called with the same table.
"""

from __future__ import annotations

from typing import cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.colors import BoundaryNorm
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from netcomp.figures.style import (
    CLASS_COLOURS,
    OKABE_ITO,
    SEQUENTIAL_CMAP,
    SERIES_COLOURS,
    FigureText,
    new_figure,
)
from netcomp.figures.words import and_join, p_words, plural, reaches
from netcomp.stats.significance import significant

CLASS_LABELS: dict[bool, str] = {True: "Responder", False: "Non-responder"}
#: Classes with more cultures than this are drawn without a label per culture, and the
#: leave-one-out figure shows one row per kind of culture instead of one per culture.
MAX_LABELLED: int = 40


def _class_colour(responder: bool) -> str:
    return CLASS_COLOURS["responder" if responder else "non-responder"]


def _strip_class(ax: plt.Axes, sub: pd.DataFrame, pos: float, resp: bool, cutoff: float) -> None:
    """One class's cultures as points spread sideways, labelled, with the count over cut-off."""
    k = len(sub)
    # zig-zag: values next to each other go to opposite sides of the class's centre and
    # each label points outwards, so neighbours in value never share a label's space
    side = np.where(np.arange(k) % 2 == 0, -1.0, 1.0)
    level = np.arange(k) // 2 + 1
    offsets = side * level * (0.26 / max(1, (k + 1) // 2))
    size = 46
    if k > MAX_LABELLED:  # many cultures: a fixed pseudo-random spread, smaller points
        offsets = np.random.default_rng(k).uniform(-0.28, 0.28, size=k)
        size = 18
    y = sub["fold_change"].to_numpy(float)
    ax.scatter(
        pos + offsets,
        y,
        s=size,
        color=_class_colour(resp),
        edgecolor="black",
        linewidth=0.6 if k <= MAX_LABELLED else 0.3,
        zorder=3,
        alpha=0.85,
    )
    labels: list[str] = sub["culture_id"].astype(str).tolist() if k <= MAX_LABELLED else []
    for x0, y0, label, sd in zip(pos + offsets, y, labels, side, strict=False):
        ax.annotate(
            label,
            (x0, y0),
            xytext=(7 * sd, -3),
            textcoords="offset points",
            fontsize=7,
            color="#333333",
            ha="left" if sd > 0 else "right",
        )
    n_over = int(np.sum(y >= cutoff))
    ax.text(
        pos,
        1.02,
        f"{n_over} of {k} at or above cut-off",
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="bottom",
        fontsize=9,
    )


def _log2_fold_change_axis(ax: plt.Axes, values: np.ndarray, cutoff: float) -> None:
    """A base-2 log axis spanning the values, the cut-off and 1, ticked at powers of 2."""
    ax.set_yscale("log", base=2)
    values = values[np.isfinite(values) & (values > 0)]
    lo = min(values.min() if values.size else 1.0, cutoff, 1.0) / 1.4
    hi = max(values.max() if values.size else 1.0, cutoff, 1.0) * 1.4
    ax.set_ylim(lo, hi)
    ticks = [2.0**k for k in range(int(np.floor(np.log2(lo))), int(np.ceil(np.log2(hi))) + 1)]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])


def fold_change_strip_plot(data: pd.DataFrame, cutoff: float, gene: str = "HRAS") -> plt.Figure:
    """Each culture's fold change of ``gene`` by response class, with the cut-off line.

    ``data`` has ``culture_id, responder, fold_change`` (one row per culture). The y axis
    is logarithmic (base 2) because a fold change is a ratio: 2 and 0.5 are equally far
    from 1. Points are spread sideways in a fixed order so that they do not overlap, and
    each is labelled with its culture.
    """
    fig, ax = new_figure(5.6, 4.4)
    positions = {True: 0.0, False: 1.0}
    for resp, pos in positions.items():
        sub = data[data["responder"].astype(bool) == resp].sort_values("fold_change")
        _strip_class(ax, sub, pos, resp, cutoff)
    ax.axhline(cutoff, color=OKABE_ITO["black"], ls="--", lw=1)
    ax.axhline(1.0, color=OKABE_ITO["grey"], ls=":", lw=1)
    _log2_fold_change_axis(ax, data["fold_change"].to_numpy(float), cutoff)
    ax.set_xticks(
        [0, 1],
        [
            f"Responders\n(n={int(data['responder'].sum())})",
            f"Non-responders\n(n={int((~data['responder'].astype(bool)).sum())})",
        ],
    )
    ax.set_xlim(-0.6, 1.6)
    ax.set_xlabel("Response class")
    ax.set_ylabel(f"{gene} fold change, tumour / healthy tissue (ratio, log scale)")
    ax.legend(
        handles=[
            Line2D([], [], color=OKABE_ITO["black"], ls="--", label=f"Cut-off {cutoff:g}"),
            Line2D([], [], color=OKABE_ITO["grey"], ls=":", label="No change (1)"),
        ],
        frameon=False,
        loc="upper right",
        fontsize=8,
    )
    ax.set_title(f"{gene} expression by response class", pad=22)
    fig.tight_layout()
    return fig


def _contingency_header(
    ax: plt.Axes,
    counts: dict[tuple[bool, bool], int],
    cols: list[tuple[bool, float]],
    widths: tuple[float, float, float],
) -> None:
    """The header row: one coloured cell per class with its size, then "Total"."""
    x_total, cell_w, total_w = widths
    for resp, x in cols:
        ax.add_patch(Rectangle((x, 0), cell_w, 1, color=_class_colour(resp), alpha=0.9))
        n = counts[(True, resp)] + counts[(False, resp)]
        ax.text(
            x + cell_w / 2,
            0.5,
            f"{CLASS_LABELS[resp]}s\n(n={n})",
            ha="center",
            va="center",
            color="white",
            fontsize=9,
            fontweight="bold",
        )
    ax.text(
        x_total + total_w / 2, 0.5, "Total", ha="center", va="center", fontsize=9, fontweight="bold"
    )


def _contingency_row(
    ax: plt.Axes,
    counts: dict[tuple[bool, bool], int],
    cols: list[tuple[bool, float]],
    widths: tuple[float, float, float],
    row: tuple[bool, int, str],
) -> None:
    """One row of the table: its label, each class's count as "k" and "k of n", the total."""
    x_total, cell_w, total_w = widths
    present, y, label = row
    label_w = cols[0][1]  # the first class's column starts where the labels end
    ax.text(label_w - 0.08, y + 0.5, label, ha="right", va="center", fontsize=9)
    total = counts[(present, True)] + counts[(present, False)]
    for resp, x in cols:
        k = counts[(present, resp)]
        n = counts[(True, resp)] + counts[(False, resp)]
        ax.add_patch(
            Rectangle(
                (x, y),
                cell_w,
                1,
                facecolor=_class_colour(resp),
                alpha=0.12,
                edgecolor="black",
                lw=0.8,
            )
        )
        ax.text(
            x + cell_w / 2,
            y + 0.42,
            f"{k}",
            ha="center",
            va="center",
            fontsize=18,
            fontweight="bold",
        )
        ax.text(
            x + cell_w / 2,
            y + 0.8,
            f"{k} of {n}",
            ha="center",
            va="center",
            fontsize=8,
            color="#333333",
        )
    ax.add_patch(Rectangle((x_total, y), total_w, 1, facecolor="white", edgecolor="black", lw=0.8))
    ax.text(x_total + total_w / 2, y + 0.5, f"{total}", ha="center", va="center", fontsize=12)


def contingency_figure(
    table: pd.DataFrame,
    present_label: str = "HRAS overexpressed",
    absent_label: str = "HRAS not overexpressed",
    title: str = "HRAS overexpression by response class",
) -> plt.Figure:
    """A 2x2 table drawn as a picture: counts, row totals, class colours.

    ``table`` is the long form of the 2x2 table with columns ``feature_present`` (bool),
    ``responder`` (bool) and ``count`` (four rows). Each cell shows its count and "k of n"
    (n = cultures in that class), so the two proportions compared are read directly.
    """
    counts = _cell_counts(table)
    fig, ax = new_figure(6.4, 3.2)
    label_w, cell_w, total_w = 2.0, 1.4, 1.0
    ax.set_xlim(0, label_w + 2 * cell_w + total_w)
    ax.set_ylim(0, 3)
    ax.invert_yaxis()
    ax.axis("off")
    cols = [(True, label_w), (False, label_w + cell_w)]
    x_total = label_w + 2 * cell_w
    _contingency_header(ax, counts, cols, (x_total, cell_w, total_w))
    for present, y in ((True, 1), (False, 2)):
        label = present_label if present else absent_label
        _contingency_row(ax, counts, cols, (x_total, cell_w, total_w), (present, y, label))
    ax.set_title(f"{title} (number of cultures)", fontsize=10)
    fig.tight_layout()
    return fig


def _volcano_points(ax: plt.Axes, data: pd.DataFrame) -> None:
    """One marker per tested feature: circles for overexpression, triangles for mutation."""
    markers = {"expression": "o", "mutation": "^"}
    names = {"expression": "Overexpression", "mutation": "Mutation"}
    for i, kind in enumerate(("expression", "mutation")):
        sub = data[data["kind"] == kind]
        if sub.empty:
            continue
        ax.scatter(
            sub["difference"],
            sub["minus_log10_p"],
            marker=markers[kind],
            s=38,
            color=SERIES_COLOURS[2 + i],
            edgecolor="black",
            linewidth=0.5,
            alpha=0.85,
            label=f"{names[kind]} ({len(sub)} tests)",
            zorder=3,
        )


def _volcano_labels(
    ax: plt.Axes, data: pd.DataFrame, label_top: int, highlight: tuple[str, ...]
) -> None:
    """Label the ``label_top`` smallest p-values and the highlighted genes (in bold)."""
    top = data.nsmallest(label_top, "p_value")
    extra = data[data["feature"].isin(highlight) & (data["kind"] == "expression")]
    labelled = pd.concat([top, extra]).drop_duplicates(["feature", "kind"])
    labelled = labelled.assign(
        tag=[
            f if k == "expression" else f"{f} (mut.)"
            for f, k in zip(labelled["feature"], labelled["kind"], strict=True)
        ],
        key=pd.Series(
            list(
                zip(
                    labelled["difference"].round(6),
                    labelled["minus_log10_p"].round(6),
                    strict=True,
                )
            ),
            index=labelled.index,
            dtype=object,
        ),
    )
    # features at the same point share one label instead of overprinting each other
    for key, group in labelled.groupby("key", sort=False):
        x, y = cast("tuple[float, float]", key)
        tags = group["tag"].tolist()
        text = ", ".join(tags[:4]) + (f" +{len(tags) - 4}" if len(tags) > 4 else "")
        bold = any(
            (f in highlight) and (k == "expression")
            for f, k in zip(group["feature"], group["kind"], strict=True)
        )
        ax.annotate(
            text,
            (x, y),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize=8,
            fontweight="bold" if bold else "normal",
        )


def volcano_plot(
    screen: pd.DataFrame,
    alpha: float = 0.05,
    fdr: float = 0.10,
    label_top: int = 6,
    highlight: tuple[str, ...] = ("HRAS",),
) -> plt.Figure:
    """Every binary feature of the screen: difference between classes vs -log10 p.

    ``screen`` has ``feature, kind, difference`` (percentage points: share of responders
    minus share of non-responders with the feature), ``p_value`` and ``q_value``; rows
    without a difference (clinical variables) are not drawn. The dashed line marks
    p = ``alpha``; the dotted line the largest p-value with q <= ``fdr`` when there is one.
    """
    data = screen[np.isfinite(screen["difference"].to_numpy(float))].copy()
    # p can underflow to 0 in large cohorts: draw it at the smallest positive double
    data["minus_log10_p"] = -np.log10(np.maximum(data["p_value"].to_numpy(float), 1e-300))
    fig, ax = new_figure(6.4, 4.4)
    _volcano_points(ax, data)
    ax.axhline(-np.log10(alpha), color=OKABE_ITO["black"], ls="--", lw=1, label=f"p = {alpha:g}")
    passing = screen.loc[significant(screen["q_value"], fdr), "p_value"]
    if len(passing):
        ax.axhline(
            -np.log10(max(float(passing.max()), 1e-300)),
            color=OKABE_ITO["vermillion"],
            ls=":",
            lw=1.2,
            label=f"BH q = {fdr:g}",
        )
    ax.axvline(0, color=OKABE_ITO["grey"], lw=0.6)
    _volcano_labels(ax, data, label_top, highlight)
    ymax = max(float(data["minus_log10_p"].max()) if len(data) else 1.0, -np.log10(alpha))
    ax.set_ylim(-0.05, ymax * 1.25 + 0.1)
    ax.set_xlim(-105, 105)
    ax.set_xlabel("Responders minus non-responders with the feature (percentage points)")
    ax.set_ylabel("-log10(p), Fisher exact, two-sided")
    not_drawn = len(screen) - len(data)  # clinical variables: no difference to draw
    ax.set_title(
        f"Screen against response: {len(data)} of {len(screen)} tests drawn"
        + (
            f"\n(the other {not_drawn}: clinical variables, no difference to plot)"
            if not_drawn
            else ""
        )
    )
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def _p_value_image(ax: plt.Axes, grid: pd.DataFrame, bounds: list[float]) -> AxesImage:
    """The grid of p-values in bands of ``bounds``; grey where a class is empty."""
    wide = grid.pivot(index="threshold_pct", columns="cutoff", values="p_value").sort_index()
    thr = wide.index.to_numpy(float)
    cut = wide.columns.to_numpy(float)
    cmap = plt.get_cmap(SEQUENTIAL_CMAP, len(bounds) - 1).with_extremes(bad="#DDDDDD")
    norm = BoundaryNorm(bounds, cmap.N)
    dx = (cut[1] - cut[0]) / 2 if cut.size > 1 else 0.05
    dy = (thr[1] - thr[0]) / 2 if thr.size > 1 else 0.5
    return ax.imshow(
        np.ma.masked_invalid(wide.to_numpy(float)),
        origin="lower",
        aspect="auto",
        cmap=cmap,
        norm=norm,
        extent=(cut[0] - dx, cut[-1] + dx, thr[0] - dy, thr[-1] + dy),
    )


def _heatmap_legend(ax: plt.Axes, grid: pd.DataFrame, no_dots: bool, dots: Artist) -> None:
    """A legend of what the heat map shows: the dots, the chosen point, empty classes."""
    # the legend lists only what the figure shows: no dot entry without a dot, no grey entry
    # without a grey cell
    shown = [
        (h, lab)
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True)
        if not (no_dots and h is dots)
    ]
    if not np.isfinite(grid["p_value"].to_numpy(float)).all():
        shown.append((Patch(color="#DDDDDD"), "A class is empty"))
    if shown:
        ax.legend(*zip(*shown, strict=True), frameon=True, fontsize=8, loc="upper right")


def p_value_heatmap(
    grid: pd.DataFrame,
    alpha: float = 0.05,
    chosen: tuple[float, float] | None = None,
    gene: str = "HRAS",
) -> plt.Figure:
    """Fisher p-value over response threshold (rows) x overexpression cut-off (columns).

    ``grid`` is the long table of :func:`netcomp.stats.robustness.fisher_p_by_threshold_and_cutoff`.
    Cells with ``p <= alpha`` (:func:`netcomp.stats.significance.significant`) carry a white
    dot; grey cells have an empty class (no test). ``chosen``
    = ``(threshold, cutoff)`` marks the chapter's own choice.
    """
    fig, ax = new_figure(6.6, 4.8)
    bounds = [0.0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0]
    image = _p_value_image(ax, grid, bounds)
    sig = grid[significant(grid["p_value"], alpha)]
    dots = ax.scatter(
        sig["cutoff"],
        sig["threshold_pct"],
        s=6,
        color="white",
        edgecolor="black",
        linewidth=0.3,
        label=f"p ≤ {alpha:g}",
    )
    if chosen is not None:
        ax.scatter(
            [chosen[1]],
            [chosen[0]],
            marker="*",
            s=180,
            color=OKABE_ITO["orange"],
            edgecolor="black",
            linewidth=0.8,
            label="Chapter's choice",
            zorder=4,
        )
    bar = fig.colorbar(image, ax=ax, ticks=bounds, spacing="uniform")
    bar.ax.set_yticklabels([f"{b:g}" for b in bounds])
    bar.set_label("p-value, Fisher exact, two-sided (bands)")
    ax.set_xlabel(f"{gene} overexpression cut-off (fold change, ratio)")
    ax.set_ylabel("Response threshold (% survival inhibition)")
    ax.set_title(f"{gene} vs response: p-value over the analyst's two choices")
    _heatmap_legend(ax, grid, sig.empty, dots)
    fig.tight_layout()
    return fig


def _leave_one_out_rows(loo: pd.DataFrame) -> pd.DataFrame:
    """One row per culture, or per kind of culture (class, feature) beyond MAX_LABELLED."""
    data = loo.reset_index(drop=True)
    grouped = len(data) > MAX_LABELLED
    if grouped:
        data = (
            data.groupby(["responder", "feature"], sort=False)
            .agg(
                culture_id=("culture_id", "size"),
                p_two_sided=("p_two_sided", "first"),
                p_greater=("p_greater", "first"),
            )
            .reset_index()
        )
        data["culture_id"] = [f"any of {n}" for n in data["culture_id"]]
    return data


def _leave_one_out_legend(ax: plt.Axes) -> None:
    """The legend under the plot: the drawn series and the two class colours."""
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        Patch(color=CLASS_COLOURS["responder"]),
        Patch(color=CLASS_COLOURS["non-responder"]),
    ]
    labels += ["Left-out culture: responder", "Left-out culture: non-responder"]
    ax.legend(
        handles,
        labels,
        frameon=False,
        fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.4, -0.14),
        ncol=2,
    )


def leave_one_out_plot(
    loo: pd.DataFrame, alpha: float = 0.05, full: tuple[float, float] | None = None
) -> plt.Figure:
    """p-values with each culture left out (two-sided and one-sided), one row per culture.

    ``loo`` is :func:`netcomp.stats.robustness.leave_one_out`; ``full`` = (two-sided,
    one-sided) p-values with every culture, drawn as vertical lines. With more than
    :data:`MAX_LABELLED` cultures there is one row per kind of culture (class and feature),
    since leaving out any culture of the same kind gives the same table.
    """
    data = _leave_one_out_rows(loo)
    fig, ax = new_figure(6.4, max(0.32 * len(data) + 2.6, 5.0))
    y = np.arange(len(data))[::-1]
    ax.scatter(
        data["p_two_sided"],
        y,
        marker="o",
        s=40,
        facecolor="white",
        edgecolor=OKABE_ITO["black"],
        label="Two-sided",
        zorder=3,
    )
    ax.scatter(
        data["p_greater"],
        y,
        marker="D",
        s=30,
        color=[_class_colour(bool(r)) for r in data["responder"]],
        edgecolor="black",
        linewidth=0.5,
        label="One-sided (greater)",
        zorder=3,
    )
    ax.axvline(alpha, color=OKABE_ITO["vermillion"], ls="--", lw=1, label=f"alpha = {alpha:g}")
    if full is not None:
        ax.axvline(full[0], color=OKABE_ITO["grey"], ls=":", lw=1, label="All cultures, two-sided")
        ax.axvline(full[1], color=OKABE_ITO["grey"], ls="-.", lw=1, label="All cultures, one-sided")
    tick_labels = [
        f"{c} ({'R' if r else 'NR'}{', over' if f else ''})"
        for c, r, f in zip(data["culture_id"], data["responder"], data["feature"], strict=True)
    ]
    ax.set_yticks(y, tick_labels)
    top = float(np.nanmax(np.r_[data["p_two_sided"], data["p_greater"], alpha, list(full or [])]))
    ax.set_xlim(0, min(1.0, top * 1.1 + 0.01))
    ax.set_xlabel("p-value without this culture (Fisher exact)")
    ax.set_ylabel("Culture left out (class, feature)")
    ax.set_title("Leave-one-out p-values")
    _leave_one_out_legend(ax)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- captions


def fold_change_strip_text(data: pd.DataFrame, cutoff: float, gene: str = "HRAS") -> FigureText:
    """Caption and alt text of :func:`fold_change_strip_plot` (the same table and cut-off)."""
    resp = data["responder"].astype(bool)
    fc = data["fold_change"].astype(float)
    over = fc >= cutoff
    a, n1 = int((over & resp).sum()), int(resp.sum())
    c, n2 = int((over & ~resp).sum()), int((~resp).sum())
    caption = (
        f"Each culture's {gene} fold change (tumour over matched healthy tissue, log "
        f"scale) by response class; the dashed line is the overexpression cut-off "
        f"({cutoff:g}), the dotted line no change (1). At or above the cut-off: {a} of "
        f"{plural(n1, 'responder')} and {c} of {plural(n2, 'non-responder')}, the "
        "counts of the 2×2 table."
    )
    finite = fc[np.isfinite(fc) & (fc > 0)]
    if len(finite):
        i = (np.log2(finite) - np.log2(cutoff)).abs().idxmin()
        caption += (
            f" The culture nearest the cut-off is {data.loc[i, 'culture_id']} (fold "
            f"change {fc[i]:.2f}): a slightly different cut-off would move it."
        )
    alt = (
        f"Strip chart of {len(data)} labelled points in two columns, responders (blue) "
        f"and non-responders (orange), on a logarithmic fold-change axis with a dashed "
        f"cut-off line at {cutoff:g}; {a} of {n1} blue and {c} of {n2} orange points lie "
        "above it."
    )
    return FigureText(caption, alt)


def _cell_counts(table: pd.DataFrame) -> dict[tuple[bool, bool], int]:
    """``{(feature present, responder): count}`` from the long 2x2 table."""
    return {
        (bool(f), bool(r)): int(n)
        for f, r, n in zip(
            table["feature_present"], table["responder"], table["count"], strict=True
        )
    }


def contingency_text(
    table: pd.DataFrame,
    gene: str = "HRAS",
    p_two_sided: float | None = None,
    p_greater: float | None = None,
) -> FigureText:
    """Caption and alt text of :func:`contingency_figure` (the same long 2x2 table)."""
    counts = _cell_counts(table)
    a, b = counts[(True, True)], counts[(True, False)]
    c, d = counts[(False, True)], counts[(False, False)]
    caption = (
        f"The 2×2 table of {gene} overexpression (rows) by response class (columns), "
        f"in numbers of cultures: {a} of {plural(a + c, 'responder')} and {b} of "
        f"{plural(b + d, 'non-responder')} overexpress {gene}. Each cell also gives "
        "its share of the class, the two proportions Fisher's test compares."
    )
    if p_two_sided is not None and p_greater is not None:
        caption += (
            f" Fisher's exact test: p = {p_words(p_two_sided)} two-sided, "
            f"{p_words(p_greater)} one-sided (more overexpression in responders)."
        )
    alt = (
        f"A 2×2 table drawn as coloured boxes: {gene} overexpressed in {a} responders and "
        f"{b} non-responders, not overexpressed in {c} responders and {d} non-responders; "
        f"row totals {a + b} and {c + d}."
    )
    return FigureText(caption, alt)


def volcano_text(
    screen: pd.DataFrame, alpha: float = 0.05, fdr: float = 0.10, gene: str = "HRAS"
) -> FigureText:
    """Caption and alt text of :func:`volcano_plot` (the same screen)."""
    drawn = screen[np.isfinite(screen["difference"].to_numpy(float))]
    n_clinical = len(screen) - len(drawn)
    hits = drawn[reaches(drawn["p_value"], alpha)]
    discoveries = int(reaches(screen["q_value"], fdr).sum())
    caption = (
        f"Every feature of the screen: the share of responders minus the share of "
        f"non-responders with the feature (percentage points) against -log10 of its "
        f"two-sided Fisher p-value, so smaller p-values sit higher; circles are gene "
        f"overexpression, triangles mutations, the dashed line p = {alpha:g}"
        + (
            f" and the dotted line the largest p-value with a Benjamini-Hochberg q ≤ {fdr:g}"
            if discoveries
            else ""
        )
        + f". The figure draws {len(drawn)} of the screen's {plural(len(screen), 'test')}"
        + (f"; the {n_clinical} clinical variables have no such difference" if n_clinical else "")
        + ". "
        + (
            f"{plural(len(hits), 'feature')} {'reaches' if len(hits) == 1 else 'reach'} "
            f"p ≤ {alpha:g} ({and_join(hits['feature'])})"
            if len(hits)
            else f"No feature reaches p ≤ {alpha:g}"
        )
        + (
            f", and {plural(discoveries, 'test')} "
            f"{'has' if discoveries == 1 else 'have'} q ≤ {fdr:g}."
            if discoveries
            else f", and no test has q ≤ {fdr:g}."
        )
    )
    row = drawn[(drawn["feature"] == gene) & (drawn["kind"] == "expression")]
    if not row.empty:
        rank = int((drawn["p_value"] < row["p_value"].iloc[0]).sum()) + 1
        caption += (
            f" {gene} (in bold) has p = {p_words(row['p_value'].iloc[0])}, rank {rank} "
            f"of {len(drawn)}."
        )
    alt = (
        f"Scatter plot of {len(drawn)} points, difference between classes from -100 to 100 "
        f"percentage points across, -log10 p upwards, with a dashed horizontal line at "
        f"p = {alpha:g} and the smallest p-values labelled by gene."
    )
    return FigureText(caption, alt)


def p_value_heatmap_text(
    grid: pd.DataFrame,
    alpha: float = 0.05,
    chosen: tuple[float, float] | None = None,
    gene: str = "HRAS",
) -> FigureText:
    """Caption and alt text of :func:`p_value_heatmap` (the same long grid)."""
    thr, cut = grid["threshold_pct"], grid["cutoff"]
    tested = grid[np.isfinite(grid["p_value"].to_numpy(float))]
    n_sig = int(reaches(tested["p_value"], alpha).sum())
    caption = (
        f"The two-sided Fisher p-value of {gene} overexpression against response for "
        f"every response threshold ({thr.min():g}% to {thr.max():g}%, rows) and "
        f"overexpression cut-off ({cut.min():g} to {cut.max():g}, columns), coloured "
        f"in bands"
    )
    p_here = None
    if chosen is not None:
        here = grid[np.isclose(thr, chosen[0]) & np.isclose(cut, chosen[1])]
        p_here = float(here["p_value"].iloc[0]) if len(here) else None
        caption += (
            f"; the star marks the chapter's choice (threshold {chosen[0]:g}%, cut-off "
            f"{chosen[1]:g}" + (f": p = {p_words(p_here)}" if p_here is not None else "") + ")"
        )
    caption += (
        ". The p-value changes only where a threshold or cut-off crosses a culture's "
        "value, hence the blocks. "
    )
    if len(tested):
        best = tested.loc[tested["p_value"].idxmin()]
        if p_here is not None and np.isclose(best["p_value"], p_here):
            caption += "No point of the grid gives a smaller p-value than the chapter's choice; "
        else:
            caption += (
                f"The smallest p-value on the grid is {p_words(best['p_value'])} "
                f"(threshold {best['threshold_pct']:g}%, cut-off {best['cutoff']:g}); "
            )
        caption += (
            f"white dots mark the points with p ≤ {alpha:g}."
            if n_sig
            else f"no point reaches p ≤ {alpha:g}."
        )
    if len(tested) < len(grid):
        caption += " Grey cells have an empty class, where no test is possible."
    alt = (
        "Heat map of p-values over response threshold (vertical) and overexpression cut-off "
        "(horizontal), in colour bands from dark (small p) to yellow (large p), with a star "
        "at the chapter's choice."
    )
    return FigureText(caption, alt)


def leave_one_out_text(
    loo: pd.DataFrame, alpha: float = 0.05, full: tuple[float, float] | None = None
) -> FigureText:
    """Caption and alt text of :func:`leave_one_out_plot` (the same table)."""
    two = loo[reaches(loo["p_two_sided"], alpha)]
    one = loo[reaches(loo["p_greater"], alpha)]
    caption = (
        "Fisher's test repeated without each culture in turn (rows: the culture left "
        "out, its class and whether it overexpresses): circles are two-sided p-values, "
        "diamonds one-sided ones (coloured by the class of the culture left out); the "
        f"dashed line is alpha = {alpha:g}"
    )
    caption += ", the grey lines the p-values with every culture. " if full is not None else ". "
    # each row leaves out one culture: "NET02 or NET08", never "NET02 and NET08" (both at once)
    either = " or ".join(and_join(two["culture_id"]).rsplit(" and ", 1))
    caption += (
        f"Leaving out {either}{' (any one of them)' if len(two) > 1 else ''} brings the "
        f"two-sided p to {alpha:g} or below"
        if len(two)
        else f"No single culture's removal brings the two-sided p to {alpha:g} or below"
    )
    caption += (
        f"; the one-sided p is at or below it in {len(one)} of the {len(loo)} leave-one-out tests."
        if len(one)
        else "; nor does the one-sided p in any leave-one-out test."
    )
    alt = (
        f"Dot plot with one row per culture left out ({len(loo)} rows), a circle and a "
        f"diamond per row at its two p-values, and a dashed vertical line at {alpha:g}."
    )
    return FigureText(caption, alt)
