"""Content hashes that decide which chapters a rebuild must re-execute.

A chapter is re-executed only when something it reads changed: its source file (the MyST
Markdown notebook in ``notebooks/``, hashed as stored, not its converted ``.ipynb``), the
parameter values it declares, the bytes of the data files, the literature tables, or the
``netcomp`` code (any change to the package re-executes every chapter). The keys are kept in
the previous build's ``build.json`` (``chapter_keys``), and each executed chapter's notebook,
results and figures in its ``.cache/<chapter>/`` folder.

This is netcomp's own cache rather than jupyter-cache (which Jupyter Book offers): that one
hashes only a notebook's code cells, so it cannot see a changed data file, a changed
parameter file or a changed ``netcomp`` package, which are exactly what a rerun changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: Parameters naming folders: keyed by the folder's content, never by its (changing) path.
PATH_PARAMS = ("data_dir", "results_dir", "figures_dir", "literature_dir")
#: The netcomp package folder: its ``.py`` and ``.yaml`` files make up the code digest.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: Name of the build record in an output folder; it holds the keys of the previous build.
MANIFEST = "build.json"
#: Folder of an output folder holding each chapter's executed notebook, results and figures.
CACHE_DIR = ".cache"


def sha256_file(path: Path) -> str:
    """SHA-256 of one file's bytes, as hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digest_files(files: Iterable[Path], base: Path) -> str:
    """One hash over ``files``: their paths relative to ``base`` and their bytes, sorted."""
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(base)).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def code_digest(package: Path = PACKAGE_DIR) -> str:
    """Hash of the netcomp package's source: any code change re-executes every chapter."""
    return digest_files([f for f in package.rglob("*") if f.suffix in (".py", ".yaml")], package)


def folder_digest(folder: Path) -> str:
    """Hash of every file under ``folder`` ("" when it does not exist)."""
    if not folder.is_dir():
        return ""
    return digest_files([f for f in folder.rglob("*") if f.is_file()], folder)


def pages_digest(root: Path, files: Iterable[str], folders: Iterable[str]) -> str:
    """Hash of the book's own pages and configuration: ``files`` and ``folders`` of ``root``.

    Generated pages (``_generated``) and hidden files are left out: the build writes them.
    """
    paths = [root / name for name in files]
    for folder in folders:
        paths += [
            f
            for f in (root / folder).rglob("*")
            if f.is_file() and "_generated" not in f.parts and not f.name.startswith(".")
        ]
    return digest_files(paths, root)


def chapter_key(
    notebook: Path, parameters: dict[str, Any], data_sha: dict[str, str], code: str, literature: str
) -> str:
    """Content hash deciding whether a chapter must be re-executed.

    It covers the notebook file, the parameter values it receives (folders by content, not
    by path), the data files it reads, and the netcomp code.
    """
    payload = {
        "notebook": sha256_file(notebook),
        "parameters": {k: v for k, v in sorted(parameters.items()) if k not in PATH_PARAMS},
        "data": data_sha if "data_dir" in parameters else {},
        "data_dir": parameters.get("data_dir", ""),
        "literature": literature if "literature_dir" in parameters else "",
        "code": code,
    }
    return _json_digest(payload)


def book_key(
    pages: str,
    chapter_keys: dict[str, str],
    data_sha: dict[str, str],
    values: dict[str, Any],
    allow_identifiers: bool,
) -> str:
    """Content hash of the whole book: when it matches the previous build, nothing is redone."""
    return _json_digest([pages, chapter_keys, data_sha, values, allow_identifiers])


def _json_digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def read_manifest(out: Path) -> dict[str, Any]:
    """The previous build's record in ``out`` (``{}`` when there is none or it is unreadable)."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def cached_chapter(out: Path, notebook: Path) -> Path:
    """Where the build in ``out`` keeps ``notebook``'s executed copy, results and figures."""
    return out / CACHE_DIR / notebook.stem


def declared_parameters(path: Path, known: dict[str, Any] | None = None) -> list[str]:
    """Names a chapter's parameters cell declares (the chapter an ``.md`` or ``.ipynb``).

    ``known`` is the previous build's record ``{"sha": ..., "names": [...]}``: when the
    source file's bytes are unchanged the names are reused without starting papermill.
    """
    if known and known.get("sha") == sha256_file(path):
        return list(known["names"])
    import papermill

    if path.suffix == ".ipynb":
        return list(papermill.inspect_notebook(str(path)))
    import tempfile

    from netcomp.book.notebooks import notebook_name, write_ipynb

    with tempfile.TemporaryDirectory() as tmp:
        converted = write_ipynb(path, Path(tmp) / notebook_name(path))
        return list(papermill.inspect_notebook(str(converted)))
