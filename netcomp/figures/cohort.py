"""Figures of the data-import chapter: replicate spread, mutations, expression.

Each ``*_text`` function gives the caption and alt text of the figure of the same data
(:class:`netcomp.figures.style.FigureText`), with the cohort's own numbers.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from netcomp.figures.style import (
    DIVERGING_CMAP,
    OKABE_ITO,
    SERIES_COLOURS,
    FigureText,
    new_figure,
)
from netcomp.figures.words import and_join, plural, site_words

#: Widest and tallest a figure may grow with the cohort (inches), and the most cultures
#: (or genes) labelled one by one; beyond that the axis says how many there are.
MAX_WIDTH, MAX_HEIGHT, MAX_LABELS = 16.0, 12.0, 60


def _culture_ticks(
    ax: plt.Axes, positions: np.ndarray, labels: list[str], label: str = "Primary culture"
) -> None:
    """Label each culture when they fit; otherwise only say how many there are."""
    if len(labels) <= MAX_LABELS:
        ax.set_xticks(positions, labels, rotation=45, ha="right")
        ax.set_xlabel(label)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{label} ({len(labels)}, not labelled one by one)")


def replicate_spread(viability: pd.DataFrame) -> plt.Figure:
    """Each replicate's viability per culture and drug, with the replicate mean as a bar."""
    drugs = sorted(viability["drug"].unique())
    cultures = sorted(viability["culture_id"].unique())
    fig, ax = new_figure(min(MAX_WIDTH, max(6.4, 0.55 * len(cultures) + 2)), 4.0)
    width = 0.8 / len(drugs)
    x = np.arange(len(cultures))
    for i, drug in enumerate(drugs):
        d = viability[viability["drug"] == drug]
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        pos = dict(zip(cultures, x + (i - (len(drugs) - 1) / 2) * width, strict=True))
        means = d.groupby("culture_id")["viability_pct"].mean()
        ax.bar(
            [pos[c] for c in means.index],
            means.to_numpy(),
            width=width * 0.9,
            color=colour,
            alpha=0.35,
            label=f"{drug} (mean)",
        )
        ax.scatter(
            d["culture_id"].map(pos),
            d["viability_pct"],
            s=12,
            color=colour,
            edgecolor="black",
            linewidth=0.4,
            zorder=3,
        )
    ax.axhline(100, color=OKABE_ITO["grey"], linestyle=":", linewidth=1)
    _culture_ticks(ax, x, cultures)
    ax.set_ylabel("Viability (% of untreated control)")
    ax.set_title("Replicate viability per culture and drug (dots: replicates)", pad=24)
    ax.legend(
        frameon=False,
        fontsize=8,
        ncols=min(3, len(drugs)),
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
    )  # between title and axis, clear of the bars
    fig.tight_layout()
    return fig


def mutation_matrix(matrix: pd.DataFrame) -> plt.Figure:
    """Gene-by-culture grid of detected mutations (genes mutated in at least one culture)."""
    mutated = matrix.loc[:, matrix.any(axis=0)].T.astype(int)
    mutated = mutated.loc[mutated.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    n_genes, n_cultures = mutated.shape
    fig, ax = new_figure(
        min(MAX_WIDTH, max(5.0, 0.45 * n_cultures + 2.5)),
        min(MAX_HEIGHT, max(2.5, 0.32 * n_genes + 1.2)),
    )
    cmap = plt.matplotlib.colors.ListedColormap(["#F2F2F2", OKABE_ITO["vermillion"]])
    ax.imshow(mutated.to_numpy(), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    _culture_ticks(ax, np.arange(n_cultures), [str(c) for c in mutated.columns])
    ax.set_yticks(range(n_genes), [f"{g} ({int(s)})" for g, s in mutated.sum(axis=1).items()])
    if n_cultures <= MAX_LABELS:
        ax.set_xticks(np.arange(-0.5, n_cultures), minor=True)
        ax.set_yticks(np.arange(-0.5, n_genes), minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="minor", length=0)
    ax.set_ylabel("Panel gene (number of cultures mutated)")
    ax.set_title("Detected mutations (filled cell: mutated)")
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def expression_heatmap(
    log2_fc: pd.DataFrame, groups: dict[str, tuple[str, ...]] | None = None
) -> plt.Figure:
    """Heat map of log2 fold change (tumour vs matched healthy tissue), genes by culture."""
    data = log2_fc.T
    values = data.to_numpy(dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    limit = max(float(finite.max()), 1.0) if finite.size else 1.0
    fig, ax = new_figure(
        min(MAX_WIDTH, max(5.5, 0.5 * data.shape[1] + 3)),
        min(MAX_HEIGHT, max(3.0, 0.33 * data.shape[0] + 1.5)),
    )
    im = ax.imshow(
        values, cmap=DIVERGING_CMAP, vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest"
    )
    _culture_ticks(ax, np.arange(data.shape[1]), [str(c) for c in data.columns])
    labels = list(data.index)
    if groups:
        group_of = {g: name for name, gs in groups.items() for g in gs}
        labels = [f"{g} ({group_of.get(g, '')})" if g in group_of else g for g in labels]
    ax.set_yticks(range(data.shape[0]), labels)
    ax.set_ylabel("Gene (family)")
    ax.set_title("Expression in tumour vs matched healthy tissue")
    bar = fig.colorbar(im, ax=ax, shrink=0.85)
    bar.set_label("log2 fold change (0 = unchanged, 1 = doubled)")
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def site_grade_bars(table: pd.DataFrame) -> plt.Figure:
    """Stacked bars: number of cultures per site of origin, split by WHO grade."""
    fig, ax = new_figure(6.0, 3.2)
    bottom = np.zeros(len(table))
    for i, grade in enumerate(table.columns):
        ax.barh(
            [s.replace("_", " ") for s in table.index],
            table[grade].to_numpy(),
            left=bottom,
            color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
            label=str(grade),
        )
        bottom += table[grade].to_numpy()
    ax.set_xlabel("Number of cultures")
    ax.set_ylabel("Site of origin")
    ax.set_title("Cultures by site and WHO grade")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(title="Grade", frameon=False)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- captions


def site_grade_text(table: pd.DataFrame) -> FigureText:
    """Caption and alt text of :func:`site_grade_bars` (the same table)."""
    per_site = table.sum(axis=1).sort_values(ascending=False, kind="stable")
    per_grade = table.sum(axis=0)
    n = int(per_site.sum())
    sites = and_join(f"{site_words(s)} {int(k)}" for s, k in per_site.items())
    grades = and_join(f"{g} {int(k)}" for g, k in per_grade.items())
    top = per_site.index[0] if len(per_site) else ""
    caption = (
        f"The {plural(n, 'culture')} of the cohort by site of origin of the tumour, "
        f"each bar split by WHO grade. The largest group is {site_words(top)} "
        f"({int(per_site.iloc[0]) if len(per_site) else 0}); by grade: {grades}."
    )
    alt = (
        f"Horizontal stacked bar chart of the number of cultures per site of origin "
        f"({sites}), each bar coloured by WHO grade ({grades})."
    )
    return FigureText(caption, alt)


def replicate_spread_text(viability: pd.DataFrame) -> FigureText:
    """Caption and alt text of :func:`replicate_spread` (the same viability table)."""
    drugs = sorted(viability["drug"].astype(str).unique())
    cultures = viability["culture_id"].astype(str).unique()
    keys = ["culture_id", "drug", "concentration_um"]
    spread = viability.groupby(keys)["viability_pct"].agg(lambda v: float(v.max() - v.min()))
    widest = spread.index[int(np.argmax(spread.to_numpy()))] if len(spread) else None
    caption = (
        f"Viability of every replicate well (dots) and the mean of the wells (bars) for "
        f"each of the {plural(len(cultures), 'culture')} and "
        f"{plural(len(drugs), 'drug')} ({and_join(drugs)}), as a percentage of the "
        "untreated control; the dotted line at 100% is no effect. Dots close to their "
        "bar mean that the culture's mean can be trusted."
    )
    if widest is not None:
        caption += (
            f" The widest spread between the wells of one measurement is "
            f"{spread.max():.1f} points ({widest[0]}, {widest[1]})."
        )
    alt = (
        f"Grouped bar chart with one group of {len(drugs)} bars per culture "
        f"({len(cultures)} groups), one bar per drug with the replicate wells as dots over "
        f"it; viability from 0 to above 100% on the vertical axis."
    )
    return FigureText(caption, alt)


def mutation_matrix_text(matrix: pd.DataFrame) -> FigureText:
    """Caption and alt text of :func:`mutation_matrix` (the same culture-by-gene grid)."""
    counts = matrix.astype(int).sum(axis=0)
    counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
    n_cultures = len(matrix)
    carriers = int(matrix.astype(bool).any(axis=1).sum())
    top = [str(g) for g, k in counts.items() if k == counts.max()] if len(counts) else []
    who = (
        f"All {plural(n_cultures, 'culture')} carry"
        if carriers == n_cultures and n_cultures > 1
        else f"{carriers} of the {plural(n_cultures, 'culture')} "
        f"{'carries' if carriers == 1 else 'carry'}"
    )
    most = (
        f"the gene mutated most often is {top[0]}"
        if len(top) == 1
        else f"the genes mutated most often are {and_join(top)}"
    )
    caption = (
        f"Mutations detected by the panel: one row per gene mutated in at least one "
        f"culture (with its number of mutated cultures), one column per culture; a "
        f"filled cell is a mutation. {who} at least one; {most} "
        f"({plural(int(counts.max()) if len(counts) else 0, 'culture')})."
    )
    alt = (
        f"Grid of {len(counts)} genes by {n_cultures} cultures with filled cells where a "
        f"culture carries a mutation of the gene; genes sorted from most to least often "
        f"mutated ({and_join((f'{g} {int(k)}' for g, k in counts.items()), limit=8)})."
    )
    return FigureText(caption, alt)


def expression_heatmap_text(
    log2_fc: pd.DataFrame, groups: dict[str, tuple[str, ...]] | None = None
) -> FigureText:
    """Caption and alt text of :func:`expression_heatmap` (cultures by genes, log2 ratios)."""
    values = log2_fc.astype(float)
    stacked = values.stack()
    stacked = stacked[np.isfinite(stacked.to_numpy(float))]
    rows = "rows, with its receptor family" if groups else "rows"
    caption = (
        f"Expression of each gene ({rows}) in each culture "
        "(columns) against the matched healthy tissue, as a log2 fold change: orange "
        "above 0 (more in the tumour; 1 = doubled), purple below (less; -1 = halved), "
        "white unchanged."
    )
    if len(stacked):
        (hi_c, hi_g), (lo_c, lo_g) = stacked.idxmax(), stacked.idxmin()
        caption += (
            f" The strongest overexpression is {hi_g} in {hi_c} "
            f"({2 ** stacked.max():.1f}-fold), the strongest loss {lo_g} in {lo_c} "
            f"({2 ** stacked.min():.2f}-fold)."
        )
    alt = (
        f"Heat map of {values.shape[1]} genes by {values.shape[0]} cultures, cells coloured "
        "from purple (lower in the tumour) through white to orange (higher in the tumour)."
    )
    return FigureText(caption, alt)
