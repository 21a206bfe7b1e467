"""The whole book builds end to end on the bundled cohort, and failures are safe and clear."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

from netcomp.book.build import BuildError, build, chapter_notebooks, write_marker
from netcomp.book.notebooks import read_chapter
from netcomp.cli import log_dir, main
from tests.conftest import BUNDLED, ROOT

EXTERNAL = re.compile(r"""<(?:script|img|link|iframe|source)\b[^>]*(?:src|href)=["']https?://""")


def test_build_writes_book_notebooks_and_results(built_book: Path):
    assert (built_book / "html" / "index.html").is_file()
    for nb in chapter_notebooks():
        executed = built_book / "notebooks" / f"{nb.stem}.ipynb"
        assert executed.is_file()
        notebook = nbformat.read(executed, as_version=4)
        outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
        assert outputs and not [o for o in outputs if o.output_type == "error"]
        assert (built_book / "html" / "notebooks" / f"{nb.stem}.html").is_file()
    manifest = json.loads((built_book / "build.json").read_text())
    assert manifest["parameters"]["response_threshold_pct"] == 15.0
    # one concentration, no dose series: design notes, not notices (built with strict)
    notices = manifest["notices"]
    assert notices["preflight"] == [] and notices["chapters"] == []
    assert [n.split(":")[:2] for n in notices["design"]] == [
        ["02_response_classification", " Classes across the tested concentrations"],
        ["02_response_classification", " Dose-response curves"],
    ]


def test_cohort_results_match_the_files(built_book: Path):
    with open(built_book / "results" / "cohort.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(BUNDLED / "cultures.csv", newline="") as fh:
        source = list(csv.DictReader(fh))
    assert [r["culture_id"] for r in rows] == [r["culture_id"] for r in source]
    assert [float(r["ki67_pct"]) for r in rows] == [float(r["ki67_pct"]) for r in source]


def test_replicate_summary_matches_an_independent_computation(built_book: Path):
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    with open(BUNDLED / "viability.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            values[(r["culture_id"], r["drug"])].append(float(r["viability_pct"]))
    with open(built_book / "results" / "replicates.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(values)
    for r in rows:
        v = values[(r["culture_id"], r["drug"])]
        assert float(r["mean_viability_pct"]) == pytest.approx(statistics.fmean(v), rel=1e-9)
        assert float(r["sd_viability_pct"]) == pytest.approx(statistics.stdev(v), rel=1e-8)
        assert int(r["n_replicates"]) == len(v)


def test_glued_numbers_are_in_the_rendered_chapter(built_book: Path):
    html = (built_book / "html" / "notebooks" / "01_data_import.html").read_text()
    text = re.sub(r"<[^>]+>", "", html)
    assert re.search(r"It holds\s+11\s+primary\s+cultures", text)
    assert "161" in text
    assert "bundled reconstructed cohort" in text


def test_front_page_records_the_data_and_parameters(built_book: Path):
    html = (built_book / "html" / "book" / "index.html").read_text()
    assert "reconstruction" in html
    for name in ("cultures.csv", "viability.csv", "panel.txt"):
        assert name in html
    assert "response_threshold_pct" in html
    assert "netcomp 0.1.0" in html


def test_the_book_loads_nothing_from_the_internet(built_book: Path):
    offenders = []
    for page in (built_book / "html").rglob("*.html"):
        offenders += [f"{page.name}: {m}" for m in EXTERNAL.findall(page.read_text())]
    assert not offenders


def _failing_notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("data_dir = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('broken on purpose')"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.build  # runs a notebook with papermill
def test_a_failing_cell_stops_the_build_and_keeps_the_previous_book(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "previous.txt").write_text("old book")
    write_marker(out)  # a previous build
    with pytest.raises(BuildError) as info:
        build(out_dir=out, notebooks=[_failing_notebook(tmp_path)], log=lambda _m: None)
    message = str(info.value)
    assert "99_broken.ipynb" in message and "cell 3" in message
    assert "ValueError" in message and "broken on purpose" in message
    assert "untouched" in message
    assert (out / "previous.txt").read_text() == "old book"
    # the staging folder is gone; the failed notebook, with its traceback, was kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["99_broken.ipynb", "out"]
    kept = Path(re.search(r"full traceback is (\S+\.ipynb)", message).group(1))
    assert "broken on purpose" in kept.read_text() and kept.parent == log_dir()
    assert kept.stat().st_mode & 0o077 == 0  # it may quote the data: private
    kept.unlink()


def test_invalid_data_fails_before_any_notebook(cohort_dir: Path, tmp_path: Path, capsys):
    text = (cohort_dir / "cultures.csv").read_text().replace(",G2,", ",g2,", 1)
    (cohort_dir / "cultures.csv").write_text(text)
    assert main(["build", "--data", str(cohort_dir), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "cultures.csv, line" in err and "did you mean 'G2'" in err
    assert not (tmp_path / "o").exists()


def test_notebooks_are_stored_without_outputs():
    for nb in sorted((ROOT / "notebooks").glob("*.md")):
        notebook = nbformat.from_dict(read_chapter(nb))
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), nb.name
        assert any("parameters" in c.metadata.get("tags", []) for c in code), nb.name
