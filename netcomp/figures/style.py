"""Shared look of every figure: colour-blind-safe colours and provenance-aware saving.

Colours are the Okabe-Ito palette, distinguishable with the common forms of colour
blindness. Text is never parsed as mathtext, so data-driven labels show exactly as given.
:func:`save_figure` writes each figure as PNG and SVG next to the CSV of the data it plots,
so every figure in the book can be traced and re-drawn.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

#: Okabe-Ito colours (Okabe & Ito 2008), safe for colour-blind readers.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}

#: Colour of each response class, used by every chapter.
CLASS_COLOURS: dict[str, str] = {
    "responder": OKABE_ITO["blue"],
    "non-responder": OKABE_ITO["orange"],
}

#: Ordered colours for categorical series (drugs, cohorts, sites).
SERIES_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["green"],
    OKABE_ITO["purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["yellow"],
    OKABE_ITO["grey"],
)

#: Diverging colour map for log fold changes and signed values (colour-blind safe).
DIVERGING_CMAP = "PuOr_r"
#: Sequential colour map for p-values and densities (perceptually uniform).
SEQUENTIAL_CMAP = "viridis"

RC_PARAMS: dict[str, object] = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "netcomp",  # deterministic SVG ids
    "svg.fonttype": "none",
    "axes.prop_cycle": matplotlib.cycler(color=list(SERIES_COLOURS)),
    # Labels come from the user's data (cultures, drugs, genes): a '$' must show as a dollar
    # sign, never start mathtext (which could fail to parse and stop the build).
    "text.parse_math": False,
}


def apply_style() -> None:
    """Set the book's matplotlib defaults (idempotent)."""
    plt.rcParams.update(RC_PARAMS)


def new_figure(width: float = 6.4, height: float = 4.0, **kwargs) -> tuple[plt.Figure, object]:
    """Create a figure with the book's style; returns ``(fig, ax)`` like ``plt.subplots``."""
    apply_style()
    return plt.subplots(figsize=(width, height), **kwargs)


def save_figure(
    fig: plt.Figure,
    name: str,
    figures_dir: str | Path | None,
    data: pd.DataFrame,
    made_by: str,
    notebook: str = "",
) -> None:
    """Save ``fig`` as PNG and SVG with its plotted ``data`` as CSV and a provenance JSON.

    ``made_by`` names the netcomp function that drew the figure. Nothing is written when
    ``figures_dir`` is None (interactive use, tests). Returns None, so that a notebook cell
    ending with this call shows only the figure.
    """
    if figures_dir is None:
        return None
    out = Path(figures_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "png": out / f"{name}.png",
        "svg": out / f"{name}.svg",
        "csv": out / f"{name}.csv",
        "json": out / f"{name}.json",
    }
    # Metadata without dates or versions keeps the files identical across builds.
    fig.savefig(paths["png"], bbox_inches="tight", metadata={"Software": None})
    fig.savefig(paths["svg"], bbox_inches="tight", metadata={"Date": None, "Creator": "netcomp"})
    data.to_csv(paths["csv"], index=False, float_format="%.6g", lineterminator="\n")
    paths["json"].write_text(
        json.dumps({"figure": name, "made_by": made_by, "notebook": notebook}, indent=2) + "\n",
        encoding="utf-8",
    )
    return None


def provenance_caption(name: str, figures_dir: str | Path, made_by: str, notebook: str) -> str:
    """MyST text naming the function and notebook that drew a figure, with download links.

    Links are relative to the current directory, which is the notebook's folder when the
    build runs it, so Sphinx can copy the files next to the page. The function and its module
    are named apart: one unbreakable ``netcomp.figures.module.function`` is wider than a
    phone screen.
    """
    rel = Path(os.path.relpath(Path(figures_dir).resolve(), Path.cwd())).as_posix()
    links = ", ".join(
        f"{{download}}`{label} <{rel}/{name}.{ext}>`"
        for label, ext in (("PNG", "png"), ("SVG", "svg"), ("plotted data (CSV)", "csv"))
    )
    where = f" in `{notebook}`" if notebook else ""
    module, _, function = made_by.rpartition(".")
    by = f"`{function}` from `{module}`" if module else f"`{function}`"
    return f"*Figure `{name}`: drawn by {by}{where}. Download: {links}.*"


def show_figure(
    fig: plt.Figure,
    name: str,
    figures_dir: str | Path | None,
    data: pd.DataFrame,
    made_by: str,
    notebook: str = "",
) -> None:
    """Save a figure (:func:`save_figure`), show it once, then its provenance caption.

    The figure is closed after display so the inline backend does not show it twice.
    """
    from IPython.display import Markdown, display

    save_figure(fig, name, figures_dir, data, made_by, notebook)
    display(fig)
    if figures_dir is not None:
        display(Markdown(provenance_caption(name, figures_dir, made_by, notebook)))
    plt.close(fig)
