"""Nothing a user supplies runs as code or markup in the published pages.

After validation, the strings a user controls that can still reach a page are the data
folder (or workbook) name, the parameter file name, the output folder name, unknown extra
columns of the CSV files, and parameter values. The fast tests below parse what netcomp
generates from hostile strings with MyST (the parser Jupyter Book uses) and check that only
plain text comes out; the slow test builds the whole book from a cohort whose folder name,
parameter file, output folder and an extra ``notes`` column carry HTML, JavaScript, MyST and
Jinja payloads, opens every page in Chromium and checks that no script ran and that the
folder name shows as written.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
import pytest
from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import directives
from docutils.parsers.rst.directives.body import Container
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.docutils_ import Parser as MystParser
from myst_parser.parsers.mdit import create_md_parser

from netcomp.book import ledger as ledger_mod
from netcomp.book.build import _about_markdown, _build_info_markdown, build
from netcomp.text.safe_text import md_escape
from tests.strategies import examples
from tests.test_browser import (
    PWNED_MARKER,
    PageReport,
    _squash,
    _visit,
    book_pages,
    chromium_browser,
    serve,
)

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "cohort"
CONFIG_EXTENSIONS = ["colon_fence", "dollarmath", "deflist", "substitution"]
# Every MyST extension that turns text into markup, so escaping is tested beyond the config.
ALL_EXTENSIONS = [
    *CONFIG_EXTENSIONS,
    "amsmath",
    "attrs_inline",
    "html_admonition",
    "html_image",
    "linkify",
    "replacements",
    "smartquotes",
    "strikethrough",
    "tasklist",
    "fieldlist",
]

#: Strings that would run script or become markup if they reached a page unescaped.
PAYLOADS: tuple[str, ...] = (
    "<script>window.__pwned=1</script>",
    'net`<img src=x onerror="window.__pwned=1">{eval-rst}`$x$',
    "{raw:html}`<svg onload=window.__pwned=1>`",
    "```{raw} html\n<script>window.__pwned=1</script>\n```",
    "{{ 7*7 }} {{ env }} $$x^2$$ \\(y\\)",
    "[click](javascript:window.__pwned=1) <https://example.org> www.example.org",
    "| a | b |\n|---|---|",
    "**bold** _it_ ~~s~~ &lt;b&gt; &amp; \\` \\\\",
    ":::{note}\nx\n:::",
    "# heading\n- item\n1. one\n> quote",
    "(label)=\n{ref}`label` {doc}`index` [^1]",
    "<!-- comment --> <div onclick='window.__pwned=1'>x</div>",
)
#: Raw HTML that must never be in a built page, whatever a user supplies.
RAW_MARKERS: tuple[str, ...] = (
    "<script>window.__pwned",
    "<img src=x",
    "<svg onload",
    "<b>x</b>",
    "<b onclick",
    'href="javascript',
)
#: Parts of the payload data folder: nested, because a folder name cannot hold "/".
FOLDER_PARTS: tuple[str, ...] = (
    "<script>window.__pwned=1<",
    'script>net`<img src=x onerror="window.__pwned=1">{eval-rst}`$x$',
    "{{7*7}} {raw:html}`<b onclick=window.__pwned=1>x<` | *a* [l](javascript:window.__pwned=1)"
    " &amp; ' \\. \\- a--b",
)
NOTES_MARKER = "NOTES-PAYLOAD"
# Node types of plain text, tables and the literal digests: nothing that could be markup.
PLAIN_NODES = {
    "document",
    "paragraph",
    "Text",
    "section",
    "title",
    "table",
    "tgroup",
    "colspec",
    "thead",
    "tbody",
    "row",
    "entry",
    "literal",
    "container",
}


def _flat(text: str) -> str:
    """What a reader should see of ``text``: line breaks, C0 and C1 control characters and
    bidirectional embedding, override and isolate controls as spaces."""
    return "".join(
        " " if re.match(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", c) else c for c in text
    )


def _doctree(markdown: str, extensions: list[str] = ALL_EXTENSIONS) -> nodes.document:
    """Parse MyST Markdown to a docutils tree with the given extensions (warnings ignored)."""
    directives.register_directive("dropdown", Container)  # sphinx-design's, as a plain box
    return publish_doctree(
        markdown,
        parser=MystParser(),
        settings_overrides={
            "myst_enable_extensions": extensions,
            "myst_substitutions": {"env": "SUBSTITUTED"},
            "report_level": 5,
            "halt_level": 5,
            "warning_stream": io.StringIO(),
        },
    )


def _node_types(tree: nodes.document) -> set[str]:
    return {type(n).__name__ for n in tree.findall()}


# --------------------------------------------------------------------------- fast tests


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_escaped_payload_parses_to_its_own_text(payload: str):
    tree = _doctree(f"Folder: {md_escape(payload)} end")
    assert _node_types(tree) == {"document", "paragraph", "Text"}
    assert tree.astext() == f"Folder: {_flat(payload)} end"
    # Unescaped, the same strings do become markup: the check above is not vacuous.
    raw = _doctree(f"Folder: {payload} end")
    assert _node_types(raw) != {"document", "paragraph", "Text"} or raw.astext() != tree.astext()


@settings(max_examples=examples(150), deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60))
def test_md_escape_keeps_any_text_literal(text: str):
    """Any string, escaped, is one paragraph of plain text showing exactly that string.

    Whitespace is compared collapsed: Markdown (like HTML) does not keep runs of spaces
    at the ends of lines.
    """
    tree = _doctree(f"x {md_escape(text)} x")
    assert _node_types(tree) <= {"document", "paragraph", "Text"}
    assert " ".join(tree.astext().split()) == " ".join(f"x {_flat(text)} x".split())


def test_markdown_it_tokens_of_escaped_payloads_are_text_only():
    """The same with the markdown-it tokens Jupyter Book's MyST parser produces."""
    md = create_md_parser(MdParserConfig(enable_extensions=set(ALL_EXTENSIONS)), RendererHTML)
    for payload in PAYLOADS:
        tokens = md.parse("Folder: " + md_escape(payload))
        children = [t for block in tokens for t in (block.children or [])]
        assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
        assert {t.type for t in children} <= {"text", "softbreak"}, payload


def _table_widths(tree: nodes.document) -> list[int]:
    return [len(row.children) for row in tree.findall(nodes.row)]


def test_about_page_shows_a_hostile_folder_workbook_and_values_as_text():
    folder = Path("/data").joinpath(*FOLDER_PARTS)
    workbook = 'cohort`<img src=x onerror="window.__pwned=1">|$x$.xlsx'
    values = {"drug": "len`<b>x</b>|{{7*7}}", "comparators": ["a|b", "$c$"], "alpha": 0.05}
    markdown = _about_markdown(folder, values, {workbook: "ab" * 32}, {"render": 1.0}, set())
    tree = _doctree("# About this build\n\n" + markdown, CONFIG_EXTENSIONS)  # as included
    assert _node_types(tree) <= PLAIN_NODES, _node_types(tree) - PLAIN_NODES
    text = tree.astext()
    assert f"Folder: {folder.name}" in text  # the name only: local paths stay private
    assert "/data" not in text
    # values are shown as the user wrote them (a list joined by commas), as plain text
    assert workbook in text and values["drug"] in text and "a|b, $c$" in text
    assert set(_table_widths(tree)) == {2, 3}  # no '|' in a value split a cell
    # the literal nodes are the project's own (commit, digests), never user text
    literals = [n.astext() for n in tree.findall(nodes.literal)]
    assert "ab" * 32 in literals and not any("<" in x or "$" in x for x in literals)


def test_front_page_build_line_shows_a_hostile_folder_as_text():
    folder = Path("/data").joinpath(*FOLDER_PARTS)
    values = {"drug": "x```\n</div><script>window.__pwned=1</script>"}
    markdown = _build_info_markdown(folder, values, {"cultures.csv": "cd" * 32}, bundled=False)
    tree = _doctree(markdown, CONFIG_EXTENSIONS)
    # "strong": the project's own emphasis of "a user-supplied cohort"
    assert _node_types(tree) <= PLAIN_NODES | {"strong"}, _node_types(tree) - PLAIN_NODES
    assert [n.astext() for n in tree.findall(nodes.strong)] == ["user-supplied cohort"]
    text = tree.astext()
    assert f"in {folder.name}." in " ".join(text.split())
    assert _flat(values["drug"]) in text  # the value stayed inside the dropdown's table
    assert list(tree.findall(nodes.container)), "the dropdown was closed early"


def test_ledger_page_escapes_computed_values_and_notes():
    claims = [
        {
            "id": "c1",
            "source": "000_281e2e275d85b6f8.txt",
            "locator": "abstract",
            "reported": "6",
            "basis": "cohort",
            "claim": "A claim",
            "unit": "",
            "chapter": "notebooks/01_data_import",
            "section": "Inputs",
        }
    ]
    clean = ledger_mod.evaluate_claims(Path("/nonexistent"), False, claims)
    clean["computed"], clean["note"] = "6", "not computed: no such file"
    hostile = clean.copy()
    hostile["computed"] = "<script>window.__pwned=1</script>|{{7*7}}|$x$"
    hostile["note"] = 'not computed: <img src=x onerror="window.__pwned=1"> `x` {raw:html}`y`'
    md = create_md_parser(MdParserConfig(enable_extensions=set(CONFIG_EXTENSIONS)), RendererHTML)

    def shape(table: pd.DataFrame) -> Counter[str]:
        tokens = md.parse(ledger_mod.ledger_markdown(table, {"notebooks/01_data_import"}))
        flat = [t for block in tokens for t in [block, *(block.children or [])]]
        return Counter(t.type for t in flat if t.type not in ("text", "softbreak"))

    # The hostile row has exactly the structure of the clean one: same cells, roles, links,
    # and no HTML other than the project's own line breaks.
    assert shape(hostile) == shape(clean)
    html = md.render(ledger_mod.ledger_markdown(hostile))
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;|{{7*7}}|$x$" in html
    assert not any(marker in html for marker in RAW_MARKERS)


def test_figure_labels_with_dollars_and_tags_are_drawn_as_written(tmp_path: Path):
    from netcomp.figures.style import new_figure, save_figure

    labels = ["$x^{\\", "a$b$c", "<script>window.__pwned=1</script>", "_hidden?"]
    fig, ax = new_figure()
    ax.bar(labels, [1, 2, 3, 4])
    ax.set_title("$\\frac{")
    ax.set_xlabel("{{7*7}} & <b>")
    save_figure(fig, "payload", tmp_path, pd.DataFrame({"label": labels}), made_by="test")
    svg = ET.parse(tmp_path / "payload.svg").getroot()  # well-formed XML
    assert not [el for el in svg.iter() if el.tag.rsplit("}", 1)[-1] == "script"]
    drawn = " ".join(
        "".join(el.itertext()) for el in svg.iter() if el.tag.rsplit("}", 1)[-1] == "text"
    )
    for label in [*labels, "$\\frac{", "{{7*7}} & <b>"]:
        assert label in drawn, label
    assert (tmp_path / "payload.png").stat().st_size > 0


def test_show_table_escapes_cells_and_headers():
    """Chapter tables (pandas Styler, which does not escape by default) show payloads as text."""
    from netcomp.book.display import show_table

    hostile = PAYLOADS[:3]
    frame = pd.DataFrame({hostile[0]: list(hostile), "n": [1.0, 2.0, 3.0]})
    rendered = show_table(frame, {"n": "{:.1f}"}).to_html()
    assert not any(marker in rendered for marker in RAW_MARKERS)
    cell = re.compile(r"<t[hd](?:\s[^>]*)?>(.*?)</t[hd]>", re.S)
    cells = [html.unescape(c) for c in cell.findall(rendered)]
    assert cells[0] == hostile[0]  # the header
    assert [c for c in cells if c in hostile] == [hostile[0], *hostile]


def _glue_output(name: str, value: Any) -> dict[str, Any]:
    """The notebook output ``myst_nb.glue(name, value, display=False)`` writes."""
    import IPython.core.formatters
    from myst_nb.ext.glue import GLUE_PREFIX

    bundle, _ = IPython.core.formatters.format_display_data(value)
    return {
        "output_type": "display_data",
        "metadata": {"scrapbook": {"name": name, "mime_prefix": GLUE_PREFIX}},
        "data": {GLUE_PREFIX + k: v for k, v in bundle.items()},
    }


def test_glued_strings_are_pasted_as_text_by_myst_nb(tmp_path: Path):
    """``{glue:text}``, ``{glue:}`` and ``{glue}`` of a hostile string render it escaped."""
    payload = (
        "<script>window.__pwned=1</script> {{ 7*7 }} `x` $y$ {raw:html}`<b>x</b>` "
        "**b** [l](javascript:window.__pwned=1)"
    )
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "cells": [
            {
                "cell_type": "markdown",
                "id": "m",
                "metadata": {},
                "source": "# Glue\n\ntext: {glue:text}`p`\n\nany: {glue:}`p`\n\n```{glue} p\n```\n",
            },
            {
                "cell_type": "code",
                "id": "c",
                "metadata": {},
                "execution_count": 1,
                "source": "glue('p', payload, display=False)",
                "outputs": [_glue_output("p", payload)],
            },
        ],
    }
    (tmp_path / "index.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (tmp_path / "conf.py").write_text(
        "extensions = ['myst_nb']\nnb_execution_mode = 'off'\n"
        f"myst_enable_extensions = {CONFIG_EXTENSIONS!r}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            "-W",
            "-b",
            "html",
            str(tmp_path),
            str(tmp_path / "_html"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "_html" / "index.html").read_text(encoding="utf-8")
    assert not any(marker in html for marker in RAW_MARKERS)
    escaped = (
        "&lt;script&gt;window.__pwned=1&lt;/script&gt; {{ 7*7 }} `x` $y$ "
        "{raw:html}`&lt;b&gt;x&lt;/b&gt;` **b**"
    )
    assert html.count(escaped) == 3  # text, inline any, block


# --------------------------------------------------------------------------- the whole book


@dataclass(frozen=True)
class PayloadBuild:
    """A book built from hostile names and columns."""

    data_dir: Path
    params_file: Path
    out: Path


def _write_payload_cohort(base: Path) -> Path:
    """A copy of the bundled cohort in the payload folder, with a ``notes`` column of payloads."""
    folder = base.joinpath(*FOLDER_PARTS)
    folder.parent.mkdir(parents=True)
    shutil.copytree(BUNDLED, folder)
    path = folder / "cultures.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    rows[0].append("notes")
    for i, row in enumerate(rows[1:]):
        row.append(f"{NOTES_MARKER}-{i} {PAYLOADS[i % len(PAYLOADS)]}")
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return folder


@pytest.fixture(scope="module")
def payload_build(tmp_path_factory: pytest.TempPathFactory) -> PayloadBuild:
    """The whole book built from hostile data folder, parameter file and output folder names.

    Braces in the output folder once broke the build (papermill formats notebook paths with
    ``str.format``); this build is the regression test for that too.
    """
    base = tmp_path_factory.mktemp("payload")
    data_dir = _write_payload_cohort(base / "data")
    params_file = base / "params" / '`<img src=x onerror="window.__pwned=1">$x${{7*7}}.yaml'
    params_file.parent.mkdir()
    params_file.write_text("alpha: 0.05\ncomparators: [everolimus, sunitinib]\n", encoding="utf-8")
    out = base / 'out`<img src=x onerror="window.__pwned=1">{{7*7}}$x$'
    build(data_dir=data_dir, params_file=params_file, out_dir=out, log=lambda _m: None)
    return PayloadBuild(data_dir.resolve(), params_file, out)


@pytest.mark.build
def test_no_payload_reaches_a_page_as_markup(payload_build: PayloadBuild):
    """No page holds a payload as live HTML; the extra column shows nowhere; names verbatim."""
    html_dir = payload_build.out / "html"
    pages = sorted(html_dir.rglob("*.html"))
    assert len(pages) >= 8
    leaks = [
        f"{p.relative_to(html_dir)}: {marker!r}"
        for p in pages
        for marker in RAW_MARKERS
        if marker in p.read_text(encoding="utf-8")
    ]
    assert not leaks, "\n".join(leaks)
    # the extra column is kept out of the analysis: its values are on no page
    shown = [p.name for p in pages if NOTES_MARKER in p.read_text(encoding="utf-8")]
    assert not shown, f"the notes column reached {shown}"
    # the folder name is shown character for character (no smart quotes, dashes or eaten
    # backslashes) on the About page and in the front page's build line
    name = " ".join(payload_build.data_dir.name.split())
    for page in ("about.html", "index.html"):
        text = " ".join(_page_text(html_dir / "book" / page).split())
        assert name in text, page


def _page_text(page: Path) -> str:
    """The text of an HTML page: tags removed, entities decoded (user text has no tags)."""
    return html.unescape(re.sub(r"<[^>]*>", "", page.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def payload_reports(
    payload_build: PayloadBuild, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, PageReport]:
    """Every page of the hostile build, visited once in Chromium (screenshots kept)."""
    html_dir = payload_build.out / "html"
    shots = tmp_path_factory.mktemp("payload-screenshots")
    with chromium_browser() as browser, serve(html_dir) as url:
        return {rel: _visit(browser, url, rel, shots) for rel in book_pages(html_dir)}


@pytest.mark.build
@pytest.mark.browser
def test_no_script_runs_on_any_page_of_a_hostile_build(payload_reports: dict[str, PageReport]):
    """In Chromium: no dialog, no ``window.__pwned``, no failed request (an injected
    ``<img src=x>`` would fetch ``x``), no console error, nothing fetched from outside."""
    assert any(rel.startswith("notebooks/") for rel in payload_reports)
    bad = [
        f"{rel}: {item}"
        for rel, r in payload_reports.items()
        for item in [*r.scripts_run, *r.console_errors, *r.failed_requests, *r.external_requests]
    ]
    assert not bad, "\n".join(bad)
    assert PWNED_MARKER == "__pwned"  # the marker every payload sets


@pytest.mark.build
@pytest.mark.browser
def test_hostile_folder_name_shows_as_written(
    payload_build: PayloadBuild, payload_reports: dict[str, PageReport]
):
    """What a reader sees: the folder's name as typed, on the About page and the front page."""
    folder = _squash(payload_build.data_dir.name)
    assert f"Folder: {folder}" in payload_reports["book/about.html"].text
    assert f"in {folder}." in payload_reports["book/index.html"].text  # the build line
    assert not any(NOTES_MARKER in r.all_text for r in payload_reports.values())


# --------------------------------------------------------------------------- control characters

#: a terminal escape (clear the screen), a colour, a right-to-left override, a C1 control
CONTROLS = "\x1b[2J\x1b[41m\u202eRTL\u2066\x9b\x01"


def test_control_and_bidi_characters_never_reach_a_page():
    """Found by an adversarial pass: U+202E in a folder name reversed the text after it."""
    from netcomp.text.safe_text import html_escape, plain_text

    for escaped in (md_escape(CONTROLS), html_escape(CONTROLS)):
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", escaped)
        assert "RTL" in escaped
    assert plain_text(CONTROLS + "\n\tok") == "\\x1b[2J\\u202eRTL\\u2066\\x9b\\x01\n\tok"


def test_the_command_line_prints_a_hostile_folder_name_as_escapes(
    cohort_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    from netcomp.cli import main

    folder = tmp_path / f"cohort {CONTROLS}"
    shutil.copytree(cohort_dir, folder)
    assert main(["validate", str(folder)]) == 0
    assert main(["check", str(folder)]) == 0
    assert main(["validate", str(tmp_path / f"missing {CONTROLS}")]) == 1
    out, err = capsys.readouterr()
    text = out + err
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    assert text.count("\\u202eRTL") >= 3  # shown, as escapes, in each command's output
