"""Internal link check of the built HTML: every reference inside the book resolves to a file.

Every page of the built book is parsed with the standard library. Each ``href``/``src``/
``srcset``/``data``/``poster``/``action`` (and a meta refresh) that points inside the book must
name a file inside the html folder; a fragment must name an id on the target page. Links out
to the web (``<a href="https://...">``, e.g. DOIs) are allowed, but nothing the page *loads*
(scripts, stylesheets, images, media, frames) may come from outside the book. The stylesheets
the pages load are checked the same way for their ``url(...)`` references (fonts, icons).

Set ``NETCOMP_BOOK_DIR`` to an existing build folder to check those files instead.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

# Schemes that do not name a file of the book.
NOT_FILES = ("mailto:", "javascript:", "data:", "tel:", "blob:", "about:")
# Attributes holding a URL, and which of them make the browser fetch it.
URL_ATTRS = {"href", "src", "srcset", "data", "poster", "action"}
NAVIGATION = {("a", "href"), ("area", "href"), ("form", "action")}
CSS_URL = re.compile(r"""url\(\s*(?P<q>["']?)(?P<url>[^"')]+)(?P=q)\s*\)""")


@dataclass
class Reference:
    """One URL found in a page, where, and whether the browser would load it."""

    tag: str
    attr: str
    url: str
    line: int
    rel_loads: bool = True  # for <link>: does its rel make the browser fetch it?

    @property
    def loaded(self) -> bool:
        """True when the browser fetches it on page load (not a link a reader follows)."""
        if (self.tag, self.attr) in NAVIGATION:
            return False
        if self.tag == "link":  # rel=stylesheet/preload/icon load; rel=next/prev/index do not
            return self.attr == "href" and self.rel_loads
        return True


@dataclass
class Page:
    """What the parser collected from one HTML file."""

    references: list[Reference] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v for k, v in attrs if v is not None}
        for key in ("id", "name"):
            if key in values and (key == "id" or tag == "a"):
                self.page.ids.add(values[key])
        line = self.getpos()[0]
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            match = re.search(r"url\s*=\s*(.+)$", values.get("content", ""), flags=re.I)
            if match:
                self.page.references.append(Reference("a", "href", match.group(1).strip(), line))
        rel = set(values.get("rel", "").lower().split())
        for attr in URL_ATTRS & values.keys():
            urls = (
                [part.strip().split()[0] for part in values[attr].split(",") if part.strip()]
                if attr == "srcset"
                else [values[attr].strip()]
            )
            for url in urls:
                ref = Reference(tag, attr, url, line)
                ref.rel_loads = bool(
                    rel
                    & {
                        "stylesheet",
                        "preload",
                        "modulepreload",
                        "icon",
                        "shortcut",
                        "apple-touch-icon",
                        "manifest",
                        "prefetch",
                    }
                )
                self.page.references.append(ref)


@cache
def _parse(path: Path) -> Page:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    collector.close()
    return collector.page


def _is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme in ("http", "https") or parts.netloc or url.startswith("//"))


def _target(html_dir: Path, source: Path, url: str) -> tuple[Path | None, str]:
    """The file a relative/absolute-path URL names (None if outside the book), and its fragment."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if not path:
        return source, parts.fragment
    base = html_dir if path.startswith("/") else source.parent
    target = (base / path.lstrip("/")).resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(html_dir.resolve()):
        return None, parts.fragment
    return target, parts.fragment


def _stylesheets_problems(html_dir: Path, sheets: set[Path]) -> list[str]:
    problems = []
    for sheet in sorted(sheets):
        text = re.sub(
            r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8", errors="replace"), flags=re.S
        )
        for match in CSS_URL.finditer(text):
            url = match.group("url").strip()
            if url.startswith(("data:", "#")):
                continue
            where = sheet.relative_to(html_dir)
            if _is_external(url):
                problems.append(f"{where}: loads {url} from outside the book")
                continue
            target, _ = _target(html_dir, sheet, url)
            if target is None or not target.is_file():
                problems.append(f"{where}: url({url}) does not resolve to a file")
    return problems


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def book_html(request: pytest.FixtureRequest) -> Path:
    """The html folder under test: ``NETCOMP_BOOK_DIR``/html if set, else the session build's."""
    given = os.environ.get("NETCOMP_BOOK_DIR")
    out = Path(given).resolve() if given else request.getfixturevalue("built_book")
    html = (out / "html").resolve()
    assert (html / "index.html").is_file(), f"no built book in {out}"
    return html


@pytest.fixture(scope="session")
def html_pages(book_html: Path) -> list[Path]:
    """Every HTML page of the book; ``_static`` holds theme templates (Jinja), not pages."""
    pages = sorted(
        p
        for p in book_html.rglob("*.html")
        if not p.relative_to(book_html).parts[0].startswith("_")
    )
    assert len(pages) >= 3, pages
    return pages


# --------------------------------------------------------------------------- tests


def test_every_internal_reference_resolves(book_html: Path, html_pages: list[Path]):
    problems = []
    checked = 0
    for page in html_pages:
        for ref in _parse(page).references:
            if not ref.url or ref.url.lower().startswith(NOT_FILES) or _is_external(ref.url):
                continue
            checked += 1
            where = f"{page.relative_to(book_html)}:{ref.line} <{ref.tag} {ref.attr}={ref.url!r}>"
            target, fragment = _target(book_html, page, ref.url)
            if target is None:
                problems.append(f"{where} points outside the book")
            elif not target.is_file():
                problems.append(f"{where} names no file")
            elif fragment and target.suffix == ".html" and fragment not in _parse(target).ids:
                problems.append(f"{where}: no id {fragment!r} on {target.name}")
    assert not problems, "\n" + "\n".join(problems)
    assert checked > 10 * len(html_pages)


def test_nothing_loaded_comes_from_outside_the_book(book_html: Path, html_pages: list[Path]):
    """Scripts, styles, images and media are local; only followed links may leave the book."""
    problems = [
        f"{page.relative_to(book_html)}:{ref.line} <{ref.tag} {ref.attr}={ref.url!r}>"
        for page in html_pages
        for ref in _parse(page).references
        if ref.loaded and _is_external(ref.url)
    ]
    assert not problems, "\n" + "\n".join(problems)


def test_stylesheets_load_only_local_files(book_html: Path, html_pages: list[Path]):
    sheets: set[Path] = set()
    for page in html_pages:
        for ref in _parse(page).references:
            if ref.tag == "link" and ref.loaded and not _is_external(ref.url):
                target, _ = _target(book_html, page, ref.url)
                if target is not None and target.suffix == ".css" and target.is_file():
                    sheets.add(target)
    assert sheets, "no stylesheet found"
    problems = _stylesheets_problems(book_html, sheets)
    assert not problems, "\n" + "\n".join(problems)


def test_the_checker_catches_broken_and_external_references(tmp_path: Path):
    """The checker itself: a hand-made page with one reference of each kind."""
    html = tmp_path / "html"
    (html / "sub").mkdir(parents=True)
    (html / "sub" / "index.html").write_text('<p id="here">x</p>')
    (html / "a.css").write_text("@font-face{src:url(fonts/f.woff2)} /* url(gone.png) */")
    page = html / "page.html"
    page.write_text(
        '<link rel="stylesheet" href="a.css?v=1"><link rel="next" href="https://x.org/n">'
        '<script src="https://cdn.x.org/a.js"></script><img src="missing.png">'
        '<a href="sub/#here">ok</a><a href="sub/#nope">bad id</a><a href="../outside.html">o</a>'
        '<a href="https://doi.org/10.1/x">doi</a><img srcset="sub/index.html 1x, gone.png 2x">'
    )
    refs = _parse(page).references
    external_loads = [r.url for r in refs if r.loaded and _is_external(r.url)]
    assert external_loads == ["https://cdn.x.org/a.js"]
    resolved = {r.url: _target(html, page, r.url) for r in refs if not _is_external(r.url)}
    assert resolved["sub/#here"] == ((html / "sub" / "index.html").resolve(), "here")
    assert "here" in _parse(html / "sub" / "index.html").ids
    assert "nope" not in _parse(html / "sub" / "index.html").ids
    assert resolved["../outside.html"][0] is None
    assert not resolved["missing.png"][0].is_file()
    assert not resolved["gone.png"][0].is_file()
    assert _stylesheets_problems(html, {(html / "a.css").resolve()}) == [
        "a.css: url(fonts/f.woff2) does not resolve to a file"
    ]
