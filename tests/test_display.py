"""Tables on the page: Python's booleans and infinities read as words a reader knows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from bs4 import BeautifulSoup

from netcomp.book.display import show_table


def _cells(html: str) -> list[list[str]]:
    soup = BeautifulSoup(html, "html.parser")
    return [[td.get_text() for td in tr.find_all("td")] for tr in soup.find_all("tr")[1:]]


def test_booleans_read_yes_and_no_and_infinities_as_the_symbol():
    frame = pd.DataFrame(
        {
            "test": ["Fisher", "chi-square", "Barnard"],
            "statistic": [math.inf, 5.2381, -math.inf],
            "p": [0.0606, 0.0221, np.nan],
            "rounds to .048": [False, True, np.bool_(False)],
            "mixed": [True, "a class is empty", None],
        }
    )
    rows = _cells(show_table(frame, {"statistic": "{:.4f}", "p": "{:.4f}"}).to_html())
    assert rows == [
        ["Fisher", "∞", "0.0606", "no", "yes"],
        ["chi-square", "5.2381", "0.0221", "yes", "a class is empty"],
        ["Barnard", "−∞", "—", "no", "—"],
    ]


def test_one_format_for_all_cells_and_the_default_precision():
    frame = pd.DataFrame({"a": [1.5, math.inf], "b": [True, False]})
    assert _cells(show_table(frame, "{:.1f}").to_html()) == [["1.5", "yes"], ["∞", "no"]]
    assert _cells(show_table(frame, precision=2).to_html()) == [["1.50", "yes"], ["∞", "no"]]


def test_cells_without_booleans_or_infinities_are_unchanged():
    frame = pd.DataFrame({"x": [0.123456789], "n": [3], "s": ["<b>True</b>"]})
    assert _cells(show_table(frame).to_html()) == [["0.123457", "3", "<b>True</b>"]]
    assert "&lt;b&gt;" in show_table(frame).to_html()  # still escaped


def test_parameter_values_on_the_about_and_front_pages_read_without_python():
    from pathlib import Path

    from netcomp.book.build import _about_markdown, _build_info_markdown, parameter_text

    assert parameter_text("lenvatinib") == "lenvatinib"
    assert parameter_text(None) == "not set (chosen from the data)"
    assert parameter_text(["everolimus", "sunitinib"]) == "everolimus, sunitinib"
    assert parameter_text(15.0) == "15.0" and parameter_text(2000) == "2000"
    values = {"drug": "lenvatinib", "comparators": None, "concentration_um": None, "alpha": 0.05}
    for page in (
        _build_info_markdown(Path("cohort"), values, {}, True),
        _about_markdown(Path("cohort"), values, {}, {}, set()),
    ):
        # md_escape puts a backslash before Markdown punctuation; the page shows it without
        rows = [line.replace("\\", "") for line in page.splitlines() if line.startswith("| ")]
        assert "| `drug` | lenvatinib |" in rows  # a parameter's name in code font
        assert "| `comparators` | not set (chosen from the data) |" in rows
        assert not any("None" in r or "'" in r for r in rows)


def test_glued_values_are_not_set_in_bold():
    """myst-nb's stylesheet makes pasted (glued) text bold; the book's own sheet undoes it."""
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[1]
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config["sphinx"]["config"]
    assert "netcomp.css" in sphinx["html_css_files"]
    css = (root / "book" / "_static" / "netcomp.css").read_text(encoding="utf-8")
    rule = re.search(r"span\.pasted-text\s*\{([^}]*)\}", css)
    assert rule and re.search(r"font-weight:\s*(inherit|normal)", rule.group(1))
    assert "@media" not in css  # on screen and on paper


def test_result_table_cells_have_room():
    """pandas Stylers come with 1 px cell padding; the book's sheet gives cells room."""
    import re
    from pathlib import Path

    css = (Path(__file__).resolve().parents[1] / "book" / "_static" / "netcomp.css").read_text(
        encoding="utf-8"
    )
    rule = re.search(r"\.cell_output \.output\.text_html table td\s*\{([^}]*)\}", css)
    assert rule and re.search(r"padding:\s*0\.25em 0\.75em", rule.group(1))
