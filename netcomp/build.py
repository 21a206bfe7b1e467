"""``netcomp build``: validate the data, execute the chapters with papermill, render the book.

The build works in a staging folder next to ``--out`` and replaces ``--out`` only when every
step succeeded, so a failed build never destroys the previous book. Papermill is the only
executor: Jupyter Book renders the executed notebooks with execution off and with Sphinx
warnings turned into errors. Any failing cell stops the build with the notebook and cell
named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import netcomp
from netcomp import params as params_mod
from netcomp.provenance import BUNDLED_COHORT, file_checksums

# pandas, pandera, papermill and the analysis modules are imported inside the functions that
# need them, so that a rebuild with nothing changed answers in a fraction of a second.

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
LITERATURE_DIR = ROOT / "data" / "literature"
BOOK_FILES = ("_config.yml", "_toc.yml")
BOOK_DIRS = ("book",)


class BuildError(RuntimeError):
    """A build step failed; the message says which step, notebook and cell, and what to do."""


@dataclass
class BuildResult:
    """What a successful build produced and how long each step took."""

    out_dir: Path
    index_html: Path
    executed: list[str]
    durations: dict[str, float] = field(default_factory=dict)


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
                papermill.execute_notebook(
                    source, target, parameters=parameters, cwd=cwd, kernel_name="python3",
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
        raise BuildError(
            f"notebook {Path(source).name} failed in cell {index + 1} (counting all cells "
            f"from 1), which starts with: {first.strip()[:80]}\n"
            f"  {exc.ename}: {exc.evalue}\n"
            f"  the executed notebook with the full traceback is {target}"
        ) from None
    finally:
        os.close(saved_stderr)
    kernel_log.unlink(missing_ok=True)
    return Path(source).name, time.perf_counter() - start


def _hide_parameter_cells(path: Path) -> None:
    """Fold the parameter cells in the rendered page (code stays one click away)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if ("parameters" in tags or "injected-parameters" in tags) and "hide-input" not in tags:
            tags.append("hide-input")
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10, check=False)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def _build_info_markdown(data_dir: Path, values: dict[str, Any], checksums: dict[str, str],
                         bundled: bool) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = "\n".join(f"| `{name}` | `{digest}` |" for name, digest in sorted(checksums.items()))
    prow = "\n".join(f"| `{k}` | `{v!r}` |" for k, v in values.items())
    origin = (
        "the **bundled reconstructed cohort** (synthetic values that satisfy the study's "
        "published aggregates; not the study's measurements)"
        if bundled else "a **user-supplied cohort**"
    )
    return f"""
Built on {now} with netcomp {netcomp.__version__} (commit `{_git_commit()}`), Python
{platform.python_version()}, from {origin} in `{data_dir}`.

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
                "statsmodels", "matplotlib", "pandera")


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
        "", "## Data", "", f"Folder: `{data_dir}`", "",
        "| file | SHA-256 |", "|---|---|",
        *(f"| `{n}` | `{d}` |" for n, d in sorted(checksums.items())),
        "", "## Parameters", "", "| parameter | value |", "|---|---|",
        *(f"| `{k}` | `{v!r}` |" for k, v in values.items()),
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
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    log = proc.stdout + proc.stderr
    (work / "sphinx.log").write_text(log, encoding="utf-8")
    problems = [ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln]
    if proc.returncode != 0 or problems:
        shown = "\n  ".join(problems[:20]) or log[-2000:]
        raise BuildError(
            "Jupyter Book reported problems (warnings fail the build):\n  " + shown
            + f"\n  full log: {work / 'sphinx.log'}"
        )


def _swap_in(staging: Path, out: Path) -> None:
    old = out.with_name(out.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    staging.rename(out)
    if old.exists():
        shutil.rmtree(old)


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
) -> BuildResult:
    """Build the whole book from ``data_dir`` with the parameters in ``params_file``.

    Chapters whose content hash (:func:`chapter_key`) matches the previous build in
    ``out_dir`` are not re-executed; when nothing changed at all, the previous book is kept
    as it is. ``force`` re-executes everything. ``notebooks`` overrides the chapter list of
    ``_toc.yml`` (used by tests).
    """
    t0 = time.perf_counter()
    data_dir = Path(data_dir).resolve()
    out = Path(out_dir).resolve()
    durations: dict[str, float] = {}
    notebooks = chapter_notebooks() if notebooks is None else [Path(n) for n in notebooks]
    total = 5

    def step(i: int, text: str) -> None:
        log(f"[{i}/{total}] {text}  (elapsed {time.perf_counter() - t0:5.1f} s)")

    step(1, "reading parameters" + (f" from {params_file}" if params_file else ""))
    values = params_mod.load_params(params_file)

    # what each chapter needs, and whether the previous build already has it
    staging = out.with_name(out.name + ".partial")
    checksums = file_checksums(data_dir)
    code = code_digest()
    literature = (_digest_files([f for f in LITERATURE_DIR.rglob("*") if f.is_file()],
                                LITERATURE_DIR) if LITERATURE_DIR.is_dir() else "")
    # with --allow-identifiers the chapters read a copy without the identifier columns
    chapter_data = staging / "data" if allow_identifiers else data_dir
    previous = {} if force else _read_manifest(out)
    old_keys: dict[str, str] = previous.get("chapter_keys", {})
    old_declared: dict[str, Any] = previous.get("declared_parameters", {})
    declared: dict[str, dict[str, Any]] = {}
    plans = []
    for nb in notebooks:
        work = staging / ".work" / nb.stem
        # figures live inside the book source so pages can offer them for download
        paths = {"data_dir": str(chapter_data), "results_dir": str(work / "results"),
                 "figures_dir": str(staging / "src" / "figures" / nb.stem),
                 "literature_dir": str(LITERATURE_DIR)}
        names = declared_parameters(nb, old_declared.get(nb.name))
        declared[nb.name] = {"sha": hashlib.sha256(nb.read_bytes()).hexdigest(), "names": names}
        parameters = notebook_parameters(nb, values, paths, names)
        key = chapter_key(nb, parameters, checksums, code, literature)
        cached = out / ".cache" / nb.stem
        reuse = old_keys.get(nb.name) == key and (cached / nb.name).is_file()
        plans.append((nb, parameters, key, reuse))
    keys = {nb.name: key for nb, _, key, _ in plans}
    book_key = hashlib.sha256(json.dumps(
        [book_digest(), keys, checksums, values, allow_identifiers], sort_keys=True,
        default=str).encode()).hexdigest()
    if previous.get("book_key") == book_key and (out / "html" / "index.html").is_file():
        # same data bytes, code and parameters as a build that validated and succeeded
        step(2, "data, parameters, notebooks and code unchanged since the last build: "
             "nothing to do")
        log(f"the book is up to date at {out / 'html' / 'index.html'}")
        return BuildResult(out, out / "html" / "index.html", [], {"total": 0.0})

    from netcomp.dictionary import dictionary_markdown
    from netcomp.facts import facts_markdown
    from netcomp.ledger import (
        LEDGER_COLUMNS,
        evaluate_claims,
        ledger_markdown,
        status_changes,
        status_counts,
    )
    from netcomp.results import write_results
    from netcomp.validate import deidentified_copy, validate_cohort

    step(2, f"validating data in {data_dir}")
    report = validate_cohort(data_dir, allow_identifiers=allow_identifiers)
    for problem in report.warnings:
        log(f"      {problem}")
    if not report.ok:
        raise BuildError("the cohort is not valid; nothing was built:\n" + report.format())

    if staging.exists():
        shutil.rmtree(staging)
    src = staging / "src"
    _stage_sources(src)
    if allow_identifiers:
        deidentified_copy(data_dir, chapter_data)
    generated = src / "book" / "_generated"
    generated.mkdir(parents=True, exist_ok=True)
    (generated / "dictionary.md").write_text(dictionary_markdown(), encoding="utf-8")
    (generated / "facts.md").write_text(facts_markdown(), encoding="utf-8")
    (generated / "build_info.md").write_text(
        _build_info_markdown(data_dir, values, checksums,
                             data_dir == BUNDLED_COHORT.resolve()), encoding="utf-8")

    todo = [p for p in plans if not p[3]]
    reused = [p for p in plans if p[3]]
    step(3, f"executing {len(todo)} chapter notebook(s) with papermill"
         + (f"; {len(reused)} unchanged, reused" if reused else ""))
    tasks = [(str(nb), str(src / "notebooks" / nb.name), parameters, str(src / "notebooks"))
             for nb, parameters, _, _ in todo]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    if tasks:
        log(f"      running {', '.join(nb.name for nb, *_ in todo)} "
            f"({workers} at a time)")
    try:
        if workers == 1:
            finished = [_execute_one(t) for t in tasks]
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                finished = list(pool.map(_execute_one, tasks))
    except BuildError as exc:
        raise BuildError(f"{exc}\n  the previous book in {out} is untouched; partial work is "
                         f"in {staging}") from None
    for name, seconds in finished:
        durations[name] = seconds
        log(f"      {name}: executed in {seconds:.1f} s")
    for folder in ("notebooks", "results", "figures", ".cache"):
        (staging / folder).mkdir(exist_ok=True)
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
            _hide_parameter_cells(executed)
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

    bundled = data_dir == BUNDLED_COHORT.resolve()
    ledger = evaluate_claims(staging / "results", reconstructed_cohort=bundled)
    write_results(ledger[list(LEDGER_COLUMNS)], staging / "results", "ledger.csv")
    (generated / "ledger.md").write_text(ledger_markdown(ledger, {f"notebooks/{nb.stem}" for nb in notebooks}), encoding="utf-8")
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
        raise BuildError(f"{exc}\n  the previous book in {out} is untouched; partial work is "
                         f"in {staging}") from None
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
        "durations_s": {k: round(v, 2) for k, v in durations.items()},
    }
    (staging / "build.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(staging / ".work", ignore_errors=True)
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
    index = out / "html" / "index.html"
    log(f"done in {durations['total']:.1f} s. The book is at {index}")
    return BuildResult(out, index, [nb.name for nb, _, _, reuse in plans if not reuse],
                       durations)
