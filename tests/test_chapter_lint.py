"""The chapters' code is held to the same ruff rules and format as the rest of the repository.

The chapters are MyST Markdown notebooks (``notebooks/*.md``), which ruff does not read. Each
is converted with jupytext to the ``.ipynb`` the build runs (:mod:`netcomp.book.notebooks`)
and given to ruff on standard input as ``notebooks/<stem>.ipynb``: ruff reads it as a
notebook (a cell's last expression is displayed, not useless; a trailing ``;`` hides it), and
``pyproject.toml``'s per-file ignores for notebooks (E402, F401) apply. A plain Python
conversion would flag every displayed expression (B018) and format away the semicolons.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netcomp.book.notebooks import ipynb_text, is_notebook_source

ROOT = Path(__file__).resolve().parents[1]
RUFF = str(Path(sys.executable).with_name("ruff"))
CHAPTERS = sorted(p for p in (ROOT / "notebooks").glob("*.md") if is_notebook_source(p))


def ruff(command: list[str], source: Path) -> subprocess.CompletedProcess[str]:
    """Run ``ruff <command>`` on the chapter ``source``, converted, as notebooks/<stem>.ipynb."""
    return subprocess.run(
        [RUFF, *command, "--no-cache", "--stdin-filename", f"notebooks/{source.stem}.ipynb", "-"],
        input=ipynb_text(source),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_chapter_is_a_myst_notebook():
    assert [p.stem for p in CHAPTERS] == [
        "01_data_import",
        "02_response_classification",
        "03_biomarker_association",
        "04_literature_context",
        "05_small_cohorts",
        "06_replication",
    ]


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_code_passes_ruff_check(source: Path):
    result = ruff(["check"], source)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_code_is_ruff_formatted(source: Path):
    result = ruff(["format", "--check"], source)
    assert result.returncode == 0, f"run ruff format on the chapter's code cells\n{result.stderr}"


BAD_CHAPTER = """---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

```{code-cell}
import os
x = undefined_name
```

```{code-cell}
y = {  'a':1 }
```
"""


def test_the_checks_see_the_code_cells(tmp_path: Path):
    """A mistake in a code cell fails them; the notebooks' ignores (F401 here) still apply."""
    bad = tmp_path / "bad.md"
    bad.write_text(BAD_CHAPTER, encoding="utf-8")
    check = ruff(["check", "--output-format", "concise"], bad)
    assert check.returncode == 1
    assert "F821" in check.stdout and "undefined_name" in check.stdout
    assert "F401" not in check.stdout
    assert ruff(["format", "--check"], bad).returncode == 1
