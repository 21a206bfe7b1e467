"""Showing chapter results in a notebook: escaped tables and notice boxes.

Cohort values are user-supplied, and pandas' Styler does not escape HTML by default: every
table a chapter shows goes through :func:`show_table`, every notice through
:func:`show_notices`, so nothing a user supplies can run as markup in the published pages.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import HTML, display
from pandas.io.formats.style import Styler

from netcomp.chapters.base import ChapterResult
from netcomp.safe_text import html_escape

#: Rows a page shows of one table; a longer table shows its first rows and says how many
#: there are (a 2,000-culture cohort made chapter pages of 10 MB with 14,000-row tables).
MAX_TABLE_ROWS = 200


def _reader_value(spec: str | None, precision: int) -> Callable[[Any], str]:
    """A cell formatter that writes booleans as yes/no and infinities as ∞, else ``spec``.

    Tables hold Python values (``True``, ``inf``) that mean nothing on a page; ``spec`` is
    the column's format string (None: pandas' default, ``precision`` decimals for floats).
    """

    def fmt(value: Any) -> str:
        if isinstance(value, bool | np.bool_):
            return "yes" if value else "no"
        if isinstance(value, float | np.floating) and math.isinf(value):
            return "∞" if value > 0 else "−∞"
        if spec is not None:
            return spec.format(value)
        if isinstance(value, float | np.floating):
            return f"{value:.{precision}f}"
        return str(value)

    return fmt


def _reader_columns(table: pd.DataFrame) -> list[str]:
    """Columns holding a boolean or an infinite value (what :func:`_reader_value` rewrites)."""
    found = []
    for name in table.columns:
        col = table[name]
        if pd.api.types.is_bool_dtype(col):
            found.append(name)
        elif pd.api.types.is_float_dtype(col):
            if np.isinf(col.to_numpy(dtype=float)).any():
                found.append(name)
        elif col.dtype == object and col.map(
                lambda x: isinstance(x, bool | np.bool_)
                or (isinstance(x, float) and math.isinf(x))).any():
            found.append(name)
    return found


def show_table(df: pd.DataFrame, formats: Mapping[str, str] | str | None = None,
               na_rep: str = "—", precision: int | None = None) -> Styler:
    """An index-free Styler with every cell and header HTML-escaped.

    ``formats`` is a format string for all cells or ``{column: format}``; missing values
    show as ``na_rep``. At most :data:`MAX_TABLE_ROWS` rows are shown, with a caption
    giving the total.
    """
    table = df.reset_index(drop=True)
    total = len(table)
    if total > MAX_TABLE_ROWS:
        table = table.head(MAX_TABLE_ROWS)
    style = table.style.hide(axis="index").format(
        escape="html", na_rep=na_rep, precision=precision
    ).format_index(escape="html", axis=1)
    if formats:
        if isinstance(formats, str):
            style = style.format(formats, escape="html", na_rep=na_rep)
        else:
            wanted = {k: v for k, v in formats.items() if k in table.columns}
            style = style.format(wanted, escape="html", na_rep=na_rep)
    # booleans read yes/no and infinities ∞, in the column's own format otherwise
    specs = formats if isinstance(formats, Mapping) else {}
    for name in _reader_columns(table):
        spec = formats if isinstance(formats, str) else specs.get(name)
        digits = pd.get_option("styler.format.precision") if precision is None else precision
        style = style.format(_reader_value(spec, digits),
                             subset=[name], escape="html", na_rep=na_rep)
    if total > MAX_TABLE_ROWS:
        style = style.set_caption(f"Showing the first {MAX_TABLE_ROWS:,} of {total:,} rows; "
                                  "the computations use every row.")
    return style


def notices_html(result: ChapterResult, section: str) -> str:
    """HTML of a note box for the notices of ``section`` (empty when it applies)."""
    notes = result.notices_for(section)
    if not notes:
        return ""
    items = "".join(
        f"<p>This section does not apply to this cohort because {html_escape(n.reason)}. "
        f"To enable it, {html_escape(n.remedy)}.</p>" for n in notes
    )
    return ('<div class="admonition note netcomp-notice"><p class="admonition-title">'
            f"Not applicable to this cohort</p>{items}</div>")


def show_notices(result: ChapterResult, section: str) -> bool:
    """Show the notices of ``section`` in a note box; return True when the section applies."""
    box = notices_html(result, section)
    if box:
        display(HTML(box))
    return not box
