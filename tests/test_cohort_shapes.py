"""Whole books from cohorts that keep the data contract but do not look like the bundled one.

Each cohort below once crashed a build with the default parameters (issue 14): a cohort
without the default comparators, a header-only mutations file, ``sex`` coded ``M``/``F``, a
dose series where every culture responds at the highest common concentration, no detected
mutations and no HRAS measurement. Each must now give a complete book (exit 0) whose pages
say which sections do not apply, and leave the user's files byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from netcomp.book.build import BuildError, build
from netcomp.cli import main
from tests.cohorts import CohortSpec, write_cohort

CHAPTERS = (
    "01_data_import",
    "02_response_classification",
    "03_biomarker_association",
    "04_literature_context",
    "05_small_cohorts",
    "06_replication",
)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _page_text(out: Path, chapter: str) -> str:
    html = (out / "html" / "notebooks" / f"{chapter}.html").read_text(encoding="utf-8")
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _build_ok(data: Path, out: Path, params: Path | None = None) -> list[str]:
    before = _digests(data)
    args = ["build", "--data", str(data), "--out", str(out)]
    if params is not None:
        args += ["--params", str(params)]
    assert main(args) == 0
    assert _digests(data) == before  # the user's files are only read
    for chapter in CHAPTERS:
        text = _page_text(out, chapter)
        assert "Traceback" not in text and not re.search(r"\b[A-Z]\w*Error:", text)
    local = str(data.parent)  # no page or published notebook shows this machine's folders
    for f in [*(out / "html").rglob("*.html"), *(out / "notebooks").glob("*.ipynb")]:
        assert local not in f.read_text(encoding="utf-8"), f
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    notices = manifest["notices"]  # {"preflight": [...], "chapters": [...]}
    return [json.dumps(n) for n in notices["preflight"] + notices["chapters"]]


@pytest.mark.build
def test_one_drug_header_only_mutations_and_sex_codings(tmp_path: Path):
    """Only lenvatinib (so no comparator), no detected mutation, sex as M/F/Male/female."""
    spec = CohortSpec(
        n_cultures=9, drugs={"lenvatinib": (10.0,)}, mutation_rate=0.0, with_optional=True, seed=3
    )
    data = write_cohort(tmp_path / "one drug", spec)
    assert (data / "mutations.csv").read_text().strip() == "culture_id,gene,variant,vaf"
    out = tmp_path / "book"
    notices = " ".join(str(n) for n in _build_ok(data, out))
    assert "comparator" in notices.lower()
    assert "mutation" in notices.lower()
    assert "Not applicable to this cohort" in _page_text(out, "02_response_classification")
    cohort_csv = (out / "results" / "cohort.csv").read_text(encoding="utf-8")
    assert len(cohort_csv.strip().splitlines()) == 1 + 9


@pytest.mark.build
def test_dose_series_where_every_culture_responds(tmp_path: Path):
    """Several drugs as dose series; at the highest common concentration every culture is a
    responder, so one class is empty: the association sections say so, the book builds."""
    spec = CohortSpec(
        n_cultures=8,
        drugs={"lenvatinib": (0.1, 0.3, 1.0, 3.0, 10.0, 30.0), "sunitinib": (0.5, 1.5, 5.0, 15.0)},
        inhibition=(40.0, 95.0),
        replicates=2,
        seed=5,
    )
    data = write_cohort(tmp_path / "dose", spec)
    out = tmp_path / "book"
    notices = " ".join(str(n) for n in _build_ok(data, out))
    assert (
        "non-responder" in notices.lower()
        or "empty" in notices.lower()
        or "class" in notices.lower()
    )
    fits = (out / "html" / "notebooks" / "02_response_classification.html").read_text()
    assert "IC50" in fits
    assert "Not applicable to this cohort" in _page_text(out, "03_biomarker_association")
    with pytest.raises(BuildError, match="--strict"):
        build(data, None, tmp_path / "strict", log=lambda _m: None, strict=True)
    assert not (tmp_path / "strict").exists() or not any((tmp_path / "strict").iterdir())


@pytest.mark.build
def test_no_mutations_partial_expression_no_hras(tmp_path: Path):
    """Genes other than HRAS, some unmeasured; no detected mutations; a third drug."""
    spec = CohortSpec(
        n_cultures=14,
        drugs={"lenvatinib": (10.0,), "everolimus": (1.0,), "cabozantinib": (5.0,)},
        genes=("KDR", "FGFR1", "RET"),
        partial_expression=True,
        mutation_rate=0.0,
        seed=11,
    )
    data = write_cohort(tmp_path / "no hras", spec)
    out = tmp_path / "book"
    notices = " ".join(str(n) for n in _build_ok(data, out))
    assert "HRAS" in notices
    text = _page_text(out, "05_small_cohorts")
    assert "Not applicable to this cohort" in text
