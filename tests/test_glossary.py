"""The teaching layer: the glossary is used by the book, and every exercise has a hidden solution.

Sources are read as the book renders them: the markdown cells of ``notebooks/*.md`` and
the pages ``book/*.md``. These tests cover chapters added later without changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from netcomp.book.notebooks import read_chapter

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "glossary.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))
PAGES = sorted(p for p in (ROOT / "book").glob("*.md") if p.name != GLOSSARY.name)

FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w-]+)\}[ \t]*(?P<arg>.*)$")


# --------------------------------------------------------------------------- parsing


def markdown_cells(path: Path) -> list[str]:
    nb = read_chapter(path)
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in nb["cells"]
        if c["cell_type"] == "markdown"
    ]


def book_texts() -> dict[str, str]:
    """Rendered prose of the book, keyed by a readable location (glossary excluded)."""
    texts = {}
    for nb in NOTEBOOKS:
        texts[f"notebooks/{nb.name}"] = "\n\n".join(markdown_cells(nb))
    for page in PAGES:
        texts[f"book/{page.name}"] = page.read_text(encoding="utf-8")
    return texts


def glossary_entries(text: str) -> list[list[str]]:
    """Entries of every ``{glossary}`` block: each a list of its term lines (aliases).

    Within the block, leading option lines (``:sorted:``) are skipped; a group of consecutive
    unindented lines is one entry's terms, and the indented lines after it its definition.
    """
    lines = text.splitlines()
    entries: list[list[str]] = []
    i = 0
    while i < len(lines):
        match = FENCE_OPEN.match(lines[i].strip())
        if not (match and match["name"] == "glossary"):
            i += 1
            continue
        fence = match["fence"]
        i += 1
        while i < len(lines) and lines[i].strip().startswith(":") and not lines[i].startswith(" "):
            i += 1  # directive options
        terms: list[str] = []
        has_definition = False
        while i < len(lines) and not (
            lines[i].strip().startswith(fence[0] * len(fence))
            and set(lines[i].strip()) == {fence[0]}
        ):
            line = lines[i]
            if not line.strip():
                pass
            elif line[0] in " \t":
                has_definition = has_definition or bool(terms)
            else:
                if has_definition:
                    entries.append(terms)
                    terms, has_definition = [], False
                terms.append(line.strip())
            i += 1
        if terms:
            assert has_definition, f"glossary term(s) {terms} have no definition"
            entries.append(terms)
        i += 1
    return entries


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).lower()


def uses_term(text: str, term: str) -> bool:
    """Whether ``term`` occurs in ``text`` as a word (case-insensitive, plural allowed)."""
    pattern = r"(?<![\w-])" + re.escape(_normalise(term)) + r"(?:s|es)?(?![\w-])"
    return re.search(pattern, _normalise(text)) is not None


@dataclass(frozen=True)
class Directive:
    where: str
    cell: int
    name: str
    argument: str
    options: dict[str, str]


def directives(text: str, where: str, cell: int = 0) -> list[Directive]:
    """Every MyST directive opened in ``text`` (backtick or colon fence) with its options."""
    found = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = FENCE_OPEN.match(line.strip())
        if not match:
            continue
        options = {}
        for opt in lines[i + 1 :]:
            m = re.match(r"^\s*:([\w-]+):\s*(.*)$", opt)
            if not m:
                break
            options[m[1]] = m[2].strip()
        found.append(Directive(where, cell, match["name"], match["arg"].strip(), options))
    return found


def all_directives() -> list[Directive]:
    out = []
    for nb in NOTEBOOKS:
        for k, cell in enumerate(markdown_cells(nb)):
            out += directives(cell, f"notebooks/{nb.name}", k)
    for page in PAGES:
        out += directives(page.read_text(encoding="utf-8"), f"book/{page.name}")
    return out


# --------------------------------------------------------------------------- the parsers themselves


def test_parsers_on_a_known_example():
    text = (
        "# G\n\n```{glossary}\n:sorted:\n\nalpha\nAlias A\n  First definition,\n"
        "  two lines.\n\nbeta\n  Second.\n```\n\n:::{exercise} T\n:label: ex-1\nText\n:::\n"
    )
    assert glossary_entries(text) == [["alpha", "Alias A"], ["beta"]]
    found = directives(text, "x")
    assert [(d.name, d.options.get("label")) for d in found] == [
        ("glossary", None),
        ("exercise", "ex-1"),
    ]
    assert uses_term("Two GEP-NETs were", "GEP-NET")
    assert not uses_term("GEP-NET only", "NET")
    assert uses_term("Fisher\u2019s exact\ntest", "Fisher's exact test")
    assert not uses_term("sunitinibx", "sunitinib")


# --------------------------------------------------------------------------- glossary


def test_glossary_has_at_least_25_distinct_terms():
    entries = glossary_entries(GLOSSARY.read_text(encoding="utf-8"))
    assert len(entries) >= 25, f"only {len(entries)} glossary entries"
    terms = [t.lower() for entry in entries for t in entry]
    duplicates = sorted({t for t in terms if terms.count(t) > 1})
    assert not duplicates, f"terms defined twice (Sphinx warns): {duplicates}"


def test_glossary_title():
    first = GLOSSARY.read_text(encoding="utf-8").lstrip().splitlines()[0]
    assert first == "# Glossary"


def test_every_glossary_term_is_used_in_the_book():
    """Each entry (by any of its names) appears in some chapter or page besides the glossary."""
    texts = book_texts()
    unused = [
        " / ".join(entry)
        for entry in glossary_entries(GLOSSARY.read_text(encoding="utf-8"))
        if not any(uses_term(text, term) for term in entry for text in texts.values())
    ]
    assert not unused, (
        f"{len(unused)} glossary entries are not used in notebooks/*.md (markdown) or "
        f"book/*.md: {'; '.join(unused)}"
    )


# --------------------------------------------------------------------------- exercises


def test_every_exercise_has_a_solution():
    """Every exercise in every notebook (and page) has a solution pointing at its label."""
    found = all_directives()
    exercises = [d for d in found if d.name in ("exercise", "exercise-start")]
    solutions = {d.argument for d in found if d.name in ("solution", "solution-start")}
    unlabelled = [
        f"{d.where} (markdown cell {d.cell + 1})" for d in exercises if not d.options.get("label")
    ]
    assert not unlabelled, (
        f"exercises without :label: (a solution cannot refer to them): {unlabelled}"
    )
    missing = [
        f"{d.options['label']} in {d.where}"
        for d in exercises
        if d.options["label"] not in solutions
    ]
    assert not missing, f"exercises without a solution: {missing}"
    labels = {d.options["label"] for d in exercises}
    orphans = sorted(solutions - labels)
    assert not orphans, f"solutions for unknown exercises: {orphans}"


def test_solutions_are_hidden():
    """Solutions open as a dropdown, so readers see them only when they ask."""
    visible = [
        f"{d.argument} in {d.where}"
        for d in all_directives()
        if d.name in ("solution", "solution-start")
        and "dropdown" not in d.options.get("class", "").split()
    ]
    assert not visible, f"solutions without ':class: dropdown': {visible}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_gated_solutions_are_closed_and_contain_code(notebook):
    """A gated solution runs its code cells in the build: it must be closed and hold code."""
    nb = read_chapter(notebook)
    open_label, code_cells, problems = None, 0, []
    for k, cell in enumerate(nb["cells"], start=1):
        if cell["cell_type"] == "code":
            code_cells += 1
            continue
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for d in directives(source, notebook.name, k):
            if d.name == "solution-start":
                if open_label is not None:
                    problems.append(f"cell {k}: solution {d.argument} opens inside {open_label}")
                open_label, code_cells = d.argument, 0
            elif d.name == "solution-end":
                if open_label is None:
                    problems.append(f"cell {k}: solution-end without solution-start")
                elif code_cells == 0:
                    problems.append(f"solution {open_label} holds no code cell")
                open_label = None
    if open_label is not None:
        problems.append(f"solution {open_label} is never closed by solution-end")
    assert not problems, "; ".join(problems)


# ---------------------------------------------------------------------- coverage of the methods

#: Methods the chapters name without explaining them in place: each needs a glossary entry.
METHODS = (
    "q-value",
    "Wilcoxon signed-rank test",
    "Clopper-Pearson interval",
    "Wilson score interval",
    "mid-p",
    "Barnard's test",
    "Boschloo's test",
    "exact conditional odds ratio",
    "permutation test",
    "Benjamini-Hochberg procedure",
    "Jeffreys interval",
    "Newcombe's interval",
    "IC50",
    "hypergeometric distribution",
    "two-sided test",
)
TERM_ROLE = re.compile(r"\{term\}`(?P<body>[^`]+)`")


def test_methods_the_chapters_name_are_defined():
    terms = {
        t.lower() for entry in glossary_entries(GLOSSARY.read_text(encoding="utf-8")) for t in entry
    }
    missing = [m for m in METHODS if m.lower() not in terms]
    assert not missing, f"not in the glossary: {missing}"


def test_every_term_reference_names_a_glossary_entry():
    """Every {term} role in the chapters, the pages and the glossary itself resolves."""
    terms = {
        re.sub(r"\s+", " ", t.lower())
        for entry in glossary_entries(GLOSSARY.read_text(encoding="utf-8"))
        for t in entry
    }
    texts = {**book_texts(), "book/glossary.md": GLOSSARY.read_text(encoding="utf-8")}
    unknown = []
    for where, text in texts.items():
        for match in TERM_ROLE.finditer(text):
            body = match["body"]
            target = body.rsplit("<", 1)[1].rstrip(">") if body.endswith(">") else body
            if re.sub(r"\s+", " ", target.strip().lower()) not in terms:
                unknown.append(f"{where}: {body!r}")
    assert not unknown, f"{{term}} references to no glossary entry: {unknown}"


def test_reference_parsing_on_a_known_example():
    text = "See {term}`q-values <q-value>` and {term}`IC50`."
    assert [m["body"] for m in TERM_ROLE.finditer(text)] == ["q-values <q-value>", "IC50"]
