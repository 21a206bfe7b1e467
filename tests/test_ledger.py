"""The claims ledger, figure provenance and build determinism (issue 9)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from netcomp.book.build import build
from netcomp.book.ledger import (
    BADGES,
    CONFERENCE_SOURCE,
    EXTERNAL_SOURCES,
    JOURNAL_SOURCE,
    STATUSES,
    evaluate_claims,
    judge,
    ledger_markdown,
    load_claims,
    status_changes,
)
from netcomp.stats.published import CONFERENCE_2022, JOURNAL_2023
from tests.conftest import SEEDS


def _wilson_cc(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Newcombe (1998) method 4, written out independently of netcomp."""
    p, q = x / n, 1 - x / n
    lo = (2 * n * p + z * z - 1 - z * (z * z - 2 - 1 / n + 4 * p * (n * q + 1)) ** 0.5) / (
        2 * (n + z * z)
    )
    hi = (2 * n * p + z * z + 1 + z * (z * z + 2 - 1 / n + 4 * p * (n * q - 1)) ** 0.5) / (
        2 * (n + z * z)
    )
    return (0.0 if x == 0 else 100 * lo), (100.0 if x == n else 100 * hi)


def test_every_claim_has_a_locator_found_in_its_seed():
    if not SEEDS.is_dir():
        pytest.skip("shared/seeds is not next to the repository")
    for claim in load_claims():
        if claim["source"] in EXTERNAL_SOURCES:
            continue  # the conference abstract: see the next test
        text = " ".join((SEEDS / claim["source"]).read_text(encoding="utf-8").split())
        assert " ".join(claim["locator"].split()) in text, claim["id"]


def test_versions_of_the_study_are_attributed_right():
    """The 15% threshold and 5/6 are the conference abstract's; 4/6 and p=.048 the journal's."""
    claims = {c["id"]: c for c in load_claims()}
    conference = {i: c for i, c in claims.items() if c["source"] == CONFERENCE_SOURCE}
    assert {
        "conference-n-responders",
        "conference-n-nonresponders",
        "conference-hras-split",
        "conference-hras-significant",
    } <= set(conference)
    for claim in claims.values():  # the journal's claims never state the threshold
        if claim["source"] == JOURNAL_SOURCE:
            assert "15%" not in claim["claim"], claim["id"]
    assert "15%" in conference["conference-n-responders"]["locator"]
    published = {CONFERENCE_SOURCE: CONFERENCE_2022, JOURNAL_SOURCE: JOURNAL_2023}
    for cid in ("conference-hras-split", "study-hras-split"):
        claim, other = claims[cid], claims[cid]["other_version"]
        assert claim["reported"] == published[claim["source"]].counts_text()
        assert other["reported"] == published[other["source"]].counts_text()
    for claim in claims.values():
        for source in claim.get("also_in", []):
            assert source in (CONFERENCE_SOURCE, JOURNAL_SOURCE) and source != claim["source"]
    mutation = claims["study-hras-not-mutation"]
    assert (
        mutation["source"] == JOURNAL_SOURCE and mutation["compute"]["file"] == "hras_mutation.csv"
    )


def test_versions_differ_status(tmp_path: Path):
    pd.DataFrame({"detail": ["4/6 vs 0/5"]}).to_csv(tmp_path / "a.csv", index=False)
    claim = {
        "id": "c",
        "source": CONFERENCE_SOURCE,
        "locator": "l",
        "reported": "5/6 vs 0/5",
        "basis": "cohort",
        "check": "equal",
        "compute": {"file": "a.csv", "agg": "value", "column": "detail"},
        "other_version": {"source": JOURNAL_SOURCE, "reported": "4/6 vs 0/5"},
    }
    on_user = judge(claim, tmp_path, reconstructed_cohort=False)
    assert on_user.status == "versions-differ" and on_user.computed == "4/6 vs 0/5"
    assert "conference abstract (2022) reports 5/6 vs 0/5" in on_user.note
    assert "journal abstract (2023) 4/6 vs 0/5" in on_user.note
    assert "matches the journal abstract (2023)." in on_user.note
    on_recon = judge(claim, tmp_path, reconstructed_cohort=True)
    assert on_recon.status == "versions-differ" and "reconstructed cohort" in on_recon.note
    assert "matches" not in on_recon.note
    pd.DataFrame({"detail": ["3/6 vs 1/5"]}).to_csv(tmp_path / "a.csv", index=False)
    assert "matches neither" in judge(claim, tmp_path, False).note
    # the same value in both versions: judged as usual
    same = {**claim, "other_version": {"source": JOURNAL_SOURCE, "reported": "5/6 vs 0/5"}}
    assert judge(same, tmp_path, False).status == "differs"
    assert "versions-differ" in STATUSES and BADGES["versions-differ"].startswith("bdg-")


def test_below_check(tmp_path: Path):
    pd.DataFrame({"p": [0.0152]}).to_csv(tmp_path / "p.csv", index=False)
    claim = {
        "id": "c",
        "source": "s",
        "locator": "l",
        "reported": "significant",
        "basis": "published-counts",
        "check": "below",
        "expected": 0.05,
        "compute": {"file": "p.csv", "agg": "value", "column": "p"},
    }
    assert judge(claim, tmp_path, True).status == "reproduced"
    assert judge({**claim, "expected": 0.01}, tmp_path, True).status == "differs"


def test_ledger_page_names_both_versions(tmp_path: Path):
    pd.DataFrame({"x": [1]}).to_csv(tmp_path / "t.csv", index=False)
    claims = [
        {
            "id": "both",
            "source": JOURNAL_SOURCE,
            "locator": "l",
            "reported": 1,
            "basis": "trial",
            "claim": "a claim",
            "also_in": [CONFERENCE_SOURCE],
            "compute": {"file": "t.csv", "agg": "count"},
        }
    ]
    page = ledger_markdown(evaluate_claims(tmp_path, False, claims))
    assert "{cite:t}`liverani2023`, journal article (2023)" in page
    assert "Also stated in: {cite:t}`liverani2022asco`, conference abstract (2022)." in page
    assert "{bdg-primary}`versions-differ` 0" in page


def test_judge_statuses_on_small_tables(tmp_path: Path):
    pd.DataFrame({"x": [1, 2, 3]}).to_csv(tmp_path / "t.csv", index=False)
    count = {
        "id": "c",
        "source": "s",
        "locator": "l",
        "reported": 3,
        "basis": "trial",
        "compute": {"file": "t.csv", "agg": "count"},
        "check": "equal",
        "tolerance": 0,
    }
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
        differ = "other_version" in claim and str(claim["other_version"]["reported"]) != str(
            claim["reported"]
        )
        if differ:  # the two published versions disagree: never "reproduced" either
            assert status == "versions-differ", cid
            assert "reconstructed cohort" in ledger.loc[cid, "note"], cid
        elif claim["basis"] == "cohort":  # never "reproduced" from reconstructed data
            assert status == "reconstructed-data", cid
            expected = (
                "cannot replicate itself"
                if claim.get("replication")
                else "consistent with the reconstruction"
            )
            assert expected in ledger.loc[cid, "note"], cid
        if claim["basis"] == "none":
            assert status == "reported-only", cid
    # p = .048: no standard test on the published counts gives it
    fisher = stats.fisher_exact([[4, 2], [0, 5]]).pvalue
    assert float(ledger.loc["study-hras-p", "computed"]) == pytest.approx(fisher, abs=1e-4)
    assert ledger.loc["study-hras-p", "status"] == "differs"
    # neither version's table gives .048 with a standard exact test; the closest is 0.0455
    fisher_one = stats.fisher_exact([[4, 0], [2, 5]], alternative="greater").pvalue
    assert float(ledger.loc["study-hras-p-either-version", "computed"]) == pytest.approx(
        fisher_one, abs=1e-4
    )
    assert ledger.loc["study-hras-p-either-version", "status"] == "differs"
    conference_two = stats.fisher_exact([[5, 0], [1, 5]]).pvalue
    assert float(ledger.loc["conference-hras-significant", "computed"]) == pytest.approx(
        conference_two, abs=1e-4
    )
    assert ledger.loc["conference-hras-significant", "status"] == "reproduced"
    # HRAS overexpression vs HRAS mutation, recomputed from the cohort files
    assert ledger.loc["study-hras-not-mutation", "status"] == "reconstructed-data"
    # TALENT's rates and intervals reproduce from Table 2's counts (Wilson with correction)
    counts = {
        "pannet": {"orr": (23, 52), "dcr": (50, 52)},
        "ginet": {"orr": (9, 55), "dcr": (51, 55)},
        "total": {"orr": (32, 107), "dcr": (101, 107)},
    }
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
        # every image is a figure whose caption ends with its provenance and downloads
        figures = re.findall(
            r'<figure class="netcomp-figure[^"]*"[^>]*>(.*?)</figure>', html, flags=re.S
        )
        assert len(images) == len(figures), page.name
        for block in figures:
            name = re.search(r'<img [^>]*src="\.\./_images/([\w.-]+)\.png"', block).group(1)
            assert "Drawn by" in re.search(
                r'<div class="legend">(.*?)</div>', block, flags=re.S
            ).group(1), name
            for ext in ("png", "svg", "csv", "json"):
                assert (built_book / "figures" / f"{name}.{ext}").is_file(), name
            assert f"{name}.csv" in block  # downloadable from the figure's caption
        total += len(figures)
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
            assert (built_book / folder / name).read_bytes() == (
                again / folder / name
            ).read_bytes(), f"{folder}/{name}"


@pytest.mark.build
def test_results_files_name_documents_as_a_reader_knows_them(built_book):
    """No stored file name of a source document in the results, figure CSVs or ledger page."""
    pattern = re.compile(r"\d{3}_[0-9a-f]{16}|jco-2022-40")
    for folder in ("results", "figures"):
        for path in (built_book / folder).glob("*.csv"):
            assert not pattern.search(path.read_text(encoding="utf-8")), path.name
    ledger = (built_book / "html" / "book" / "ledger.html").read_text(encoding="utf-8")
    assert not pattern.search(ledger)
