"""The chapters' source files: MyST Markdown notebooks, converted to ``.ipynb`` for papermill.

The six chapters in ``notebooks/`` are stored as MyST Markdown notebooks (jupytext's
``md:myst`` format: a YAML header naming the kernel, ``{code-cell}`` blocks for code, ``+++``
between Markdown cells), so that a change to a chapter reads like a change to prose in review.
Jupyter opens them as notebooks when jupytext is installed (it is a netcomp dependency).

The build converts each chapter it executes to an ``.ipynb`` in its staging folder
(:func:`write_ipynb`) and papermill runs that copy; Jupyter Book renders the executed
``.ipynb``. Everything downstream names a chapter by its notebook name, ``<stem>.ipynb``
(:func:`notebook_name`): build records, executed notebooks, figure labels, the student
edition. A chapter given as an ``.ipynb`` file (tests do) is read as it is.

Cell ids are not stored in the Markdown: :func:`read_chapter` numbers the cells
(``cell-001``, ...), so a conversion always gives the same notebook.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The chapters' folder in the repository.
NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
#: Suffix of a chapter's source file (a MyST Markdown notebook).
SOURCE_SUFFIX = ".md"
#: jupytext's name of the format the chapters are stored in.
FORMAT = "md:myst"


def notebook_name(path: str | Path) -> str:
    """The name a chapter goes by in the build and everything after it: ``<stem>.ipynb``."""
    return Path(path).stem + ".ipynb"


def chapter_source(name: str | Path, folder: Path = NOTEBOOK_DIR) -> Path:
    """The source file of a chapter named by its notebook name, stem or path.

    An existing path is returned as it is; a bare name (``03_biomarker_association.ipynb``)
    is looked up in ``folder``: its ``.md`` source, else an ``.ipynb`` of that name.
    """
    path = Path(name)
    if path.is_file():
        return path
    stem = path.stem if path.suffix in (".ipynb", SOURCE_SUFFIX) else path.name
    source = folder / (stem + SOURCE_SUFFIX)
    return source if source.is_file() else folder / (stem + ".ipynb")


def is_notebook_source(path: Path) -> bool:
    """Whether ``path`` is a chapter: an ``.ipynb``, or a Markdown file with a kernel header.

    A MyST Markdown notebook starts with YAML front matter naming a ``kernelspec`` (the
    header jupytext writes and Jupyter Book reads); the book's other ``.md`` pages do not.
    """
    if not path.is_file():
        return False
    if path.suffix == ".ipynb":
        return True
    if path.suffix != SOURCE_SUFFIX:
        return False
    with path.open(encoding="utf-8") as f:
        head = f.read(2000)
    if not head.startswith("---\n"):
        return False
    front = head.split("\n---", 1)[0]
    return "\nkernelspec:" in front


def read_chapter(path: str | Path) -> dict[str, Any]:
    """A chapter as a notebook (plain dicts, nbformat 4.5), whatever its source format.

    Sources are strings; cells get numbered ids; jupytext's own header metadata is left out.
    """
    path = chapter_source(path)
    if path.suffix == ".ipynb":
        nb: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            cell["source"] = "".join(cell["source"])
        return nb
    import jupytext

    node = jupytext.read(path, fmt=FORMAT)
    nb = json.loads(json.dumps(node))  # nbformat's NotebookNode to plain dicts
    nb["metadata"].pop("jupytext", None)
    nb["nbformat"], nb["nbformat_minor"] = 4, 5
    for i, cell in enumerate(nb["cells"], start=1):
        cell["id"] = f"cell-{i:03d}"
        if cell["cell_type"] == "code":
            cell.setdefault("execution_count", None)
            cell.setdefault("outputs", [])
    return nb


def ipynb_text(source: str | Path) -> str:
    """The chapter ``source`` as the text of an ``.ipynb`` file, as Jupyter saves one."""
    import nbformat  # writes sources as lists of lines

    return nbformat.writes(nbformat.from_dict(read_chapter(source))) + "\n"


def write_ipynb(source: str | Path, target: str | Path) -> Path:
    """Write the chapter ``source`` as an ``.ipynb`` at ``target`` (what papermill runs)."""
    target = Path(target)
    target.write_text(ipynb_text(source), encoding="utf-8")
    return target


def markdown_cells(path: str | Path) -> list[str]:
    """The sources of a chapter's Markdown cells, in order."""
    return [c["source"] for c in read_chapter(path)["cells"] if c["cell_type"] == "markdown"]
