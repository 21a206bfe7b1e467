"""The whole-book PDF (``make pdf``) and the print style of the pages.

Fast tests check the page order, the refusal of an incomplete build and the front-page link
on small files. The ``build``/``browser`` tests print the session's built book (a copy of its
HTML) with Debian's Chromium and read the PDF back with pypdf: every page of the table of
contents in order, A4 pages, nothing wider than the paper, no code-toggle controls, the
solutions printed open; and they check that a browser's print of a chapter drops the
navigation. Without Chromium they are skipped, except when ``CI`` is set: then they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader, PdfWriter

from netcomp.book import pdf
from netcomp.book.build import chapter_notebooks

ROOT = Path(__file__).resolve().parents[1]


def _need_chromium() -> None:
    if shutil.which("chromium") is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(message + " and CI is set: the PDF tests must run")
        pytest.skip(message)


def _blank_pdf(path: Path, pages: int) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    with open(path, "wb") as sink:
        writer.write(sink)
    return path


# --------------------------------------------------------------------------- fast


def test_pages_follow_the_table_of_contents():
    pages = pdf.toc_pages()
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert pages[0] == toc["root"] + ".html"
    chapters = [f"notebooks/{nb.stem}.html" for nb in chapter_notebooks()]
    assert [p for p in pages if p.startswith("notebooks/")] == chapters
    assert "book/glossary.html" in pages and "book/cite.html" in pages
    assert len(pages) == len(set(pages))


def test_an_incomplete_build_is_refused(tmp_path: Path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "index.html").write_text("<html></html>", encoding="utf-8")
    with pytest.raises(pdf.PdfError, match="missing .*notebooks/01_data_import.html"):
        pdf.print_book(tmp_path)
    assert not (tmp_path / pdf.PDF_NAME).exists()


def test_the_front_page_links_the_pdf_only_when_it_is_made(tmp_path: Path):
    front = tmp_path / "book" / "index.html"
    front.parent.mkdir()
    front.write_text(f"<p>before</p>{pdf.LINK_SLOT}<p>after</p>", encoding="utf-8")
    made = _blank_pdf(tmp_path / pdf.PDF_NAME, 3)
    assert pdf.link_from_front_page(tmp_path, made, "book/index.html")
    text = front.read_text(encoding="utf-8")
    assert pdf.LINK_SLOT not in text
    assert re.search(r'<a [^>]*href="\.\./netcomp-book\.pdf"', text)
    assert "(3 pages, 0.0 MB)" in text
    # a page without the slot is left as it is
    other = tmp_path / "book" / "other.html"
    other.write_text("<p>no slot</p>", encoding="utf-8")
    assert not pdf.link_from_front_page(tmp_path, made, "book/other.html")
    assert other.read_text(encoding="utf-8") == "<p>no slot</p>"


def test_the_front_page_source_holds_the_slot():
    assert pdf.LINK_SLOT in (ROOT / "book" / "index.md").read_text(encoding="utf-8")


def test_print_width_is_a4_less_the_margins():
    assert pdf.PRINT_WIDTH_PX == round(182 / 25.4 * 96)  # 182 mm at 96 px per inch


# --------------------------------------------------------------------------- the built book


@pytest.fixture(scope="module")
def printed(built_book: Path, tmp_path_factory: pytest.TempPathFactory) -> pdf.PrintedBook:
    """The session's book printed from a copy of its HTML (the shared build stays as it is)."""
    _need_chromium()
    html = tmp_path_factory.mktemp("pdf") / "html"
    shutil.copytree(built_book / "html", html)
    return pdf.print_book(html)


@pytest.mark.build
@pytest.mark.browser
def test_the_pdf_holds_every_page_in_order(printed: pdf.PrintedBook):
    reader = PdfReader(printed.path)
    assert len(reader.pages) == printed.page_count > len(pdf.toc_pages())
    outline = [(reader.get_destination_page_number(o), o.title) for o in reader.outline]
    assert len(outline) == len(pdf.toc_pages())
    starts = [start for start, _ in outline]
    assert starts == sorted(starts) and starts[0] == 0 and len(set(starts)) == len(starts)
    chapters = [title for _, title in outline if re.match(r"\d+\. ", title)]
    assert [t.split(".")[0] for t in chapters] == [
        str(i) for i in range(1, len(chapter_notebooks()) + 1)
    ]
    for page in reader.pages:  # A4 portrait: 595.3 x 841.9 points (Chromium rounds to pixels)
        assert abs(float(page.mediabox.width) - 595.3) < 1.5
        assert abs(float(page.mediabox.height) - 841.9) < 1.5
    assert reader.metadata.title.startswith("Lenvatinib and HRAS")


@pytest.mark.build
@pytest.mark.browser
def test_the_pdf_fits_the_paper_and_prints_content_only(printed: pdf.PrintedBook):
    assert printed.overflow == {}, f"wider than the paper: {printed.overflow}"
    text = " ".join(page.extract_text() or "" for page in PdfReader(printed.path).pages)
    assert "HRAS" in text and "reconstruction" in text
    for control in (
        "Show code cell source",
        "Hide code cell source",
        "Search this book",
        "Skip to main content",
        "Color mode",
    ):
        assert control not in text, f"{control!r} is printed"
    assert "Solution to Exercise" in text  # solutions are printed open ...
    # ... and their content too: the first solution of chapter 5 is followed by its text
    after = text.split("Solution to Exercise", 1)[1][:400]
    assert len(after.split()) > 20


@pytest.mark.build
@pytest.mark.browser
def test_the_front_page_links_the_printed_pdf(printed: pdf.PrintedBook):
    front = (printed.path.parent / pdf.toc_pages()[0]).read_text(encoding="utf-8")
    assert pdf.LINK_SLOT not in front
    assert 'href="../netcomp-book.pdf"' in front
    assert f"({printed.page_count} pages," in front


@pytest.mark.build
@pytest.mark.browser
def test_pdf_is_made_within_two_minutes(printed: pdf.PrintedBook):
    assert printed.seconds < 120, f"the PDF took {printed.seconds:.0f} s"
    assert printed.path.stat().st_size < 30e6


@pytest.mark.build
@pytest.mark.browser
def test_a_browser_print_of_a_chapter_drops_the_navigation(built_book: Path):
    """A reader's Print of one chapter: print.css hides navigation, buttons and toggles."""
    _need_chromium()
    chapter = f"notebooks/{chapter_notebooks()[2].stem}.html"
    hidden = (
        ".bd-sidebar-primary",
        ".bd-header",
        ".bd-sidebar-secondary",
        ".article-header-buttons",
        "details.hide.above-input",
    )
    js = """(sels) => sels.map((s) => Array.from(document.querySelectorAll(s))
              .filter((e) => e.getBoundingClientRect().height > 0).length)"""
    with pdf._serve(built_book / "html") as base:
        browser = pdf.playwright_driver().chromium.launch(
            executable_path=shutil.which("chromium"), args=pdf.CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + chapter, wait_until="load")
            on_screen = page.evaluate(js, list(hidden))
            page.emulate_media(media="print")
            time.sleep(0.2)
            on_paper = page.evaluate(js, list(hidden))
        finally:
            browser.close()
    assert all(n > 0 for n in on_screen), dict(zip(hidden, on_screen, strict=True))
    assert on_paper == [0] * len(hidden), dict(zip(hidden, on_paper, strict=True))
