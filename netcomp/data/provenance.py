"""Where the data came from: checksums of input files, and whether they are the reconstruction.

Kept free of heavy imports so a no-change rebuild starts fast (pandas is imported only by
the content comparison, which runs only for a small cohort whose bytes differ).

The bundled cohort is a *reconstruction*: synthetic values built to satisfy the study's
published aggregates. Anything computed from it must say so, wherever it ends up. This
module decides it **from the data, never from the folder's path**:

- :func:`files_are_reconstruction`: the cohort files' SHA-256 equal
  :data:`RECONSTRUCTION_SHA256`, the checksums of what ``netcomp reconstruct`` writes (a
  test regenerates the files and checks them), so a copy of the bundled folder anywhere is
  recognised;
- :func:`netcomp.data.cohort.Cohort.reconstructed`: the validated tables' content equals the
  reconstruction's (:data:`RECONSTRUCTION_CONTENT_SHA256`), so the same values saved as a
  workbook, with Windows line ends, reordered rows or an extra free-text column are
  recognised too. One changed value makes it a different cohort.

:func:`load_cohort <netcomp.data.cohort.load_cohort>` records the status of the cohort it loaded
(:func:`current_status`); :func:`netcomp.book.results.write_results` and
:func:`netcomp.figures.style.save_figure` read it to stamp what they write, so the chapters
need not pass it. :func:`stamp_notebook` stamps an executed notebook.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from netcomp.data import contract

#: The bundled (reconstructed) cohort shipped in the repository.
BUNDLED_COHORT = Path(__file__).resolve().parents[2] / "data" / "cohort"

#: Data status of a cohort that is (a copy of) the reconstruction, and of any other cohort.
RECONSTRUCTED = "reconstructed"
USER_SUPPLIED = "user-supplied"
#: Status of a table built from published numbers only (the literature): never stamped.
PUBLISHED = "published"
#: Key in ``DataFrame.attrs`` that overrides the loaded cohort's status for one table.
STATUS_ATTR = "netcomp_data_status"
#: Column added to every results and figure CSV computed from the reconstruction.
STATUS_COLUMN = "data_status"
#: The label drawn inside every figure computed from the reconstruction.
FIGURE_LABEL = "Reconstructed data (synthetic)"
#: Longer wording for figure metadata (SVG/PNG Description) and provenance JSON.
DESCRIPTION = (
    "Computed from the bundled reconstructed cohort: synthetic values generated to "
    "satisfy the study's published aggregates, not the study's measurements."
)

#: SHA-256 of each file ``netcomp reconstruct`` writes (tests/test_stamping.py regenerates
#: the files and checks these values).
RECONSTRUCTION_SHA256: dict[str, str] = {
    "cultures.csv": "36c4f2f0cd12ed340277546673a3a9f499a742cce1621c5afa171ee13a05893a",
    "expression.csv": "872521be3e384a9f48cdd5d46615fa516755d81a4f68424a00ae2c0b21e0a07c",
    "mutations.csv": "e4be0f522b72d204167cd71c69a074532566f771cd46211e1e50b16284c44364",
    "panel.txt": "8887e6e285a15ed43e106c7e4480558c0c8d243dc7305c8f7381e92c6dbec60e",
    "viability.csv": "efac06c66bb97e0e9e44ab9450a11ceb68d7d41d9c30ef185d5007ae38f4885a",
}
#: SHA-256 of the reconstruction's canonical content (see ``Cohort.content_digest``).
RECONSTRUCTION_CONTENT_SHA256 = "35a841bf3b4031e80f5916e854e8841b2a07d26324e0000811cd3f61a4131742"
#: Cohorts larger than this (all files together) cannot be the reconstruction: their content
#: is not compared, so a large user cohort is never read twice.
_CONTENT_CHECK_MAX_BYTES = 1_000_000

_current: str | None = None


def file_checksums(path: str | Path) -> dict[str, str]:
    """SHA-256 of each contract file in a cohort folder (or of the workbook itself)."""
    path = Path(path)
    files = [path] if path.is_file() else [path / f for f in contract.FILES if (path / f).is_file()]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def files_are_reconstruction(path: str | Path) -> bool:
    """True when the cohort files at ``path`` are exactly what ``netcomp reconstruct`` writes."""
    return file_checksums(path) == RECONSTRUCTION_SHA256


def data_status(path: str | Path) -> str:
    """:data:`RECONSTRUCTED` if the cohort at ``path`` holds the reconstruction's values.

    Bytes first (fast); then, for a small cohort only, the validated content, which catches
    the same values in a workbook or re-saved files. An invalid cohort is
    :data:`USER_SUPPLIED` (the build refuses it anyway).
    """
    path = Path(path)
    if files_are_reconstruction(path):
        return RECONSTRUCTED
    files = [path] if path.is_file() else [path / f for f in contract.FILES]
    if sum(f.stat().st_size for f in files if f.is_file()) > _CONTENT_CHECK_MAX_BYTES:
        return USER_SUPPLIED
    from netcomp.data.cohort import load_cohort
    from netcomp.data.validate import CohortError

    global _current
    before = _current
    try:
        cohort = load_cohort(path, allow_identifiers=True)
    except (CohortError, OSError, ValueError):
        return USER_SUPPLIED
    finally:
        _current = before  # a check is not a load: leave the kernel's status alone
    return RECONSTRUCTED if cohort.reconstructed else USER_SUPPLIED


def set_current_status(status: str | None) -> None:
    """Record the status of the cohort just loaded (``None``: no cohort, nothing stamped)."""
    if status not in (None, RECONSTRUCTED, USER_SUPPLIED):
        raise ValueError(f"unknown data status {status!r}")
    global _current
    _current = status


def current_status() -> str | None:
    """Status of the cohort this process loaded last (``None`` before any load)."""
    return _current


def is_reconstructed(status: str | None = None) -> bool:
    """True when ``status`` (default: :func:`current_status`) is :data:`RECONSTRUCTED`."""
    return (current_status() if status is None else status) == RECONSTRUCTED


def status_for(data: object = None, explicit: str | None = None) -> str | None:
    """The status of an artefact drawn from ``data`` (a DataFrame).

    In order: ``explicit``; the table's own mark (``data.attrs``, see
    :func:`mark_published`); the status of the cohort loaded last.
    """
    if explicit is not None:
        return explicit
    attrs = getattr(data, "attrs", None)
    if isinstance(attrs, dict) and attrs.get(STATUS_ATTR) is not None:
        return str(attrs[STATUS_ATTR])
    return current_status()


def mark_published(result: object) -> None:
    """Mark every table held by ``result`` (a chapter result) as built from published numbers.

    Tables, figure data and CSVs drawn from them are then not stamped as reconstructed data,
    even though the chapter loaded the reconstruction for its other sections.
    """
    values = list(vars(result).values()) if hasattr(result, "__dict__") else [result]
    for value in values:
        for item in value.values() if isinstance(value, dict) else [value]:
            attrs = getattr(item, "attrs", None)
            if isinstance(attrs, dict) and hasattr(item, "to_csv"):
                attrs[STATUS_ATTR] = PUBLISHED


#: The visible line put under the title of every executed chapter built from the reconstruction.
NOTEBOOK_BANNER = (
    "```{admonition} Reconstructed data\n:class: warning\n"
    "This page was built from the bundled **reconstructed cohort**: synthetic per-culture "
    "values generated to satisfy the study's published aggregates, not the study's "
    "measurements. Every value computed from the cultures describes the reconstruction (its "
    'figures are labelled "Reconstructed data (synthetic)"); agreeing with the study shows '
    "only that the reconstruction was built to agree. Numbers quoted from publications are "
    "the publications' own.\n```\n"
)


def stamp_notebook(path: str | Path, status: str) -> None:
    """Record ``status`` in an executed notebook's metadata (``netcomp.data_status``).

    A notebook built from the reconstruction also gets :data:`NOTEBOOK_BANNER` right under
    its title (or as a first cell when it has no title), so every page says so.
    """
    path = Path(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    meta = nb.setdefault("metadata", {}).setdefault("netcomp", {})
    meta["data_status"] = status
    if status == RECONSTRUCTED:
        meta["data_description"] = DESCRIPTION
        banner = {
            "cell_type": "markdown",
            "id": "netcomp-data-status",
            "metadata": {"tags": ["netcomp-data-status"]},
            "source": NOTEBOOK_BANNER.splitlines(keepends=True),
        }
        cells = nb.setdefault("cells", [])
        if not any("netcomp-data-status" in c.get("metadata", {}).get("tags", []) for c in cells):
            _insert_banner(cells, banner)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _insert_banner(cells: list[dict], banner: dict) -> None:
    """Split the first markdown cell after its title line and put ``banner`` there."""
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        lines = source if isinstance(source, list) else [source]
        lines = "".join(lines).splitlines(keepends=True)
        title = next((j for j, ln in enumerate(lines) if ln.startswith("# ")), None)
        if title is None:
            break
        head, rest = lines[: title + 1], lines[title + 1 :]
        cell["source"] = head
        new = [banner]
        if "".join(rest).strip():
            new.append(
                {
                    "cell_type": "markdown",
                    "id": "netcomp-after-title",
                    "metadata": {},
                    "source": rest,
                }
            )
        cells[i + 1 : i + 1] = new
        return
    cells.insert(0, banner)
