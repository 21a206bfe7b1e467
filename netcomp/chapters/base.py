"""What every chapter result shares: glued values, tables, and notices instead of crashes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Notice:
    """A section of a chapter that does not apply to this cohort, why, and how to enable it.

    ``design`` marks a section that needs data the cohort's design does not collect (a dose
    series, several concentrations): nothing is missing or wrong, so the build lists such
    notes apart and ``--strict`` does not count them (the bundled single-concentration
    study has two).
    """

    chapter: str
    section: str
    reason: str
    remedy: str
    design: bool = False

    def __str__(self) -> str:
        return (
            f"{self.section}: this section does not apply because {self.reason}; "
            f"to enable it, {self.remedy}."
        )

    def as_dict(self) -> dict[str, str | bool]:
        return {
            "chapter": self.chapter,
            "section": self.section,
            "reason": self.reason,
            "remedy": self.remedy,
            "text": str(self),
            "design": self.design,
        }


@dataclass
class ChapterResult:
    """Base of every chapter's result.

    ``values`` maps each glue name to the number or sentence the prose shows (one
    :meth:`glue_all` call publishes them all); ``tables`` holds the tables the chapter
    shows or writes; ``notices`` lists the sections that do not apply. Chapter results
    subclass this and add typed fields for their figure inputs.
    """

    chapter: str
    values: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)

    def notice(self, section: str, reason: str, remedy: str, design: bool = False) -> Notice:
        """Record that ``section`` does not apply (and return the notice); ``design``: only
        because the cohort's design does not collect what it needs (see :class:`Notice`)."""
        item = Notice(self.chapter, section, reason, remedy, design)
        self.notices.append(item)
        return item

    def notices_for(self, section: str) -> list[Notice]:
        return [n for n in self.notices if n.section == section]

    def applies(self, section: str) -> bool:
        """True when no notice was recorded for ``section``."""
        return not self.notices_for(section)

    def glue_all(self) -> None:
        """Glue every value for the chapter's prose (inside a notebook being built)."""
        from myst_nb import glue

        for name, value in self.values.items():
            glue(name, value, display=False)

    def write_notices(self, results_dir: str | Path | None) -> Path | None:
        """Write ``notices-<chapter>.json`` so the build can list (or, strict, refuse) them."""
        if results_dir is None:
            return None
        out = Path(results_dir)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"notices-{self.chapter}.json"
        path.write_text(
            json.dumps([n.as_dict() for n in self.notices], indent=1) + "\n", encoding="utf-8"
        )
        return path


def chapter_params(params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The book's defaults with ``params`` on top (unknown keys refused, values checked)."""
    from netcomp.book.params import resolve

    return resolve(dict(params or {}))
