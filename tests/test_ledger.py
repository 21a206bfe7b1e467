"""The claims ledger, figure provenance and build determinism (issue 9)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from netcomp.build import build
from netcomp.ledger import judge, load_claims, status_changes
from tests.conftest import SEEDS


def _wilson_cc(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Newcombe (1998) method 4, written out independently of netcomp."""
    p, q = x / n, 1 - x / n
    lo = (2 * n * p + z * z - 1 - z * (z * z - 2 - 1 / n + 4 * p * (n * q + 1)) ** 0.5) / (
        2 * (n + z * z))
    hi = (2 * n * p + z * z + 1 + z * (z * z + 2 - 1 / n + 4 * p * (n * q - 1)) ** 0.5) / (
        2 * (n + z * z))
    return (0.0 if x == 0 else 100 * lo), (100.0 if x == n else 100 * hi)


def test_every_claim_has_a_locator_found_in_its_seed():
    if not SEEDS.is_dir():
        pytest.skip("shared/seeds is not next to the repository")
    for claim in load_claims():
        text = " ".join((SEEDS / claim["source"]).read_text(encoding="utf-8").split())
        assert " ".join(claim["locator"].split()) in text, claim["id"]


def test_judge_statuses_on_small_tables(tmp_path: Path):
    pd.DataFrame({"x": [1, 2, 3]}).to_csv(tmp_path / "t.csv", index=False)
    count = {"id": "c", "source": "s", "locator": "l", "reported": 3, "basis": "trial",
             "compute": {"file": "t.csv", "agg": "count"}, "check": "equal", "tolerance": 0}
    assert judge(count, tmp_path, reconstructed_cohort=True).status == "reproduced"
    assert judge({**count, "reported": 4}, tmp_path, True).status == "differs"
    on_cohort = judge({**count, "basis": "cohort"}, tmp_path, reconstructed_cohort=True)
    assert on_cohort.status == "reconstructed-data" and "reconstructed" in on_cohort.note
    assert judge({**count, "basis": "cohort"}, tmp_path, False).status == "reproduced"
    assert judge({**count, "basis": "none"}, tmp_path, True).status == "reported-only"
    missing = judge({**count, "compute": {"file": "nope.csv", "agg": "count"}}, tmp_path, True)
    assert missing.status == "differs" and "not computed" in missing.note


def test_status_changes_warn_when_a_claim_stops_reproducing():
    before = pd.DataFrame({"claim_id": ["a", "b"], "status": ["reproduced", "differs"]})
    after = pd.DataFrame({"claim_id": ["a", "b"], "status": ["differs", "reproduced"]})
    messages = status_changes(before, after)
    assert messages[0] == "WARNING: claim a was reproduced, now differs"
    assert len(messages) == 2


def test_ledger_statuses_on_the_bundled_cohort(built_book: Path):
    ledger = pd.read_csv(built_book / "results" / "ledger.csv").set_index("claim_id")
    assert list(ledger.columns) == ["source", "reported", "computed", "status", "note"]
    claims = {c["id"]: c for c in load_claims()}
    assert set(ledger.index) == set(claims)
    for cid, claim in claims.items():
        status = ledger.loc[cid, "status"]
        if claim["basis"] == "cohort":  # never "reproduced" from reconstructed data
            assert status == "reconstructed-data", cid
            assert "consistent with the reconstruction" in ledger.loc[cid, "note"], cid
        if claim["basis"] == "none":
            assert status == "reported-only", cid
    # p = .048: no standard test on the published counts gives it
    fisher = stats.fisher_exact([[4, 2], [0, 5]]).pvalue
    assert float(ledger.loc["study-hras-p", "computed"]) == pytest.approx(fisher, abs=1e-4)
    assert ledger.loc["study-hras-p", "status"] == "differs"
    # TALENT's rates and intervals reproduce from Table 2's counts (Wilson with correction)
    counts = {"pannet": {"orr": (23, 52), "dcr": (50, 52)}, "ginet": {"orr": (9, 55),
              "dcr": (51, 55)}, "total": {"orr": (32, 107), "dcr": (101, 107)}}
    for cohort, endpoints in counts.items():
        for endpoint, (x, n) in endpoints.items():
            lo, hi = _wilson_cc(x, n)
            for part, value in (("rate", 100 * x / n), ("ci-low", lo), ("ci-high", hi)):
                cid = f"talent-{endpoint}-{cohort}-{part}"
                assert ledger.loc[cid, "status"] == "reproduced", cid
                assert abs(value - float(ledger.loc[cid, "reported"])) <= 0.05, cid


def test_ledger_page_shows_every_claim_with_its_status(built_book: Path):
    html = (built_book / "html" / "book" / "ledger.html").read_text()
    for claim in load_claims():
        assert claim["id"] in html
    assert "sd-bg-success" in html and "sd-bg-warning" in html  # coloured statuses


def test_every_figure_has_its_data_and_a_provenance_caption(built_book: Path):
    pages = sorted((built_book / "html" / "notebooks").glob("*.html"))
    assert pages
    total = 0
    for page in pages:
        html = page.read_text()
        images = re.findall(r'<img [^>]*src="(\.\./_images/[^"]+)"', html)
        captions = re.findall(r"Figure <code[^>]*><span class=\"pre\">([\w.-]+)</span></code>"
                              r": drawn by", html)
        assert len(images) == len(captions), page.name
        for name in captions:
            for ext in ("png", "svg", "csv", "json"):
                assert (built_book / "figures" / f"{name}.{ext}").is_file(), name
            assert f"{name}.csv" in html  # downloadable from the page
        total += len(captions)
    assert total >= 15


@pytest.mark.build
def test_two_builds_of_the_same_inputs_are_identical(built_book: Path, tmp_path: Path):
    again = tmp_path / "again"
    build(out_dir=again, force=True, log=lambda _m: None)
    for folder, pattern in (("results", "*.csv"), ("figures", "*.csv"), ("figures", "*.svg")):
        first = sorted(p.name for p in (built_book / folder).glob(pattern))
        second = sorted(p.name for p in (again / folder).glob(pattern))
        assert first == second and first
        for name in first:
            assert (built_book / folder / name).read_bytes() == (again / folder / name).read_bytes(
            ), f"{folder}/{name}"
