"""The whole book as one PDF, printed from the built HTML by Debian's Chromium.

Each page of the book, in the order of ``_toc.yml``, is opened offline (served from
127.0.0.1; any request leaving the book is blocked), printed with the book's print style
sheet (``book/_static/print.css``: no navigation, no buttons, figures and tables inside the
margins, exercise solutions opened) and the pages are joined with ``pypdf`` into one file
with a bookmark per page. Chromium and Playwright are the ones the browser tests use, so
nothing is downloaded. Measured on the bundled book: about 15 s and 3 MB (see README).

Run it on a finished build: ``python -m netcomp.book.pdf OUT`` (``make pdf`` does it).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import functools
import html
import io
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
#: File name of the PDF inside the HTML folder, so that the published site serves it too.
PDF_NAME = "netcomp-book.pdf"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: Run in each page before printing: load every image, open the exercise solutions (a PDF
#: reader cannot click them open) and wait for the maths to be typeset.
PREPARE_JS = """
async () => {
  for (const img of document.images) { img.loading = "eager"; }
  // solutions (sphinx-togglebutton admonitions) and dropdowns (sphinx-design) are opened;
  // the code cells hidden behind "Show code cell source" stay hidden (print.css)
  document.querySelectorAll(".admonition.toggle-hidden").forEach((el) => {
    el.classList.remove("toggle-hidden");
  });
  document.querySelectorAll("details.sd-dropdown, details.toggle-details").forEach((d) => {
    d.open = true;
  });
  await Promise.all(Array.from(document.images).map((img) => img.complete ? null :
    new Promise((done) => {
      img.addEventListener("load", done, {once: true});
      img.addEventListener("error", done, {once: true});
      setTimeout(done, 5000);
    })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await document.fonts.ready;
}
"""

#: Width of the printed text on A4 with 14 mm side margins, in CSS pixels (96 per inch).
PRINT_WIDTH_PX = round((210 - 2 * 14) / 25.4 * 96)

#: Elements of the article that reach beyond the printed width (what would be cut off);
#: 4 px (1 mm) of tolerance for the padding of inline code at the end of a line.
OVERFLOW_JS = """
(width) => {
  const article = document.querySelector("article.bd-article") || document.body;
  const out = [];
  for (const el of article.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= width + 4) continue;
    if (getComputedStyle(el).visibility === "hidden") continue;
    if (Array.from(el.children).some((c) => c.getBoundingClientRect().right > width + 4)) continue;
    const name = el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
      ? "." + el.className.trim().split(/\\s+/).join(".") : "");
    out.push(`${name} ends at ${Math.round(box.right)} px: ${el.textContent.trim().slice(0, 60)}`);
  }
  return out.slice(0, 10);
}
"""

FOOTER = (
    '<div style="font-size:8px;width:100%;padding:0 14mm;color:#555;'
    'display:flex;justify-content:space-between"><span class="title"></span>'
    '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
)


class PdfError(RuntimeError):
    """The PDF could not be made; the message says why and what to do."""


def toc_pages(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """The book's pages in reading order, as paths of the HTML folder (``book/index.html``...)."""
    from netcomp.book.build import toc_docnames

    return [f"{name}.html" for name in toc_docnames(toc)]


@contextlib.contextmanager
def _serve(folder: Path) -> Iterator[str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass

    httpd = QuietServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


_DRIVER: Any = None


def playwright_driver() -> Any:
    """The process's one Playwright driver, started on first use and stopped at exit.

    Playwright's sync API refuses a second driver while one is running in the same thread, so
    every browser this process launches (the PDF, the browser tests) comes from this one.
    """
    global _DRIVER
    if _DRIVER is None:
        from playwright.sync_api import sync_playwright

        _DRIVER = sync_playwright().start()
        atexit.register(_DRIVER.stop)
    return _DRIVER


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        raise PdfError(
            "the PDF is printed by Debian's Chromium, which is not installed: "
            "apt-get install chromium (the HTML book does not need it)"
        )
    return found


@dataclass
class PrintedBook:
    """The PDF made by :func:`print_book`, and what would not fit the paper."""

    path: Path
    page_count: int
    seconds: float
    #: per book page, the elements wider than the printed text (empty: everything fits)
    overflow: dict[str, list[str]] = field(default_factory=dict)


def _print_page(page: Any, url: str, rel: str, writer: Any, overflow: dict[str, list[str]]) -> None:
    """Lay out one page for print, note what overflows, and append its PDF with an outline entry."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(media="screen")
    page.goto(url, wait_until="load")
    page.evaluate(PREPARE_JS)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": PRINT_WIDTH_PX, "height": 1100})
    wide = page.evaluate(OVERFLOW_JS, PRINT_WIDTH_PX)
    if wide:
        overflow[rel] = wide
    title = page.title()
    data = page.pdf(
        format="A4",
        print_background=True,
        display_header_footer=True,
        header_template="<span></span>",
        footer_template=FOOTER,
        margin={"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
    )
    from pypdf import PdfReader

    start = len(writer.pages)
    writer.append(PdfReader(io.BytesIO(data)))
    writer.add_outline_item(title=title.split(" \u2014 ")[0].strip() or rel, page_number=start)


def _write_pdf(writer: Any, target: Path) -> None:
    """Write the joined PDF with its metadata, atomically (a ``.partial`` file, then renamed)."""
    writer.add_metadata({"/Title": _book_title(), "/Creator": "netcomp (Chromium, pypdf)"})
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with open(partial, "wb") as sink:
        writer.write(sink)
    partial.replace(target)


def print_book(
    html_dir: Path, target: Path | None = None, pages: list[str] | None = None
) -> PrintedBook:
    """Print every page of the built book in ``html_dir`` into one PDF.

    ``target`` defaults to ``html_dir / PDF_NAME``. Pages missing from the build are an
    error (a PDF that silently lacks a chapter would mislead its reader). Each page is also
    laid out for print at the paper's text width, and the elements that do not fit are
    reported in the result.
    """
    t0 = time.perf_counter()
    from pypdf import PdfWriter

    html_dir = Path(html_dir).resolve()
    target = Path(target) if target else html_dir / PDF_NAME
    pages = toc_pages() if pages is None else pages
    missing = [p for p in pages if not (html_dir / p).is_file()]
    if missing:
        raise PdfError(
            f"{html_dir} is not a complete book build: missing {', '.join(missing)}"
            "; build the book first (make book)"
        )
    chromium = _chromium()
    writer = PdfWriter()
    with _serve(html_dir) as base:
        browser = playwright_driver().chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(service_workers="block")
            # the book loads nothing from outside; a request that tries is not made
            context.route(re.compile("^(?!" + re.escape(base) + ")"), lambda r: r.abort())
            page = context.new_page()
            overflow: dict[str, list[str]] = {}
            for rel in pages:
                _print_page(page, base + rel, rel, writer, overflow)
        finally:
            browser.close()
    _write_pdf(writer, target)
    if target.parent == html_dir:
        link_from_front_page(html_dir, target, pages[0])
    from netcomp.book.build import add_to_marker

    add_to_marker(html_dir.parent, [target])  # netcomp's own: the next build may replace it
    return PrintedBook(target, len(writer.pages), time.perf_counter() - t0, overflow)


#: The empty paragraph the front page holds for the PDF link (book/index.md).
LINK_SLOT = '<p id="netcomp-pdf" hidden></p>'


def link_from_front_page(html_dir: Path, pdf: Path, front: str | None = None) -> bool:
    """Fill the front page's PDF slot with a link to ``pdf`` (its pages and size).

    The link is written only now that the PDF exists; a later build replaces the whole HTML
    folder, removing the PDF and this link together. Returns whether the slot was found.
    """
    from pypdf import PdfReader

    front_page = Path(html_dir) / (front or toc_pages()[0])
    text = front_page.read_text(encoding="utf-8")
    if LINK_SLOT not in text:
        return False
    href = os.path.relpath(pdf, front_page.parent).replace(os.sep, "/")
    pages = len(PdfReader(pdf).pages)
    size = pdf.stat().st_size / 1e6
    link = (
        f'<p id="netcomp-pdf">The whole book as one PDF: <a class="reference external" '
        f'href="{html.escape(href)}" download>{html.escape(pdf.name)}</a> '
        f"({pages} pages, {size:.1f} MB).</p>"
    )
    front_page.write_text(text.replace(LINK_SLOT, link), encoding="utf-8")
    return True


def _book_title() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return str(config.get("title", "netcomp"))


def main(argv: list[str] | None = None) -> int:
    """``python -m netcomp.book.pdf OUT``: print the book in OUT to OUT/html/netcomp-book.pdf."""
    parser = argparse.ArgumentParser(prog="python -m netcomp.book.pdf", description=main.__doc__)
    parser.add_argument(
        "out",
        nargs="?",
        default="_build",
        help="a netcomp build folder (holding html/); default _build",
    )
    args = parser.parse_args(argv)
    try:
        book = print_book(Path(args.out) / "html")
    except PdfError as exc:
        print(f"netcomp pdf: {exc}", file=sys.stderr)
        return 1
    for rel, wide in book.overflow.items():
        print(f"warning: {rel}: wider than the paper: {'; '.join(wide[:3])}", file=sys.stderr)
    size = book.path.stat().st_size / 1e6
    print(f"PDF: {book.path} ({book.page_count} pages, {size:.1f} MB, {book.seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
