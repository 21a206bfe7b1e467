"""Showing chapter results in a notebook: numbered, captioned, escaped tables and notice boxes.

Cohort values are user-supplied, and pandas' Styler does not escape HTML by default: every
table a chapter shows goes through :func:`show_table`, every notice through
:func:`show_notices`, so nothing a user supplies can run as markup in the published pages.

Tables read as a journal prints them: a numbered caption above ("Table 3.1. What the table
shows"; :func:`table_caption` numbers it in the book's chapter order and glues the label for
the prose, ``{glue:text}`table_<key>```), human column headers (machine column names such as
``culture_id`` or ``rate_responders`` are relabelled on the page through
:data:`COLUMN_HEADERS`; the results files keep them), booleans as yes/no, infinities as ∞,
and a box of its own that scrolls sideways when the table is wider than the page.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import HTML, display
from pandas.io.formats.style import Styler

from netcomp.chapters.base import ChapterResult
from netcomp.text.safe_text import html_escape

#: Rows a page shows of one table; a longer table shows its first rows and says how many
#: there are (a 2,000-culture cohort made chapter pages of 10 MB with 14,000-row tables).
MAX_TABLE_ROWS = 200

#: Headers a reader sees for the machine column names the package's tables use (the results
#: CSV files keep the machine names; only the page shows these). A call's own ``headers``
#: take precedence, for a column whose meaning depends on the table.
COLUMN_HEADERS: dict[str, str] = {
    # cultures and wells
    "culture_id": "Culture",
    "site": "Site of origin",
    "grade": "Grade",
    "ki67_pct": "Ki67 (%)",
    "syndromic": "Syndromic",
    "sex": "Sex",
    "age_years": "Age (years)",
    "drug": "Drug",
    "concentration_um": "Concentration (µM)",
    "n_replicates": "Wells",
    "mean_viability_pct": "Mean viability (%)",
    "sd_viability_pct": "SD (%)",
    "min_viability_pct": "Lowest well (%)",
    "max_viability_pct": "Highest well (%)",
    "cv_pct": "CV (%)",
    "inhibition_pct": "Survival inhibition (%)",
    "inhibition_sd": "SD of wells (%)",
    "standard_error": "Standard error (%)",
    "gene": "Gene",
    "feature": "Feature",
    "detail": "Responders vs non-responders",
    "p_value": "p",
    "q_value": "q (BH)",
    # published trials
    "cohort": "Cohort",
    "endpoint": "Endpoint",
    "events": "Events",
    "published_rate_pct": "Published rate (%)",
    "published_ci_low_pct": "Published 95% CI, low (%)",
    "published_ci_high_pct": "Published 95% CI, high (%)",
    # 2x2 tables, power and sample size
    "probability_no_effect": "Probability under no effect",
    "min_expected": "Smallest expected count",
    "observed": "Observed table",
    "scenario": "Scenario",
    "alternative": "Sidedness",
    "alpha": "α",
    "rate_responders": "Assumed rate, responders",
    "rate_nonresponders": "Assumed rate, non-responders",
    "n_first": "Cultures needed (first size reaching the power)",
    "n_responders": "Responders",
    "n_nonresponders": "Non-responders",
    "power": "Power",
    "n_stable": "Cultures from which the power stays reached",
    "probability": "Probability",
    "cumulative": "Cumulative probability",
    "quantity": "Quantity",
    "exact": "Exact",
    "simulated": "Simulated",
    "mc_se": "Monte Carlo SE",
    "measure": "Measure",
    "estimate": "Estimate",
    "low": "CI low",
    "high": "CI high",
    "confidence": "Confidence",
    "method": "Method",
    # priors and posteriors
    "prior": "Prior",
    "class": "Class",
    "prior_beta": "Prior distribution",
    "prior_mean": "Prior mean",
    "posterior_beta": "Posterior distribution",
    "posterior_mean": "Posterior mean",
    "mean_difference": "Mean difference (responders − non-responders)",
    "p_positive": "P(difference > 0)",
    "prior_strength": "Prior strength",
}

_LABEL = re.compile(r"^(Table|Figure) (\d+)\.(\d+)$")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Caption:
    """A table's caption: its label ("Table 3.1", or None for an unnumbered table) and text.

    ``glue_name`` is the name under which the label was glued for the prose (None when it
    was not glued).
    """

    label: str | None
    text: str
    glue_name: str | None = None

    @property
    def anchor(self) -> str:
        """The HTML id of the table's box: ``table-3-1`` for "Table 3.1"."""
        match = _LABEL.match(self.label or "")
        if match:
            return f"{match.group(1).lower()}-{match.group(2)}-{match.group(3)}"
        return f"netcomp-table-{next(_ids)}"

    def html(self) -> str:
        """The caption as escaped HTML: the label in its own span, then the text."""
        text = html_escape(self.text.strip())
        if not self.label:
            return text
        return f'<span class="netcomp-table-label">{html_escape(self.label)}.</span> {text}'


def _in_kernel() -> bool:
    try:
        from IPython.core.interactiveshell import InteractiveShell
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    return InteractiveShell.initialized()


def table_caption(notebook: str, key: str, text: str, glue: bool = True) -> Caption:
    """The numbered caption of table ``key`` of chapter ``notebook``: "Table c.k" and ``text``.

    Tables are numbered in the order a run asks for their captions (:mod:`netcomp.book.numbering`),
    so call this where the table is shown: a section that does not apply leaves no gap. In a
    notebook being built the label is glued as ``table_<key>``, so the prose cites the
    table by number with ``{glue:text}`table_<key>```.
    """
    from netcomp.book.numbering import numbering_for

    label = numbering_for(notebook).label("Table", key)
    name = f"table_{key}"
    if glue and _in_kernel():
        from myst_nb import glue as myst_glue

        myst_glue(name, label, display=False)
        return Caption(label, text, name)
    return Caption(label, text, None)


class _CaptionedStyler(Styler):
    """A Styler whose HTML is the table in a box of its own, under its caption.

    The caption sits outside the ``<table>`` so that it stays put, and wraps at the page's
    width, while a wide table scrolls sideways inside its box (labelled by the caption).
    """

    netcomp_caption: Caption | None = None
    netcomp_note: str | None = None

    def to_html(self, buf: Any = None, **kwargs: Any) -> str | None:  # type: ignore[override]
        caption = self.netcomp_caption
        anchor = caption.anchor if caption is not None else None
        if anchor and "table_attributes" not in kwargs:
            kwargs["table_attributes"] = f'aria-labelledby="{anchor}-caption"'
        inner = super().to_html(**kwargs)
        box_id = f' id="{anchor}"' if anchor else ""
        parts = [f'<div class="netcomp-table"{box_id}>']
        if caption is not None:
            parts.append(
                f'<p class="netcomp-table-caption" id="{anchor}-caption">{caption.html()}</p>'
            )
        region = f' role="region" tabindex="0" aria-labelledby="{anchor}-caption"' if anchor else ""
        parts.append(f'<div class="netcomp-table-scroll"{region}>{inner}</div>')
        if self.netcomp_note:
            parts.append(f'<p class="netcomp-table-note">{html_escape(self.netcomp_note)}</p>')
        parts.append("</div>")
        html = "\n".join(parts)
        if buf is None:
            return html
        if hasattr(buf, "write"):
            buf.write(html)
        else:
            with open(buf, "w", encoding="utf-8") as handle:
                handle.write(html)
        return None


def reader_label(name: Any) -> Any:
    """A data column's name where a table shows it as a value (a clinical variable among the
    tests): "Ki67 (%)" for ``ki67_pct``, from :data:`COLUMN_HEADERS`; anything else as is."""
    return COLUMN_HEADERS.get(name, name) if isinstance(name, str) else name


_FIRST_WORD = re.compile(r"[a-z]+(?=[^A-Za-z0-9_]|$)")


def sentence_case(header: str) -> str:
    """``header`` with a capital first letter, as a journal sets column headers.

    Only a header starting with a lower-case word of two letters or more changes ("cohort",
    "rate (%)"): a statistic's symbol ("p, two-sided", "r", "log OR") and a word holding a
    digit or a capital (a gene such as "p53" or "mTOR") keep their case.
    """
    match = _FIRST_WORD.match(header)
    if not match or len(match.group(0)) < 2 or match.group(0) == "log":
        return header
    return header[0].upper() + header[1:]


def reader_headers(columns: Any, headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """The page's header of each column: ``headers``, else :data:`COLUMN_HEADERS`, else the
    column's own name; in :func:`sentence_case`."""
    own = dict(headers or {})
    return {
        c: sentence_case(own.get(c, COLUMN_HEADERS.get(c, c))) if isinstance(c, str) else c
        for c in columns
    }


_FIXED = re.compile(r"^\{:\.(\d+)f\}$")
#: Fewest decimals of a fixed format read as a probability's: a positive value that would
#: print as zero there shows as "< 0.0001" (a p-value is never 0.0000).
SMALL_DECIMALS = 3


def _decimals(spec: str | None, precision: int) -> int | None:
    """The decimals of a fixed-point ``spec`` ("{:.4f}": 4; None: ``precision``), else None."""
    if spec is None:
        return precision
    match = _FIXED.match(spec)
    return int(match.group(1)) if match else None


def _reader_value(spec: str | None, precision: int) -> Callable[[Any], str]:
    """A cell formatter that writes booleans as yes/no and infinities as ∞, else ``spec``.

    Tables hold Python values (``True``, ``inf``) that mean nothing on a page; ``spec`` is
    the column's format string (None: pandas' default, ``precision`` decimals for floats).
    With three decimals or more (p-values, probabilities), a positive value too small to
    show reads "< 0.001", not "0.000".
    """
    decimals = _decimals(spec, precision)

    def fmt(value: Any) -> str:
        if isinstance(value, bool | np.bool_):
            return "yes" if value else "no"
        if isinstance(value, float | np.floating) and math.isinf(value):
            return "∞" if value > 0 else "−∞"
        if (
            decimals is not None
            and decimals >= SMALL_DECIMALS
            and isinstance(value, float | np.floating)
            and 0 < value < 0.5 * 10.0**-decimals
        ):
            return f"< {10.0**-decimals:.{decimals}f}"
        if spec is not None:
            return spec.format(value)
        if isinstance(value, float | np.floating):
            return f"{value:.{precision}f}"
        return str(value)

    return fmt


_BACKTICKS = re.compile(r"`([^`]+)`")


def _as_code(value: Any) -> str:
    """An (already escaped) literal value in code font: its `spans` if it has any, else the
    whole cell when it is one token (a column or parameter name); prose stays as it is."""
    text = str(value)
    if _BACKTICKS.search(text):
        return _BACKTICKS.sub(r'<code class="literal">\1</code>', text)
    if text and not any(ch.isspace() for ch in text):
        return f'<code class="literal">{text}</code>'
    return text


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
        elif (
            col.dtype == object
            and col.map(
                lambda x: isinstance(x, bool | np.bool_) or (isinstance(x, float) and math.isinf(x))
            ).any()
        ):
            found.append(name)
    return found


def _unique_headers(columns: Any, headers: Mapping[str, str] | None) -> dict[str, str]:
    """Reader headers of ``columns``; two columns under one header keep their own names."""
    names = reader_headers(columns, headers)
    shown = list(names.values())
    if len(set(shown)) < len(shown):
        twice = {h for h in shown if shown.count(h) > 1}
        names = {c: (c if h in twice else h) for c, h in names.items()}
    return names


def _reader_formatted(
    table: pd.DataFrame, formats: Mapping[str, str] | str | None, digits: int
) -> list[str]:
    """Columns shown in reader form: booleans (yes/no), infinities (∞), tiny p-values.

    A float column whose positive values are too small for its decimals reads "< 0.001";
    every other value keeps the column's own format.
    """
    reader = _reader_columns(table)
    specs = formats if isinstance(formats, Mapping) else {}
    for name in table.columns:
        spec = formats if isinstance(formats, str) else specs.get(name)
        places = _decimals(spec, digits)
        if (
            name not in reader
            and places is not None
            and places >= SMALL_DECIMALS
            and pd.api.types.is_float_dtype(table[name])
            and ((table[name] > 0) & (table[name] < 0.5 * 10.0**-places)).any()
        ):
            reader.append(name)
    return reader


def _with_formats(
    style: Styler, table: pd.DataFrame, formats: Mapping[str, str] | str, na_rep: str
) -> Styler:
    """``style`` with one format for every cell, or each named column's own format."""
    if isinstance(formats, str):
        return style.format(formats, escape="html", na_rep=na_rep)
    wanted: dict[Any, str | Callable[[object], str] | None] = {
        k: v for k, v in formats.items() if k in table.columns
    }
    return style.format(wanted, escape="html", na_rep=na_rep)


def show_table(
    df: pd.DataFrame,
    formats: Mapping[str, str] | str | None = None,
    na_rep: str = "—",
    precision: int | None = None,
    *,
    caption: Caption | str | None = None,
    headers: Mapping[str, str] | None = None,
    code: Iterable[str] = (),
) -> Styler:
    """An index-free Styler with every cell, header and the caption HTML-escaped.

    ``formats`` is a format string for all cells or ``{column: format}`` (a column named by
    its data name or by its header); missing values show as ``na_rep``. ``caption`` is a
    :class:`Caption` (from :func:`table_caption`: "Table 3.1. ...") or plain text (an
    unnumbered table). Columns show under :func:`reader_headers` (``headers``, else
    :data:`COLUMN_HEADERS`, in :func:`sentence_case`). ``code`` names columns of literal
    values a reader types (file columns, parameter names): a one-token cell is shown in code
    font, and in a cell holding `backtick` spans those spans are. At most
    :data:`MAX_TABLE_ROWS` rows are shown, with a note giving the total.
    """
    table = df.reset_index(drop=True)
    names = _unique_headers(table.columns, headers)
    table = table.rename(columns=names)
    if isinstance(formats, Mapping):
        formats = {names.get(k, k): v for k, v in formats.items()}
    total = len(table)
    if total > MAX_TABLE_ROWS:
        table = table.head(MAX_TABLE_ROWS)
    captioned = _CaptionedStyler(table)  # every Styler method below returns this object
    style = (
        captioned.hide(axis="index")
        .format(escape="html", na_rep=na_rep, precision=precision)
        .format_index(escape="html", axis=1)
    )
    if formats:
        style = _with_formats(style, table, formats, na_rep)
    specs = formats if isinstance(formats, Mapping) else {}
    digits = pd.get_option("styler.format.precision") if precision is None else precision
    for name in _reader_formatted(table, formats, digits):
        spec = formats if isinstance(formats, str) else specs.get(name)
        style = style.format(
            _reader_value(spec, digits), subset=[name], escape="html", na_rep=na_rep
        )
    literal: list[Hashable] = [names.get(c, c) for c in code]
    literal = [c for c in literal if c in table.columns]
    if literal:
        style = style.format(_as_code, subset=literal, escape="html", na_rep=na_rep)
    if isinstance(caption, str):
        caption = Caption(None, caption)
    captioned.netcomp_caption = caption
    if total > MAX_TABLE_ROWS:
        captioned.netcomp_note = (
            f"Showing the first {MAX_TABLE_ROWS:,} of {total:,} rows; "
            "the computations use every row."
        )
    return style


def notices_html(result: ChapterResult, section: str) -> str:
    """HTML of a note box for the notices of ``section`` (empty when it applies)."""
    notes = result.notices_for(section)
    if not notes:
        return ""
    items = "".join(
        f"<p>This section does not apply to this cohort because {html_escape(n.reason)}. "
        f"To enable it, {html_escape(n.remedy)}.</p>"
        for n in notes
    )
    return (
        '<div class="admonition note netcomp-notice"><p class="admonition-title">'
        f"Not applicable to this cohort</p>{items}</div>"
    )


def show_notices(result: ChapterResult, section: str) -> bool:
    """Show the notices of ``section`` in a note box; return True when the section applies."""
    box = notices_html(result, section)
    if box:
        display(HTML(box))
    return not box


def show_findings(result: ChapterResult) -> None:
    """Show the chapter's key findings (:func:`netcomp.book.findings.key_findings`) in a tip box.

    Every sentence is HTML-escaped (:func:`netcomp.book.findings.findings_html`): they may hold
    a drug, gene or culture name the user supplied. Returns nothing, so a notebook cell
    ending with this call prints no stray value.
    """
    from netcomp.book.findings import findings_html, key_findings

    box = findings_html(key_findings(result))
    if box:
        display(HTML(box))
