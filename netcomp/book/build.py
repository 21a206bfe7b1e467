"""``netcomp build``: check the data and parameters, execute the chapters, render the book.

Safety first: ``--out`` is replaced only when it is a previous netcomp build (it holds the
``.netcomp-build`` marker) or an empty folder; it may not be a file, the data folder, a folder
inside or around the data, the current folder or one of its parents, the repository or the
home folder. Every refusal happens before any work. The build works in a netcomp-owned staging
folder next to ``--out`` (``.netcomp-staging-*``) and swaps it in only when every step
succeeded; the staging folder is removed on every way out (success, error, Ctrl-C, SIGTERM),
worker processes and Jupyter kernels are stopped, and a lock file next to ``--out`` refuses a
second build into the same folder. Papermill is the only executor: each chapter, stored as a
MyST Markdown notebook (``notebooks/*.md``), is converted to an ``.ipynb`` in the staging folder
(:mod:`netcomp.book.notebooks`) and papermill runs that copy; Jupyter Book renders the
executed notebooks with execution off and with Sphinx warnings turned into errors.

:func:`build` runs named steps, each a function below: :func:`plan_build` (content hashes,
:mod:`netcomp.book.cache`), the pre-flight check, :func:`stage_book`, :func:`execute_chapters`,
:func:`collect_outputs`, :func:`render_book` and :func:`publish_build` (the swap).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import netcomp
from netcomp.book import cache
from netcomp.book import params as params_mod
from netcomp.book.cache import PATH_PARAMS as PATH_PARAMS  # re-exported (tests read it here)
from netcomp.book.interrupts import kept_interrupts, raise_kept
from netcomp.book.notebooks import SOURCE_SUFFIX, is_notebook_source, notebook_name, write_ipynb
from netcomp.data.provenance import BUNDLED_COHORT, file_checksums
from netcomp.text.safe_text import clip, md_escape
from netcomp.text.wording import plural

if TYPE_CHECKING:
    import pandas as pd

    from netcomp.book.preflight import PreflightReport

# pandas, papermill and the analysis modules are imported inside the functions that
# need them, so that a rebuild with nothing changed answers in a fraction of a second.

ROOT = Path(__file__).resolve().parents[2]
LITERATURE_DIR = ROOT / "data" / "literature"
BOOK_FILES = ("_config.yml", "_toc.yml")
#: The chapters, longest-running first (cold builds, 2026-12): a cold build without a previous
#: build.json starts them in this order, so that no chapter is left to run alone at the end.
LONGEST_FIRST = (
    "03_biomarker_association",
    "05_small_cohorts",
    "04_literature_context",
    "02_response_classification",
    "01_data_import",
    "06_replication",
)
BOOK_DIRS = ("book",)
#: Repository folders a build reads: ``--out`` may never lie inside one of them.
SOURCE_DIRS = ("book", "notebooks", "netcomp", "data", "tests")


class BuildError(RuntimeError):
    """A build step failed; the message says which step, notebook and cell, and what to do."""


class OutDirError(BuildError):
    """``--out`` names a folder netcomp must not replace; refused before any work."""


@dataclass
class BuildResult:
    """What a successful build produced and how long each step took."""

    out_dir: Path
    index_html: Path
    executed: list[str]
    durations: dict[str, float] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def toc_docnames(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """Every page of the table of contents, in reading order (``book/index``, ...).

    Read with sphinx-external-toc's parser, the one Jupyter Book uses, and walked depth first
    from the root page; the names carry no suffix. Globs and URLs are left out.
    """
    from sphinx_external_toc.parsing import FileItem, parse_toc_yaml

    site = parse_toc_yaml(toc)
    docnames: list[str] = []

    def visit(docname: str) -> None:
        docnames.append(docname)
        for tree in site[docname].subtrees:
            for item in tree.items:
                if isinstance(item, FileItem):
                    visit(str(item))

    visit(site.root.docname)
    return docnames


def chapter_notebooks(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """The chapters listed in ``_toc.yml``, in book order: their source files.

    A chapter is a MyST Markdown notebook (``.md`` with a kernel header,
    :mod:`netcomp.book.notebooks`) or an ``.ipynb``; the book's plain Markdown pages are left
    out. The build and everything after it name a chapter ``<stem>.ipynb`` (:func:`notebook_name`).
    """
    chapters = []
    for name in toc_docnames(toc):
        for suffix in (SOURCE_SUFFIX, ".ipynb"):
            if is_notebook_source(path := toc.parent / f"{name}{suffix}"):
                chapters.append(path)
                break
    return chapters


def notebook_parameters(
    path: Path, values: dict[str, Any], paths: dict[str, str], declared: list[str] | None = None
) -> dict:
    """The parameters to inject into one notebook: only those its parameters cell declares."""
    declared = cache.declared_parameters(path) if declared is None else declared
    merged = {**values, **paths}
    return {k: v for k, v in merged.items() if k in declared}


def _literal_braces(path: str) -> str:
    """``path`` with braces doubled, so papermill's ``str.format`` of it gives it back as is."""
    return path.replace("{", "{{").replace("}", "}}")


def _execute_one(task: tuple[str, str, dict, str]) -> tuple[str, float]:
    """Run one notebook with papermill (in a worker process); return (name, seconds)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source, target, parameters, cwd = task
    start = time.perf_counter()
    kernel_log = Path(target).with_suffix(".kernel.log")
    saved_stderr = os.dup(2)
    try:
        # the kernel inherits file descriptor 2: keep its chatter out of the build's output
        with open(kernel_log, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                # papermill formats both paths with str.format: braces in a folder name
                # ("{x}") must be doubled to stay literal
                papermill.execute_notebook(
                    _literal_braces(source),
                    _literal_braces(target),
                    parameters=parameters,
                    cwd=cwd,
                    kernel_name="python3",
                    progress_bar=False,
                    log_output=False,
                    request_save_on_cell_execute=False,
                )
            finally:
                os.dup2(saved_stderr, 2)
    except PapermillExecutionError as exc:
        index = exc.cell_index
        executed = json.loads(Path(target).read_text(encoding="utf-8"))
        injected = [
            i
            for i, c in enumerate(executed["cells"])
            if "injected-parameters" in c.get("metadata", {}).get("tags", [])
        ]
        if injected and injected[0] < index:
            index -= 1  # number the cell as in the source notebook
        first = next((ln for ln in str(exc.source).splitlines() if ln.strip()), "")
        kept = keep_log(Path(target))  # the staging folder is removed: keep the evidence
        raise BuildError(
            f"notebook {Path(source).name} failed in cell {index + 1} (counting all cells "
            f"from 1), which starts with: {first.strip()[:80]}\n"
            f"  {exc.ename}: {clip(exc.evalue, 300)}\n"
            f"  the executed notebook with the full traceback is {kept}"
        ) from None
    finally:
        os.close(saved_stderr)
    kernel_log.unlink(missing_ok=True)
    return Path(source).name, time.perf_counter() - start


def _worker_init() -> None:
    """Worker processes leave Ctrl-C and SIGTERM to the build, which stops them itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _public_paths(data_name: str) -> dict[str, Any]:
    """What published notebooks show for each path parameter instead of this machine's."""
    return {
        "data_dir": data_name,
        "results_dir": None,
        "figures_dir": None,
        "literature_dir": "../data/literature",
    }


def _hide_parameter_cells(path: Path, data_name: str = "cohort") -> None:
    """Fold the parameter cells in the rendered page (code stays one click away).

    The published notebook must not show this machine's folders (the data folder's absolute
    path, the staging folder): the injected path parameters and papermill's metadata are
    rewritten to the data folder's name and to ``None`` (nothing saved when rerun by hand).
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    public = _public_paths(data_name)
    for cell in nb["cells"]:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if ("parameters" in tags or "injected-parameters" in tags) and "hide-input" not in tags:
            tags.append("hide-input")
        if "injected-parameters" in tags:
            lines = "".join(cell["source"]).splitlines()
            for i, line in enumerate(lines):
                name = line.split("=", 1)[0].strip()
                if name in public:
                    lines[i] = f"{name} = {public[name]!r}"
            cell["source"] = "\n".join(lines)
    meta = nb.get("metadata", {}).get("papermill", {})
    if isinstance(meta.get("parameters"), dict):
        meta["parameters"] = {
            k: (public[k] if k in public else v) for k, v in meta["parameters"].items()
        }
    for key in ("input_path", "output_path"):
        if key in meta:
            meta[key] = path.name
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def parameter_text(value: Any) -> str:
    """A parameter's value as a reader reads it: no quotes, no ``None``, lists comma-separated."""
    if value is None:
        return "not set (chosen from the data)"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) if value else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def parameter_name(name: str) -> str:
    """A parameter's name as a reader types it, in code font (escaped text if not a name)."""
    return f"`{name}`" if name.isidentifier() else md_escape(name)


def _build_info_markdown(
    data_dir: Path, values: dict[str, Any], checksums: dict[str, str], bundled: bool
) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    # folder, file names and parameter values are the user's: escaped, never markup
    rows = "\n".join(
        f"| {md_escape(name)} | `{digest}` |" for name, digest in sorted(checksums.items())
    )
    prow = "\n".join(
        f"| {parameter_name(k)} | {md_escape(parameter_text(v))} |" for k, v in values.items()
    )
    origin = (
        "the **bundled reconstructed cohort** (synthetic values that satisfy the study's "
        "published aggregates; not the study's measurements)"
        if bundled
        else "a **user-supplied cohort**"
    )
    return f"""
Built on {now} with netcomp {netcomp.__version__} (commit `{_git_commit()}`), Python
{platform.python_version()}, from {origin} in {md_escape(data_dir.name)}.

```{{dropdown}} Data files (SHA-256) and parameters of this build
| File | SHA-256 |
|---|---|
{rows}

| Parameter | Value |
|---|---|
{prow}
```
"""


KEY_PACKAGES = (
    "jupyter-book",
    "sphinx",
    "myst-nb",
    "papermill",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
)


def _about_markdown(
    data_dir: Path,
    values: dict[str, Any],
    checksums: dict[str, str],
    durations: dict[str, float],
    reused: set[str],
) -> str:
    """Body of the 'About this build' page: versions, parameters, checksums, durations."""
    from importlib.metadata import PackageNotFoundError, version

    def pkg_version(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        "## Software",
        "",
        "| Component | Version |",
        "|---|---|",
        f"| netcomp | {netcomp.__version__} (git commit `{_git_commit()}`) |",
        f"| Python | {platform.python_version()} ({platform.platform(terse=True)}) |",
        *(f"| {name} | {pkg_version(name)} |" for name in KEY_PACKAGES),
        "",
        "## Data",
        "",
        f"Folder: {md_escape(data_dir.name)}",
        "",
        "| File | SHA-256 |",
        "|---|---|",
        *(f"| {md_escape(n)} | `{d}` |" for n, d in sorted(checksums.items())),
        "",
        "## Parameters",
        "",
        "| Parameter | Value |",
        "|---|---|",
        *(f"| {parameter_name(k)} | {md_escape(parameter_text(v))} |" for k, v in values.items()),
        "",
        "## Build",
        "",
        f"Built on {now}.",
        "",
        "| Step | Seconds | |",
        "|---|---|---|",
    ]
    for name, seconds in durations.items():
        note = "reused from the previous build (inputs unchanged)" if name in reused else ""
        lines.append(f"| {name} | {seconds:.1f} | {note} |")
    return "\n".join(lines) + "\n"


def _stage_sources(src: Path) -> None:
    src.mkdir(parents=True)
    for name in BOOK_FILES:
        shutil.copy2(ROOT / name, src / name)
    for name in BOOK_DIRS:
        shutil.copytree(
            ROOT / name,
            src / name,
            ignore=shutil.ignore_patterns("_generated", ".*", "__pycache__"),
        )
    (src / "notebooks").mkdir()


def _run_jupyter_book(src: Path, work: Path) -> None:
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(exe) if exe.exists() else "jupyter-book",
        "build",
        str(src),
        "--path-output",
        str(work),
        "--builder",
        "html",
        "-W",
        "-n",
        "--keep-going",
        "--all",
    ]
    # a plain child process (not subprocess.run, which kills only the child on Ctrl-C):
    # on an interrupt the build stops it together with everything it started
    with open(work / "sphinx.log", "w+", encoding="utf-8") as sink:
        proc = subprocess.Popen(
            cmd, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        returncode = proc.wait()
        sink.seek(0)
        log = sink.read()
    problems = [ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln]
    if returncode != 0 or problems:
        shown = "\n  ".join(problems[:20]) or log[-2000:]
        raise BuildError(
            "Jupyter Book reported problems (warnings fail the build):\n  "
            + shown
            + f"\n  full log: {keep_log(work / 'sphinx.log')}"
        )


# --------------------------------------------------------------------------- the output folder

#: Marker file netcomp writes into every build; only a folder holding it may be replaced.
MARKER = ".netcomp-build"
SIGNATURE = "netcomp-build"
STAGING_PREFIX = ".netcomp-staging-"
BACKUP_PREFIX = ".netcomp-backup-"
LOCK_PREFIX = ".netcomp-lock-"


def keep_log(path: Path) -> Path:
    """Copy ``path`` (a failed notebook, a Sphinx log) to the netcomp log folder.

    Staging folders are always removed, so what a user needs to see a failure goes here.
    """
    from netcomp.cli import log_dir

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = log_dir() / f"{stamp}-{os.getpid()}-{path.name}"
    try:
        shutil.copyfile(path, target)
        target.chmod(0o600)
    except OSError:
        return path  # nowhere to keep it: name the original, while it lasts
    return target


def _entries(folder: Path) -> set[str]:
    """Every file, folder and link below ``folder``, as relative POSIX paths.

    Links are listed, never followed: a link a user puts in a build names their own files.
    """
    found: set[str] = set()
    for root, dirs, files in os.walk(folder):  # followlinks=False: a linked folder is an entry
        rel = Path(root).relative_to(folder)
        found.update((rel / name).as_posix() for name in (*dirs, *files))
    return found


def write_marker(folder: Path) -> Path:
    """Write the ``.netcomp-build`` marker that lets a later build replace ``folder``.

    It lists every entry of the folder, at every depth (written last, it sees them all), so
    that a file a user later puts anywhere into the build folder (``results/my_notes.txt``
    as well as ``my_notes.txt``) is recognised as theirs and never deleted.
    """
    entries = _entries(folder) | {MARKER}
    signature = {
        "signature": SIGNATURE,
        "format": 2,
        "netcomp_version": netcomp.__version__,
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "note": "written by 'netcomp build'; the next build into this folder replaces it",
        "contents": sorted(e for e in entries if "/" not in e),
        "entries": sorted(entries),
    }
    path = folder / MARKER
    path.write_text(json.dumps(signature, indent=1) + "\n", encoding="utf-8")
    return path


def add_to_marker(folder: Path, paths: list[Path]) -> None:
    """Record ``paths`` (written by netcomp into the build ``folder`` after its build, such as
    the PDF of ``make pdf``) in its marker, so the next build may replace them."""
    marker = folder / MARKER
    if not is_previous_build(folder):
        return
    signature = json.loads(marker.read_text(encoding="utf-8"))
    if not isinstance(signature.get("entries"), list):
        return  # an older marker lists top-level names only; nothing below is checked
    entries = set(signature["entries"])
    for path in paths:
        if not _within(Path(path).resolve(), folder.resolve()):
            continue  # written elsewhere: not part of the build
        rel = Path(path).resolve().relative_to(folder.resolve())
        entries.update(p.as_posix() for p in (rel, *rel.parents) if p != Path("."))
    signature["entries"] = sorted(entries)
    signature["contents"] = sorted(e for e in entries if "/" not in e)
    marker.write_text(json.dumps(signature, indent=1) + "\n", encoding="utf-8")


def is_previous_build(folder: Path) -> bool:
    """True when ``folder`` holds a valid netcomp marker (a build netcomp may replace)."""
    marker = folder / MARKER
    if marker.is_symlink() or not marker.is_file():
        return False
    try:
        signature = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(signature, dict) and signature.get("signature") == SIGNATURE


def foreign_entries(folder: Path) -> list[str]:
    """Entries of a previous build that its marker does not list: put there by someone else.

    Relative paths, at any depth; a new folder is named once, not with everything in it.
    Markers of format 1 list top-level names only (only those are checked); the oldest
    markers list nothing, so nothing is foreign in them.
    """
    try:
        signature = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        deep = isinstance(signature.get("entries"), list)
        listed = signature.get("entries") if deep else signature.get("contents")
        present = _entries(folder) if deep else {p.name for p in folder.iterdir()}
    except (OSError, ValueError, AttributeError):
        return []
    if not isinstance(listed, list):
        return []
    new = present - {str(name) for name in listed}
    return sorted(e for e in new if not any(p.as_posix() in new for p in PurePath(e).parents))


def _within(inner: Path, outer: Path) -> bool:
    """``inner`` is ``outer`` or lies somewhere inside it."""
    return inner == outer or outer in inner.parents


#: Why an ``--out`` is refused and what to do instead; None when a check finds nothing wrong.
Refusal = tuple[str, str] | None

_NEW_NAME = "Choose a folder name that does not exist yet, e.g. --out my_book/"


def check_out_dir(out: Path, data: Path, params: Path | None = None) -> None:
    """Refuse an ``--out`` that netcomp must not create or replace (all paths resolved).

    Raises :class:`OutDirError` saying why and what to do; reads only, writes nothing. The
    checks run in order and the first refusal is reported.
    """
    for refusal in (
        _file_or_data_refusal(out, data, params),
        _place_refusal(out),
        _contents_refusal(out),
    ):
        if refusal is not None:
            why, remedy = refusal
            raise OutDirError(
                f"refusing --out {out}: {why}. Nothing was built or changed. {remedy}"
            )


def _file_or_data_refusal(out: Path, data: Path, params: Path | None) -> Refusal:
    """``out`` is a file, or holds or lies inside the user's data or parameter file."""
    if out.exists() and not out.is_dir():
        return "it is a file, not a folder", _NEW_NAME
    if _within(out, data):
        where = " folder" if out == data else ", or inside the data folder"
        return (
            f"it is the data{where} {data}, which netcomp only reads",
            _NEW_NAME + " outside the data folder",
        )
    if _within(data, out):
        return f"it contains the data {data}, and replacing it would delete the data", _NEW_NAME
    if params is not None and _within(params, out):
        return (
            f"it contains the parameter file {params}, and replacing it would delete it",
            _NEW_NAME + ", or keep the parameter file elsewhere",
        )
    return None


def _place_refusal(out: Path) -> Refusal:
    """``out`` is the current folder, the repository, home or a parent, or a source folder."""
    forbidden = [(Path.cwd().resolve(), "the current folder"), (ROOT, "the netcomp repository")]
    with contextlib.suppress(RuntimeError, KeyError):
        forbidden.append((Path.home().resolve(), "your home folder"))
    for place, name in forbidden:
        if _within(place, out):
            return (
                f"it is {name}" + ("" if out == place else f" ({place}) or a parent of it"),
                _NEW_NAME + " (a sub-folder, such as my_book/)",
            )
    for source in SOURCE_DIRS:
        if _within(out, ROOT / source):
            # a build there would be read back as pages, notebooks or code by every later
            # build (Jupyter Book fails on pages outside the table of contents)
            return (
                f"it is inside the repository's {source}/ folder, which every build reads",
                "Choose a folder outside it, such as the default _build/ or my_book/",
            )
    return None


def _contents_refusal(out: Path) -> Refusal:
    """``out`` holds files no netcomp build wrote (a build replaces its folder entirely)."""
    if not out.is_dir():
        return None
    if not is_previous_build(out):
        if not any(out.iterdir()):
            return None
        if (out / "build.json").is_file() and (out / "html").is_dir():
            return (
                f"it looks like a build of an older netcomp, which wrote no {MARKER} "
                "marker, so netcomp cannot tell it from your own files",
                f"If it is one, delete it yourself once (rm -r {out}); later builds can "
                "then replace it",
            )
        return (
            f"the folder is not empty and is not a previous netcomp build (it has no "
            f"{MARKER} marker); a build replaces its folder entirely",
            _NEW_NAME + ", or an empty folder. Move your files elsewhere first if you "
            "want to reuse this name",
        )
    foreign = foreign_entries(out)
    if not foreign:
        return None
    shown = ", ".join(repr(clip(name, 40)) for name in foreign[:5])
    more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
    return (
        f"it is a previous netcomp build, but it also holds {shown}{more}, which no "
        "build wrote; a build replaces its folder entirely and would delete them",
        "Move them out of the folder first, or choose another --out",
    )


@contextlib.contextmanager
def out_lock(out: Path) -> Iterator[Path]:
    """Hold an exclusive lock for builds into ``out``; refuse at once if another holds it."""
    lock_path = out.parent / f"{LOCK_PREFIX}{out.name}"
    while True:
        try:
            # O_NOFOLLOW: a link planted at the lock's name must not make the build
            # truncate the file it points to
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            if lock_path.is_symlink():
                raise BuildError(
                    f"{lock_path} is a symbolic link, not netcomp's lock file; "
                    "remove it (it is not a file netcomp wrote) or choose another "
                    "--out. Nothing was changed."
                ) from None
            raise BuildError(
                f"cannot write next to --out {out}: {exc.strerror} "
                f"({lock_path}); choose a folder where you may write. Nothing "
                "was changed."
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BuildError(
                f"another netcomp build is writing to {out} right now (it holds the lock "
                f"{lock_path}); wait for it to finish or choose another --out. Nothing was "
                "changed."
            ) from None
        # the previous holder removes the file when done: make sure ours is still the one
        try:
            current = os.stat(lock_path)
            mine = os.fstat(fd)
            if (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield lock_path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        os.close(fd)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while a step must not be cut in half; deliver them after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    saved = {
        sig: signal.signal(sig, lambda signum, _frame: pending.append(signum))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        if pending:
            signal.raise_signal(pending[0])


def _children() -> set[int]:
    import psutil

    try:
        return {p.pid for p in psutil.Process().children(recursive=True)}
    except psutil.Error:
        return set()


def _stop_children(keep: set[int], timeout: float = 3.0) -> None:
    """Stop every process this build started (workers, kernels, Jupyter Book), not ``keep``.

    The whole tree is collected first, so kernels whose worker dies are not lost.
    """
    import psutil

    try:
        procs = [p for p in psutil.Process().children(recursive=True) if p.pid not in keep]
    except psutil.Error:
        return
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=2.0)


def _new_staging(out: Path) -> Path:
    """A netcomp-owned staging folder next to ``out`` (a name no user folder can have)."""
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out.parent))
    umask = os.umask(0o022)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the book is a normal folder
    return staging


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging``; an interrupt waits until both are consistent."""
    with _signals_deferred():
        backup = None
        if out.exists():
            backup = Path(tempfile.mkdtemp(prefix=BACKUP_PREFIX, dir=out.parent))
            out.rename(backup / "previous")
        try:
            staging.rename(out)
        except BaseException:
            if backup is not None:
                (backup / "previous").rename(out)
            raise
        finally:
            if backup is not None:
                shutil.rmtree(backup, ignore_errors=True)


def _read_notices(results: Path, design: bool = False) -> list[str]:
    """The chapter notices written to ``results/notices-<chapter>.json``, chapter named:
    those that count (``--strict`` refuses them), or with ``design`` the design notes."""
    found = []
    for path in sorted(results.glob("notices-*.json")):
        chapter = path.stem.removeprefix("notices-")
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for item in items if isinstance(items, list) else []:
            text = item.get("text") if isinstance(item, dict) else None
            if text and bool(item.get("design")) == design:
                found.append(f"{chapter}: {text}")
    return found


def _preflight(data: Path, values: dict[str, Any], allow_identifiers: bool) -> PreflightReport:
    """The pre-flight check of the data and parameters together (netcomp.book.preflight)."""
    from netcomp.book.preflight import preflight

    return preflight(data, values, allow_identifiers=allow_identifiers)


# --------------------------------------------------------------------------- the build
#
# build() checks --out and the parameters, takes the lock, and runs the named steps in order:
#   plan_build        content hashes (netcomp.book.cache): which chapters the previous build has
#   _check_inputs     the pre-flight check of data and parameters, before anything is written
#   stage_book        a staging folder with the book's sources and generated pages
#   execute_chapters  papermill runs the chapters that changed
#   collect_outputs   executed notebooks, results and figures of every chapter; the ledger
#   render_book       Jupyter Book renders the staged sources to HTML
#   publish_build     build.json and the marker written, then the staging folder swapped in


@dataclass
class ChapterPlan:
    """One chapter of a planned build: what it declares and whether it is reused."""

    notebook: Path
    #: names the notebook's parameters cell declares (only those are injected)
    declared: list[str]
    #: content hash of everything the chapter reads (:func:`netcomp.book.cache.chapter_key`)
    key: str
    #: the previous build holds this chapter executed with the same key
    reuse: bool

    @property
    def name(self) -> str:
        """The chapter's notebook name (``<stem>.ipynb``), whatever its source format."""
        return notebook_name(self.notebook)


@dataclass
class BuildPlan:
    """What a build will do, decided before anything is written (:func:`plan_build`)."""

    data_dir: Path
    out: Path
    values: dict[str, Any]
    allow_identifiers: bool
    chapters: list[ChapterPlan]
    #: SHA-256 of each data file, by file name
    checksums: dict[str, str]
    #: the record kept in build.json so the next build need not start papermill to read them
    declared: dict[str, dict[str, Any]]
    book_key: str
    #: the previous build's build.json ({} with --force or without a previous build)
    previous: dict[str, Any]

    @property
    def keys(self) -> dict[str, str]:
        return {c.name: c.key for c in self.chapters}

    @property
    def executed(self) -> list[str]:
        return [c.name for c in self.chapters if not c.reuse]

    @property
    def up_to_date(self) -> bool:
        """The previous build in ``out`` was made from exactly these inputs."""
        out = self.out
        return (
            self.previous.get("book_key") == self.book_key
            and (out / "html" / "index.html").is_file()
            and is_previous_build(out)
        )


@dataclass
class Stage:
    """The staging folder of one build, as :func:`stage_book` prepared it."""

    root: Path
    #: the book's sources (pages, configuration, executed notebooks) that Jupyter Book reads
    src: Path
    #: the folder the chapters read the data from (a de-identified copy with --allow-identifiers)
    chapter_data: Path
    #: netcomp.data.provenance's status of the data: reconstructed or user-supplied
    status: str
    #: what a failure says about ``--out``
    untouched: str

    @property
    def generated(self) -> Path:
        return self.src / "book" / "_generated"

    @property
    def reconstructed(self) -> bool:
        from netcomp.data.provenance import RECONSTRUCTED

        return self.status == RECONSTRUCTED


@dataclass
class Collected:
    """What the executed chapters produced, gathered by :func:`collect_outputs`."""

    #: the claim-by-claim reproducibility ledger (netcomp.book.ledger)
    ledger: pd.DataFrame
    preflight_notices: list[str]
    chapter_notices: list[str]
    #: sections for data this cohort's design does not collect (not counted by --strict)
    design_notes: list[str] = field(default_factory=list)

    @property
    def every_notice(self) -> list[str]:
        return [f"pre-flight: {n}" for n in self.preflight_notices] + self.chapter_notices


@dataclass
class Progress:
    """The build's numbered progress lines, with the time since the build started."""

    log: Callable[[str], None]
    t0: float = field(default_factory=time.perf_counter)
    total: int = 5

    def step(self, i: int, text: str) -> None:
        self.log(f"[{i}/{self.total}] {text}  (elapsed {self.elapsed():5.1f} s)")

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0


def build(
    data_dir: str | Path = BUNDLED_COHORT,
    params_file: str | Path | None = None,
    out_dir: str | Path = "_build",
    allow_identifiers: bool = False,
    jobs: int | None = None,
    log: Callable[[str], None] = print,
    notebooks: list[Path] | None = None,
    force: bool = False,
    strict: bool = False,
) -> BuildResult:
    """Build the whole book from ``data_dir`` with the parameters in ``params_file``.

    ``out_dir`` is checked first (:func:`check_out_dir`), then the parameters and the
    pre-flight check of data and parameters together, all before anything is written.
    Chapters whose content hash (:func:`netcomp.book.cache.chapter_key`) matches the previous
    build in ``out_dir`` are not re-executed; when nothing changed at all, the previous book
    is kept as it is. ``force`` re-executes everything; ``strict`` fails (leaving the
    previous book untouched) when the pre-flight check or a chapter reports a notice.
    ``notebooks`` overrides the chapter list of ``_toc.yml`` (used by tests).
    """
    progress = Progress(log)
    data = Path(data_dir).resolve()
    out = Path(out_dir).resolve()
    params_path = Path(params_file).resolve() if params_file else None
    check_out_dir(out, data, params_path)
    chapters = chapter_notebooks() if notebooks is None else [Path(n) for n in notebooks]
    progress.step(1, "reading parameters" + (f" from {params_file}" if params_file else ""))
    values = params_mod.load_params(params_file)
    created = [d for d in (out.parent, *out.parent.parents) if not d.exists()]
    try:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BuildError(
                f"cannot create the folder for --out {out}: {exc.strerror} "
                f"({exc.filename}); choose a folder where you may write"
            ) from None
        with out_lock(out), kept_interrupts():
            check_out_dir(out, data, params_path)  # again, now no other build can change it
            plan = plan_build(data, values, out, chapters, allow_identifiers, force)
            return _build_locked(plan, jobs, strict, progress)
    finally:
        if not out.exists():  # nothing built: leave no empty parent folder behind either
            for folder in created:
                with contextlib.suppress(OSError):
                    folder.rmdir()


def plan_build(
    data_dir: Path,
    values: dict[str, Any],
    out: Path,
    notebooks: list[Path],
    allow_identifiers: bool,
    force: bool,
) -> BuildPlan:
    """Plan: hash what each chapter reads and decide which the previous build can give.

    Reads only. The keys name the data by the user's folder (and whether identifiers were
    dropped), never by the staging folder, whose name changes with every build.
    """
    checksums = file_checksums(data_dir)
    code = cache.code_digest()
    literature = cache.folder_digest(LITERATURE_DIR)
    key_data = str(data_dir) + (" (identifier columns dropped)" if allow_identifiers else "")
    key_paths = {
        "data_dir": key_data,
        "results_dir": "",
        "figures_dir": "",
        "literature_dir": str(LITERATURE_DIR),
    }
    previous = {} if force or not out.is_dir() else cache.read_manifest(out)
    old_keys: dict[str, str] = previous.get("chapter_keys", {})
    old_declared: dict[str, Any] = previous.get("declared_parameters", {})
    declared: dict[str, dict[str, Any]] = {}
    chapters = []
    for nb in notebooks:
        name = notebook_name(nb)
        names = cache.declared_parameters(nb, old_declared.get(name))
        declared[name] = {"sha": cache.sha256_file(nb), "names": names}
        key = cache.chapter_key(
            nb, notebook_parameters(nb, values, key_paths, names), checksums, code, literature
        )
        reuse = old_keys.get(name) == key and (cache.cached_chapter(out, nb) / name).is_file()
        chapters.append(ChapterPlan(nb, names, key, reuse))
    book_key = cache.book_key(
        cache.pages_digest(ROOT, BOOK_FILES, BOOK_DIRS),
        {c.name: c.key for c in chapters},
        checksums,
        values,
        allow_identifiers,
    )
    return BuildPlan(
        data_dir, out, values, allow_identifiers, chapters, checksums, declared, book_key, previous
    )


def _build_locked(
    plan: BuildPlan, jobs: int | None, strict: bool, progress: Progress
) -> BuildResult:
    """The build proper, run while holding the lock on ``plan.out``."""
    if plan.up_to_date:
        # same data bytes, code and parameters as a build that passed the pre-flight check
        return _keep_up_to_date(plan, strict, progress)
    out = plan.out
    progress.step(2, f"pre-flight check of the data in {plan.data_dir} and the parameters")
    preflight_notices = _check_inputs(plan, strict, progress.log)
    before = _children()
    work = _new_staging(out)
    staging: Path | None = work  # None once it became ``out``
    try:
        result = _stage_to_publish(work, plan, jobs, strict, preflight_notices, progress)
        staging = None
        return result
    except BaseException:
        with _signals_deferred():
            _stop_children(before)
        raise
    finally:
        if staging is not None:
            with _signals_deferred():
                shutil.rmtree(staging, ignore_errors=True)


def _keep_up_to_date(plan: BuildPlan, strict: bool, progress: Progress) -> BuildResult:
    """Nothing changed since the previous build: keep it, and list its notices again."""
    out = plan.out
    progress.step(
        2, "data, parameters, notebooks and code unchanged since the last build: nothing to do"
    )
    old = plan.previous.get("notices", {})
    every = _summarise_notices(
        progress.log,
        list(old.get("preflight", [])),
        list(old.get("chapters", [])),
        list(old.get("design", [])),
    )
    if strict and every:
        raise BuildError(
            f"--strict: the book in {out} has {plural(len(every), 'notice')} (listed "
            "above); it is left as it was"
        )
    progress.log(f"the book is up to date at {out / 'html' / 'index.html'}")
    return BuildResult(out, out / "html" / "index.html", [], {"total": 0.0}, every)


def _check_inputs(plan: BuildPlan, strict: bool, log: Callable[[str], None]) -> list[str]:
    """The pre-flight check of data and parameters; returns its notices, raises on errors."""
    report = _preflight(plan.data_dir, plan.values, plan.allow_identifiers)
    for problem in report.warnings:
        log(f"      warning: {problem}")
    for notice in report.notices:
        log(f"      notice: {notice}")
    if not report.ok:
        raise BuildError(
            "the data and parameters do not fit together; nothing was built:\n" + report.format()
        )
    if strict and report.notices:
        raise BuildError(
            f"--strict: the pre-flight check reported "
            f"{plural(len(report.notices), 'notice')} (listed above); nothing was built"
        )
    return list(report.notices)


def _stage_to_publish(
    staging: Path,
    plan: BuildPlan,
    jobs: int | None,
    strict: bool,
    preflight_notices: list[str],
    progress: Progress,
) -> BuildResult:
    """Stage, execute, collect, render and publish: everything that writes.

    All of it happens inside ``staging``; ``out`` changes only in the last step, the swap.
    """
    stage = stage_book(staging, plan)
    raise_kept()  # a Ctrl-C that Python could not raise stops the build here (interrupts)
    durations = execute_chapters(stage, plan, jobs, progress)
    raise_kept()
    collected = collect_outputs(stage, plan, preflight_notices, durations, strict, progress)
    raise_kept()
    durations["render"] = render_book(stage, progress)
    durations["total"] = progress.elapsed()
    raise_kept()  # the last chance: nothing is published after an interrupt
    publish_build(stage, plan, collected, durations, progress)
    index = plan.out / "html" / "index.html"
    progress.log(f"done in {durations['total']:.1f} s. The book is at {index}")
    return BuildResult(plan.out, index, plan.executed, durations, collected.every_notice)


def stage_book(staging: Path, plan: BuildPlan) -> Stage:
    """Stage: the book's sources and generated pages, copied into ``staging/src``.

    The repository's own files are only read. The data's status (reconstructed or the
    user's) is decided from the data's content, never its path: a copy of the bundled files
    is still the reconstruction, one changed value makes it the user's cohort.
    """
    from netcomp.book import publish
    from netcomp.book.student import student_zip
    from netcomp.data.dictionary import dictionary_markdown
    from netcomp.data.facts import facts_markdown
    from netcomp.data.provenance import data_status
    from netcomp.data.validate import deidentified_copy

    out = plan.out
    untouched = (
        f"the previous book in {out} is untouched"
        if out.exists()
        else f"nothing was written to {out}"
    )
    src = staging / "src"
    _stage_sources(src)
    try:  # the repository address of _config.yml: buttons, rerun guide, "How to cite"
        publish.stage(src)
    except ValueError as exc:
        raise BuildError(f"{exc}\n  {untouched}") from None
    # with --allow-identifiers the chapters read a copy without the identifier columns
    chapter_data = staging / "data" if plan.allow_identifiers else plan.data_dir
    if plan.allow_identifiers:
        deidentified_copy(plan.data_dir, chapter_data)
    stage = Stage(staging, src, chapter_data, data_status(plan.data_dir), untouched)
    generated = stage.generated
    generated.mkdir(parents=True, exist_ok=True)
    (generated / "dictionary.md").write_text(dictionary_markdown(), encoding="utf-8")
    (generated / "facts.md").write_text(facts_markdown(), encoding="utf-8")
    (generated / "build_info.md").write_text(
        _build_info_markdown(plan.data_dir, plan.values, plan.checksums, stage.reconstructed),
        encoding="utf-8",
    )
    # the teachers' page offers the student edition (bundled cohort, no solutions) as a zip
    student_zip(generated / "netcomp-student.zip")
    return stage


def execute_chapters(
    stage: Stage, plan: BuildPlan, jobs: int | None, progress: Progress
) -> dict[str, float]:
    """Execute: run every chapter not reused with papermill; seconds taken, by notebook name.

    Up to ``jobs`` notebooks run at once in worker processes, the longest first
    (:func:`longest_first`). Executed notebooks land in ``src/notebooks``, stamped with the
    data's status (and a banner if reconstructed).
    """
    from netcomp.data.provenance import stamp_notebook

    todo = [c for c in plan.chapters if not c.reuse]
    reused = len(plan.chapters) - len(todo)
    progress.step(
        3,
        f"executing {plural(len(todo), 'chapter notebook')} with papermill"
        + (f"; {reused} unchanged, reused" if reused else ""),
    )
    order = longest_first([c.name for c in todo], cache.read_manifest(plan.out))
    tasks = [_chapter_task(stage, plan, todo[i]) for i in order]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    log = progress.log
    if tasks:
        log(f"      running {', '.join(c.name for c in todo)} ({workers} at a time)")
    try:
        ran = _run_tasks(tasks, workers)
    except BuildError as exc:
        raise BuildError(f"{exc}\n  {stage.untouched}") from None
    finished = [ran[order.index(i)] for i in range(len(ran))]  # back in the book's order
    durations: dict[str, float] = {}
    for name, seconds in finished:
        stamp_notebook(stage.src / "notebooks" / name, stage.status)
        durations[name] = seconds
        log(f"      {name}: executed in {seconds:.1f} s")
    return durations


def _chapter_task(
    stage: Stage, plan: BuildPlan, chapter: ChapterPlan
) -> tuple[str, str, dict, str]:
    """The papermill job of one chapter: (source, target, parameters, working folder).

    A MyST Markdown chapter is converted to an ``.ipynb`` in the staging folder first: that
    copy is what papermill runs (an ``.ipynb`` chapter is run as it is).
    """
    nb, name = chapter.notebook, chapter.name
    source = nb
    if nb.suffix != ".ipynb":
        (stage.root / ".work" / nb.stem).mkdir(parents=True, exist_ok=True)
        source = write_ipynb(nb, stage.root / ".work" / nb.stem / name)
    # figures live inside the book source so pages can offer them for download
    paths = {
        "data_dir": str(stage.chapter_data),
        "results_dir": str(stage.root / ".work" / nb.stem / "results"),
        "figures_dir": str(stage.src / "figures" / nb.stem),
        "literature_dir": str(LITERATURE_DIR),
    }
    return (
        str(source),
        str(stage.src / "notebooks" / name),
        notebook_parameters(nb, plan.values, paths, chapter.declared),
        str(stage.src / "notebooks"),
    )


def longest_first(names: list[str], previous: dict[str, Any]) -> list[int]:
    """The order to start the chapters ``names`` in (indexes): the longest-running first.

    Seconds come from the previous build's ``durations_s`` (``previous``, its build.json) when
    it timed every one of them, else the fixed order :data:`LONGEST_FIRST` (chapters not in
    it last, in the book's order). With two workers the last chapter then finishes soonest.
    """
    seconds = previous.get("durations_s", {})
    if isinstance(seconds, dict) and all(isinstance(seconds.get(n), (int, float)) for n in names):
        return sorted(range(len(names)), key=lambda i: -float(seconds[names[i]]))
    stems = [n.removesuffix(".ipynb") for n in names]
    rank = {stem: r for r, stem in enumerate(LONGEST_FIRST)}
    return sorted(range(len(names)), key=lambda i: rank.get(stems[i], len(rank)))


def _run_tasks(tasks: list[tuple[str, str, dict, str]], workers: int) -> list[tuple[str, float]]:
    """Run ``tasks`` with :func:`_execute_one`, in ``workers`` processes when more than one.

    Results (or the first error) come in the tasks' order, as ``pool.map`` gives them; while
    waiting, an interrupt kept by :mod:`netcomp.book.interrupts` is raised within 0.2 s.
    """
    if workers == 1:
        return [_execute_one(t) for t in tasks]
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
    try:
        futures = [pool.submit(_execute_one, t) for t in tasks]
        raise_kept()  # starting the workers forks: the moment an interrupt can be swallowed
        for future in futures:
            while not wait([future], timeout=0.2).done:
                raise_kept()
        finished = [future.result() for future in futures]
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return finished


def collect_outputs(
    stage: Stage,
    plan: BuildPlan,
    preflight_notices: list[str],
    durations: dict[str, float],
    strict: bool,
    progress: Progress,
) -> Collected:
    """Collect: every chapter's notebook, results and figures in the staging folder; the ledger.

    An executed chapter is also kept in ``.cache/<chapter>`` for the next build; a reused one
    is taken from the previous build's cache (its duration is the one recorded then), and
    ``durations`` gains it. With ``strict``, any notice fails the build here. Then the ledger
    is evaluated from the results and the ledger and About pages are written.
    """
    from netcomp.book.ledger import LEDGER_COLUMNS, evaluate_claims, ledger_markdown
    from netcomp.book.results import write_results

    staging = stage.root
    for folder in ("notebooks", "results", "figures", cache.CACHE_DIR):
        (staging / folder).mkdir(exist_ok=True)
    old_durations = plan.previous.get("durations_s", {})
    log = progress.log
    for chapter in plan.chapters:
        if chapter.reuse:
            _reuse_chapter(stage, plan.out, chapter.notebook)
            durations[chapter.name] = float(old_durations.get(chapter.name, 0.0))
            log(f"      {chapter.name}: unchanged, reused")
        else:
            _cache_chapter(stage, plan.data_dir.name, chapter.notebook)
        _gather_chapter(stage, chapter.notebook)
    chapter_notices = _read_notices(staging / "results")
    design_notes = _read_notices(staging / "results", design=True)
    every = [f"pre-flight: {n}" for n in preflight_notices] + chapter_notices
    if strict and every:
        _summarise_notices(log, preflight_notices, chapter_notices, design_notes)
        raise BuildError(
            f"--strict: the build reported {plural(len(every), 'notice')} (listed "
            f"above); {stage.untouched}"
        )
    ledger = evaluate_claims(staging / "results", reconstructed_cohort=stage.reconstructed)
    # the ledger has its own status column: no data_status stamp
    write_results(ledger[list(LEDGER_COLUMNS)], staging / "results", "ledger.csv", stamp=False)
    pages = {f"notebooks/{c.notebook.stem}" for c in plan.chapters}
    (stage.generated / "ledger.md").write_text(ledger_markdown(ledger, pages), encoding="utf-8")
    from netcomp.book import publish  # the front page's key findings, from the results files

    publish.write_findings(stage.src, staging / "results", plan.values)
    reused = {c.name for c in plan.chapters if c.reuse}
    (stage.generated / "about.md").write_text(
        _about_markdown(plan.data_dir, plan.values, plan.checksums, durations, reused),
        encoding="utf-8",
    )
    return Collected(ledger, preflight_notices, chapter_notices, design_notes)


def _reuse_chapter(stage: Stage, out: Path, nb: Path) -> None:
    """Take a chapter unchanged since the previous build from that build's cache."""
    kept, name = cache.cached_chapter(stage.root, nb), notebook_name(nb)
    shutil.copytree(cache.cached_chapter(out, nb), kept)
    shutil.copy2(kept / name, stage.src / "notebooks" / name)
    if (kept / "figures").is_dir():
        shutil.copytree(kept / "figures", stage.src / "figures" / nb.stem)


def _cache_chapter(stage: Stage, data_name: str, nb: Path) -> None:
    """Keep a chapter executed now (notebook, results, figures) for the next build."""
    name = notebook_name(nb)
    executed = stage.src / "notebooks" / name
    _hide_parameter_cells(executed, data_name)
    work = stage.root / ".work" / nb.stem
    figures = stage.src / "figures" / nb.stem
    kept = cache.cached_chapter(stage.root, nb)
    kept.mkdir(parents=True)
    shutil.copy2(executed, kept / name)
    if (work / "results").is_dir():
        shutil.copytree(work / "results", kept / "results")
    if figures.is_dir():
        shutil.copytree(figures, kept / "figures")


def _gather_chapter(stage: Stage, nb: Path) -> None:
    """Copy a chapter's notebook, results and figures to the build's top-level folders."""
    staging = stage.root
    kept = cache.cached_chapter(staging, nb)
    figures = stage.src / "figures" / nb.stem
    name = notebook_name(nb)
    shutil.copy2(kept / name, staging / "notebooks" / name)
    if (kept / "results").is_dir():
        shutil.copytree(kept / "results", staging / "results", dirs_exist_ok=True)
    if figures.is_dir():
        shutil.copytree(figures, staging / "figures", dirs_exist_ok=True)


def render_book(stage: Stage, progress: Progress) -> float:
    """Render: Jupyter Book renders ``src`` (execution off) into ``staging/html``; seconds.

    Sphinx warnings fail the build (:func:`_run_jupyter_book`).
    """
    progress.step(
        4, "rendering the HTML book with Jupyter Book (execution off, warnings are errors)"
    )
    start = time.perf_counter()
    jb_work = stage.root / ".jupyter-book"
    jb_work.mkdir()
    try:
        _run_jupyter_book(stage.src, jb_work)
    except BuildError as exc:
        raise BuildError(f"{exc}\n  {stage.untouched}") from None
    shutil.move(str(jb_work / "_build" / "html"), str(stage.root / "html"))
    return time.perf_counter() - start


def publish_build(
    stage: Stage,
    plan: BuildPlan,
    collected: Collected,
    durations: dict[str, float],
    progress: Progress,
) -> None:
    """Publish: write ``build.json`` and the marker, then swap the staging folder in for ``out``.

    The swap (:func:`_swap_in`) is the only step that changes ``out``. Ends by logging the
    ledger's counts, the claims whose status changed since the previous build and the
    notices.
    """
    import pandas as pd

    from netcomp.book.ledger import status_changes, status_counts

    staging, out = stage.root, plan.out
    manifest = _manifest(plan, collected, durations)
    (staging / cache.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(staging / ".work", ignore_errors=True)
    write_marker(staging)
    progress.step(5, f"replacing {out} with the new build")
    old_ledger = out / "results" / "ledger.csv"
    previous_ledger = pd.read_csv(old_ledger) if old_ledger.is_file() else None
    _swap_in(staging, out)
    ledger, log = collected.ledger, progress.log
    counts = status_counts(ledger)
    log(
        "ledger: "
        + ", ".join(f"{n} {s}" for s, n in counts.items())
        + f" (of {len(ledger)} claims; see {out / 'results' / 'ledger.csv'})"
    )
    for message in status_changes(previous_ledger, ledger):
        log(f"      {message}")
    _summarise_notices(
        log, collected.preflight_notices, collected.chapter_notices, collected.design_notes
    )


def _manifest(plan: BuildPlan, collected: Collected, durations: dict[str, float]) -> dict[str, Any]:
    """The build's record, ``build.json``: inputs, content keys, notices and durations."""
    return {
        "netcomp_version": netcomp.__version__,
        "data_dir": str(plan.data_dir),
        "data_sha256": plan.checksums,
        "parameters": plan.values,
        "notebooks": [c.name for c in plan.chapters],
        "executed": plan.executed,
        "chapter_keys": plan.keys,
        "declared_parameters": plan.declared,
        "book_key": plan.book_key,
        "notices": {
            "preflight": collected.preflight_notices,
            "chapters": collected.chapter_notices,
            "design": collected.design_notes,
        },
        "durations_s": {k: round(v, 2) for k, v in durations.items()},
    }


def _summarise_notices(
    log: Callable[[str], None],
    preflight_notices: list[str],
    chapter_notices: list[str],
    design_notes: Sequence[str] = (),
) -> list[str]:
    """Log every notice of a build (pre-flight first, then the chapters'), then the design
    notes; return the notices (those ``--strict`` counts)."""
    every = [f"pre-flight: {n}" for n in preflight_notices] + chapter_notices
    if every:
        log(f"notices ({len(every)}): sections that do not apply to this cohort")
        for text in every:
            log(f"      {text}")
    if design_notes:
        log(
            f"not in this cohort's design ({len(design_notes)}): sections for data it does "
            "not collect (each page says so; --strict does not count them)"
        )
        for text in design_notes:
            log(f"      {text}")
    return every
