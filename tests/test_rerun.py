"""Rerunning the book: a differently shaped cohort builds, inputs are never written, and
rebuilds re-execute only what changed."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from netcomp.book.build import build
from netcomp.cli import main
from tests.cohorts import write_second_cohort


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.build
def test_second_cohort_builds_a_full_book_and_is_never_written(tmp_path: Path):
    data = write_second_cohort(tmp_path / "my cohort")
    lines = (data / "cultures.csv").read_text().splitlines()  # a direct identifier column
    lines = [lines[0] + ",patient_name"] + [
        f"{ln},Maria Rossi {i}" for i, ln in enumerate(lines[1:])
    ]
    (data / "cultures.csv").write_text("\n".join(lines) + "\n")
    params = tmp_path / "my.yaml"
    params.write_text("comparators: [sunitinib]\nresponse_threshold_pct: 40\nn_simulations: 500\n")
    before = _digests(data)
    out = tmp_path / "my_book"
    assert (
        main(
            [
                "build",
                "--data",
                str(data),
                "--params",
                str(params),
                "--out",
                str(out),
                "--allow-identifiers",
            ]
        )
        == 0
    )
    assert _digests(data) == before
    for f in out.rglob("*"):  # the identifiers reach no page, notebook or table
        if f.is_file() and f.suffix in (".html", ".ipynb", ".csv", ".json", ".txt", ".js"):
            assert "Maria Rossi" not in f.read_text(errors="ignore"), f
    assert (out / "html" / "index.html").is_file()
    html = (out / "html" / "book" / "index.html").read_text()
    front = " ".join(re.sub(r"<[^>]+>", "", html).split())
    # the data folder is named, its absolute path (which may say who you are) is not
    assert "user-supplied cohort" in front and "my cohort" in front and str(data) not in front
    for name, digest in before.items():
        if name != "DICTIONARY.md":
            assert digest in front  # each file's checksum is on the front page
    manifest = json.loads((out / "build.json").read_text())
    assert manifest["parameters"]["response_threshold_pct"] == 40.0
    with open(out / "results" / "cohort.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 30
    # a user's cohort is not stamped as reconstructed anywhere (tests/test_stamping.py)
    for f in [*out.glob("results/*.csv"), *out.glob("figures/*.csv")]:
        assert "data_status" not in f.read_text().split("\n", 1)[0], f.name
    for f in out.glob("notebooks/*.ipynb"):
        assert json.loads(f.read_text())["metadata"]["netcomp"]["data_status"] == "user-supplied"


@pytest.mark.build
def test_rebuilds_reexecute_only_what_changed(built_book: Path, tmp_path: Path):
    out = tmp_path / "book"
    shutil.copytree(built_book, out)
    same = build(out_dir=out, log=lambda _m: None)
    assert same.executed == []
    params = tmp_path / "p.yaml"
    params.write_text("fdr: 0.2\n")  # read by the biomarker and small-cohorts chapters only
    changed = build(params_file=params, out_dir=out, log=lambda _m: None)
    assert sorted(changed.executed) == ["03_biomarker_association.ipynb", "05_small_cohorts.ipynb"]
    manifest = json.loads((out / "build.json").read_text())
    assert manifest["parameters"]["fdr"] == 0.2
    again = build(params_file=params, out_dir=out, log=lambda _m: None)
    assert again.executed == []


def test_identifier_columns_never_reach_the_book(tmp_path: Path):
    data = write_second_cohort(tmp_path / "c", n=12)
    text = (data / "cultures.csv").read_text().splitlines()
    text[0] += ",patient_name"
    text[1:] = [line + ",Maria Rossi" for line in text[1:]]
    (data / "cultures.csv").write_text("\n".join(text) + "\n")
    assert main(["build", "--data", str(data), "--out", str(tmp_path / "o")]) == 1
    assert not (tmp_path / "o").exists()
