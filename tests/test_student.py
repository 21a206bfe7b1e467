"""The teaching kit: self-checks (right / not yet, never the answer), the student edition
(no solutions, no build plumbing, runs top to bottom), the teacher's solutions (every
self-check passes) and the book's solutions (only what a student would write)."""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from netcomp.book import selfcheck
from netcomp.book.notebooks import chapter_source, read_chapter
from netcomp.book.selfcheck import BY_LABEL, CHAPTER_NOTEBOOKS, EXERCISES, check, expected_answer
from netcomp.book.student import (
    ANSWERS,
    CHAPTERS,
    HIDDEN_TAGS,
    solution_cells,
    strip_plumbing,
    student_notebook,
)
from netcomp.cli import main

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))
#: What only the book's build may do: glue, save figures, show notices and styled tables,
#: read the chapter's precomputed result, steer the kernel.
PLUMBING = re.compile(
    r"\bglue\w*\(|show_figure|show_notices|show_table|\bNOTEBOOK\b|"
    r"\bresult\.|write_results|write_notices|get_ipython"
)


def _text(path: Path) -> str:
    nb = read_chapter(path)
    return "\n".join("".join(c["source"]) for c in nb["cells"])


def test_every_chapter_has_at_least_three_checks_and_a_solution() -> None:
    for chapter in CHAPTERS.values():
        assert len(selfcheck.exercises_for(chapter)) >= 3, chapter
    assert set(ANSWERS) == set(BY_LABEL)  # every check reads its answer from a book solution
    labels = set()
    for notebook in CHAPTERS:
        labels |= set(re.findall(r":label:\s*(\S+)", _text(ROOT / "notebooks" / notebook)))
    assert {e.label for e in EXERCISES.values()} <= labels  # every check names a book exercise


def _solutions(nb: dict) -> list[tuple[str, list[dict]]]:
    """(label, code cells) of every solution of a book notebook, in order."""
    found: list[tuple[str, list[dict]]] = []
    open_label = None
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for match in re.finditer(r"\{solution-(start|end)\}\s*(\S*)", source):
                if match.group(1) == "start":
                    open_label = match.group(2)
                    found.append((open_label, []))
                else:
                    open_label = None
        elif open_label is not None:
            found[-1][1].append(cell)
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_book_solutions_show_only_what_a_student_writes(path: Path) -> None:
    """The code a solution shows uses the package's functions on the cohort and the chapter's
    parameters, and ends with a plain expression that shows the answer; the book's plumbing
    (glue, saved figures, notices, styled tables, the precomputed result) sits in cells the
    page removes, and those compute nothing the solution's answer needs."""
    nb = read_chapter(path)
    solutions = _solutions(nb)
    assert len(solutions) >= 3
    for label, cells in solutions:
        shown = [c for c in cells if not HIDDEN_TAGS & set(c["metadata"].get("tags", []))]
        assert shown, f"{label}: the solution shows no code"
        for cell in shown:
            source = "".join(cell["source"])
            assert not PLUMBING.search(source), (label, PLUMBING.search(source).group(0))
            assert "hide-input" not in cell["metadata"].get("tags", []), label  # shown as is
            ast.parse(source)
        last = ast.parse("".join(shown[-1]["source"])).body[-1]
        called = (
            last.value.func
            if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
            else None
        )
        assert isinstance(last, ast.Expr) and getattr(called, "id", None) not in (
            "print",
            "display",
        ), f"{label}: the solution ends with an expression: the answer"
        for cell in cells:  # what the page removes only shows notices and saves figures
            if HIDDEN_TAGS & set(cell["metadata"].get("tags", [])):
                names = {
                    n.id
                    for n in ast.walk(ast.parse("".join(cell["source"])))
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                }
                assert names <= {"_", "flush_figures"}, (label, names)
    assert solution_cells(path) == {
        label: [
            "".join(c["source"])
            for c in cells
            if not HIDDEN_TAGS & set(c["metadata"].get("tags", []))
        ]
        for label, cells in solutions
    }


def test_the_plumbing_check_finds_plumbing() -> None:
    for bad in (
        "show_table(result.ex1)",
        "glue('x', 1)",
        "result.glue_all()",
        "show_notices(result, S)",
        "show_figure(fig, 'n', d, t, 'f', NOTEBOOK)",
    ):
        assert PLUMBING.search(bad), bad
    for good in ("results[results['drug'] == drug]", "table.p_value", "glue_ok = 1"):
        assert not PLUMBING.search(good), good


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_opens_with_objectives_prerequisites_and_time(path: Path) -> None:
    first = "".join(read_chapter(path)["cells"][0]["source"])
    title, _, rest = first.partition("\n\n")
    assert title.startswith("# ")
    overview = rest.split("\n```\n", 1)[0]
    assert overview.startswith(
        "```{admonition} Overview\n:class: tip\n"
        "**Learning objectives.** After this chapter you can\n"
    )
    assert re.search(r"^1\. ", overview, re.M) and re.search(r"^3\. ", overview, re.M)
    assert re.search(r"\*\*Prerequisites\.\*\* .*\{doc\}", overview, re.S)
    assert re.search(r"\*\*Time\.\*\* About \d+ minutes to read,? and \d+ (more|minutes)", overview)


def test_teachers_get_the_books_solution_then_its_check() -> None:
    nb = student_notebook("03_biomarker_association.ipynb", None, solutions=True)
    sources = ["".join(c["source"]) for c in nb["cells"]]
    shown = solution_cells("03_biomarker_association.ipynb")["ex-assoc-1"]
    at = sources.index(strip_plumbing(shown[0]))
    assert sources[at + 1] == f"answer = {ANSWERS['ex-assoc-1']}\ncheck('3.1', answer, data_dir)"
    assert sources[at + 2].startswith("{glue") or "threshold" in sources[at + 2]  # the text
    assert not any("get_ipython" in s for s in sources)  # the page's figure handling


def test_expected_answers_match_independent_computations() -> None:
    viability = pd.read_csv(ROOT / "data" / "cohort" / "viability.csv")
    lenv = viability[viability["drug"] == "lenvatinib"]
    inhibition = 100 - lenv.groupby("culture_id")["viability_pct"].mean()
    assert expected_answer("2.1") == set(inhibition.index[(inhibition > 15) != (inhibition > 25)])
    assert expected_answer(BY_LABEL["ex-literature-1"]) == expected_answer("2.1")
    # smallest n with 2 / 2**n <= 0.05
    assert expected_answer("2.4") == next(n for n in range(1, 30) if 2 / 2**n <= 0.05)
    # 6 responders, 5 non-responders: the first k (all responders) with Fisher p <= 0.05
    assert expected_answer("1.3") == next(
        k for k in range(1, 7) if stats.fisher_exact([[k, 0], [6 - k, 5]])[1] <= 0.05
    )
    # HRAS at a 25% threshold, from the files: fold change >= 2 against the new classes
    expression = pd.read_csv(ROOT / "data" / "cohort" / "expression.csv")
    hras = expression[expression["gene"] == "HRAS"].set_index("culture_id")["fold_change"]
    over, resp = hras >= 2, (inhibition > 25).reindex(hras.index)
    table = [
        [int((over & resp).sum()), int((over & ~resp).sum())],
        [int((~over & resp).sum()), int((~over & ~resp).sum())],
    ]
    assert expected_answer("3.1") == pytest.approx(stats.fisher_exact(table)[1])
    assert expected_answer("1.2") == int((hras >= 1.5).sum())


def test_check_says_right_or_not_yet_and_never_the_answer(capsys: pytest.CaptureFixture) -> None:
    for exercise_id, exercise in EXERCISES.items():
        expected = expected_answer(exercise_id)
        assert check(exercise_id, expected) is True
        assert capsys.readouterr().out.strip() == "right"
        wrong = (
            {"NET99"} | set(expected)
            if exercise.kind == "set"
            else float(expected) + 1
            if exercise.kind == "count"
            else float(expected) * 1.5 + 0.1
        )
        assert check(exercise_id, wrong) is False
        out = capsys.readouterr().out
        assert out.startswith("not yet: ")
        if exercise.kind == "set":
            for name in expected:
                assert name not in out
        elif exercise.kind == "number":
            assert f"{float(expected):.3f}" not in out and f"{float(expected):.2f}" not in out
        # the message is made of fixed text only: the hint, never a computed value
        assert out.strip() in {
            f"not yet: {exercise.hint}",
            f"not yet: some are missing; {exercise.hint}",
            f"not yet: there is at least one too many; {exercise.hint}",
        }
        assert check(exercise_id, None) is False
        assert "no answer given" in capsys.readouterr().out


def test_tolerance_and_answer_forms(capsys: pytest.CaptureFixture) -> None:
    p = expected_answer("3.1")
    assert check("3.1", round(p, 3)) is True  # a student's rounded answer
    assert check("3.1", "0.5") is False
    assert check("2.1", ", ".join(expected_answer("2.1")))  # a comma-separated string
    assert check("2.1", list(expected_answer("2.1")) + ["NET02"]) is False
    assert "too many" in capsys.readouterr().out
    assert check("9.9", 1) is False
    assert "no exercise" in capsys.readouterr().out


def test_answers_follow_the_cohort_in_use(cohort_dir: Path) -> None:
    """Raise NET03's lenvatinib inhibition to 22%: it now changes class between 15 and 25%."""
    path = cohort_dir / "viability.csv"
    viability = pd.read_csv(path)
    rows = (viability["culture_id"] == "NET03") & (viability["drug"] == "lenvatinib")
    viability.loc[rows, "viability_pct"] = 78.0
    viability.to_csv(path, index=False)
    assert expected_answer("2.1", cohort_dir) == expected_answer("2.1") | {"NET03"}
    assert check("2.1", expected_answer("2.1") | {"NET03"}, cohort_dir)
    assert check("2.1", expected_answer("2.1"))  # the bundled cohort's answer is unchanged
    assert not check("2.1", expected_answer("2.1"), cohort_dir)


def test_ids_are_the_books_exercise_numbers() -> None:
    """The book numbers chapters in the order of _toc.yml; "Exercise 3.2" there is check("3.2")."""
    from netcomp.book.build import chapter_notebooks

    order = [f"{p.stem}.ipynb" for p in chapter_notebooks()]
    for exercise_id, exercise in EXERCISES.items():
        chapter, k = exercise_id.split(".")
        assert order[int(chapter) - 1] == CHAPTER_NOTEBOOKS[exercise.chapter]
        assert exercise.label.endswith(f"-{k}")


def test_strip_plumbing() -> None:
    code = (
        'NOTEBOOK = "x.ipynb"\nfrom netcomp.book.results import write_results\n'
        'result.glue_all()\nif ok:\n    write_results(t, d, "a.csv")\n'
        'fig = make()\nshow_figure(fig, "name", figures_dir, data,\n'
        '            "made.by", NOTEBOOK)\nprint(1)'
    )
    out = strip_plumbing(code)
    assert "NOTEBOOK" not in out and "glue" not in out and "write_results" not in out
    assert "display(fig)" in out and "plt.close(fig)" in out and "if ok:\n    pass" in out
    compile(out, "<student>", "exec")


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kit") / "class"
    assert main(["student", str(out), "--with-solutions"]) == 0
    return out


def test_student_edition_has_no_solution_and_no_plumbing(kit: Path) -> None:
    students = sorted(kit.glob("*.ipynb"))
    assert [p.name for p in students] == sorted(CHAPTERS)
    assert sorted(p.name for p in (kit / "solutions").glob("*.ipynb")) == sorted(CHAPTERS)
    book_solutions: list[str] = []
    for notebook in CHAPTERS:  # the first sentence of each explanation in the book
        text = chapter_source(notebook).read_text(encoding="utf-8")
        book_solutions += re.findall(
            r"A culture changes class only when|Benjamini-Hochberg "
            r"multiplies|A 99% interval must contain|Fewer tests mean "
            r"fewer false positives",
            text,
        )
    assert len(book_solutions) >= 4
    solution_lines = {
        line.strip()
        for notebook in CHAPTERS
        for code in solution_cells(notebook).values()
        for cell in code
        for line in cell.splitlines()
        if len(line.strip()) > 30
        and not line.startswith(("from ", "import "))
        and not line.strip().startswith("#")
    }
    narrative = set()  # lines a solution shares with the chapter's own code give nothing away
    for notebook in CHAPTERS:
        book = read_chapter(notebook)
        in_solutions = {id(c) for _, cells in _solutions(book) for c in cells}
        narrative |= {
            line.strip()
            for c in book["cells"]
            if c["cell_type"] == "code" and id(c) not in in_solutions
            for line in "".join(c["source"]).splitlines()
        }
    solution_lines -= narrative
    assert len(solution_lines) > 50
    for path in students:
        text = _text(path)
        nb = json.loads(path.read_text(encoding="utf-8"))
        first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "data_dir = str(BUNDLED_COHORT)" in "".join(first_code["source"])
        assert str(ROOT) not in text  # runs anywhere: no path of this machine
        for line in solution_lines:
            assert line not in text, (path.name, line)
        for sentence in book_solutions:
            assert sentence not in text
        for plumbing in (
            "glue(",
            "glue_all",
            "write_results(",
            "write_notices(",
            "show_figure(",
            "NOTEBOOK",
            "{glue",
            "{term}",
            "solution-start",
        ):
            assert plumbing not in text, (path.name, plumbing)
        assert text.count("answer = None") == len(re.findall(r"^check\('", text, re.M)) >= 3
        for cell in nb["cells"]:  # no cell left holding only a comment about the plumbing
            source = "".join(cell["source"])
            assert (
                cell["cell_type"] != "code" or ast.parse(source).body or source == "# your answer\n"
            ), (path.name, source)
    solved = _text(kit / "solutions" / "03_biomarker_association.ipynb")
    assert "Benjamini-Hochberg multiplies" in solved


def _run(path: Path, out: Path) -> dict:
    import papermill

    papermill.execute_notebook(
        str(path), str(out), kernel_name="python3", cwd=str(out.parent), progress_bar=False
    )
    return json.loads(out.read_text(encoding="utf-8"))


def _check_outputs(nb: dict) -> list[str]:
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and re.search(r"^check\(", "".join(cell["source"]), re.M):
            text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
            found.append(text.strip().splitlines()[-1])
    return found


@pytest.mark.build
def test_student_notebooks_run_blank_and_solutions_pass(kit: Path, tmp_path: Path) -> None:
    for notebook in CHAPTERS:
        blank = _check_outputs(_run(kit / notebook, tmp_path / f"student-{notebook}"))
        assert blank and all(line.startswith("not yet: no answer given") for line in blank)
        solved = _check_outputs(_run(kit / "solutions" / notebook, tmp_path / notebook))
        n_checks = sum(e.chapter == CHAPTERS[notebook] for e in EXERCISES.values())
        assert solved == ["right"] * n_checks, notebook


@pytest.mark.build
def test_solutions_pass_on_another_cohort(tmp_path: Path) -> None:
    """A one-drug cohort of 9 cultures: each check is right or says it does not apply."""
    from cohorts import CohortSpec, write_cohort

    data = write_cohort(
        tmp_path / "cohort", CohortSpec(n_cultures=9, seed=3, drugs={"lenvatinib": (10.0,)})
    )
    kit = tmp_path / "kit"
    assert main(["student", str(kit), "--with-solutions", "--data", str(data)]) == 0
    assert f"data_dir = {str(data.resolve())!r}" in _text(kit / "01_data_import.ipynb")
    outcomes: list[str] = []
    for notebook in CHAPTERS:
        outcomes += _check_outputs(_run(kit / "solutions" / notebook, tmp_path / notebook))
    assert len(outcomes) == len(EXERCISES)
    assert outcomes.count("right") == len(EXERCISES) - 1
    assert (
        outcomes.count(
            "this exercise does not apply to this cohort: the cohort has no comparator drug"
        )
        == 1
    )  # 2.3


def test_student_zip_for_the_book(tmp_path: Path) -> None:
    import zipfile

    from netcomp.book.student import student_zip
    from netcomp.data import provenance

    provenance.set_current_status(provenance.USER_SUPPLIED)  # a build of a user's cohort
    zipped = student_zip(tmp_path / "kit.zip")
    assert provenance.current_status() == provenance.USER_SUPPLIED
    with zipfile.ZipFile(zipped) as zf:
        names = zf.namelist()
        assert sorted(names) == sorted(
            [f"netcomp-student/{n}" for n in CHAPTERS] + ["netcomp-student/README.md"]
        )
        for name in names:
            text = zf.read(name).decode("utf-8")
            assert str(ROOT) not in text and "solutions" not in name
            assert "Solution " not in text


def test_student_command_refuses_a_folder_with_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["student", str(tmp_path)]) == 1
    assert "did not write" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert main(["student", str(tmp_path / "new"), "--data", str(tmp_path / "missing")]) == 1
    assert not (tmp_path / "new").exists()


def _hras_table(data: Path) -> tuple[int, int, int, int]:
    """(responders with HRAS >= 2, responders, others with it, others) read from the files:
    lenvatinib, mean inhibition strictly above 15%."""
    viability = pd.read_csv(data / "viability.csv")
    lenv = viability[viability["drug"] == "lenvatinib"]
    resp = (100 - lenv.groupby("culture_id")["viability_pct"].mean()) > 15
    expression = pd.read_csv(data / "expression.csv")
    over = (
        expression[expression["gene"] == "HRAS"].set_index("culture_id")["fold_change"] >= 2
    ).reindex(resp.index)
    return (
        int((over & resp).sum()),
        int(resp.sum()),
        int((over & ~resp).sum()),
        int((~resp).sum()),
    )


def _stratified_p_by_enumeration(tables: list[tuple[int, int, int, int]]) -> float:
    """One-sided exact p of a common odds ratio: P(sum of x1 >= observed), margins fixed."""
    import itertools

    dists = []
    for x1, n1, x2, n2 in tables:
        m = x1 + x2
        dists.append(
            [
                (x, stats.hypergeom.pmf(x, n1 + n2, m, n1))
                for x in range(max(0, m - n2), min(m, n1) + 1)
            ]
        )
    observed = sum(t[0] for t in tables)
    return float(
        sum(
            math.prod(p for _, p in combo)
            for combo in itertools.product(*dists)
            if sum(x for x, _ in combo) >= observed
        )
    )


def _p_positive(x1: int, n1: int, x2: int, n2: int, prior: tuple[int, int, int, int]) -> float:
    """P(share among responders > share among others), Beta(1 + counts) priors, by quadrature."""
    from scipy import integrate

    a1, b1 = 1 + prior[0] + x1, 1 + prior[1] - prior[0] + n1 - x1
    a2, b2 = 1 + prior[2] + x2, 1 + prior[3] - prior[2] + n2 - x2
    value, _ = integrate.quad(
        lambda q: stats.beta.pdf(q, a2, b2) * stats.beta.sf(q, a1, b1), 0, 1, epsabs=1e-12
    )
    return value


JOURNAL = (4, 6, 0, 5)  # HRAS in 4 of 6 responders and 0 of 5 non-responders (journal article)


def test_replication_chapter_is_in_the_kit_as_chapter_4() -> None:
    assert CHAPTERS["06_replication.ipynb"] == "replication"
    assert {BY_LABEL[f"ex-replication-{k}"] for k in (1, 2, 3)} == {"4.1", "4.2", "4.3"}
    nb = student_notebook("06_replication.ipynb", None, solutions=False)
    sources = ["".join(c["source"]) for c in nb["cells"]]
    for k in (1, 2, 3):
        assert sum(s.startswith(f"### Exercise 4.{k}:") for s in sources) == 1
        assert (
            sum(s.endswith(f"answer = None\n\ncheck('4.{k}', answer, data_dir)") for s in sources)
            == 1
        )
    text = "\n".join(sources)
    for solved in ("null_distribution", "Strength 0 is the flat prior", "7, 15, 2, 15"):
        assert solved not in text  # no solution code or explanation in the student edition
    teacher = student_notebook("06_replication.ipynb", None, solutions=True)
    assert "\n".join("".join(c["source"]) for c in teacher["cells"]).count("check('4.") == 3


def test_replication_answers_match_independent_computations() -> None:
    cohort = _hras_table(ROOT / "data" / "cohort")
    assert expected_answer("4.1") == pytest.approx(_p_positive(*cohort, prior=JOURNAL), abs=1e-9)
    assert expected_answer("4.2") == pytest.approx(
        _stratified_p_by_enumeration([JOURNAL, (7, 15, 2, 15)]), rel=1e-9
    )
    assert expected_answer("4.3") == pytest.approx(
        _stratified_p_by_enumeration([JOURNAL, cohort]), rel=1e-9
    )


def test_replication_answers_follow_the_cohort_in_use(
    cohort_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    """Lower HRAS below the cut-off in one responder that overexpresses it: the cohort's table
    loses a carrier and the cohort-dependent answers (4.1, 4.3) move; 4.2 does not."""
    before = _hras_table(cohort_dir)
    path = cohort_dir / "expression.csv"
    expression = pd.read_csv(path)
    viability = pd.read_csv(cohort_dir / "viability.csv")
    lenv = viability[viability["drug"] == "lenvatinib"]
    responders = set(
        (100 - lenv.groupby("culture_id")["viability_pct"].mean()).loc[lambda s: s > 15].index
    )
    hras = (
        (expression["gene"] == "HRAS")
        & (expression["fold_change"] >= 2)
        & expression["culture_id"].isin(responders)
    )
    expression.loc[expression.index[hras][0], "fold_change"] = 1.2
    expression.to_csv(path, index=False)
    after = _hras_table(cohort_dir)
    assert after[0] == before[0] - 1 and after[1:] == before[1:]
    p3 = expected_answer("4.3", cohort_dir)
    assert p3 == pytest.approx(_stratified_p_by_enumeration([JOURNAL, after]), rel=1e-9)
    assert p3 > expected_answer("4.3") + 1e-3  # fewer carriers: weaker combined evidence
    assert expected_answer("4.1", cohort_dir) == pytest.approx(
        _p_positive(*after, prior=JOURNAL), abs=1e-9
    )
    assert expected_answer("4.2", cohort_dir) == expected_answer("4.2")
    assert check("4.3", p3, cohort_dir) and not check("4.3", expected_answer("4.3"), cohort_dir)
    assert capsys.readouterr().out.splitlines()[-1].startswith("not yet: ")
