"""Figure and table numbers as a journal prints them: "Figure 3.2", "Table 4.1".

The chapter number is the chapter's position in ``_toc.yml`` (the book numbers its chapters in
that order, which is not the order of the notebooks' file names). Within a chapter, figures and
tables are numbered in the order a run shows them, so a section that does not apply to a cohort
leaves no gap. Prose refers to a figure or table through the label its call returns (glued by
the notebook), never through a number typed by hand.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def chapter_number(notebook: str, toc: Path | None = None) -> int:
    """The book's number for the chapter notebook ``notebook`` (a file name or stem).

    Raises ``ValueError`` for a notebook that is not a numbered chapter of the book.
    """
    from netcomp.book.build import chapter_notebooks

    stem = Path(notebook).stem
    stems = [p.stem for p in chapter_notebooks(toc or ROOT / "_toc.yml")]
    if stem not in stems:
        raise ValueError(f"{notebook} is not a chapter of the book (_toc.yml lists {stems})")
    return stems.index(stem) + 1


class Numbering:
    """Hands out "Figure c.k" and "Table c.k" labels for one chapter, in the order asked.

    The same key asked twice gets the same label (a cell re-run does not renumber).
    """

    def __init__(self, chapter: int) -> None:
        self.chapter = chapter
        self._labels: dict[tuple[str, str], str] = {}
        self._counts: defaultdict[str, int] = defaultdict(int)

    def label(self, kind: str, key: str) -> str:
        """The label of item ``key`` of ``kind`` ("Figure" or "Table"), e.g. "Figure 3.2"."""
        if (kind, key) not in self._labels:
            self._counts[kind] += 1
            self._labels[(kind, key)] = f"{kind} {self.chapter}.{self._counts[kind]}"
        return self._labels[(kind, key)]

    def labels(self, kind: str) -> dict[str, str]:
        """Every label of ``kind`` handed out so far, key -> label, in the order asked."""
        return {key: label for (k, key), label in self._labels.items() if k == kind}


_BY_NOTEBOOK: dict[str, Numbering] = {}


def numbering_for(notebook: str) -> Numbering:
    """The process-wide :class:`Numbering` of a chapter notebook (one kernel runs one chapter)."""
    stem = Path(notebook).stem
    if stem not in _BY_NOTEBOOK:
        _BY_NOTEBOOK[stem] = Numbering(chapter_number(stem))
    return _BY_NOTEBOOK[stem]
