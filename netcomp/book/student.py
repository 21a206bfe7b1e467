"""The student edition: one notebook per chapter, exercises with empty answer cells.

``write_student(out_dir)`` turns each chapter notebook of the book into a notebook a student
runs in plain Jupyter with the installed package: the narrative (MyST roles turned into plain
Markdown, the book's computed numbers filled in for the cohort used), the chapter's code
without the book's plumbing (no ``glue``, ``show_figure(..., NOTEBOOK)``, ``write_results``,
``write_notices``), a ``data_dir`` cell at the top, and for each exercise an empty answer
cell ending in a self-check (:mod:`netcomp.book.selfcheck`). No solution text is copied.
``with_solutions=True`` also writes ``solutions/``: the same notebooks with the book's
solutions (the code the book shows, only what a student would write, then the self-check of
its answer, :data:`ANSWERS`) and the book's explanations, for the teacher.
"""

from __future__ import annotations

import ast
import copy
import importlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netcomp.book.notebooks import NOTEBOOK_DIR as NOTEBOOK_DIR
from netcomp.book.notebooks import read_chapter
from netcomp.book.selfcheck import BY_LABEL, CHAPTER_NOTEBOOKS, EXERCISES, book_numbers
from netcomp.data.provenance import BUNDLED_COHORT

#: Chapter notebook -> chapter module of netcomp.chapters (for the narrative's numbers).
CHAPTERS: dict[str, str] = {nb: module for module, nb in CHAPTER_NOTEBOOKS.items()}

#: Cells of a solution that belong to the book's build (notices, saved figures), not to it.
HIDDEN_TAGS = frozenset({"remove-cell", "remove-input"})

#: The answer a self-check takes, read from the variables of the book's solution (its
#: visible code, what a student would write): exercise label -> expression.
ANSWERS: dict[str, str] = {
    "ex-data-import-1": 'set(near["culture_id"])',
    "ex-data-import-2": 'counts["at_looser_cutoff"].get(gene)',
    "ex-data-import-3": "needed",
    "ex-resp-1": "set(changed[25.0])",
    "ex-resp-2": "depends_on_the_well",
    "ex-resp-3": "set(drug_only)",
    "ex-resp-4": "needed",
    "ex-assoc-1": 'rows[-1]["p two-sided"] if rows else None  # the 25% row',
    "ex-assoc-2": 'rows[0]["p two-sided"] if rows else None  # the cut-off of 1.5',
    "ex-assoc-3": 'family.set_index("feature")["q_value"].get("HRAS")',
    "ex-assoc-4": 'needed["alpha = 0.01"]',
    "ex-literature-1": 'set(rows[-1]["changed class"]) if rows else None  # 10 points higher',
    "ex-literature-2": "still_above",
    "ex-literature-3": 'spread.get("primary cultures")',
    "ex-smallcohort-1": (
        'None if sizes.empty else sizes.set_index("test").loc["fisher", "size, margins fixed"]'
    ),
    "ex-smallcohort-2": 'power.get("two-sided")',
    "ex-smallcohort-3": 'screen.get("family-wise error rate")',
    "ex-replication-1": 'rows[-1]["P(difference > 0)"] if rows else None  # strength 1',
    "ex-replication-2": "combined.p_greater",
    "ex-replication-3": 'p_values.get("by enumeration")',
}


def solution_cells(notebook: str | Path) -> dict[str, list[str]]:
    """The code a book's solutions show, by exercise label: each solution's code cells
    without those the page hides (``remove-cell``, ``remove-input``: the book's plumbing)."""
    book = read_chapter(notebook)  # a chapter's name (its MyST source in notebooks/) or path
    found: dict[str, list[str]] = {}
    label: str | None = None
    for c in book["cells"]:
        source = "".join(c["source"])
        if c["cell_type"] == "markdown":
            for kind, body in _split_solutions(source):
                if kind == "start":
                    label = body.split("\n")[0].split("}", 1)[1].strip()
                    found.setdefault(label, [])
                elif kind == "end":
                    label = None
        elif label is not None and not HIDDEN_TAGS & set(c.get("metadata", {}).get("tags", [])):
            found[label].append(source)
    return found


#: Calls that belong to the book's build, never to a student's notebook.
_PLUMBING_CALLS = {"glue", "write_results", "glue_all", "write_notices", "glue_figure_labels"}
#: Keyword arguments (by the call that makes their value) that only serve the book's pages.
_PLUMBING_ARGUMENTS = {"table_caption"}
_PLUMBING_IMPORTS = {"glue", "write_results", "show_figure"}
#: Sections of the book about building and rerunning it: not part of the student edition.
_BOOK_ONLY = re.compile(
    r"^(## (Rerun this chapter|Results files?)|```\{admonition\} Download and rerun)"
)
STUDENT_README = """# netcomp: student edition

One notebook per chapter of the netcomp book (lenvatinib and HRAS in GEP-NET primary
cultures). Open them in Jupyter (`jupyter lab` or a JupyterHub) with the `netcomp` package
installed, and run each from the top.

- The first code cell sets `data_dir`, the cohort the notebook reads: now `{data}`.
  The bundled cohort is a reconstruction: synthetic values that
  satisfy the study's published aggregates, not the study's measurements.
- Exercises are numbered as in the book ("Exercise 5.1" is `check("5.1", ...)`).
- Under each exercise, put your answer in `answer` and run the cell: `check(...)` says
  *right*, or *not yet* with a hint. It computes the expected answer from the cohort in
  `data_dir`, so it stays right when you use another cohort, and it never shows the answer.
"""


def student_zip(path: str | Path) -> Path:
    """The student edition (no solutions, bundled cohort) as one zip file, for the book."""
    import tempfile
    import zipfile

    from netcomp.data import provenance

    target = Path(path)
    status = provenance.current_status()  # loading the bundled cohort must not change it
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "netcomp-student"
            write_student(folder)
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
                for file in sorted(folder.rglob("*")):
                    if file.is_file():
                        zf.write(file, file.relative_to(folder.parent).as_posix())
    finally:
        provenance.set_current_status(status)
    return target


START_NOTE = (
    "The first code cell holds the chapter's parameters; `data_dir` is the cohort folder the "
    "notebook reads (by default the bundled reconstruction, which holds synthetic values, "
    "not the study's measurements). Run the cells from the top. Under each exercise, put your "
    "answer in `answer` and run the cell: `check(...)` says *right* or *not yet* with a hint."
)
EXERCISES_INTRO = (
    "## Exercises\n\n"
    "Write your answer in the cell under each exercise and run it. `check(...)` compares it "
    "with the answer computed from the cohort in `data_dir` (the first code cell) and says "
    "*right*, or *not yet* with a hint; it never shows the answer. Exercises without a check "
    "ask for an explanation: write it in words, then compare with your teacher's solution."
)
_FENCE = re.compile(r"^(`{3,})\{([\w:-]+)\}\s*(.*)$")


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        f = node.func
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
    return None


def _drop_plumbing_arguments(code: str) -> str:
    """``code`` without keyword arguments that only serve the book (``caption=table_caption(
    NOTEBOOK, ...)``: the numbered caption of a page's table)."""
    data = code.encode("utf-8")  # ast offsets count bytes
    starts = [0]
    for line in data.split(b"\n"):
        starts.append(starts[-1] + len(line) + 1)
    cuts = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        before: list[ast.expr | ast.keyword] = [*node.args, *node.keywords]
        for k, kw in enumerate(node.keywords):
            if _call_name(kw.value) in _PLUMBING_ARGUMENTS:
                prev = before[len(node.args) + k - 1] if len(node.args) + k else None
                end = _offset(starts, kw.end_lineno, kw.end_col_offset)
                start = (
                    _offset(starts, prev.end_lineno, prev.end_col_offset)
                    if prev is not None
                    else _offset(starts, kw.lineno, kw.col_offset)
                )
                if prev is None:  # the first argument: drop it and the comma after it
                    end = (
                        data.index(b",", end) + 1
                        if b"," in data[end : data.index(b")", end)]
                        else end
                    )
                cuts.append((start, end))
    for start, end in sorted(cuts, reverse=True):
        data = data[:start] + data[end:]
    return data.decode("utf-8")


def _offset(starts: list[int], line: int | None, column: int | None) -> int:
    """Byte offset of an ast position (``starts``: offset of each line); parsed code has them."""
    if line is None or column is None:
        raise ValueError("an ast node without a position")
    return starts[line - 1] + column


def strip_plumbing(code: str) -> str:
    """The code without the book's plumbing; ``show_figure(fig, ...)`` becomes ``display(fig)``."""
    code = _drop_plumbing_arguments(code)
    tree = ast.parse(code)
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and all(
            a.name in _PLUMBING_IMPORTS for a in node.names
        ):
            edits.append((node.lineno, node.end_lineno or node.lineno, ""))
            continue
        if not isinstance(node, (ast.Expr, ast.Assign)):
            continue
        value = node.value
        name = _call_name(value)
        indent = " " * node.col_offset
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "NOTEBOOK" for t in node.targets
        ):
            edits.append((node.lineno, node.end_lineno or node.lineno, ""))
        elif name in _PLUMBING_CALLS:
            edits.append((node.lineno, node.end_lineno or node.lineno, ""))
        elif name == "show_figure" and isinstance(node, ast.Expr) and isinstance(value, ast.Call):
            fig = ast.get_source_segment(code, value.args[0]) if value.args else "None"
            edits.append(
                (
                    node.lineno,
                    node.end_lineno or node.lineno,
                    f"{indent}display({fig})\n{indent}plt.close({fig})",
                )
            )
    lines = code.split("\n")
    for start, end, new in sorted(edits, reverse=True):
        first = lines[start - 1]
        indent = first[: len(first) - len(first.lstrip())]
        lines[start - 1 : end] = [new] if new else [f"{indent}pass"]
    out = "\n".join(lines)
    ast.parse(out)
    # drop the "pass" lines that are not needed
    kept = out.split("\n")
    result: list[str] = []
    for i, line in enumerate(kept):
        if line.strip() == "pass":
            trial = "\n".join(result + kept[i + 1 :])
            try:
                ast.parse(trial)
                continue
            except SyntaxError:
                pass
        result.append(line)
    return "\n".join(result).strip("\n")


class _Glue:
    """Formats ``{glue:text}`key:fmt``` with the chapter's computed values."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def __call__(self, match: re.Match[str]) -> str:
        key, _, fmt = match.group(1).partition(":")
        if key not in self.values:
            return "(computed in the book)"
        value = self.values[key]
        try:
            return format(value, fmt) if fmt else str(value)
        except (TypeError, ValueError):
            return str(value)


def plain_markdown(text: str, values: Mapping[str, Any], numbers: Mapping[str, str]) -> str:
    """MyST of the book as plain Markdown for Jupyter: roles resolved, directives simplified."""
    text = re.sub(r"\{glue:(?:text|md)\}`([^`]+)`", _Glue(values), text)
    text = re.sub(r"\{(?:term|doc|ref)\}`([^`<]+?)\s*<[^`>]+>`", r"\1", text)
    text = re.sub(
        r"\{ref\}`([^`]+)`",
        lambda m: f"Exercise {numbers[m.group(1)]}" if m.group(1) in numbers else m.group(1),
        text,
    )
    text = re.sub(r"\{term\}`([^`]+)`", r"\1", text)
    text = re.sub(r"\{doc\}`(?:\.\./book/)?([^`]+)`", r"the chapter *\1*", text)
    text = re.sub(r"\s*\{cite:[pt]\}`([^`]+)`", lambda m: f" [{m.group(1)}]", text)
    out: list[str] = []
    for line in text.split("\n"):
        if (
            re.match(r"^\([\w-]+\)=\s*$", line)
            or line.startswith(":class:")
            or line.startswith(":label:")
        ):
            continue
        fence = _FENCE.match(line)
        if fence:
            kind, title = fence.group(2), fence.group(3).strip()
            out.append(f"**{title or kind.capitalize()}**\n")
            continue
        if re.match(r"^`{3,}\s*$", line):
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def _split_solutions(text: str) -> list[tuple[str, str]]:
    """Markdown cut into ("text" | "exercise" | "solution" | "start" | "end", body) parts."""
    parts: list[tuple[str, str]] = []
    lines = text.split("\n")
    i, buf = 0, list[str]()
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence and fence.group(2) in ("exercise", "solution-start", "solution-end"):
            if buf:
                parts.append(("text", "\n".join(buf)))
                buf = []
            ticks, kind = fence.group(1), fence.group(2)
            body = [lines[i]]
            i += 1
            while i < len(lines) and lines[i].strip() != ticks:
                body.append(lines[i])
                i += 1
            body.append(ticks)
            i += 1
            parts.append(
                (
                    {"exercise": "exercise", "solution-start": "start", "solution-end": "end"}[
                        kind
                    ],
                    "\n".join(body),
                )
            )
            continue
        buf.append(lines[i])
        i += 1
    if "\n".join(buf).strip():
        parts.append(("text", "\n".join(buf)))
    return parts


def _cell(kind: str, source: str, tags: list[str] | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": kind,
        "metadata": {"tags": tags} if tags else {},
        "source": source,
    }
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def _parameters(code: str, data_dir: Path | None) -> str:
    """The book's parameter cell reading the bundled data of the installed package (or
    ``data_dir``), wherever the notebook runs."""
    lines = ["from netcomp.data.provenance import BUNDLED_COHORT", ""]
    for line in code.split("\n"):
        if line.startswith("data_dir ="):
            line = (
                f"data_dir = {str(data_dir)!r}  # the cohort folder this notebook reads"
                if data_dir is not None
                else "data_dir = str(BUNDLED_COHORT)  # the bundled reconstruction; or your "
                "cohort folder's path"
            )
        elif re.match(r"^\w+ = \"\.\./data/", line):
            name, _, rest = line.partition(" = ")
            rel = rest.strip().split('"')[1].removeprefix("../data/")
            line = f"{name} = str(BUNDLED_COHORT.parent / {rel!r})"
        lines.append(line)
    return "\n".join(lines)


def _chapter_values(notebook: str, data_dir: Path) -> dict[str, Any]:
    from netcomp.data.cohort import load_cohort

    module = importlib.import_module(f"netcomp.chapters.{CHAPTERS[notebook]}")
    return dict(module.compute(load_cohort(data_dir)).values)


def student_notebook(notebook: str, data_dir: Path | None, solutions: bool) -> dict[str, Any]:
    """The student (or, with ``solutions``, the teacher's) notebook of one chapter.

    ``data_dir`` None: the notebook reads the bundled reconstruction of the installation
    that runs it (and its narrative's numbers are the reconstruction's).
    """
    book = read_chapter(notebook)
    chapter_no = book_numbers()[CHAPTERS[notebook]]
    labels: list[str] = []
    for c in book["cells"]:
        labels += re.findall(r":label:\s*(\S+)", "".join(c["source"]))
    writer = _StudentCells(
        notebook=notebook,
        data_dir=data_dir,
        solutions=solutions,
        values=_chapter_values(notebook, data_dir or BUNDLED_COHORT),
        numbers={label: f"{chapter_no}.{i}" for i, label in enumerate(labels, 1)},
    )
    for c in book["cells"]:
        source = "".join(c["source"])
        if c["cell_type"] == "code":
            writer.code(source, set(c.get("metadata", {}).get("tags", [])))
        else:
            writer.markdown(source)
    nb = {
        "cells": writer.cells,
        "metadata": copy.deepcopy(book.get("metadata", {})),
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    nb["metadata"].pop("netcomp", None)
    for i, cell in enumerate(writer.cells):
        cell["id"] = f"student-{i:03d}"
    return nb


@dataclass
class _StudentCells:
    """The cells of a student notebook, written one book cell at a time.

    State carried between cells: whether the current cell is inside an exercise's solution,
    the label of the current exercise, and where the solution's code ends (the teacher's
    checked answer goes there).
    """

    notebook: str
    data_dir: Path | None
    solutions: bool
    values: dict[str, str]
    numbers: dict[str, str]
    cells: list[dict[str, Any]] = field(default_factory=list)
    in_solution: bool = False
    current: str = ""
    code_end: int = 0

    def code(self, source: str, tags: set[str]) -> None:
        """A code cell: solution code (teacher only), the parameters, or the code the book shows."""
        if self.in_solution:  # the teacher gets the code the book shows, not its plumbing
            if self.solutions and not HIDDEN_TAGS & tags:
                self.cells.append(_cell("code", strip_plumbing(source)))
                self.code_end = len(self.cells)
            return
        if "parameters" in tags:
            self.cells.append(_cell("code", _parameters(source, self.data_dir), ["parameters"]))
            self.cells.append(
                _cell(
                    "code",
                    "import matplotlib.pyplot as plt\nfrom IPython.display import display\n\n"
                    "from netcomp.book.selfcheck import check",
                )
            )
            self.cells.append(_cell("markdown", START_NOTE))
            return
        code = strip_plumbing(source)
        if ast.parse(code).body:  # a cell that held only plumbing (and its comment) goes
            self.cells.append(_cell("code", code))

    def markdown(self, source: str) -> None:
        """A markdown cell: dropped when book-only, else its exercises and solutions in turn."""
        if _BOOK_ONLY.match(source):
            return
        if source.startswith("## Exercises"):
            self.cells.append(_cell("markdown", EXERCISES_INTRO))
            return
        for kind, body in _split_solutions(source):
            if kind == "start":
                self._solution_start()
            elif kind == "end":
                self._solution_end()
            elif kind == "exercise":
                self._exercise(body)
            elif body.strip() and (self.solutions or not self.in_solution):
                self.cells.append(
                    _cell("markdown", plain_markdown(body, self.values, self.numbers))
                )

    def _solution_start(self) -> None:
        self.in_solution = True
        if self.solutions:
            number = self.numbers.get(self.current, "")
            self.cells.append(_cell("markdown", f"**Solution {number}**"))
            self.code_end = len(self.cells)

    def _solution_end(self) -> None:
        self.in_solution = False
        check_id = BY_LABEL.get(self.current)
        if self.solutions and check_id is not None:  # the solution's answer, checked
            answer = f"answer = {ANSWERS[self.current]}\ncheck({check_id!r}, answer, data_dir)"
            self.cells.insert(self.code_end, _cell("code", answer))

    def _exercise(self, body: str) -> None:
        label = re.search(r":label:\s*(\S+)", body)
        fence = _FENCE.match(body.split("\n")[0])
        if label is None or fence is None:
            raise ValueError(f"{self.notebook}: an exercise without a :label: or a title")
        self.current, title = label.group(1), fence.group(3).strip()
        text = plain_markdown("\n".join(body.split("\n")[1:]), self.values, self.numbers)
        number = self.numbers[self.current]
        self.cells.append(_cell("markdown", f"### Exercise {number}: {title}\n\n{text}"))
        if not self.solutions:
            self.cells.extend(_answer_cells(self.current))


def _answer_cells(label: str) -> list[dict[str, Any]]:
    check_id = BY_LABEL.get(label)
    if check_id is None:
        return [
            _cell("markdown", "*Your answer (in words, or code below):*"),
            _cell("code", "# your answer\n"),
        ]
    exercise = EXERCISES[check_id]
    return [
        _cell(
            "code",
            f"# your answer: {exercise.answer}\nanswer = None\n\n"
            f"check({check_id!r}, answer, data_dir)",
        )
    ]


def write_student(
    out_dir: str | Path, data_dir: str | Path | None = None, with_solutions: bool = False
) -> list[Path]:
    """Write the student edition into ``out_dir`` (and ``out_dir/solutions`` when asked)."""
    from netcomp.data.cohort import load_cohort

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file: choose a new or empty folder")
    ours = set(CHAPTERS) | {"solutions", "README.md"}
    foreign = sorted(p.name for p in out.iterdir() if p.name not in ours) if out.exists() else []
    if foreign:
        raise FileExistsError(
            f"{out} holds files this command did not write "
            f"({', '.join(foreign[:3])}): choose a new or empty folder"
        )
    data = Path(data_dir).resolve() if data_dir is not None else None
    load_cohort(data or BUNDLED_COHORT)  # an invalid cohort stops here with its full report
    out.mkdir(parents=True, exist_ok=True)
    readme = out / "README.md"
    where = (
        f"`{data}`" if data is not None else "the bundled cohort of the installed netcomp package"
    )
    readme.write_text(STUDENT_README.format(data=where), encoding="utf-8")
    written: list[Path] = [readme]
    editions = [(out, False)] + ([(out / "solutions", True)] if with_solutions else [])
    for folder, solutions in editions:
        folder.mkdir(parents=True, exist_ok=True)
        for notebook in CHAPTERS:
            path = folder / notebook
            nb = student_notebook(notebook, data, solutions)
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            written.append(path)
    return written
