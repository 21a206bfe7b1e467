"""``netcomp build``: validate the data, execute the chapters with papermill, render the book.

The build works in a staging folder next to ``--out`` and replaces ``--out`` only when every
step succeeded, so a failed build never destroys the previous book. Papermill is the only
executor: Jupyter Book renders the executed notebooks with execution off and with Sphinx
warnings turned into errors. Any failing cell stops the build with the notebook and cell
named.
"""

from __future__ import annotations

import datetime as dt
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
from netcomp.cohort import BUNDLED_COHORT, file_checksums
from netcomp.dictionary import dictionary_markdown
from netcomp.facts import facts_markdown
from netcomp.validate import validate_cohort

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
    notebooks: list[str]
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


def notebook_parameters(path: Path, values: dict[str, Any], paths: dict[str, str]) -> dict:
    """The parameters to inject into one notebook: only those its parameters cell declares."""
    import papermill

    declared = papermill.inspect_notebook(str(path))
    merged = {**values, **paths}
    return {k: v for k, v in merged.items() if k in declared}


def _execute_one(task: tuple[str, str, dict, str]) -> tuple[str, float]:
    """Run one notebook with papermill (in a worker process); return (name, seconds)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source, target, parameters, cwd = task
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            source, target, parameters=parameters, cwd=cwd, kernel_name="python3",
            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
        )
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


def build(
    data_dir: str | Path = BUNDLED_COHORT,
    params_file: str | Path | None = None,
    out_dir: str | Path = "_build",
    allow_identifiers: bool = False,
    jobs: int | None = None,
    log: Callable[[str], None] = print,
    notebooks: list[Path] | None = None,
) -> BuildResult:
    """Build the whole book from ``data_dir`` with the parameters in ``params_file``.

    ``notebooks`` overrides the chapter list of ``_toc.yml`` (used by tests).
    """
    t0 = time.perf_counter()
    data_dir = Path(data_dir).resolve()
    out = Path(out_dir).resolve()
    durations: dict[str, float] = {}
    notebooks = chapter_notebooks() if notebooks is None else [Path(n) for n in notebooks]

    def step(i: int, total: int, text: str) -> None:
        log(f"[{i}/{total}] {text}  (elapsed {time.perf_counter() - t0:5.1f} s)")

    total = 5
    step(1, total, f"validating data in {data_dir}")
    report = validate_cohort(data_dir, allow_identifiers=allow_identifiers)
    for problem in report.warnings:
        log(f"      {problem}")
    if not report.ok:
        raise BuildError("the cohort is not valid; nothing was built:\n" + report.format())
    step(2, total, "reading parameters" + (f" from {params_file}" if params_file else ""))
    values = params_mod.load_params(params_file)

    staging = out.with_name(out.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    src = staging / "src"
    _stage_sources(src)
    generated = src / "book" / "_generated"
    generated.mkdir(parents=True, exist_ok=True)
    checksums = file_checksums(data_dir)
    (generated / "dictionary.md").write_text(dictionary_markdown(), encoding="utf-8")
    (generated / "facts.md").write_text(facts_markdown(), encoding="utf-8")
    (generated / "build_info.md").write_text(
        _build_info_markdown(data_dir, values, checksums,
                             data_dir == BUNDLED_COHORT.resolve()), encoding="utf-8")

    step(3, total, f"executing {len(notebooks)} chapter notebook(s) with papermill")
    tasks = []
    for nb in notebooks:
        work = staging / ".work" / nb.stem
        paths = {
            "data_dir": str(data_dir),
            "results_dir": str(work / "results"),
            "figures_dir": str(work / "figures"),
            "literature_dir": str(LITERATURE_DIR),
        }
        parameters = notebook_parameters(nb, values, paths)
        tasks.append((str(nb), str(src / "notebooks" / nb.name), parameters,
                      str(src / "notebooks")))
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
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
        log(f"      {name}: {seconds:.1f} s")
    for folder in ("notebooks", "results", "figures"):
        (staging / folder).mkdir(exist_ok=True)
    for nb in notebooks:
        executed = src / "notebooks" / nb.name
        _hide_parameter_cells(executed)
        shutil.copy2(executed, staging / "notebooks" / nb.name)
        for folder in ("results", "figures"):
            produced = staging / ".work" / nb.stem / folder
            if produced.is_dir():
                shutil.copytree(produced, staging / folder, dirs_exist_ok=True)

    step(4, total, "rendering the HTML book with Jupyter Book (execution off, warnings are errors)")
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
        "durations_s": {k: round(v, 2) for k, v in durations.items()},
    }
    (staging / "build.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(staging / ".work", ignore_errors=True)
    step(5, total, f"replacing {out} with the new build")
    _swap_in(staging, out)
    index = out / "html" / "index.html"
    log(f"done in {durations['total']:.1f} s. The book is at {index}")
    return BuildResult(out, index, [nb.name for nb in notebooks], durations)
