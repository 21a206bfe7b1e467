"""The student edition: one notebook per chapter, exercises with empty answer cells.

``write_student(out_dir)`` turns each chapter notebook of the book into a notebook a student
runs in plain Jupyter with the installed package: the narrative (MyST roles turned into plain
Markdown, the book's computed numbers filled in for the cohort used), the chapter's code
without the book's plumbing (no ``glue``, ``show_figure(..., NOTEBOOK)``, ``write_results``,
``write_notices``), a ``data_dir`` cell at the top, and for each exercise an empty answer
cell ending in a self-check (:mod:`netcomp.selfcheck`). No solution text is copied.
``with_solutions=True`` also writes ``solutions/``: the same notebooks with the reference
solutions (only what a student would write) and the book's explanations, for the teacher.
"""

from __future__ import annotations

import ast
import copy
import importlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from netcomp.provenance import BUNDLED_COHORT
from netcomp.selfcheck import BY_LABEL, CHAPTER_NOTEBOOKS, EXERCISES, book_numbers

#: The book's notebooks (shipped next to the package in the repository).
NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"

#: Chapter notebook -> chapter module of netcomp.chapters (for the narrative's numbers).
CHAPTERS: dict[str, str] = {nb: module for module, nb in CHAPTER_NOTEBOOKS.items()}

#: Reference solutions by exercise label: what a student writes (the self-check call follows).
SOLUTIONS: dict[str, str] = {
    "ex-data-import-1": '''from netcomp.response import inhibition_table

near = set()
for each_drug in cohort.drugs:
    inh = inhibition_table(cohort.viability, [each_drug])
    standard_error = inh["inhibition_sd"] / inh["n_replicates"] ** 0.5
    too_close = (inh["inhibition_pct"] - response_threshold_pct).abs() <= 2 * standard_error
    near |= set(inh.loc[too_close, "culture_id"])
answer = near''',
    "ex-data-import-2": '''from netcomp.association import overexpressed

fold_changes = cohort.expression_matrix()
per_gene_looser = overexpressed(fold_changes, 1.5).sum()
print("at the book's cut-off:", int(overexpressed(fold_changes, overexpression_fold_change)[gene].sum()))
answer = int(per_gene_looser[gene])''',
    "ex-data-import-3": '''import numpy as np

from netcomp.association import fisher_exact_2x2

carriers = np.arange(1, 7)
_, p_two_sided = fisher_exact_2x2(carriers, 0, 6 - carriers, 5)
answer = int(carriers[p_two_sided <= alpha][0])''',
    "ex-resp-1": '''mean_inhibition = drug_inhibition.set_index("culture_id")["inhibition_pct"]
at_chapter = response.classify(mean_inhibition, threshold)
at_25 = response.classify(mean_inhibition, 25.0)
answer = set(mean_inhibition.index[at_chapter != at_25])''',
    "ex-resp-2": '''rows = cohort.viability[(cohort.viability["drug"] == drug)
                       & np.isclose(cohort.viability["concentration_um"], result.concentration_um)]
well_inhibition = (100.0 - rows.set_index(["culture_id", "replicate"])["viability_pct"]
                   ).unstack("replicate")
class_from_mean = well_inhibition.mean(axis=1) > threshold
disagrees = well_inhibition.gt(threshold).ne(class_from_mean, axis=0) & well_inhibition.notna()
answer = set(well_inhibition.index[disagrees.any(axis=1)])''',
    "ex-resp-3": '''by_drug = result.results.pivot(index="culture_id", columns="drug", values="responder")
to_drug = by_drug[drug].fillna(False).astype(bool)
to_any_comparator = by_drug[list(result.comparators)].fillna(False).astype(bool).any(axis=1)
answer = set(by_drug.index[to_drug & ~to_any_comparator])''',
    "ex-resp-4": '''n_values = 2
while stats.wilcoxon(np.arange(1.0, n_values + 1), method="exact").pvalue > alpha:
    n_values += 1
answer = n_values''',
    "ex-assoc-1": '''expression = cohort.expression_matrix()
classes_25 = response.responder_classes(cohort.viability, drug, 25.0, concentration_um)
hras = association.fold_change_by_class(expression, classes_25, "HRAS", overexpression_fold_change)
over = hras.set_index("culture_id")["overexpressed"]
table = association.binary_association(over, classes_25.loc[over.index])
print("one-sided p:", round(table.p_greater, 4))
answer = table.p_value''',
    "ex-assoc-2": '''expression = cohort.expression_matrix()
hras = association.fold_change_by_class(expression, result.classes, "HRAS", 1.5)
over = hras.set_index("culture_id")["overexpressed"]
answer = association.binary_association(over, result.classes.loc[over.index]).p_value''',
    "ex-assoc-3": '''family = association.association_screen(result.classes,
                                        expression_matrix=cohort.expression_matrix(),
                                        cutoff=overexpression_fold_change)
print("tests with q <= fdr:", int((family["q_value"] <= fdr).sum()), "of", len(family))
answer = float(family.loc[family["feature"] == "HRAS", "q_value"].iloc[0])''',
    "ex-assoc-4": '''from dataclasses import replace

from netcomp import smallsample

assumptions = smallsample.PowerAssumptions.from_params(params)
wider = replace(assumptions, max_n=2 * power_max_n)
plan = smallsample.plan_power(wider, extra_alphas=[0.01], alternatives=("two-sided",))
print("at the chapter's alpha:", plan.needed(smallsample.PLANNING, "two-sided", alpha)[0])
answer = plan.needed(smallsample.PLANNING, "two-sided", 0.01)[0]''',
    "ex-literature-1": '''from netcomp.response import classify

before = classify(result.inhibition, response_threshold_pct)
after = classify(result.inhibition, response_threshold_pct + 10)
print(int(after.sum()), "of", after.size, "responders")
answer = set(result.inhibition.index[before != after])''',
    "ex-literature-2": '''sunitinib_pct = result.values["lit_sunitinib_orr"]
at_99 = literature.talent_intervals(talent, methods=[CI_METHOD], alpha=0.01)
orr_99 = at_99[at_99["endpoint"] == "ORR"]
answer = set(orr_99.loc[orr_99["ci_low_pct"] > sunitinib_pct, "cohort"])''',
    "ex-literature-3": '''from netcomp.response import classify

responders = int(classify(result.inhibition, response_threshold_pct).sum())
cultures = len(result.inhibition)
lows = [100 * literature.proportion_ci(responders, cultures, method)[0]
        for method in ["clopper_pearson", "wilson", "wilson_cc", "jeffreys"]]
answer = max(lows) - min(lows)''',
    "ex-smallcohort-1": '''size_fixed = ss.conditional_size(result.margins, "p_fisher", 0.01)
print("tables significant at 0.01:", list(result.margins.loc[result.margins["p_fisher"] <= 0.01, "label"]))
answer = size_fixed''',
    "ex-smallcohort-2": '''n1, n2 = result.counts.n1, result.counts.n2
for side in ["two-sided", "greater"]:
    print(side, ss.rejection_probability(n1, n2, result.rate1, 0.2, alpha, alternative=side))
answer = ss.rejection_probability(n1, n2, result.rate1, 0.2, alpha, alternative="two-sided")''',
    "ex-smallcohort-3": '''n1, n2 = result.counts.n1, result.counts.n2
screen_15 = ss.null_screen_exact(n1, n2, np.full(15, result.pooled), alpha)
print("expected false positives:", round(screen_15.expected_false_positives, 3))
answer = screen_15.fwer''',
}

#: Calls that belong to the book's build, never to a student's notebook.
_PLUMBING_CALLS = {"glue", "write_results", "glue_all", "write_notices"}
_PLUMBING_IMPORTS = {"glue", "write_results", "show_figure"}
#: Sections of the book about building and rerunning it: not part of the student edition.
_BOOK_ONLY = re.compile(r"^(## (Rerun this chapter|Results files?)|```\{admonition\} Download and rerun)")
STUDENT_README = """# netcomp: student edition

One notebook per chapter of the netcomp book (lenvatinib and HRAS in GEP-NET primary
cultures). Open them in Jupyter (`jupyter lab` or a JupyterHub) with the `netcomp` package
installed, and run each from the top.

- The first code cell sets `data_dir`, the cohort the notebook reads: now `{data}`.
  The bundled cohort is a reconstruction: synthetic values that
  satisfy the study's published aggregates, not the study's measurements.
- Exercises are numbered as in the book ("Exercise 5.1" is `check("5.1", ...)`). The
  book's chapter 4, on replicating the finding, is not part of this edition.
- Under each exercise, put your answer in `answer` and run the cell: `check(...)` says
  *right*, or *not yet* with a hint. It computes the expected answer from the cohort in
  `data_dir`, so it stays right when you use another cohort, and it never shows the answer.
"""


def student_zip(path: str | Path) -> Path:
    """The student edition (no solutions, bundled cohort) as one zip file, for the book."""
    import tempfile
    import zipfile

    from netcomp import provenance

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
    "answer in `answer` and run the cell: `check(...)` says *right* or *not yet* with a hint.")
EXERCISES_INTRO = (
    "## Exercises\n\n"
    "Write your answer in the cell under each exercise and run it. `check(...)` compares it "
    "with the answer computed from the cohort in `data_dir` (the first code cell) and says "
    "*right*, or *not yet* with a hint; it never shows the answer. Exercises without a check "
    "ask for an explanation: write it in words, then compare with your teacher's solution.")
_FENCE = re.compile(r"^(`{3,})\{([\w:-]+)\}\s*(.*)$")


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        f = node.func
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
    return None


def strip_plumbing(code: str) -> str:
    """The code without the book's plumbing; ``show_figure(fig, ...)`` becomes ``display(fig)``."""
    tree = ast.parse(code)
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and all(
                a.name in _PLUMBING_IMPORTS for a in node.names):
            edits.append((node.lineno, node.end_lineno or node.lineno, ""))
            continue
        if not isinstance(node, (ast.Expr, ast.Assign)):
            continue
        value = node.value
        name = _call_name(value)
        indent = " " * node.col_offset
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "NOTEBOOK" for t in node.targets):
            edits.append((node.lineno, node.end_lineno or node.lineno, ""))
        elif name in _PLUMBING_CALLS:
            edits.append((node.lineno, node.end_lineno or node.lineno, ""))
        elif name == "show_figure" and isinstance(node, ast.Expr):
            fig = ast.get_source_segment(code, value.args[0]) if value.args else "None"
            edits.append((node.lineno, node.end_lineno or node.lineno,
                          f"{indent}display({fig})\n{indent}plt.close({fig})"))
    lines = code.split("\n")
    for start, end, new in sorted(edits, reverse=True):
        indent = re.match(r"\s*", lines[start - 1]).group(0)
        lines[start - 1:end] = [new] if new else [f"{indent}pass"]
    out = "\n".join(lines)
    ast.parse(out)
    # drop the "pass" lines that are not needed
    kept = out.split("\n")
    result: list[str] = []
    for i, line in enumerate(kept):
        if line.strip() == "pass":
            trial = "\n".join(result + kept[i + 1:])
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
    text = re.sub(r"\{ref\}`([^`]+)`",
                  lambda m: f"Exercise {numbers[m.group(1)]}" if m.group(1) in numbers
                  else m.group(1), text)
    text = re.sub(r"\{term\}`([^`]+)`", r"\1", text)
    text = re.sub(r"\{doc\}`(?:\.\./book/)?([^`]+)`", r"the chapter *\1*", text)
    text = re.sub(r"\s*\{cite:[pt]\}`([^`]+)`", lambda m: f" [{m.group(1)}]", text)
    out: list[str] = []
    for line in text.split("\n"):
        if re.match(r"^\([\w-]+\)=\s*$", line) or line.startswith(":class:") \
                or line.startswith(":label:"):
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
    i, buf = 0, []
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
            parts.append(({"exercise": "exercise", "solution-start": "start",
                           "solution-end": "end"}[kind], "\n".join(body)))
            continue
        buf.append(lines[i])
        i += 1
    if "\n".join(buf).strip():
        parts.append(("text", "\n".join(buf)))
    return parts


def _cell(kind: str, source: str, tags: list[str] | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {"tags": tags} if tags else {},
                            "source": source}
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def _parameters(code: str, data_dir: Path | None) -> str:
    """The book's parameter cell reading the bundled data of the installed package (or
    ``data_dir``), wherever the notebook runs."""
    lines = ["from netcomp.provenance import BUNDLED_COHORT", ""]
    for line in code.split("\n"):
        if line.startswith("data_dir ="):
            line = (f"data_dir = {str(data_dir)!r}  # the cohort folder this notebook reads"
                    if data_dir is not None else
                    "data_dir = str(BUNDLED_COHORT)  # the bundled reconstruction; or your "
                    "cohort folder's path")
        elif re.match(r"^\w+ = \"\.\./data/", line):
            name, _, rest = line.partition(" = ")
            rel = rest.strip().split('"')[1].removeprefix("../data/")
            line = f"{name} = str(BUNDLED_COHORT.parent / {rel!r})"
        lines.append(line)
    return "\n".join(lines)


def _chapter_values(notebook: str, data_dir: Path) -> dict[str, Any]:
    from netcomp.cohort import load_cohort

    module = importlib.import_module(f"netcomp.chapters.{CHAPTERS[notebook]}")
    return dict(module.compute(load_cohort(data_dir)).values)


def student_notebook(notebook: str, data_dir: Path | None, solutions: bool) -> dict[str, Any]:
    """The student (or, with ``solutions``, the teacher's) notebook of one chapter.

    ``data_dir`` None: the notebook reads the bundled reconstruction of the installation
    that runs it (and its narrative's numbers are the reconstruction's).
    """
    book = json.loads((NOTEBOOK_DIR / notebook).read_text(encoding="utf-8"))
    values = _chapter_values(notebook, data_dir or BUNDLED_COHORT)
    chapter_no = book_numbers()[CHAPTERS[notebook]]
    labels: list[str] = []
    for c in book["cells"]:
        labels += re.findall(r":label:\s*(\S+)", "".join(c["source"]))
    numbers = {label: f"{chapter_no}.{i}" for i, label in enumerate(labels, 1)}
    cells: list[dict[str, Any]] = []
    in_solution, current = False, ""
    for c in book["cells"]:
        source = "".join(c["source"])
        tags = c.get("metadata", {}).get("tags", [])
        if c["cell_type"] == "code":
            if in_solution:
                if solutions and current not in SOLUTIONS:
                    cells.append(_cell("code", strip_plumbing(source)))
                continue
            if "parameters" in tags:
                cells.append(_cell("code", _parameters(source, data_dir), ["parameters"]))
                cells.append(_cell("code", "import matplotlib.pyplot as plt\nfrom IPython.display import display\n\n"
                                   "from netcomp.selfcheck import check"))
                cells.append(_cell("markdown", START_NOTE))
                continue
            cells.append(_cell("code", strip_plumbing(source)))
            continue
        if _BOOK_ONLY.match(source):
            continue
        if source.startswith("## Exercises"):
            cells.append(_cell("markdown", EXERCISES_INTRO))
            continue
        for kind, body in _split_solutions(source):
            if kind == "start":
                in_solution = True
                if solutions:
                    cells.append(_cell("markdown", f"**Solution {numbers.get(current, '')}**"))
                    check_id = BY_LABEL.get(current)
                    if current in SOLUTIONS and check_id is not None:
                        cells.append(_cell("code", SOLUTIONS[current]
                                           + f"\ncheck({check_id!r}, answer, data_dir)"))
            elif kind == "end":
                in_solution = False
            elif kind == "exercise":
                current = re.search(r":label:\s*(\S+)", body).group(1)
                title = _FENCE.match(body.split("\n")[0]).group(3).strip()
                text = plain_markdown("\n".join(body.split("\n")[1:]), values, numbers)
                cells.append(_cell("markdown", f"### Exercise {numbers[current]}: {title}\n\n"
                                   f"{text}"))
                if not (solutions and current in SOLUTIONS):
                    cells.extend(_answer_cells(current))
            elif in_solution:
                if solutions and body.strip():
                    cells.append(_cell("markdown", plain_markdown(body, values, numbers)))
            elif body.strip():
                cells.append(_cell("markdown", plain_markdown(body, values, numbers)))
    nb = {"cells": cells, "metadata": copy.deepcopy(book.get("metadata", {})),
          "nbformat": 4, "nbformat_minor": 5}
    nb["metadata"].pop("netcomp", None)
    for i, cell in enumerate(cells):
        cell["id"] = f"student-{i:03d}"
    return nb


def _answer_cells(label: str) -> list[dict[str, Any]]:
    check_id = BY_LABEL.get(label)
    if check_id is None:
        return [_cell("markdown", "*Your answer (in words, or code below):*"),
                _cell("code", "# your answer\n")]
    exercise = EXERCISES[check_id]
    return [_cell("code", f"# your answer: {exercise.answer}\nanswer = None\n\n"
                          f"check({check_id!r}, answer, data_dir)")]


def write_student(out_dir: str | Path, data_dir: str | Path | None = None,
                  with_solutions: bool = False) -> list[Path]:
    """Write the student edition into ``out_dir`` (and ``out_dir/solutions`` when asked)."""
    from netcomp.cohort import load_cohort

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file: choose a new or empty folder")
    ours = set(CHAPTERS) | {"solutions", "README.md"}
    foreign = sorted(p.name for p in out.iterdir() if p.name not in ours) if out.exists() else []
    if foreign:
        raise FileExistsError(f"{out} holds files this command did not write "
                              f"({', '.join(foreign[:3])}): choose a new or empty folder")
    data = Path(data_dir).resolve() if data_dir is not None else None
    load_cohort(data or BUNDLED_COHORT)  # an invalid cohort stops here with its full report
    out.mkdir(parents=True, exist_ok=True)
    readme = out / "README.md"
    where = (f"`{data}`" if data is not None else
             "the bundled cohort of the installed netcomp package")
    readme.write_text(STUDENT_README.format(data=where), encoding="utf-8")
    written: list[Path] = [readme]
    editions = [(out, False)] + ([(out / "solutions", True)] if with_solutions else [])
    for folder, solutions in editions:
        folder.mkdir(parents=True, exist_ok=True)
        for notebook in CHAPTERS:
            path = folder / notebook
            nb = student_notebook(notebook, data, solutions)
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
                            encoding="utf-8")
            written.append(path)
    return written
