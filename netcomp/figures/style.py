"""Shared look of every figure: colour-blind-safe colours and provenance-aware saving.

Colours are the Okabe-Ito palette, distinguishable with the common forms of colour
blindness. Text is never parsed as mathtext, so data-driven labels show exactly as given.
:func:`save_figure` writes each figure as PNG and SVG next to the CSV of the data it plots,
so every figure in the book can be traced and re-drawn; a figure of the bundled
reconstruction carries a visible "Reconstructed data (synthetic)" label and says so in its
metadata, CSV, JSON and caption.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

from netcomp import provenance

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

#: The reconstructed-data label: grey with a contrast of 5.7:1 on white, and its SVG id.
LABEL_COLOUR = "#666666"
LABEL_GID = "netcomp-data-status"

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


def stamp_figure(fig: plt.Figure) -> None:
    """Draw :data:`~netcomp.provenance.FIGURE_LABEL` under everything else in ``fig``.

    Small grey text, right-aligned just below the lowest artist (axes, tick labels, legends
    placed under the panels), so it overlaps nothing; figures are saved with a tight
    bounding box, which grows to include it. Drawing it twice does nothing.
    """
    if any(t.get_gid() == LABEL_GID for t in fig.texts):
        return
    renderer = fig.canvas.get_renderer()
    box = fig.get_tightbbox(renderer)  # inches
    width, height = fig.get_size_inches()
    gap = 0.06  # inches between the lowest artist and the label
    fig.text(box.x1 / width, (box.y0 - gap) / height, provenance.FIGURE_LABEL,
             ha="right", va="top", fontsize=7, color=LABEL_COLOUR, gid=LABEL_GID)


def save_figure(
    fig: plt.Figure,
    name: str,
    figures_dir: str | Path | None,
    data: pd.DataFrame,
    made_by: str,
    notebook: str = "",
    data_status: str | None = None,
) -> None:
    """Save ``fig`` as PNG and SVG with its plotted ``data`` as CSV and a provenance JSON.

    ``made_by`` names the netcomp function that drew the figure. ``data_status`` defaults to
    the mark of ``data`` (published numbers: :func:`netcomp.provenance.mark_published`), then
    to the status of the cohort loaded last (:func:`netcomp.provenance.current_status`): a
    figure of the reconstruction is stamped in the image (:func:`stamp_figure`), in the
    PNG and SVG metadata (Title, Description), in its CSV (a ``data_status`` column) and
    its JSON. The label is drawn even when nothing is saved, so the figure shown on the page
    carries it too. Nothing is written when ``figures_dir`` is None (interactive use,
    tests). Returns None, so that a notebook cell ending with this call shows only the
    figure.
    """
    status = provenance.status_for(data, data_status)
    reconstructed = status == provenance.RECONSTRUCTED
    if reconstructed:
        stamp_figure(fig)
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
    png_meta: dict[str, str | None] = {"Software": None}
    svg_meta: dict[str, str | None] = {"Date": None, "Creator": "netcomp"}
    if reconstructed:
        png_meta |= {"Title": f"{name}: {provenance.FIGURE_LABEL}",
                     "Description": provenance.DESCRIPTION}
        svg_meta |= {"Title": f"{name}: {provenance.FIGURE_LABEL}",
                     "Description": provenance.DESCRIPTION}
    fig.savefig(paths["png"], bbox_inches="tight", metadata=png_meta)
    fig.savefig(paths["svg"], bbox_inches="tight", metadata=svg_meta)
    table = data.copy()
    if reconstructed:
        table[provenance.STATUS_COLUMN] = provenance.RECONSTRUCTED
    table.to_csv(paths["csv"], index=False, float_format="%.6g", lineterminator="\n")
    record = {"figure": name, "made_by": made_by, "notebook": notebook}
    if status is not None:
        record["data_status"] = status
    if reconstructed:
        record["data_description"] = provenance.DESCRIPTION
    paths["json"].write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return None


def provenance_caption(name: str, figures_dir: str | Path, made_by: str, notebook: str,
                       data_status: str | None = None) -> str:
    """MyST text naming the function and notebook that drew a figure, with download links.

    A figure of the reconstruction (``data_status``, default: the cohort loaded last) says
    so first.

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
    status = provenance.current_status() if data_status is None else data_status
    origin = (", from reconstructed data (synthetic, not the study's measurements)"
              if provenance.is_reconstructed(status) else "")
    return f"*Figure `{name}`: drawn by {by}{where}{origin}. Download: {links}.*"


def show_figure(
    fig: plt.Figure,
    name: str,
    figures_dir: str | Path | None,
    data: pd.DataFrame,
    made_by: str,
    notebook: str = "",
    data_status: str | None = None,
) -> None:
    """Save a figure (:func:`save_figure`), show it once, then its provenance caption.

    The figure is closed after display so the inline backend does not show it twice.
    """
    from IPython.display import Markdown, display

    status = provenance.status_for(data, data_status)
    save_figure(fig, name, figures_dir, data, made_by, notebook, status)
    display(fig)
    if figures_dir is not None:
        display(Markdown(provenance_caption(name, figures_dir, made_by, notebook, status)))
    plt.close(fig)
