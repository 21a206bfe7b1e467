"""Reconstructed data is recognised by content and stamped on everything derived from it."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from PIL import Image

from netcomp.book.ledger import judge
from netcomp.book.notebooks import write_ipynb
from netcomp.book.results import data_status_of, write_results
from netcomp.data import provenance
from netcomp.data.cohort import load_cohort
from netcomp.data.reconstruct import write_cohort
from netcomp.figures import response as fr
from netcomp.figures.style import (
    LABEL_GID,
    FigureText,
    caption_markdown,
    new_figure,
    save_figure,
)
from netcomp.stats.response import inhibition_table
from tests.conftest import BUNDLED, ROOT

LABEL = "Reconstructed data (synthetic)"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``netcomp reconstruct`` writes now, in a folder of its own."""
    return write_cohort(tmp_path_factory.mktemp("fresh") / "regenerated")


@pytest.fixture
def modified(tmp_path: Path) -> Path:
    """A copy of the reconstruction with a single viability value changed by 0.1 point."""
    target = tmp_path / "modified"
    shutil.copytree(BUNDLED, target)
    lines = (target / "viability.csv").read_text().splitlines()
    cells = lines[7].split(",")
    cells[-1] = f"{float(cells[-1]) + 0.1:.1f}"
    lines[7] = ",".join(cells)
    (target / "viability.csv").write_text("\n".join(lines) + "\n")
    return target


# ------------------------------------------------------------------ recognition by content


def test_stored_checksums_are_what_reconstruct_writes(fresh: Path):
    files = ("cultures.csv", "viability.csv", "expression.csv", "mutations.csv", "panel.txt")
    written = {name: _sha(fresh / name) for name in files}
    assert written == provenance.RECONSTRUCTION_SHA256
    assert {name: _sha(BUNDLED / name) for name in files} == written


def test_stored_content_digest_is_that_of_a_fresh_reconstruction(fresh: Path):
    assert load_cohort(fresh).content_digest() == provenance.RECONSTRUCTION_CONTENT_SHA256


def test_a_copy_elsewhere_is_the_reconstruction(tmp_path: Path, fresh: Path):
    copy = shutil.copytree(BUNDLED, tmp_path / "somewhere else" / "my data")
    assert provenance.files_are_reconstruction(copy)
    assert provenance.data_status(copy) == provenance.RECONSTRUCTED
    assert provenance.data_status(fresh) == provenance.RECONSTRUCTED
    assert provenance.current_status() is None  # checking is not loading
    assert load_cohort(copy).reconstructed
    assert provenance.current_status() == provenance.RECONSTRUCTED


def test_same_values_in_other_files_are_the_reconstruction(tmp_path: Path):
    """Windows line ends, shuffled rows, a free-text column, or a workbook: same values."""
    resaved = shutil.copytree(BUNDLED, tmp_path / "resaved")
    viab = pd.read_csv(resaved / "viability.csv").sample(frac=1, random_state=3)
    viab.to_csv(resaved / "viability.csv", index=False, lineterminator="\r\n")
    cultures = pd.read_csv(resaved / "cultures.csv")
    cultures["notes"] = "re-typed by hand"
    cultures.to_csv(resaved / "cultures.csv", index=False)
    assert not provenance.files_are_reconstruction(resaved)
    assert provenance.data_status(resaved) == provenance.RECONSTRUCTED
    book = tmp_path / "cohort.xlsx"
    with pd.ExcelWriter(book) as xl:
        for name in ("cultures", "viability", "expression", "mutations"):
            pd.read_csv(BUNDLED / f"{name}.csv").to_excel(xl, sheet_name=name, index=False)
        genes = (BUNDLED / "panel.txt").read_text().split()
        pd.DataFrame({"gene": genes}).to_excel(xl, sheet_name="panel", index=False)
    assert provenance.data_status(book) == provenance.RECONSTRUCTED


def test_one_changed_value_is_a_user_cohort(modified: Path, tmp_path: Path):
    assert not provenance.files_are_reconstruction(modified)
    assert provenance.data_status(modified) == provenance.USER_SUPPLIED
    assert load_cohort(modified).data_status == provenance.USER_SUPPLIED
    assert provenance.current_status() == provenance.USER_SUPPLIED
    fewer = shutil.copytree(BUNDLED, tmp_path / "panel")
    genes = (fewer / "panel.txt").read_text().split()
    (fewer / "panel.txt").write_text("\n".join(genes[1:]) + "\n")  # one gene fewer
    assert provenance.data_status(fewer) == provenance.USER_SUPPLIED
    fc = shutil.copytree(BUNDLED, tmp_path / "fc")
    text = (fc / "expression.csv").read_text()
    (fc / "expression.csv").write_text(text.replace("NET01,FLT1,1.489", "NET01,FLT1,1.490"))
    assert provenance.data_status(fc) == provenance.USER_SUPPLIED


# ------------------------------------------------------------------ results CSVs


def test_results_csv_gets_a_data_status_column_from_the_reconstruction(tmp_path: Path):
    cohort = load_cohort(shutil.copytree(BUNDLED, tmp_path / "copy"))
    table = inhibition_table(cohort.viability)
    path = write_results(table, tmp_path / "results", "inhibition.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [*table.columns, "data_status"]
    assert len(rows) == len(table) and {r["data_status"] for r in rows} == {"reconstructed"}
    back = pd.read_csv(path)  # pandas reads it as before, plus one column
    assert back.drop(columns="data_status").shape == table.shape
    assert data_status_of(path) == provenance.RECONSTRUCTED
    assert "data_status" not in table.columns  # the caller's table is not changed


def test_results_csv_is_unchanged_for_a_user_cohort(modified: Path, tmp_path: Path):
    cohort = load_cohort(modified)
    table = inhibition_table(cohort.viability)
    path = write_results(table, tmp_path, "inhibition.csv")
    assert path.read_text().splitlines()[0] == ",".join(table.columns)
    assert data_status_of(path) is None
    # and an explicit status wins over the loaded cohort's
    path = write_results(table, tmp_path, "forced.csv", data_status=provenance.RECONSTRUCTED)
    assert data_status_of(path) == provenance.RECONSTRUCTED


def test_ledger_calls_a_stamped_results_file_reconstructed(tmp_path: Path):
    """Even when the caller says the cohort is not the reconstruction, the file decides."""
    claim = {
        "id": "x",
        "basis": "cohort",
        "reported": 3,
        "compute": {"file": "r.csv", "query": "responder", "agg": "count"},
    }
    table = pd.DataFrame(
        {"culture_id": ["a", "b", "c", "d"], "responder": [True, True, True, False]}
    )
    write_results(table, tmp_path, "r.csv", data_status=provenance.USER_SUPPLIED)
    plain = judge(claim, tmp_path, reconstructed_cohort=False)
    assert (plain.computed, plain.status) == (3, "reproduced")
    write_results(table, tmp_path, "r.csv", data_status=provenance.RECONSTRUCTED)
    stamped = judge(claim, tmp_path, reconstructed_cohort=False)
    assert (stamped.computed, stamped.status) == (3, "reconstructed-data")
    published = judge({**claim, "basis": "published-counts"}, tmp_path, False)
    assert published.status == "reproduced"  # published numbers stay reproducible


def test_literature_tables_are_not_stamped_but_the_cultures_comparison_is(tmp_path: Path):
    """Chapter 4 loads the reconstruction, yet TALENT's numbers are published, not synthetic."""
    from netcomp.chapters import literature as chapter
    from netcomp.figures import literature as literature_figures

    result = chapter.compute(load_cohort(shutil.copytree(BUNDLED, tmp_path / "copy")), {})
    assert provenance.current_status() == provenance.RECONSTRUCTED
    intervals = write_results(result.intervals, tmp_path, "talent_intervals.csv")
    invitro = write_results(result.invitro, tmp_path, "invitro_vs_talent.csv")
    assert data_status_of(intervals) is None and data_status_of(invitro) == "reconstructed"
    for name, table in result.tables.items():
        expected = "reconstructed" if name == "invitro_vs_talent" else "published"
        assert provenance.status_for(table) == expected, name
    fig = literature_figures.plot_interval_methods(result.intervals)
    save_figure(fig, "intervals", tmp_path, result.intervals, "plot_interval_methods")
    assert _label(fig) is None and "data_status" not in pd.read_csv(tmp_path / "intervals.csv")
    assert json.loads((tmp_path / "intervals.json").read_text())["data_status"] == "published"
    plt.close(fig)


# ------------------------------------------------------------------ figures


def _extents(fig: plt.Figure, renderer) -> list:
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]
    boxes += [leg.get_window_extent(renderer) for leg in fig.legends]
    boxes += [t.get_window_extent(renderer) for t in fig.texts if t.get_gid() != LABEL_GID]
    return [b for b in boxes if b is not None and b.width > 0]


def _label(fig: plt.Figure):
    found = [t for t in fig.texts if t.get_gid() == LABEL_GID]
    return found[0] if len(found) == 1 else None


def test_figure_of_the_reconstruction_is_stamped_everywhere(tmp_path: Path):
    cohort = load_cohort(shutil.copytree(BUNDLED, tmp_path / "copy"))
    lenv = inhibition_table(cohort.viability).query("drug == 'lenvatinib'")
    fig = fr.waterfall_plot(lenv, 15, "lenvatinib")
    fig.legend(["a", "b"], loc="upper center", bbox_to_anchor=(0.5, -0.02), ncols=2)
    out = tmp_path / "fig"
    save_figure(fig, "waterfall", out, lenv, "netcomp.figures.response.waterfall_plot", "02")
    save_figure(fig, "waterfall", out, lenv, "netcomp.figures.response.waterfall_plot", "02")
    label = _label(fig)  # drawn once, however often the figure is saved
    assert label is not None and label.get_text() == LABEL
    renderer = fig.canvas.get_renderer()
    box = label.get_window_extent(renderer)
    for other in _extents(fig, renderer):
        assert not box.overlaps(other), other
        assert box.y1 < other.y0  # below everything else
    # inside the saved image: the tight box includes it, so the PNG is taller than without
    tall = Image.open(out / "waterfall.png")
    assert tall.text["Description"] == provenance.DESCRIPTION and LABEL in tall.text["Title"]
    label.remove()
    save_figure(
        fig, "plain", tmp_path / "plain", lenv, "w", "02", data_status=provenance.USER_SUPPLIED
    )
    assert Image.open(tmp_path / "plain" / "plain.png").height < tall.height
    svg = ET.parse(out / "waterfall.svg").getroot()
    texts = ["".join(el.itertext()) for el in svg.iter() if el.tag.endswith("}text")]
    assert LABEL in texts
    assert [el for el in svg.iter() if el.get("id") == LABEL_GID]
    described = ["".join(el.itertext()) for el in svg.iter() if el.tag.endswith("}description")]
    assert described == [provenance.DESCRIPTION]
    data = pd.read_csv(out / "waterfall.csv")
    assert (data["data_status"] == "reconstructed").all() and len(data) == len(lenv)
    record = json.loads((out / "waterfall.json").read_text())
    assert record["data_status"] == "reconstructed"
    # the caption says so too (the status of the cohort loaded last)
    caption = caption_markdown("Figure 2.1", FigureText("A waterfall.", "Bars."), None)
    assert caption.endswith(
        "Computed from reconstructed data (synthetic, not the study's measurements)."
    )
    plt.close(fig)


def test_figure_of_a_user_cohort_is_not_stamped(modified: Path, tmp_path: Path):
    cohort = load_cohort(modified)
    lenv = inhibition_table(cohort.viability).query("drug == 'lenvatinib'")
    fig = fr.waterfall_plot(lenv, 15, "lenvatinib")
    save_figure(fig, "waterfall", tmp_path, lenv, "w", "02")
    assert _label(fig) is None
    svg_text = (tmp_path / "waterfall.svg").read_text()
    assert LABEL not in svg_text and "reconstructed" not in svg_text
    assert "Description" not in Image.open(tmp_path / "waterfall.png").text
    assert list(pd.read_csv(tmp_path / "waterfall.csv").columns) == list(lenv.columns)
    assert json.loads((tmp_path / "waterfall.json").read_text())["data_status"] == "user-supplied"
    assert "reconstructed" not in caption_markdown("Figure 2.1", FigureText("A.", "B."), None)
    plt.close(fig)


def test_figure_shown_without_saving_still_carries_the_label():
    fig, ax = new_figure()
    ax.plot([1, 2], [3, 4])
    save_figure(fig, "x", None, pd.DataFrame(), "w", data_status=provenance.RECONSTRUCTED)
    assert _label(fig) is not None
    plt.close(fig)


# ------------------------------------------------------------------ executed notebooks


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def test_notebook_of_the_reconstruction_gets_metadata_and_a_banner(tmp_path: Path):
    nb = write_ipynb(ROOT / "notebooks" / "01_data_import.md", tmp_path / "01.ipynb")
    before = _cells(nb)
    provenance.stamp_notebook(nb, provenance.RECONSTRUCTED)
    provenance.stamp_notebook(nb, provenance.RECONSTRUCTED)  # once only
    data = json.loads(nb.read_text())
    assert data["metadata"]["netcomp"]["data_status"] == "reconstructed"
    cells = data["cells"]
    assert "".join(cells[0]["source"]).strip() == "".join(before[0]["source"]).splitlines()[0]
    assert cells[0]["source"][0].startswith("# ")  # the page keeps its title
    banner = "".join(cells[1]["source"])
    assert "Reconstructed data" in banner and "not the study's measurements" in banner
    # the rest of the first cell follows, and nothing else is lost or reordered
    rest = "".join(before[0]["source"]).split("\n", 1)[1]
    assert "".join(cells[2]["source"]) == rest
    assert cells[3:] == before[1:]
    assert len({c["id"] for c in cells}) == len(cells)


def test_notebook_of_a_user_cohort_gets_metadata_only(tmp_path: Path):
    nb = write_ipynb(ROOT / "notebooks" / "01_data_import.md", tmp_path / "01.ipynb")
    before = _cells(nb)
    provenance.stamp_notebook(nb, provenance.USER_SUPPLIED)
    assert json.loads(nb.read_text())["metadata"]["netcomp"]["data_status"] == "user-supplied"
    assert _cells(nb) == before


# ------------------------------------------------------------------ whole builds


def _stamped_csvs(folder: Path) -> dict[str, bool]:
    return {
        str(p.relative_to(folder)): "data_status" in p.read_text().split("\n", 1)[0]
        for p in sorted(folder.rglob("*.csv"))
    }


@pytest.mark.build
def test_a_copy_of_the_reconstruction_builds_the_same_ledger(built_book: Path, tmp_path: Path):
    from netcomp.book.build import build
    from netcomp.book.ledger import load_claims

    copy = shutil.copytree(BUNDLED, tmp_path / "my own folder")
    out = tmp_path / "copy_book"
    build(data_dir=copy, out_dir=out, log=lambda _m: None)
    bundled_ledger = (built_book / "results" / "ledger.csv").read_text()
    assert (out / "results" / "ledger.csv").read_text() == bundled_ledger
    ledger = pd.read_csv(out / "results" / "ledger.csv").set_index("claim_id")
    cohort = [c for c in load_claims() if c["basis"] == "cohort"]
    # a claim the study's two versions report differently says so first; its note still says
    # the reconstruction cannot decide between them
    two_versions = [
        c["id"]
        for c in cohort
        if "other_version" in c and str(c["other_version"]["reported"]) != str(c["reported"])
    ]
    one_version = [c["id"] for c in cohort if c["id"] not in two_versions]
    assert one_version and two_versions
    assert (ledger.loc[one_version, "status"] == "reconstructed-data").all()
    assert (ledger.loc[two_versions, "status"] == "versions-differ").all()
    assert ledger.loc[two_versions, "note"].str.contains("reconstructed cohort").all()
    # TALENT, the trials and the two published versions' own 2x2 tables: not synthetic
    published = ("talent_", "approved_", "literature_", "published_versions")
    for book in (built_book, out):
        results = _stamped_csvs(book / "results")
        assert results.pop("ledger.csv") is False
        assert results["invitro_vs_talent.csv"] and results["response.csv"]
        assert results == {n: not n.startswith(published) for n in results}
        figures = _stamped_csvs(book / "figures")
        assert figures["response_waterfall.csv"]
        assert figures == {n: not n.startswith(published) for n in figures}
        for svg in (book / "figures").glob("*.svg"):
            assert (LABEL in svg.read_text()) is (not svg.name.startswith(published)), svg.name
        for nb in (book / "notebooks").glob("*.ipynb"):
            data = json.loads(nb.read_text())
            assert data["metadata"]["netcomp"]["data_status"] == "reconstructed", nb.name
            assert "Reconstructed data" in "".join(data["cells"][1]["source"]), nb.name
        page = (book / "html" / "notebooks" / "02_response_classification.html").read_text()
        assert "This page was built from the bundled" in page
        assert "from reconstructed data (synthetic" in page
