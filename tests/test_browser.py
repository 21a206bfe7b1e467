"""The built book read by a real browser (Debian's Chromium driven by Playwright), offline.

Every page of the built HTML is served from 127.0.0.1 and opened once; the visit records
console errors, failed and non-local requests, images, unresolved references, the left-nav
links and the page text, and saves a full-page screenshot to ``test-output/screenshots/``.
The tests below then each judge one aspect over all pages, so a failure names every bad page.

Set ``NETCOMP_BOOK_DIR`` to an existing build folder (the ``--out`` of ``netcomp build``,
holding ``html/``) to test those exact files instead of building the book; the publishing
workflow does this for the pages it uploads.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
import os
import re
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_WIDTH = 390
# The only console errors a reader may see: the theme's complaint on fresh browser storage,
# and the 404 of the favicon the book does not ship (matched by URL, not by text).
ALLOWED_CONSOLE_ERRORS = {"Got invalid theme mode: . Resetting to auto."}
ALLOWED_MISSING = {"/favicon.ico"}
# Text that only appears when MyST, glue or a cross-reference was not resolved.
UNRESOLVED_MARKERS = ("{glue", "glue:", "{ref}", "{numref}", "{cite", "{doc}", "{term}", "??")
NOT_A_NUMBER = {"", "nan", "NaN", "None", "inf", "-inf", "<NA>", "NaT"}
#: A global that the payload tests' strings set if they ever run as script.
PWNED_MARKER = "__pwned"
GLUE_ROLE = re.compile(r"\{glue(?::(?P<kind>[a-z]*))?\}`(?P<body>[^`]+)`")

PREPARE_JS = """
async () => {
  for (const img of document.images) { img.loading = "eager"; }
  window.scrollTo(0, document.documentElement.scrollHeight);
  await Promise.all(Array.from(document.images).map((img) => img.complete ? null :
    new Promise((done) => {
      img.addEventListener("load", done, {once: true});
      img.addEventListener("error", done, {once: true});
      setTimeout(done, 5000);
    })));
  window.scrollTo(0, 0);
}
"""

INSPECT_JS = """
() => {
  // The article is the page's own content (not the nav, the header or the prev/next links).
  const main = document.querySelector("article.bd-article") || document.querySelector("main")
    || document.body;
  const prose = main.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style, .highlight").forEach((e) => e.remove());
  return {
    brokenImages: Array.from(document.images).filter((i) => !(i.naturalWidth > 0))
      .map((i) => i.currentSrc || i.getAttribute("src") || i.outerHTML.slice(0, 120)),
    prose: prose.textContent,
    text: main.innerText,
    allText: main.textContent,
    unresolved: Array.from(main.querySelectorAll(".xref")).filter((e) => !e.closest("a"))
      .map((e) => "unresolved reference: " + e.textContent.trim()),
    systemMessages: Array.from(main.querySelectorAll(".system-message, .problematic"))
      .map((e) => "docutils problem: " + e.textContent.trim().slice(0, 160)),
    tocLinks: Array.from(document.querySelectorAll("nav.bd-docs-nav a[href]"))
      .map((a) => a.href),
    // every image of the article with its alt text and the caption of its figure (textContent:
    // a figure in a closed solution dropdown has no rendered text)
    figures: Array.from(main.querySelectorAll("img")).map((img) => {
      const figure = img.closest("figure");
      const caption = figure ? figure.querySelector("figcaption") : null;
      return {alt: img.getAttribute("alt") || "", src: img.getAttribute("src") || "",
              caption: caption ? caption.textContent : ""};
    }),
  };
}
"""


PHONE_JS = """
() => {
  // The page's width, and the outermost elements sticking out of it that no scrolling or
  // clipping box contains (what makes the page scroll sideways).
  const inner = document.documentElement.clientWidth;
  const clips = (el) => ["auto", "scroll", "hidden", "clip"]
    .includes(getComputedStyle(el).overflowX);
  const culprits = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.getBoundingClientRect().right <= inner + 1
        || getComputedStyle(el).visibility === "hidden") continue;
    let contained = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (clips(a) || a.getBoundingClientRect().right > inner + 1) { contained = true; break; }
    }
    if (!contained) {
      culprits.push(el.tagName.toLowerCase() + ": " + (el.textContent || "").trim().slice(0, 60));
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: inner,
          widest: culprits.slice(0, 3).join(" | ")};
}
"""


@dataclass
class PageReport:
    """What one visit of one page observed."""

    rel: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    scripts_run: list[str] = field(default_factory=list)  # dialogs, or a payload's marker set
    phone_overflow: list[str] = field(default_factory=list)  # sideways scroll at 390 px
    toc_links: list[str] = field(default_factory=list, repr=False)  # left nav, absolute URLs
    figures: list[dict[str, str]] = field(default_factory=list, repr=False)  # alt, src, caption
    prose: str = field(default="", repr=False)  # article text without code, hidden parts kept
    text: str = field(default="", repr=False)  # article text as rendered (what a reader sees)
    all_text: str = field(default="", repr=False)  # all article text, code included
    screenshot: Path | None = field(default=None, repr=False)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def book_out(request: pytest.FixtureRequest) -> Path:
    """The build folder under test: ``NETCOMP_BOOK_DIR`` if set, else the session's build."""
    given = os.environ.get("NETCOMP_BOOK_DIR")
    if given:
        out = Path(given).resolve()
        assert (out / "html" / "index.html").is_file(), f"no built book in {out}"
        return out
    return request.getfixturevalue("built_book")


@pytest.fixture(scope="session")
def html_dir(book_out: Path) -> Path:
    return book_out / "html"


@pytest.fixture(scope="session")
def server(html_dir: Path) -> Iterator[str]:
    """Serve the html folder on 127.0.0.1 at a free port; yield the base URL."""
    with serve(html_dir) as url:
        yield url


@contextlib.contextmanager
def serve(html_dir: Path) -> Iterator[str]:
    """Serve ``html_dir`` on 127.0.0.1 at a free port while the block runs; give the URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # the browser closing a connection early (broken pipe) is not a failure

    httpd = QuietServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html_dir)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the session (never a downloaded browser)."""
    with chromium_browser() as launched:
        yield launched


@contextlib.contextmanager
def chromium_browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright; skip (fail on CI) when it is missing."""
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "Debian's chromium is not installed (apt-get install chromium; .ci/run does it)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(message + " and CI is set: the browser tests must run")
        pytest.skip(message)
    from netcomp.book.pdf import playwright_driver

    launched = playwright_driver().chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture(scope="session")
def pages(html_dir: Path) -> list[str]:
    """Every page of the book (relative paths), found in the build; redirects excluded."""
    return book_pages(html_dir)


def book_pages(html_dir: Path) -> list[str]:
    """Every page of a built book (relative paths); redirects excluded."""
    found = sorted(
        p.relative_to(html_dir).as_posix()
        for p in html_dir.rglob("*.html")
        if not p.relative_to(html_dir).parts[0].startswith("_") and not _redirect_target(p)
    )
    assert "book/index.html" in found and "search.html" in found, found
    return found


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """An emptied ``test-output/screenshots/`` for this run."""
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def reports(
    browser: Any, server: str, pages: list[str], screenshots: Path
) -> dict[str, PageReport]:
    """Visit every page once; return what each visit observed."""
    return {rel: _visit(browser, server, rel, screenshots) for rel in pages}


# --------------------------------------------------------------------------- helpers


def _redirect_target(path: Path) -> str | None:
    """The URL a meta-refresh page redirects to, or None for a real page."""
    head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    match = re.search(
        r"""http-equiv=["']refresh["'][^>]*content=["'][^"']*url=([^"']+)""",
        head,
        flags=re.IGNORECASE,
    )
    return match.group(1).strip() if match else None


def _new_context(browser: Any, server: str, report: PageReport, **kwargs: Any) -> Any:
    """A fresh browser context whose requests may only go to the local server."""
    context = browser.new_context(service_workers="block", **kwargs)

    def block(route: Any) -> None:
        report.external_requests.append(route.request.url)
        route.abort()

    # The pattern is matched inside Playwright, so local requests never wait on Python.
    context.route(re.compile("^(?!" + re.escape(server) + ")"), block)
    return context


def _watch(page: Any, report: PageReport) -> None:
    """Record console errors, uncaught exceptions and failed requests of one page."""

    def on_console(msg: Any) -> None:
        if msg.type != "error":
            return
        where = urlsplit((msg.location or {}).get("url") or "").path
        if msg.text in ALLOWED_CONSOLE_ERRORS or (
            where in ALLOWED_MISSING and msg.text.startswith("Failed to load resource")
        ):
            return
        report.console_errors.append(f"{msg.text} (at {where or '?'})")

    def on_failed(request: Any) -> None:
        if request.url not in report.external_requests:
            report.failed_requests.append(f"{request.url}: {request.failure}")

    def on_response(response: Any) -> None:
        if response.status >= 400 and urlsplit(response.url).path not in ALLOWED_MISSING:
            report.failed_requests.append(f"{response.url}: HTTP {response.status}")

    def on_dialog(dialog: Any) -> None:
        report.scripts_run.append(f"a {dialog.type} dialog opened: {dialog.message!r}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda exc: report.console_errors.append(f"uncaught: {exc}"))
    page.on("dialog", on_dialog)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)


def _visit(browser: Any, server: str, rel: str, shots: Path) -> PageReport:
    report = PageReport(rel=rel)
    context = _new_context(browser, server, report, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        _watch(page, report)
        page.goto(server + rel, wait_until="load", timeout=30_000)
        page.evaluate(PREPARE_JS)
        page.wait_for_load_state("networkidle", timeout=15_000)
        info = page.evaluate(INSPECT_JS)
        report.broken_images = info["brokenImages"]
        report.problems = info["unresolved"] + info["systemMessages"]
        report.toc_links = info["tocLinks"]
        report.figures = info["figures"]
        report.prose = _squash(info["prose"])
        report.text = _squash(info["text"])
        report.all_text = _squash(info["allText"])
        report.screenshot = shots / (rel.replace("/", "__").removesuffix(".html") + ".png")
        page.screenshot(path=str(report.screenshot), full_page=True)
        if page.evaluate(f"() => typeof window.{PWNED_MARKER} !== 'undefined'"):
            report.scripts_run.append(f"window.{PWNED_MARKER} was set by a script in the page")
        # the same page on a phone-wide window: the article must not scroll sideways
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
        widths = page.evaluate(PHONE_JS)
        if widths["scroll"] > widths["inner"]:
            report.phone_overflow.append(
                f"{widths['scroll']} px wide at {PHONE_WIDTH} px; widest: {widths['widest']}"
            )
    finally:
        context.close()
    return report


# Sphinx "smartquotes" typesets quotes, dashes and ellipses in prose; undo it to compare.
_SMART = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "--",
        "\u2014": "---",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def _squash(text: str) -> str:
    """Text with whitespace collapsed and smart punctuation made plain."""
    return " ".join(text.translate(_SMART).split())


def _offenders(reports: dict[str, PageReport], attribute: str) -> str:
    """The pages whose ``attribute`` list is not empty, one line per finding ("" if none)."""
    return "\n".join(
        f"{rel}: {item}" for rel, r in reports.items() for item in getattr(r, attribute)
    )


def _source_of(html_dir: Path, book_out: Path, rel: str) -> Path | None:
    """The rendered source (.ipynb or .md) of a page: Sphinx's copy, else the build's."""
    stem = rel.removesuffix(".html")
    for base in (html_dir / "_sources", book_out / "src", book_out):
        for suffix in (".ipynb", ".md"):
            candidate = base / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def _markdown_of(source: Path) -> str:
    if source.suffix == ".ipynb":
        nb = json.loads(source.read_text(encoding="utf-8"))
        return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return source.read_text(encoding="utf-8")


def _glued_values(notebook: Path) -> dict[str, str]:
    """Every glued key of an executed notebook and its text/plain value."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    values: dict[str, str] = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                prefix = meta.get("mime_prefix", "")
                text = output.get("data", {}).get(prefix + "text/plain", "")
                values[meta["name"]] = "".join(text) if isinstance(text, list) else text
    return values


def _format_plain(text: str, spec: str) -> str:
    """Format a glued text/plain value with a format spec, as a reader should see it."""
    try:
        value: Any = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if not spec:
        return str(value)
    kind = spec[-1]
    if kind in "eEfFgGn%":
        value = float(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind == "s":
        value = str(value)
    return format(value, spec)


def _expected_glue(html_dir: Path, book_out: Path, rel: str) -> list[tuple[str, str | None]]:
    """(reference, expected text) for every glue role in a page's source.

    The expected text is None for roles whose rendering is not plain text (figures, markdown).
    A key missing from its notebook is returned as expected text "<missing key>".
    """
    source = _source_of(html_dir, book_out, rel)
    if source is None:
        return []
    expected: list[tuple[str, str | None]] = []
    for match in GLUE_ROLE.finditer(_markdown_of(source)):
        body, kind = match.group("body"), match.group("kind") or "any"
        key_part, spec = body.rsplit(":", 1) if ":" in body.replace("::", "\0\0") else (body, "")
        if "::" in key_part:
            doc, key = key_part.split("::", 1)
            notebook = (source.parent / doc).resolve()
        else:
            key, notebook = key_part, source
        values = _glued_values(notebook) if notebook.suffix == ".ipynb" else {}
        if key not in values:
            expected.append((match.group(0), "<missing key>"))
        elif kind == "text":
            expected.append((match.group(0), _format_plain(values[key], spec)))
        else:
            expected.append((match.group(0), None))
    return expected


def _fetch_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


# --------------------------------------------------------------------------- tests


def test_every_page_was_visited_and_screenshotted(reports: dict[str, PageReport]):
    missing = [
        rel
        for rel, r in reports.items()
        if r.screenshot is None or not r.screenshot.is_file() or r.screenshot.stat().st_size == 0
    ]
    assert not missing, f"no screenshot for {missing}"
    assert any(rel.startswith("notebooks/") for rel in reports), "no chapter page was built"


def test_pages_log_no_console_error(reports: dict[str, PageReport]):
    bad = _offenders(reports, "console_errors")
    assert not bad, "\n" + bad


def test_pages_have_no_failed_request(reports: dict[str, PageReport]):
    bad = _offenders(reports, "failed_requests")
    assert not bad, "\n" + bad


def test_no_request_leaves_the_book(reports: dict[str, PageReport]):
    bad = _offenders(reports, "external_requests")
    assert not bad, "\n" + bad


def test_every_image_loads(reports: dict[str, PageReport]):
    bad = _offenders(reports, "broken_images")
    assert not bad, "\n" + bad


def test_no_unresolved_reference_or_markup(reports: dict[str, PageReport]):
    found = [
        f"{rel}: unrendered {m!r} in the prose"
        for rel, r in reports.items()
        for m in UNRESOLVED_MARKERS
        if m in r.prose
    ]
    bad = "\n".join([*found, _offenders(reports, "problems")]).strip()
    assert not bad, "\n" + bad


def test_every_glued_value_is_shown(reports: dict[str, PageReport], html_dir: Path, book_out: Path):
    """Each glue role's value, formatted from the executed notebook, is in the page text."""
    problems: dict[str, list[str]] = {}
    checked = 0
    for rel, report in reports.items():
        for role, text in _expected_glue(html_dir, book_out, rel):
            if text is None:
                continue
            checked += 1
            if text == "<missing key>" or text.strip() in NOT_A_NUMBER:
                problems.setdefault(rel, []).append(f"{role} -> {text!r}")
            elif _squash(text) not in report.prose:
                problems.setdefault(rel, []).append(f"{role}: {text!r} not on the page")
    assert not problems
    assert checked > 0, "no glue:text role found; the check would be vacuous"


def test_table_of_contents_links_resolve(
    reports: dict[str, PageReport], server: str, pages: list[str]
):
    links = {link.split("#", 1)[0] for r in reports.values() for link in r.toc_links}
    assert links, "no left-nav links found"
    broken = {link: status for link in sorted(links) if (status := _fetch_status(link)) != 200}
    assert not broken
    assert all(urlsplit(link).netloc == urlsplit(server).netloc for link in links)
    # Every chapter page the build produced is reachable from the front page's nav.
    front = {urlsplit(link).path.lstrip("/") for link in reports["book/index.html"].toc_links}
    chapters = [rel for rel in pages if rel.startswith("notebooks/")]
    assert not [rel for rel in chapters if rel not in front]


def test_index_redirects_to_the_front_page(browser: Any, server: str, html_dir: Path):
    target = _redirect_target(html_dir / "index.html")
    assert target is not None and (html_dir / target).is_file()
    report = PageReport(rel="index.html")
    context = _new_context(browser, server, report)
    try:
        page = context.new_page()
        page.goto(server + "index.html")
        page.wait_for_url(server + PurePosixPath(target).as_posix(), timeout=10_000)
        assert page.locator("main h1").count() >= 1
    finally:
        context.close()
    assert not report.external_requests


def test_a_click_anywhere_in_a_solution_title_opens_it(browser: Any, server: str):
    """Found by a review: a click on the exercise's name in a solution's title left it closed,
    with an uncaught script error (sphinx-togglebutton expects the title itself)."""
    report = PageReport(rel="notebooks/01_data_import.html")
    context = _new_context(browser, server, report, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        _watch(page, report)
        page.goto(server + report.rel, wait_until="load")
        solution = page.locator("div.solution.dropdown").first
        body = solution.locator("> :not(.admonition-title)").first
        assert body.is_hidden()
        # a user's click on the link's words (force: Playwright would wait for the link to
        # take the click itself; the mouse lands where the link is drawn)
        solution.locator("p.admonition-title a").first.click(force=True)
        page.wait_for_timeout(300)
        assert body.is_visible()
        solution.locator("p.admonition-title").first.click()  # and closes again
        page.wait_for_timeout(300)
        assert body.is_hidden()
    finally:
        context.close()
    assert not report.console_errors, report.console_errors


def _search(browser: Any, server: str, word: str) -> tuple[list[str], PageReport]:
    """Run the book's own search page for ``word``; return the result links."""
    report = PageReport(rel=f"search.html?q={word}")
    context = _new_context(browser, server, report)
    try:
        page = context.new_page()
        _watch(page, report)
        page.goto(f"{server}search.html?q={word}", wait_until="load")
        # Sphinx retitles the results "Search Results" once every hit is listed, hits or not.
        page.wait_for_function(
            "() => (document.querySelector('#search-results h2')?.textContent || '')"
            ".startsWith('Search Results')",
            timeout=15_000,
        )
        hits = page.eval_on_selector_all(
            "#search-results ul.search li a", "els => els.map(a => a.href)"
        )
    finally:
        context.close()
    return hits, report


def test_search_finds_hras(browser: Any, server: str, reports: dict[str, PageReport]):
    """The search page finds HRAS wherever the book's text mentions it (it finds a word it has)."""
    # Sphinx indexes documents, not its generated pages (search, general index).
    generated = {"search.html", "genindex.html"}
    holders = [rel for rel, r in reports.items() if "HRAS" in r.prose and rel not in generated]
    word = "HRAS" if holders else "cohort"
    hits, report = _search(browser, server, word)
    assert hits, f"the search page found nothing for {word!r}"
    assert not report.console_errors and not report.failed_requests
    assert not report.external_requests
    found = {urlsplit(h).path.lstrip("/") for h in hits}
    # Every hit is a page of the book that shows the word ...
    assert all(word.lower() in reports[rel].all_text.lower() for rel in found if rel in reports)
    assert found <= set(reports), f"hits outside the visited pages: {found - set(reports)}"
    # ... and every page whose own text mentions HRAS is found.
    missed = {rel for rel in holders if rel not in found}
    assert not missed, f"search for HRAS missed {missed}"
    assert all(_fetch_status(h.split("#", 1)[0]) == 200 for h in hits)


def test_front_page_fits_a_phone(browser: Any, server: str, screenshots: Path):
    report = PageReport(rel="book/index.html@phone")
    context = _new_context(
        browser,
        server,
        report,
        viewport={"width": PHONE_WIDTH, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        page = context.new_page()
        page.goto(server + "book/index.html", wait_until="load")
        page.wait_for_load_state("networkidle")
        widths = page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
        )
        page.screenshot(path=str(screenshots / "book__index@phone.png"), full_page=True)
    finally:
        context.close()
    assert widths["inner"] == PHONE_WIDTH
    assert widths["scroll"] <= widths["inner"], f"horizontal scroll at {PHONE_WIDTH} px: {widths}"


def test_no_script_in_the_pages_runs_unasked(reports: dict[str, PageReport]):
    """No page opens a dialog or sets the payload marker (the payload tests rely on this)."""
    bad = _offenders(reports, "scripts_run")
    assert not bad, "\n" + bad


def test_every_page_fits_a_phone(reports: dict[str, PageReport]):
    """At 390 px wide no page scrolls sideways (wide tables and code scroll in their boxes)."""
    bad = _offenders(reports, "phone_overflow")
    assert not bad, "\n" + bad


#: Alt text that is only a file name or a hash (what an image output gets by default).
FILE_NAME_ALT = re.compile(
    r"(^|[/\\])[\w.-]+\.(png|svg|jpe?g|gif|webp)$|^[0-9a-f]{32,}", re.IGNORECASE
)


def test_every_figure_is_numbered_captioned_and_described(reports: dict[str, PageReport]):
    """Every image has alt text describing it; on a chapter, each is a numbered figure.

    A chapter's figures read "Figure c.1", "Figure c.2", ... in page order, c being the
    chapter's number in the book (not its file name), with no gap where a section did not
    apply; the caption goes on to say what the figure shows.
    """
    from netcomp.book.numbering import chapter_number

    problems: list[str] = []
    numbered = 0
    for rel, report in reports.items():
        chapter = chapter_number(PurePosixPath(rel).stem) if rel.startswith("notebooks/") else None
        for k, figure in enumerate(report.figures, start=1):
            alt = " ".join(figure["alt"].split())
            if len(alt.split()) < 5 or FILE_NAME_ALT.search(alt) or figure["src"].endswith(alt):
                problems.append(f"{rel}: alt text {alt!r} for {figure['src']}")
            if chapter is None:
                continue
            label = f"Figure {chapter}.{k}. "
            caption = " ".join(figure["caption"].split())
            if not caption.startswith(label) or len(caption.split()) < 15:
                problems.append(f"{rel}: caption {caption[:70]!r}, expected {label!r} and words")
            numbered += 1
    assert not problems, "\n" + "\n".join(problems)
    assert numbered >= 20, f"only {numbered} numbered figures found in the chapters"
