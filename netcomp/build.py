"""``netcomp build``: check the data and parameters, execute the chapters, render the book.

Safety first: ``--out`` is replaced only when it is a previous netcomp build (it holds the
``.netcomp-build`` marker) or an empty folder; it may not be a file, the data folder, a folder
inside or around the data, the current folder or one of its parents, the repository or the
home folder. Every refusal happens before any work. The build works in a netcomp-owned staging
folder next to ``--out`` (``.netcomp-staging-*``) and swaps it in only when every step
succeeded; the staging folder is removed on every way out (success, error, Ctrl-C, SIGTERM),
worker processes and Jupyter kernels are stopped, and a lock file next to ``--out`` refuses a
second build into the same folder. Papermill is the only executor: Jupyter Book renders the
executed notebooks with execution off and with Sphinx warnings turned into errors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
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
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import netcomp
from netcomp import params as params_mod
from netcomp.provenance import BUNDLED_COHORT, file_checksums
from netcomp.safe_text import clip, md_escape

if TYPE_CHECKING:
    from netcomp.preflight import PreflightReport

# pandas, papermill and the analysis modules are imported inside the functions that
# need them, so that a rebuild with nothing changed answers in a fraction of a second.

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
LITERATURE_DIR = ROOT / "data" / "literature"
BOOK_FILES = ("_config.yml", "_toc.yml")
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


def chapter_notebooks(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """The chapter notebooks listed in ``_toc.yml``, in book order."""
    import yaml

    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(node["file"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").is_file()]


def declared_parameters(path: Path, known: dict[str, Any] | None = None) -> list[str]:
    """Names a notebook's parameters cell declares.

    ``known`` is the previous build's record ``{"sha": ..., "names": [...]}``: when the
    notebook's bytes are unchanged the names are reused without starting papermill.
    """
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if known and known.get("sha") == sha:
        return list(known["names"])
    import papermill

    return list(papermill.inspect_notebook(str(path)))


def notebook_parameters(path: Path, values: dict[str, Any], paths: dict[str, str],
                        declared: list[str] | None = None) -> dict:
    """The parameters to inject into one notebook: only those its parameters cell declares."""
    declared = declared_parameters(path) if declared is None else declared
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
                    _literal_braces(source), _literal_braces(target), parameters=parameters,
                    cwd=cwd, kernel_name="python3",
                    progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                )
            finally:
                os.dup2(saved_stderr, 2)
    except PapermillExecutionError as exc:
        index = exc.cell_index
        executed = json.loads(Path(target).read_text(encoding="utf-8"))
        injected = [i for i, c in enumerate(executed["cells"])
                    if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
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
    return {"data_dir": data_name, "results_dir": None, "figures_dir": None,
            "literature_dir": "../data/literature"}


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
        meta["parameters"] = {k: (public[k] if k in public else v)
                              for k, v in meta["parameters"].items()}
    for key in ("input_path", "output_path"):
        if key in meta:
            meta[key] = path.name
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10, check=False)
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


def _build_info_markdown(data_dir: Path, values: dict[str, Any], checksums: dict[str, str],
                         bundled: bool) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    # folder, file names and parameter values are the user's: escaped, never markup
    rows = "\n".join(f"| {md_escape(name)} | `{digest}` |"
                     for name, digest in sorted(checksums.items()))
    prow = "\n".join(f"| {md_escape(k)} | {md_escape(parameter_text(v))} |"
                     for k, v in values.items())
    origin = (
        "the **bundled reconstructed cohort** (synthetic values that satisfy the study's "
        "published aggregates; not the study's measurements)"
        if bundled else "a **user-supplied cohort**"
    )
    return f"""
Built on {now} with netcomp {netcomp.__version__} (commit `{_git_commit()}`), Python
{platform.python_version()}, from {origin} in {md_escape(data_dir.name)}.

```{{dropdown}} Data files (SHA-256) and parameters of this build
| file | SHA-256 |
|---|---|
{rows}

| parameter | value |
|---|---|
{prow}
```
"""


KEY_PACKAGES = ("jupyter-book", "sphinx", "myst-nb", "papermill", "pandas", "numpy", "scipy",
                "statsmodels", "matplotlib")


def _about_markdown(data_dir: Path, values: dict[str, Any], checksums: dict[str, str],
                    durations: dict[str, float], reused: set[str]) -> str:
    """Body of the 'About this build' page: versions, parameters, checksums, durations."""
    from importlib.metadata import PackageNotFoundError, version

    def pkg_version(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        "## Software", "",
        "| component | version |", "|---|---|",
        f"| netcomp | {netcomp.__version__} (git commit `{_git_commit()}`) |",
        f"| Python | {platform.python_version()} ({platform.platform(terse=True)}) |",
        *(f"| {name} | {pkg_version(name)} |" for name in KEY_PACKAGES),
        "", "## Data", "", f"Folder: {md_escape(data_dir.name)}", "",
        "| file | SHA-256 |", "|---|---|",
        *(f"| {md_escape(n)} | `{d}` |" for n, d in sorted(checksums.items())),
        "", "## Parameters", "", "| parameter | value |", "|---|---|",
        *(f"| {md_escape(k)} | {md_escape(parameter_text(v))} |" for k, v in values.items()),
        "", "## Build", "", f"Built on {now}.", "",
        "| step | seconds | |", "|---|---|---|",
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
        shutil.copytree(ROOT / name, src / name,
                        ignore=shutil.ignore_patterns("_generated", ".*", "__pycache__"))
    (src / "notebooks").mkdir()


def _run_jupyter_book(src: Path, work: Path) -> None:
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(src), "--path-output",
           str(work), "--builder", "html", "-W", "-n", "--keep-going", "--all"]
    # a plain child process (not subprocess.run, which kills only the child on Ctrl-C):
    # on an interrupt the build stops it together with everything it started
    with open(work / "sphinx.log", "w+", encoding="utf-8") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        returncode = proc.wait()
        sink.seek(0)
        log = sink.read()
    problems = [ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln]
    if returncode != 0 or problems:
        shown = "\n  ".join(problems[:20]) or log[-2000:]
        raise BuildError(
            "Jupyter Book reported problems (warnings fail the build):\n  " + shown
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


def write_marker(folder: Path) -> Path:
    """Write the ``.netcomp-build`` marker that lets a later build replace ``folder``.

    It lists the folder's entries (written last, it sees them all), so that a file a user
    later puts into the build folder is recognised as theirs and never deleted.
    """
    signature = {
        "signature": SIGNATURE,
        "format": 1,
        "netcomp_version": netcomp.__version__,
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "note": "written by 'netcomp build'; the next build into this folder replaces it",
        "contents": sorted({p.name for p in folder.iterdir()} | {MARKER}),
    }
    path = folder / MARKER
    path.write_text(json.dumps(signature, indent=1) + "\n", encoding="utf-8")
    return path


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

    Markers of builds older than the list name nothing, so nothing is foreign in them.
    """
    try:
        listed = json.loads((folder / MARKER).read_text(encoding="utf-8")).get("contents")
        present = {p.name for p in folder.iterdir()}
    except (OSError, ValueError, AttributeError):
        return []
    if not isinstance(listed, list):
        return []
    return sorted(present - {str(name) for name in listed})


def _within(inner: Path, outer: Path) -> bool:
    """``inner`` is ``outer`` or lies somewhere inside it."""
    return inner == outer or outer in inner.parents


def check_out_dir(out: Path, data: Path, params: Path | None = None) -> None:
    """Refuse an ``--out`` that netcomp must not create or replace (all paths resolved).

    Raises :class:`OutDirError` saying why and what to do; reads only, writes nothing.
    """

    def refuse(why: str, remedy: str) -> None:
        raise OutDirError(f"refusing --out {out}: {why}. Nothing was built or changed. "
                          f"{remedy}")

    new_name = "Choose a folder name that does not exist yet, e.g. --out my_book/"
    if out.exists() and not out.is_dir():
        refuse("it is a file, not a folder", new_name)
    if _within(out, data):
        refuse("it is the data" + (" folder" if out == data else ", or inside the data folder")
               + f" {data}, which netcomp only reads", new_name + " outside the data folder")
    if _within(data, out):
        refuse(f"it contains the data {data}, and replacing it would delete the data",
               new_name)
    if params is not None and _within(params, out):
        refuse(f"it contains the parameter file {params}, and replacing it would delete it",
               new_name + ", or keep the parameter file elsewhere")
    forbidden = [(Path.cwd().resolve(), "the current folder"), (ROOT, "the netcomp repository")]
    with contextlib.suppress(RuntimeError, KeyError):
        forbidden.append((Path.home().resolve(), "your home folder"))
    for place, name in forbidden:
        if _within(place, out):
            refuse(f"it is {name}" + ("" if out == place else f" ({place}) or a parent of it"),
                   new_name + " (a sub-folder, such as my_book/)")
    for source in SOURCE_DIRS:
        if _within(out, ROOT / source):
            # a build there would be read back as pages, notebooks or code by every later
            # build (Jupyter Book fails on pages outside the table of contents)
            refuse(f"it is inside the repository's {source}/ folder, which every build reads",
                   "Choose a folder outside it, such as the default _build/ or my_book/")
    if out.is_dir() and not is_previous_build(out) and any(out.iterdir()):
        if (out / "build.json").is_file() and (out / "html").is_dir():
            refuse(f"it looks like a build of an older netcomp, which wrote no {MARKER} "
                   "marker, so netcomp cannot tell it from your own files",
                   f"If it is one, delete it yourself once (rm -r {out}); later builds can "
                   "then replace it")
        refuse(f"the folder is not empty and is not a previous netcomp build (it has no "
               f"{MARKER} marker); a build replaces its folder entirely",
               new_name + ", or an empty folder. Move your files elsewhere first if you "
               "want to reuse this name")
    foreign = foreign_entries(out) if out.is_dir() and is_previous_build(out) else []
    if foreign:
        shown = ", ".join(repr(clip(name, 40)) for name in foreign[:5])
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        refuse(f"it is a previous netcomp build, but it also holds {shown}{more}, which no "
               "build wrote; a build replaces its folder entirely and would delete them",
               "Move them out of the folder first, or choose another --out")


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
                raise BuildError(f"{lock_path} is a symbolic link, not netcomp's lock file; "
                                 "remove it (it is not a file netcomp wrote) or choose another "
                                 "--out. Nothing was changed.") from None
            raise BuildError(f"cannot write next to --out {out}: {exc.strerror} "
                             f"({lock_path}); choose a folder where you may write. Nothing "
                             "was changed.") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BuildError(
                f"another netcomp build is writing to {out} right now (it holds the lock "
                f"{lock_path}); wait for it to finish or choose another --out. Nothing was "
                "changed.") from None
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
    saved = {sig: signal.signal(sig, lambda signum, _frame: pending.append(signum))
             for sig in (signal.SIGINT, signal.SIGTERM)}
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


def _read_notices(results: Path) -> list[str]:
    """Every chapter notice written to ``results/notices-<chapter>.json``, chapter named."""
    found = []
    for path in sorted(results.glob("notices-*.json")):
        chapter = path.stem.removeprefix("notices-")
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for item in items if isinstance(items, list) else []:
            text = item.get("text") if isinstance(item, dict) else None
            if text:
                found.append(f"{chapter}: {text}")
    return found


def _preflight(data: Path, values: dict[str, Any], allow_identifiers: bool) -> PreflightReport:
    """The pre-flight check of the data and parameters together (netcomp.preflight)."""
    from netcomp.preflight import preflight

    return preflight(data, values, allow_identifiers=allow_identifiers)


# --------------------------------------------------------------------------- content hashes

PATH_PARAMS = ("data_dir", "results_dir", "figures_dir", "literature_dir")


def _digest_files(files: list[Path], base: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(base)).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def code_digest() -> str:
    """Hash of the netcomp package's source: any code change re-executes every chapter."""
    pkg = Path(__file__).resolve().parent
    return _digest_files([f for f in pkg.rglob("*") if f.suffix in (".py", ".yaml")], pkg)


def book_digest() -> str:
    """Hash of the book's own pages and configuration."""
    files = [ROOT / n for n in BOOK_FILES]
    for d in BOOK_DIRS:
        files += [f for f in (ROOT / d).rglob("*")
                  if f.is_file() and "_generated" not in f.parts and not f.name.startswith(".")]
    return _digest_files(files, ROOT)


def chapter_key(notebook: Path, parameters: dict[str, Any], data_sha: dict[str, str],
                code: str, literature: str) -> str:
    """Content hash deciding whether a chapter must be re-executed.

    It covers the notebook file, the parameter values it receives (folders by content, not
    by path), the data files it reads, and the netcomp code.
    """
    payload = {
        "notebook": hashlib.sha256(notebook.read_bytes()).hexdigest(),
        "parameters": {k: v for k, v in sorted(parameters.items()) if k not in PATH_PARAMS},
        "data": data_sha if "data_dir" in parameters else {},
        "data_dir": parameters.get("data_dir", ""),
        "literature": literature if "literature_dir" in parameters else "",
        "code": code,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# --------------------------------------------------------------------------- the build


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
    Chapters whose content hash (:func:`chapter_key`) matches the previous build in
    ``out_dir`` are not re-executed; when nothing changed at all, the previous book is kept
    as it is. ``force`` re-executes everything; ``strict`` fails (leaving the previous book
    untouched) when the pre-flight check or a chapter reports a notice. ``notebooks``
    overrides the chapter list of ``_toc.yml`` (used by tests).
    """
    t0 = time.perf_counter()
    data_dir = Path(data_dir).resolve()
    out = Path(out_dir).resolve()
    params_path = Path(params_file).resolve() if params_file else None
    check_out_dir(out, data_dir, params_path)
    notebooks = chapter_notebooks() if notebooks is None else [Path(n) for n in notebooks]
    total = 5

    def step(i: int, text: str) -> None:
        log(f"[{i}/{total}] {text}  (elapsed {time.perf_counter() - t0:5.1f} s)")

    step(1, "reading parameters" + (f" from {params_file}" if params_file else ""))
    values = params_mod.load_params(params_file)
    created = [d for d in (out.parent, *out.parent.parents) if not d.exists()]
    try:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BuildError(f"cannot create the folder for --out {out}: {exc.strerror} "
                             f"({exc.filename}); choose a folder where you may write") from None
        with out_lock(out):
            check_out_dir(out, data_dir, params_path)  # again, now no other build can change it
            return _build_locked(data_dir, values, out, allow_identifiers, jobs, log,
                                 notebooks, force, strict, step, t0)
    finally:
        if not out.exists():  # nothing built: leave no empty parent folder behind either
            for folder in created:
                with contextlib.suppress(OSError):
                    folder.rmdir()


def _summarise_notices(log: Callable[[str], None], preflight_notices: list[str],
                       chapter_notices: list[str]) -> list[str]:
    every = [f"pre-flight: {n}" for n in preflight_notices] + chapter_notices
    if every:
        log(f"notices ({len(every)}): sections that do not apply to this cohort")
        for text in every:
            log(f"      {text}")
    return every


def _build_locked(data_dir: Path, values: dict[str, Any], out: Path, allow_identifiers: bool,
                  jobs: int | None, log: Callable[[str], None], notebooks: list[Path],
                  force: bool, strict: bool, step: Callable[[int, str], None],
                  t0: float) -> BuildResult:
    """The build proper, run while holding the lock on ``out``."""
    durations: dict[str, float] = {}
    # what each chapter needs, and whether the previous build already has it
    checksums = file_checksums(data_dir)
    code = code_digest()
    literature = (_digest_files([f for f in LITERATURE_DIR.rglob("*") if f.is_file()],
                                LITERATURE_DIR) if LITERATURE_DIR.is_dir() else "")
    # the key names the data by the user's folder (and whether identifiers were dropped),
    # never by the staging folder, whose name changes with every build
    key_data = str(data_dir) + (" (identifier columns dropped)" if allow_identifiers else "")
    key_paths = {"data_dir": key_data, "results_dir": "", "figures_dir": "",
                 "literature_dir": str(LITERATURE_DIR)}
    previous = {} if force or not out.is_dir() else _read_manifest(out)
    old_keys: dict[str, str] = previous.get("chapter_keys", {})
    old_declared: dict[str, Any] = previous.get("declared_parameters", {})
    declared: dict[str, dict[str, Any]] = {}
    plans = []
    for nb in notebooks:
        names = declared_parameters(nb, old_declared.get(nb.name))
        declared[nb.name] = {"sha": hashlib.sha256(nb.read_bytes()).hexdigest(), "names": names}
        key = chapter_key(nb, notebook_parameters(nb, values, key_paths, names), checksums,
                          code, literature)
        cached = out / ".cache" / nb.stem
        reuse = old_keys.get(nb.name) == key and (cached / nb.name).is_file()
        plans.append((nb, names, key, reuse))
    keys = {nb.name: key for nb, _, key, _ in plans}
    book_key = hashlib.sha256(json.dumps(
        [book_digest(), keys, checksums, values, allow_identifiers], sort_keys=True,
        default=str).encode()).hexdigest()
    if (previous.get("book_key") == book_key and (out / "html" / "index.html").is_file()
            and is_previous_build(out)):
        # same data bytes, code and parameters as a build that passed the pre-flight check
        step(2, "data, parameters, notebooks and code unchanged since the last build: "
             "nothing to do")
        old = previous.get("notices", {})
        every = _summarise_notices(log, list(old.get("preflight", [])),
                                   list(old.get("chapters", [])))
        if strict and every:
            raise BuildError(f"--strict: the book in {out} has {len(every)} notice(s) (listed "
                             "above); it is left as it was")
        log(f"the book is up to date at {out / 'html' / 'index.html'}")
        return BuildResult(out, out / "html" / "index.html", [], {"total": 0.0}, every)

    step(2, f"pre-flight check of the data in {data_dir} and the parameters")
    report = _preflight(data_dir, values, allow_identifiers)
    for problem in report.warnings:
        log(f"      warning: {problem}")
    for notice in report.notices:
        log(f"      notice: {notice}")
    if not report.ok:
        raise BuildError("the data and parameters do not fit together; nothing was built:\n"
                         + report.format())
    if strict and report.notices:
        raise BuildError(f"--strict: the pre-flight check reported {len(report.notices)} "
                         "notice(s) (listed above); nothing was built")

    before = _children()
    staging: Path | None = _new_staging(out)
    try:
        result = _stage_execute_render(staging, data_dir, values, out, allow_identifiers, jobs,
                                       log, notebooks, plans, declared, keys, book_key,
                                       checksums, list(report.notices), strict, step, t0,
                                       durations)
        staging = None  # it became ``out``
        return result
    except BaseException:
        with _signals_deferred():
            _stop_children(before)
        raise
    finally:
        if staging is not None:
            with _signals_deferred():
                shutil.rmtree(staging, ignore_errors=True)


def _stage_execute_render(staging: Path, data_dir: Path, values: dict[str, Any], out: Path,
                          allow_identifiers: bool, jobs: int | None,
                          log: Callable[[str], None], notebooks: list[Path], plans: list,
                          declared: dict[str, Any], keys: dict[str, str], book_key: str,
                          checksums: dict[str, str], preflight_notices: list[str],
                          strict: bool, step: Callable[[int, str], None], t0: float,
                          durations: dict[str, float]) -> BuildResult:
    """Execute, render and swap in: everything that writes, inside ``staging``."""
    from netcomp.dictionary import dictionary_markdown
    from netcomp.facts import facts_markdown
    from netcomp.ledger import (
        LEDGER_COLUMNS,
        evaluate_claims,
        ledger_markdown,
        status_changes,
        status_counts,
    )
    from netcomp.provenance import RECONSTRUCTED, data_status, stamp_notebook
    from netcomp.results import write_results
    from netcomp.validate import deidentified_copy

    untouched = (f"the previous book in {out} is untouched" if out.exists()
                 else f"nothing was written to {out}")
    src = staging / "src"
    _stage_sources(src)
    from netcomp import publish

    try:  # the repository address of _config.yml: buttons, rerun guide, "How to cite"
        publish.stage(src)
    except ValueError as exc:
        raise BuildError(f"{exc}\n  {untouched}") from None
    # decided from the data's content, never its path: a copy of the bundled files is still
    # the reconstruction, one changed value makes it the user's cohort
    status = data_status(data_dir)
    reconstructed = status == RECONSTRUCTED
    # with --allow-identifiers the chapters read a copy without the identifier columns
    chapter_data = staging / "data" if allow_identifiers else data_dir
    if allow_identifiers:
        deidentified_copy(data_dir, chapter_data)
    generated = src / "book" / "_generated"
    generated.mkdir(parents=True, exist_ok=True)
    (generated / "dictionary.md").write_text(dictionary_markdown(), encoding="utf-8")
    (generated / "facts.md").write_text(facts_markdown(), encoding="utf-8")
    (generated / "build_info.md").write_text(
        _build_info_markdown(data_dir, values, checksums, reconstructed), encoding="utf-8")
    # the teachers' page offers the student edition (bundled cohort, no solutions) as a zip
    from netcomp.student import student_zip

    student_zip(generated / "netcomp-student.zip")

    todo = [p for p in plans if not p[3]]
    reused = [p for p in plans if p[3]]
    step(3, f"executing {len(todo)} chapter notebook(s) with papermill"
         + (f"; {len(reused)} unchanged, reused" if reused else ""))
    tasks = []
    for nb, names, _, _ in todo:
        # figures live inside the book source so pages can offer them for download
        paths = {"data_dir": str(chapter_data),
                 "results_dir": str(staging / ".work" / nb.stem / "results"),
                 "figures_dir": str(src / "figures" / nb.stem),
                 "literature_dir": str(LITERATURE_DIR)}
        tasks.append((str(nb), str(src / "notebooks" / nb.name),
                      notebook_parameters(nb, values, paths, names), str(src / "notebooks")))
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    if tasks:
        log(f"      running {', '.join(nb.name for nb, *_ in todo)} "
            f"({workers} at a time)")
    try:
        if workers == 1:
            finished = [_execute_one(t) for t in tasks]
        else:
            pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
            try:
                finished = list(pool.map(_execute_one, tasks))
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown()
    except BuildError as exc:
        raise BuildError(f"{exc}\n  {untouched}") from None
    for name, seconds in finished:
        stamp_notebook(src / "notebooks" / name, status)  # metadata, and a banner if reconstructed
        durations[name] = seconds
        log(f"      {name}: executed in {seconds:.1f} s")
    for folder in ("notebooks", "results", "figures", ".cache"):
        (staging / folder).mkdir(exist_ok=True)
    previous = _read_manifest(out) if out.is_dir() else {}
    old_durations = previous.get("durations_s", {})
    for nb, _, _, reuse in plans:
        cache = staging / ".cache" / nb.stem
        figures = src / "figures" / nb.stem
        if reuse:
            shutil.copytree(out / ".cache" / nb.stem, cache)
            shutil.copy2(cache / nb.name, src / "notebooks" / nb.name)
            if (cache / "figures").is_dir():
                shutil.copytree(cache / "figures", figures)
            durations[nb.name] = float(old_durations.get(nb.name, 0.0))
            log(f"      {nb.name}: unchanged, reused")
        else:
            executed = src / "notebooks" / nb.name
            _hide_parameter_cells(executed, data_dir.name)
            work = staging / ".work" / nb.stem
            cache.mkdir(parents=True)
            shutil.copy2(executed, cache / nb.name)
            if (work / "results").is_dir():
                shutil.copytree(work / "results", cache / "results")
            if figures.is_dir():
                shutil.copytree(figures, cache / "figures")
        shutil.copy2(cache / nb.name, staging / "notebooks" / nb.name)
        if (cache / "results").is_dir():
            shutil.copytree(cache / "results", staging / "results", dirs_exist_ok=True)
        if figures.is_dir():
            shutil.copytree(figures, staging / "figures", dirs_exist_ok=True)

    chapter_notices = _read_notices(staging / "results")
    every = [f"pre-flight: {n}" for n in preflight_notices] + chapter_notices
    if strict and every:
        _summarise_notices(log, preflight_notices, chapter_notices)
        raise BuildError(f"--strict: the build reported {len(every)} notice(s) (listed "
                         f"above); {untouched}")

    ledger = evaluate_claims(staging / "results", reconstructed_cohort=reconstructed)
    # the ledger has its own status column: no data_status stamp
    write_results(ledger[list(LEDGER_COLUMNS)], staging / "results", "ledger.csv", stamp=False)
    (generated / "ledger.md").write_text(ledger_markdown(ledger, {f"notebooks/{nb.stem}" for nb in notebooks}), encoding="utf-8")
    publish.write_findings(src, staging / "results", values)  # the front page's key findings
    reused_names = {nb.name for nb, _, _, reuse in plans if reuse}
    (generated / "about.md").write_text(
        _about_markdown(data_dir, values, checksums, durations, reused_names), encoding="utf-8")

    step(4, "rendering the HTML book with Jupyter Book (execution off, warnings are errors)")
    t_render = time.perf_counter()
    jb_work = staging / ".jupyter-book"
    jb_work.mkdir()
    try:
        _run_jupyter_book(src, jb_work)
    except BuildError as exc:
        raise BuildError(f"{exc}\n  {untouched}") from None
    shutil.move(str(jb_work / "_build" / "html"), str(staging / "html"))
    durations["render"] = time.perf_counter() - t_render
    durations["total"] = time.perf_counter() - t0
    manifest = {
        "netcomp_version": netcomp.__version__,
        "data_dir": str(data_dir),
        "data_sha256": checksums,
        "parameters": values,
        "notebooks": [nb.name for nb in notebooks],
        "executed": [nb.name for nb, _, _, reuse in plans if not reuse],
        "chapter_keys": keys,
        "declared_parameters": declared,
        "book_key": book_key,
        "notices": {"preflight": preflight_notices, "chapters": chapter_notices},
        "durations_s": {k: round(v, 2) for k, v in durations.items()},
    }
    (staging / "build.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(staging / ".work", ignore_errors=True)
    write_marker(staging)
    step(5, f"replacing {out} with the new build")
    import pandas as pd

    previous_ledger = (pd.read_csv(out / "results" / "ledger.csv")
                       if (out / "results" / "ledger.csv").is_file() else None)
    _swap_in(staging, out)
    counts = status_counts(ledger)
    log("ledger: " + ", ".join(f"{n} {s}" for s, n in counts.items())
        + f" (of {len(ledger)} claims; see {out / 'results' / 'ledger.csv'})")
    for message in status_changes(previous_ledger, ledger):
        log(f"      {message}")
    _summarise_notices(log, preflight_notices, chapter_notices)
    index = out / "html" / "index.html"
    log(f"done in {durations['total']:.1f} s. The book is at {index}")
    return BuildResult(out, index, [nb.name for nb, _, _, reuse in plans if not reuse],
                       durations, every)
