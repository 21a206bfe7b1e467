"""Tables as a journal prints them: numbered captions, human headers, no raw Python values.

Unit tests of :func:`netcomp.book.display.show_table` and
:func:`netcomp.book.display.table_caption`, then one pass over every table of the session's
built book.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from netcomp.book import numbering
from netcomp.book.display import (
    COLUMN_HEADERS,
    Caption,
    reader_label,
    sentence_case,
    show_table,
    table_caption,
)

#: A header that is a program's identifier, not a word: ``culture_id``, ``x1``.
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|^[a-z]+[0-9]+$")
#: Cells that print a Python value instead of saying something.
PYTHON_VALUE = re.compile(r"^(True|False|None|nan|NaN|inf|-inf|<NA>|NaT)$")
PYTHON_LIST = re.compile(r"^\[.*\]$|\['|'[^']*', '")
LABEL = re.compile(r"^Table (\d+)\.(\d+)\. \S")


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.fixture
def fresh_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chapter numbering starts afresh (it is process-wide, one chapter per kernel)."""
    monkeypatch.setattr(numbering, "_BY_NOTEBOOK", {})


# --------------------------------------------------------------------------- captions


def test_a_caption_is_numbered_in_book_order_and_sits_above_its_table(fresh_numbers: None):
    first = table_caption("03_biomarker_association.ipynb", "clinical", "Clinical variables.")
    second = table_caption("03_biomarker_association", "screen", "The screen.")
    assert (first.label, second.label) == ("Table 3.1", "Table 3.2")
    # the replication notebook's file is 06_ but it is the book's fourth chapter
    assert table_caption("06_replication", "counts", "x").label == "Table 4.1"
    # asked again (a cell run twice), the same table keeps its number
    assert table_caption("03_biomarker_association", "clinical", "again").label == "Table 3.1"

    frame = pd.DataFrame({"culture_id": ["NET01"], "p": [0.0606]})
    soup = _soup(show_table(frame, {"p": "{:.4f}"}, caption=second).to_html())
    box = soup.select_one("div.netcomp-table")
    assert box["id"] == "table-3-2"
    caption, scroll = box.find_all(recursive=False)[:2]
    assert caption.get_text(" ", strip=True) == "Table 3.2. The screen."
    assert caption.select_one(".netcomp-table-label").get_text() == "Table 3.2."
    # the table scrolls in its own box, labelled by the caption (for screen readers too)
    assert "netcomp-table-scroll" in scroll["class"]
    assert scroll["aria-labelledby"] == caption["id"] == "table-3-2-caption"
    assert scroll.find("table")["aria-labelledby"] == caption["id"]
    assert [td.get_text() for td in scroll.select("td")] == ["NET01", "0.0606"]


def test_caption_text_is_escaped_and_a_plain_string_gives_an_unnumbered_caption():
    hostile = "<script>window.__pwned=1</script> & <b>drug</b>"
    html = show_table(pd.DataFrame({"a": [1]}), caption=hostile).to_html()
    assert "<script>" not in html and "<b>" not in html
    caption = _soup(html).select_one(".netcomp-table-caption")
    assert caption.get_text() == hostile  # shown as text
    assert caption.select_one(".netcomp-table-label") is None
    labelled = Caption("Table 2.1", f"Response to {hostile}.").html()
    assert "&lt;script&gt;" in labelled and "<script>" not in labelled
    # no caption at all: the table still gets its scroll box, nothing above it
    bare = _soup(show_table(pd.DataFrame({"a": [1]})).to_html())
    assert bare.select_one(".netcomp-table-caption") is None
    assert bare.select_one(".netcomp-table-scroll table") is not None


def test_the_label_is_glued_for_the_prose_inside_a_notebook(
    fresh_numbers: None, monkeypatch: pytest.MonkeyPatch
):
    import myst_nb

    from netcomp.book import display

    glued: list[tuple[str, object, bool]] = []
    monkeypatch.setattr(
        myst_nb, "glue", lambda name, value, display=True: glued.append((name, value, display))
    )
    # outside a kernel (a script, a test) nothing is glued
    monkeypatch.setattr(display, "_in_kernel", lambda: False)
    plain = table_caption("01_data_import", "cultures", "The cultures.")
    assert plain.glue_name is None and glued == []
    monkeypatch.setattr(display, "_in_kernel", lambda: True)
    caption = table_caption("01_data_import", "dictionary", "The data contract.")
    assert caption.glue_name == "table_dictionary"
    assert glued == [("table_dictionary", "Table 1.2", False)]


# --------------------------------------------------------------------------- headers and cells


def test_machine_columns_show_human_headers_and_keep_their_formats():
    frame = pd.DataFrame(
        {
            "culture_id": ["NET01"],
            "ki67_pct": [8.04],
            "rate_responders": [2 / 3],
            "n_first": [22],
            "cohort": ["panNET"],
            "p, two-sided": [0.06061],
        }
    )
    soup = _soup(
        show_table(
            frame, {"ki67_pct": "{:.1f}", "rate_responders": "{:.3f}", "p, two-sided": "{:.4f}"}
        ).to_html()
    )
    assert [th.get_text() for th in soup.select("thead th")] == [
        "Culture",
        "Ki67 (%)",
        COLUMN_HEADERS["rate_responders"],
        COLUMN_HEADERS["n_first"],
        "Cohort",
        "p, two-sided",
    ]
    assert [td.get_text() for td in soup.select("tbody td")] == [
        "NET01",
        "8.0",
        "0.667",
        "22",
        "panNET",
        "0.0606",
    ]
    # the frame itself (what the results files are written from) keeps its machine names
    assert list(frame.columns)[:2] == ["culture_id", "ki67_pct"]


def test_a_call_names_a_column_for_its_own_table_and_clashes_keep_their_names():
    frame = pd.DataFrame({"low": [0.046], "high": [0.828]})
    soup = _soup(
        show_table(
            frame, {"low": "{:.3f}"}, headers={"low": "95% credible interval, low"}
        ).to_html()
    )
    assert [th.get_text() for th in soup.select("thead th")] == [
        "95% credible interval, low",
        COLUMN_HEADERS["high"],
    ]
    assert soup.select("tbody td")[0].get_text() == "0.046"
    clash = pd.DataFrame({"Culture": ["a"], "culture_id": ["b"]})
    heads = [th.get_text() for th in _soup(show_table(clash).to_html()).select("thead th")]
    assert heads == ["Culture", "culture_id"]  # never two columns under one header


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ("cohort", "Cohort"),
        ("rate (%)", "Rate (%)"),
        ("events/n", "Events/n"),
        ("p, two-sided", "p, two-sided"),
        ("r", "r"),
        ("log OR cohort (SE)", "log OR cohort (SE)"),
        ("p53 overexpressed", "p53 overexpressed"),
        ("mTOR inhibitor", "mTOR inhibitor"),
        ("HRAS overexpressed", "HRAS overexpressed"),
        ("culture_id", "culture_id"),
    ],
)
def test_headers_are_set_in_sentence_case_without_touching_symbols_or_genes(
    header: str, shown: str
):
    assert sentence_case(header) == shown


def test_literal_values_show_in_code_font_escaped():
    frame = pd.DataFrame(
        {"column": ["culture_id", "<b>"], "allowed values": ["one of `G1`, `<i>`", "a number"]}
    )
    soup = _soup(show_table(frame, code=["column", "allowed values"]).to_html())
    rows = [[td for td in tr.select("td")] for tr in soup.select("tbody tr")]
    assert [c.get_text() for c in rows[0][0].select("code")] == ["culture_id"]
    assert [c.get_text() for c in rows[0][1].select("code")] == ["G1", "<i>"]
    assert rows[1][0].select_one("code").get_text() == "<b>"  # escaped, inside code
    assert rows[1][1].select("code") == [] and rows[1][1].get_text() == "a number"
    assert reader_label("ki67_pct") == "Ki67 (%)" and reader_label("HRAS") == "HRAS"


def test_booleans_and_infinities_read_as_words_under_human_headers():
    frame = pd.DataFrame(
        {"agrees": [True, False], "estimate": [math.inf, 2.5], "observed": [np.bool_(True), False]}
    )
    soup = _soup(show_table(frame, {"estimate": "{:.2f}"}).to_html())
    assert [[td.get_text() for td in tr.select("td")] for tr in soup.select("tbody tr")] == [
        ["yes", "∞", "yes"],
        ["no", "2.50", "no"],
    ]


def test_a_p_value_too_small_for_its_decimals_is_bounded_not_printed_as_zero():
    frame = pd.DataFrame({"p": [2e-5, 0.0455, 0.0, np.nan], "inhibition": [0.04, -0.04, 1, 2]})
    soup = _soup(show_table(frame, {"p": "{:.4f}", "inhibition": "{:.1f}"}).to_html())
    assert [[td.get_text() for td in tr.select("td")] for tr in soup.select("tbody tr")] == [
        ["< 0.0001", "0.0"],
        ["0.0455", "-0.0"],
        ["0.0000", "1.0"],
        ["—", "2.0"],
    ]
    # a measurement shown with one decimal is rounded as usual; an exact zero stays 0.0000


# --------------------------------------------------------------------------- the built book


def _tables(page: Path) -> list[dict[str, object]]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article") or soup
    found = []
    for table in article.find_all("table"):
        box = table.find_parent(class_="netcomp-table")
        caption = box.select_one(".netcomp-table-caption") if box else None

        def text(cell: object) -> str:
            cell = copy.copy(cell)
            for code in cell.find_all("code"):  # literal names a reader types, in code font
                code.decompose()
            return cell.get_text(" ", strip=True)

        found.append(
            {
                "caption": caption.get_text(" ", strip=True) if caption else "",
                "headers": [text(th) for th in table.select("thead th")],
                "cells": [text(td) for td in table.select("tbody td")],
                "solution": table.find_parent(class_="solution") is not None,
            }
        )
    return found


def _header_and_cell_problems(rel: str, table: dict) -> list[str]:
    """Identifier headers, and cells holding a Python value, list or "(s)" plural."""
    problems = [f"{rel}: header {h!r}" for h in table["headers"] if IDENTIFIER.search(h)]
    for cell in table["cells"]:
        if PYTHON_VALUE.match(cell) or PYTHON_LIST.search(cell) or "(s)" in cell:
            problems.append(f"{rel}: cell {cell[:60]!r}")
    return problems


def test_every_table_of_the_book_reads_as_a_journal_prints_it(built_book: Path):
    """Chapter tables are numbered c.1, c.2, ... in page order with a caption; no table of
    any page has an identifier as a header or a Python value, list or "(s)" plural in a
    cell. Exercise solutions show what a student's code prints, and are left out."""
    from netcomp.book.build import chapter_notebooks

    html = built_book / "html"
    chapters = {p.stem: i for i, p in enumerate(chapter_notebooks(), start=1)}
    problems: list[str] = []
    seen = 0
    for page in sorted(html.rglob("*.html")):
        rel = page.relative_to(html).as_posix()
        if rel.startswith(("_static/", "_sources/")) or rel in ("genindex.html", "search.html"):
            continue
        number = 0
        for table in _tables(page):
            if table["solution"]:
                continue
            seen += 1
            problems += _header_and_cell_problems(rel, table)
            if page.parent.name == "notebooks" and page.stem in chapters:
                number += 1
                match = LABEL.match(str(table["caption"]))
                if not match or (int(match[1]), int(match[2])) != (chapters[page.stem], number):
                    problems.append(f"{rel}: table {number} captioned {table['caption']!r}")
        if page.stem in chapters:
            # the prose cites only tables that the page shows
            shown = {f"Table {chapters[page.stem]}.{k}" for k in range(1, number + 1)}
            text = page.read_text(encoding="utf-8")
            for cited in set(re.findall(r"Table \d+\.\d+", re.sub(r"<[^>]+>", " ", text))):
                if cited not in shown:
                    problems.append(f"{rel}: cites {cited}, which the page does not show")
    assert seen > 40
    assert not problems, "\n".join(problems)
