"""Shared look of every figure: colour-blind-safe colours and provenance-aware saving.

Colours are the Okabe-Ito palette, distinguishable with the common forms of colour
blindness. Text is never parsed as mathtext, so data-driven labels show exactly as given.
:func:`save_figure` writes each figure as PNG and SVG next to the CSV of the data it plots,
so every figure in the book can be traced and re-drawn; a figure of the bundled
reconstruction carries a visible "Reconstructed data (synthetic)" label and says so in its
metadata, CSV, JSON and caption. :func:`show_figure` shows it as a journal prints it: a
number ("Figure 3.2", :mod:`netcomp.book.numbering`), a caption saying what it shows and what to
read from it, alt text describing it (:class:`FigureText`), and its provenance in small type.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import pandas as pd
from cycler import cycler

from netcomp.data import provenance
from netcomp.text.safe_text import md_escape

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

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

RC_PARAMS: dict[RcKeyType, Any] = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "netcomp",  # deterministic SVG ids
    "svg.fonttype": "none",
    "axes.prop_cycle": cycler(color=list(SERIES_COLOURS)),
    # Labels come from the user's data (cultures, drugs, genes): a '$' must show as a dollar
    # sign, never start mathtext (which could fail to parse and stop the build).
    "text.parse_math": False,
}


def apply_style() -> None:
    """Set the book's matplotlib defaults (idempotent)."""
    plt.rcParams.update(RC_PARAMS)


def new_figure(width: float = 6.4, height: float = 4.0, **kwargs: Any) -> tuple[plt.Figure, Any]:
    """Create a figure with the book's style; returns ``(fig, ax)`` like ``plt.subplots``.

    ``ax`` is typed as ``plt.subplots`` types it (``Any``): one Axes, or an array of them
    when ``nrows``/``ncols`` ask for several.
    """
    apply_style()
    return plt.subplots(figsize=(width, height), **kwargs)


def stamp_figure(fig: plt.Figure) -> None:
    """Draw :data:`~netcomp.data.provenance.FIGURE_LABEL` under everything else in ``fig``.

    Small grey text, right-aligned just below the lowest artist (axes, tick labels, legends
    placed under the panels), so it overlaps nothing; figures are saved with a tight
    bounding box, which grows to include it. Drawing it twice does nothing.
    """
    if any(t.get_gid() == LABEL_GID for t in fig.texts):
        return
    box = fig.get_tightbbox()  # inches, with the figure's own renderer
    width, height = fig.get_size_inches()
    gap = 0.06  # inches between the lowest artist and the label
    fig.text(
        box.x1 / width,
        (box.y0 - gap) / height,
        provenance.FIGURE_LABEL,
        ha="right",
        va="top",
        fontsize=7,
        color=LABEL_COLOUR,
        gid=LABEL_GID,
    )


#: What drew a figure: the function itself (figure provenance is read from it, never typed by
#: hand). A plain string is accepted for figures drawn outside netcomp (tests, one-off plots).
MadeBy = Callable[..., Any] | str


def drawn_by(made_by: MadeBy) -> str:
    """The dotted name of the function that drew a figure.

    For example ``netcomp.figures.cohort.site_grade_bars``.
    """
    if isinstance(made_by, str):
        return made_by
    return f"{made_by.__module__}.{made_by.__qualname__}"


def save_figure(
    fig: plt.Figure,
    name: str,
    figures_dir: str | Path | None,
    data: pd.DataFrame,
    made_by: MadeBy,
    notebook: str = "",
    data_status: str | None = None,
) -> None:
    """Save ``fig`` as PNG and SVG with its plotted ``data`` as CSV and a provenance JSON.

    ``made_by`` is the netcomp function that drew the figure (its dotted name is read from
    it). ``data_status`` defaults to the mark of ``data`` (published numbers:
    :func:`netcomp.data.provenance.mark_published`), then to the status of the cohort loaded
    last (:func:`netcomp.data.provenance.current_status`): a figure of the reconstruction is
    stamped in the image (:func:`stamp_figure`), in the PNG and SVG metadata (Title,
    Description), in its CSV (a ``data_status`` column) and its JSON. The label is drawn
    even when nothing is saved, so the figure shown on the page carries it too. Nothing is
    written when ``figures_dir`` is None (interactive use, tests). Returns None, so that a
    notebook cell ending with this call shows only the figure.
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
        png_meta |= {
            "Title": f"{name}: {provenance.FIGURE_LABEL}",
            "Description": provenance.DESCRIPTION,
        }
        svg_meta |= {
            "Title": f"{name}: {provenance.FIGURE_LABEL}",
            "Description": provenance.DESCRIPTION,
        }
    fig.savefig(paths["png"], bbox_inches="tight", metadata=png_meta)
    fig.savefig(paths["svg"], bbox_inches="tight", metadata=svg_meta)
    table = data.copy()
    if reconstructed:
        table[provenance.STATUS_COLUMN] = provenance.RECONSTRUCTED
    table.to_csv(paths["csv"], index=False, float_format="%.6g", lineterminator="\n")
    record = {"figure": name, "made_by": drawn_by(made_by), "notebook": notebook}
    if status is not None:
        record["data_status"] = status
    if reconstructed:
        record["data_description"] = provenance.DESCRIPTION
    paths["json"].write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return None


#: The label a figure's prose reference shows when a run does not draw the figure (a section
#: that does not apply to the cohort). The prose cites such figures in parentheses.
NOT_DRAWN = "no figure: this section does not apply to this cohort"
#: The sentence a caption ends with when the figure is drawn from the reconstruction.
RECONSTRUCTED_SENTENCE = (
    "Computed from reconstructed data (synthetic, not the study's measurements)."
)


@dataclass(frozen=True)
class FigureText:
    """The words of one figure, as plain text (escaped where they reach a page).

    ``caption``: what the figure shows and what to read from it (it follows the bold
    "Figure c.k." label). ``alt``: what it looks like, for a reader who cannot see it (the
    image's alt text).
    """

    caption: str
    alt: str


def glue_name(name: str) -> str:
    """The glue key under which the label of figure ``name`` is pasted into the prose."""
    return f"fig_{name}"


def figure_label(notebook: str, name: str) -> str | None:
    """ "Figure c.k" for figure ``name`` of chapter ``notebook``; None outside the book's chapters.

    Figures are numbered in the order a run draws them (:mod:`netcomp.book.numbering`), so a
    section that does not apply leaves no gap.
    """
    from netcomp.book.numbering import numbering_for

    if not notebook:
        return None
    try:
        return numbering_for(notebook).label("Figure", name)
    except ValueError:  # not a numbered chapter (a test, a user's own notebook)
        return None


def join_labels(labels: list[str]) -> str:
    """ "Figure 2.5", "Figures 2.5 and 2.6", "Figures 2.5 to 2.8" (labels in order)."""
    if not labels:
        return NOT_DRAWN
    if len(labels) == 1:
        return labels[0]
    numbers = [label.split(" ", 1)[1] for label in labels]
    joiner = " and " if len(labels) == 2 else " to "
    return f"Figures {numbers[0]}{joiner}{numbers[-1]}"


def _glue(name: str, value: str) -> None:
    """Glue ``value`` under ``name`` when running inside a kernel (a notebook being built)."""
    try:
        from IPython.core.interactiveshell import InteractiveShell
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    if InteractiveShell.initialized():
        from myst_nb import glue

        glue(name, value, display=False)


def glue_figure_labels(
    notebook: str, optional: tuple[str, ...] = (), groups: dict[str, str] | None = None
) -> dict[str, str]:
    """Glue the labels :func:`show_figure` could not: figures not drawn, groups of figures.

    Run once, at the end of a chapter notebook. Each figure in ``optional`` that this run
    did not draw gets :data:`NOT_DRAWN` under its glue key, so the prose citing it never
    dangles. ``groups`` maps a glue suffix to a prefix of figure names: ``fig_<suffix>`` is
    glued to the labels of every figure drawn whose name starts with the prefix ("Figures
    2.5 and 2.6"), or :data:`NOT_DRAWN`. Returns what it glued.
    """
    from netcomp.book.numbering import numbering_for

    drawn = numbering_for(notebook).labels("Figure")
    glued: dict[str, str] = {}
    for name in optional:
        if name not in drawn:
            glued[glue_name(name)] = NOT_DRAWN
    for suffix, prefix in (groups or {}).items():
        glued[glue_name(suffix)] = join_labels(
            [label for key, label in drawn.items() if key.startswith(prefix)]
        )
    for key, value in glued.items():
        _glue(key, value)
    return glued


def auto_alt(fig: plt.Figure) -> str:
    """Alt text from a figure's own titles, for a figure shown without :class:`FigureText`."""
    titles = [fig.get_suptitle()] if fig.get_suptitle() else []
    titles += [ax.get_title() for ax in fig.axes if ax.get_title()]
    return "Chart: " + "; ".join(" ".join(t.split()) for t in titles) if titles else "Chart"


def provenance_caption(name: str, figures_dir: str | Path, made_by: MadeBy, notebook: str) -> str:
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
    module, _, function = drawn_by(made_by).rpartition(".")
    by = f"`{function}` from `{module}`" if module else f"`{function}`"
    return f"Drawn by {by}{where}. Download: {links}."


def caption_markdown(label: str | None, text: FigureText, data_status: str | None) -> str:
    """The caption as MyST: the bold label, then the escaped caption text.

    A figure of the reconstruction (``data_status``) ends with
    :data:`RECONSTRUCTED_SENTENCE`.
    """
    words = md_escape(" ".join(text.caption.split()))
    if provenance.is_reconstructed(data_status):  # the book's own words: no escaping needed
        words = f"{words} {RECONSTRUCTED_SENTENCE}".strip()
    return f"**{label}.** {words}" if label else words


def _one_line(text: str) -> str:
    """``text`` on one line: control characters and runs of white space as one space."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).split())


def figure_markdown(
    name: str,
    figures_dir: str | Path,
    made_by: MadeBy,
    notebook: str,
    label: str | None,
    text: FigureText,
    data_status: str | None,
) -> str:
    """The saved PNG as a MyST figure: alt text, numbered caption, provenance in small type.

    The caption and the alt text are escaped here (user-supplied names appear in them): the
    caption for MyST, the alt text as a quoted option value, so that no character of either
    can end the directive or become markup.
    """
    rel = Path(os.path.relpath(Path(figures_dir).resolve(), Path.cwd())).as_posix()
    alt = json.dumps(_one_line(text.alt), ensure_ascii=True)
    return (
        f"`````{{figure}} {rel}/{name}.png\n"
        f":alt: {alt}\n"
        f":figclass: netcomp-figure\n\n"
        f"{caption_markdown(label, text, data_status)}\n\n"
        f"{provenance_caption(name, figures_dir, made_by, notebook)}\n"
        f"`````\n"
    )


def show_figure(
    fig: plt.Figure,
    name: str,
    figures_dir: str | Path | None,
    data: pd.DataFrame,
    made_by: MadeBy,
    notebook: str = "",
    data_status: str | None = None,
    text: FigureText | None = None,
) -> None:
    """Save a figure (:func:`save_figure`) and show it as the book prints it.

    The saved PNG is shown as a figure with alt text (``text.alt``) and a caption that starts
    with its number ("**Figure 3.2.**", in the order the chapter ``notebook`` draws its
    figures), says what it shows and what to read from it (``text.caption``), says when it
    comes from the reconstruction, and ends, in small type, with the function and notebook
    that drew it and download links. The label is glued as ``fig_<name>`` for the prose.
    Without ``figures_dir`` (interactive use) the figure itself is shown, then its caption.
    The figure is closed after display so the inline backend does not show it twice.
    Returns None, so that a cell ending with this call shows only the figure.
    """
    from IPython.display import Markdown, display

    status = provenance.status_for(data, data_status)
    save_figure(fig, name, figures_dir, data, made_by, notebook, status)
    words = text or FigureText(caption="", alt=auto_alt(fig))
    label = figure_label(notebook, name)
    if label is not None:
        _glue(glue_name(name), label)
    if figures_dir is None:
        display(fig)
        display(Markdown(caption_markdown(label, words, status)))
    else:
        display(
            Markdown(figure_markdown(name, figures_dir, made_by, notebook, label, words, status))
        )
    plt.close(fig)
    return None
