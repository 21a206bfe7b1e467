"""Key findings: computed from each chapter's result, honest about the reconstruction, escaped.

The bundled reconstruction gets the study's essentials (p = .048 not reproduced by any
standard test, which comes closest, the two versions' disagreement, what n = 11 can and
cannot show, the reconstruction caveat), each number checked here against an independent
computation; any other cohort gets what its own data show and never the study's story.
"""

from __future__ import annotations

import html
import re
import tempfile
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docutils import nodes
from hypothesis import HealthCheck, given, settings
from scipy import stats

from netcomp.book import findings as F
from netcomp.book.results import write_results
from netcomp.chapters import (
    association,
    data_import,
    literature,
    replication,
    response,
    smallsample,
)
from netcomp.data.cohort import load_cohort
from netcomp.stats import published
from tests.cohorts import CohortSpec, write_cohort, write_second_cohort
from tests.strategies import cohort_specs, examples

ROOT = Path(__file__).resolve().parents[1]
FAST = {"n_simulations": 200}
MODULES = (data_import, response, association, literature, smallsample, replication)
#: Words that retell the study's story; a user's cohort must never get them.
STUDY_STORY = re.compile(
    r"p = \.048|not reproduced|reconstruct|versions disagree|"
    r"published versions",
    re.IGNORECASE,
)


def _compute(cohort, module):
    return module.compute(cohort, FAST if module in (association, smallsample) else {})


def _all(cohort) -> dict[str, list[str]]:
    return {m.CHAPTER: F.key_findings(_compute(cohort, m)) for m in MODULES}


@pytest.fixture(scope="module")
def bundled():
    return load_cohort(ROOT / "data" / "cohort")


@pytest.fixture(scope="module")
def bundled_findings(bundled):
    return _all(bundled)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """24 cultures with a strong planted HRAS effect among responders."""
    folder = tmp_path_factory.mktemp("planted") / "cohort"
    return load_cohort(write_cohort(folder, CohortSpec(n_cultures=24, hras_effect=3.0, seed=3)))


@pytest.fixture(scope="module")
def planted_findings(planted):
    return _all(planted)


def _fisher(x1, n1, x2, n2, alternative="two-sided"):
    return stats.fisher_exact([[x1, x2], [n1 - x1, n2 - x2]], alternative=alternative).pvalue


def _brute_power(n1, n2, r1, r2, alpha=0.05):
    """Two-sided Fisher power by enumerating every table with scipy."""
    return sum(
        stats.binom.pmf(x1, n1, r1) * stats.binom.pmf(x2, n2, r2)
        for x1, x2 in product(range(n1 + 1), range(n2 + 1))
        if _fisher(x1, n1, x2, n2) <= alpha * (1 + 1e-9)
    )


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


# --------------------------------------------------------------------------- the bundled cohort


def test_every_chapter_has_three_to_five_findings(bundled_findings):
    assert set(bundled_findings) == {m.CHAPTER for m in MODULES}
    for chapter, items in bundled_findings.items():
        assert 3 <= len(items) <= F.MAX_FINDINGS, (chapter, items)
        assert all(isinstance(s, str) and s.strip() and "  " not in s for s in items)
        assert not any("seed" in s.lower() or ".txt" in s for s in items)


def test_published_p_is_not_reproduced_and_the_closest_test_is_named(bundled_findings):
    first = bundled_findings[association.CHAPTER][0]
    j = published.JOURNAL_2023
    # independently: Fisher's one-sided p of 4/6 vs 0/5 is the nearest to .048 of the
    # exact tests, and no standard test rounds to .048
    one_sided = _fisher(
        j.responders_high, j.n_responders, j.nonresponders_high, j.n_nonresponders, "greater"
    )
    two_sided = _fisher(4, 6, 0, 5)
    assert round(one_sided, 4) == 0.0455 and round(two_sided, 4) == 0.0606
    assert first.startswith("The published p = .048 is not reproduced: none of the 10 standard")
    assert f"Fisher exact (one-sided, greater): p = {one_sided:.4f}" in first
    assert "4 of 6 responders and 0 of 5 non-responders" in first
    tests = association.compute(load_cohort(ROOT / "data" / "cohort"), FAST).hras_tests
    assert not (np.round(tests["p_value"].astype(float), 3) == 0.048).any()
    assert len(tests) == 10


def test_the_two_versions_disagree_with_their_counts(bundled_findings):
    text = " ".join(bundled_findings[data_import.CHAPTER])
    assert (
        "disagree on HRAS: high in 5 of 6 responders in the 2022 conference abstract, 4 of 6 "
        "responders in the 2023 journal article (0 of 5 non-responders in both)"
    ) in text
    assert (
        "Only the conference abstract states the response threshold (15%), only the "
        "journal article a p-value (p = .048)."
    ) in text
    conf = bundled_findings[association.CHAPTER][1]
    assert f"two-sided p = {_fisher(5, 6, 0, 5):.4f}" in conf
    assert f"one-sided (greater) p = {_fisher(5, 6, 0, 5, 'greater'):.4f}" in conf
    # the range of the standard tests on each version, and that none gives .048
    ranges = bundled_findings[data_import.CHAPTER][2]
    assert "from 0.0068 to 0.0152" in ranges and "from 0.0264 to 0.0606" in ranges
    assert ranges.endswith(": none of these 12 results is .048.")


def test_what_n_11_can_show_is_computed(bundled_findings):
    power = _brute_power(6, 5, 0.667, 0.1)
    small = bundled_findings[smallsample.CHAPTER]
    assert f"only {100 * power:.1f}% of the time" in small[2]
    assert "What n = 11 can show" in small[2] and "80% power needs 25 cultures" in small[2]
    # the same statement in the biomarker chapter
    assert f"only {100 * power:.1f}% of the time" in bundled_findings[association.CHAPTER][3]
    # the smallest detectable share: 80% power reached at 94.5%, not at 94.4%
    assert "the feature in 94.5% of responders against 10% of non-responders" in small[3]
    assert _brute_power(6, 5, 0.945, 0.1) >= 0.8 > _brute_power(6, 5, 0.944, 0.1)


def test_smallest_detectable_share_against_enumeration():
    share, power = F.smallest_detectable_share(10, 10, 0.1, 0.05, 0.8)
    assert power == pytest.approx(_brute_power(10, 10, share, 0.1), abs=1e-12)
    assert _brute_power(10, 10, share - F.SHARE_STEP, 0.1) < 0.8 <= power
    # a design too small to detect anything: 2 and 2 cultures
    share, power = F.smallest_detectable_share(2, 2, 0.1, 0.05, 0.8)
    assert share is None and power == pytest.approx(_brute_power(2, 2, 1.0, 0.1), abs=1e-12)
    assert "No effect is detected reliably" in F.detectable_sentence(2, 2, 0.1, 0.05, 0.8)


def test_reconstruction_is_never_presented_as_findings(bundled_findings):
    assert bundled_findings[data_import.CHAPTER][0] == F.reconstruction_sentence(11)
    assert "they are not findings" in bundled_findings[data_import.CHAPTER][0]
    resp = bundled_findings[response.CHAPTER]
    assert "they confirm nothing" in resp[0] and "built into the reconstruction" in resp[1]
    assert "synthetic" in bundled_findings[association.CHAPTER][-1]
    assert bundled_findings[replication.CHAPTER][0].startswith("No replication verdict")
    assert "restate the study's published counts" in bundled_findings[literature.CHAPTER][-1]


def test_bundled_numbers_equal_the_chapter_results(bundled):
    res = response.compute(bundled)
    text = " ".join(F.response_findings(res))
    assert "6 of the 11 reconstructed cultures respond to lenvatinib" in text
    medians = res.comparison.set_index("comparator")["median_comparator_pct"]
    assert f"everolimus {medians['everolimus']:.1f}%" in text
    assert "runs from 5 to 9 of 11" in text
    lit = F.literature_findings(literature.compute(bundled))
    assert "23 of 52 assessed panNET patients (44.2%)" in lit[0]
    assert f"{100 * 23 / 52:.1f}%" in lit[0] and f"{100 * 32 / 107:.1f}%" in lit[0]
    assert "The Wilson with continuity correction interval reproduces 6 of TALENT's 6" in lit[1]
    assert "the GI-NET cohort fell one response short (9)" in lit[2]
    rep = F.replication_findings(replication.compute(bundled))
    assert "needs 26 cultures" in rep[2] and "46 if 50% and 10%" in rep[2]
    assert "only 24% of the time" in rep[3]


# --------------------------------------------------------------------------- other cohorts


def test_planted_effect_gets_its_own_numbers_not_the_study_story(planted, planted_findings):
    for chapter, items in planted_findings.items():
        assert 1 <= len(items) <= F.MAX_FINDINGS
        assert not STUDY_STORY.search(" ".join(items)), (chapter, items)
    # the cohort's own table, counted from its files
    expr = planted.expression_matrix()["HRAS"] >= 2.0
    classes = response.compute(planted).classes
    x1, n1 = int((expr & classes).sum()), int(classes.sum())
    x2, n2 = int((expr & ~classes).sum()), int((~classes).sum())
    assert (x1, n1, x2, n2) == (15, 15, 2, 9)
    first = planted_findings[association.CHAPTER][0]
    assert first.startswith(
        f"HRAS is overexpressed (fold change ≥ 2) in {x1} of {n1} "
        f"responders and {x2} of {n2} non-responders"
    )
    assert _fisher(x1, n1, x2, n2) < 0.001 and "p below 0.001 two-sided" in first
    assert "consistent and informative" in " ".join(planted_findings[replication.CHAPTER])
    small = planted_findings[smallsample.CHAPTER]
    assert small[0].startswith(f"In this cohort {x1} of {n1} responders")
    assert f"{100 * _brute_power(n1, n2, 0.667, 0.1):.1f}%" in small[2]
    assert "user-supplied cohort of 24 cultures" in planted_findings[data_import.CHAPTER][0]
    assert planted_findings[response.CHAPTER][0].startswith(
        f"{n1} of the 24 cultures respond to lenvatinib at 10 µM"
    )


def test_cohort_without_an_effect_is_told_so(tmp_path):
    cohort = load_cohort(write_cohort(tmp_path / "c", CohortSpec(n_cultures=12, seed=1)))
    found = _all(cohort)
    assert not STUDY_STORY.search(" ".join(sum(found.values(), [])))
    first = found[association.CHAPTER][0]
    assert "in 0 of 9 responders and 1 of 3 non-responders" in first
    assert f"p = {_fisher(0, 9, 1, 3):.3f} two-sided" in first
    assert "“inconsistent”" in " ".join(found[replication.CHAPTER])


def test_single_class_cohort_says_why_sections_do_not_apply(tmp_path):
    cohort = load_cohort(write_second_cohort(tmp_path / "c"))
    found = _all(cohort)
    assert not STUDY_STORY.search(" ".join(sum(found.values(), [])))
    assert "30 of the 30 cultures respond to lenvatinib at 30 µM" in found[response.CHAPTER][0]
    assert found[association.CHAPTER][0].startswith(
        "HRAS overexpression cannot be tested against response in this cohort: "
    )
    assert "9 sections of this chapter do not apply" in found[association.CHAPTER][1]
    assert found[smallsample.CHAPTER][0].startswith(
        "The table of HRAS overexpression by response cannot be formed"
    )
    assert found[replication.CHAPTER][0].startswith("No replication verdict: the cohort's table")


@settings(max_examples=examples(6), deadline=None, suppress_health_check=list(HealthCheck))
@given(cohort_specs(max_cultures=24))
def test_any_cohort_gets_findings_without_the_study_story(spec):
    with tempfile.TemporaryDirectory() as tmp:
        cohort = load_cohort(write_cohort(Path(tmp) / "c", spec))
        for module in (response, association, smallsample, replication):
            items = F.key_findings(_compute(cohort, module))
            assert 1 <= len(items) <= F.MAX_FINDINGS
            assert not STUDY_STORY.search(" ".join(items)), items


def test_unknown_chapter_is_refused():
    class Other:
        chapter = "99_other"

    with pytest.raises(ValueError, match="99_other"):
        F.key_findings(Other())


# --------------------------------------------------------------------------- front page


def _write_results(cohort, folder: Path) -> None:
    """The results files the notebooks write (same tables, same names)."""
    write_results(
        _compute(cohort, data_import).tables["published_versions"], folder, "published_versions.csv"
    )
    write_results(response.compute(cohort).results, folder, "response.csv")
    assoc = _compute(cohort, association)
    write_results(assoc.tables["associations"], folder, "associations.csv")
    write_results(assoc.tables["hras_tests"], folder, "hras_tests.csv")
    write_results(_compute(cohort, smallsample).checks, folder, "small_cohorts.csv")
    write_results(
        replication.compute(cohort).tables["verdicts"], folder, "replication_verdicts.csv"
    )
    pd.DataFrame(
        {"claim_id": ["a", "b", "c"], "status": ["reproduced", "differs", "reproduced"]}
    ).to_csv(folder / "ledger.csv", index=False)


def test_front_page_from_the_bundled_results(tmp_path):
    _write_results(load_cohort(ROOT / "data" / "cohort"), tmp_path)
    items = F.front_page_findings(tmp_path)
    assert len(items) == 5
    assert items[0].startswith("The published p = .048 is not reproduced")
    assert "Fisher exact (one-sided, greater): p = 0.0455" in items[0]
    assert items[1] == F.versions_sentence().split(" Only ")[0]
    assert f"only {100 * _brute_power(6, 5, 0.667, 0.1):.1f}% of the time" in items[2]
    assert items[2].endswith(
        "80% power needs 25 cultures, or at n = 11 an effect as large as "
        "94.5% of responders against 10%."
    )
    assert items[3] == "The ledger checks 3 published claims: 2 reproduced and 1 differ."
    assert items[4] == F.reconstruction_sentence(11)


def test_front_page_from_a_users_results(planted, tmp_path):
    _write_results(planted, tmp_path)
    items = F.front_page_findings(tmp_path)
    text = " ".join(items)
    assert not STUDY_STORY.search(text), items
    assert items[0] == (
        "This book was built from a user-supplied cohort: 15 of 24 cultures "
        "respond to lenvatinib at 10 µM (survival inhibition strictly above 15%)."
    )
    assert "HRAS overexpression: 15 of 15 responders and 2 of 9 non-responders" in text
    assert "“consistent and informative”" in text
    assert f"{100 * _brute_power(15, 9, 0.667, 0.1):.1f}% of the time" in text


def test_front_page_of_an_empty_results_folder(tmp_path):
    assert F.front_page_findings(tmp_path) == ["This book was built from a user-supplied cohort."]


# --------------------------------------------------------------------------- escaping

PAYLOAD = "<script>window.__pwned=1</script> `x` {raw:html}`<b>y</b>` | $z$ [l](javascript:1)"


def test_html_box_escapes_every_sentence():
    box = F.findings_html(["plain", PAYLOAD])
    assert box.startswith('<div class="admonition tip netcomp-findings">')
    assert "<script>" not in box and "<b>" not in box
    assert html.escape(PAYLOAD, quote=True) in box
    assert box.count("<li>") == 2
    assert F.findings_html([]) == ""


def test_markdown_box_parses_to_an_admonition_of_plain_text():
    from tests.test_payloads import ALL_EXTENSIONS, _doctree

    markdown = F.findings_markdown(["First finding.", PAYLOAD])
    tree = _doctree(markdown, ALL_EXTENSIONS)
    admonitions = list(tree.findall(nodes.admonition))
    assert len(admonitions) == 1
    items = [n.astext() for n in admonitions[0].findall(nodes.list_item)]
    assert items == ["First finding.", PAYLOAD]
    kinds = {type(n).__name__ for n in admonitions[0].findall()}
    assert kinds <= {"admonition", "title", "Text", "bullet_list", "list_item", "paragraph"}


def test_user_supplied_names_reach_the_box_escaped(planted):
    """A drug name is the user's: the box shows it as text, whatever it holds."""
    import netcomp.book.display as display_mod

    res = response.compute(planted)
    res.drug = PAYLOAD
    items = F.response_findings(res)
    assert any(PAYLOAD in s for s in items)
    box = F.findings_html(items)
    assert "<script>" not in box and html.escape(PAYLOAD, quote=True) in box
    shown = []
    original = display_mod.display
    display_mod.display = shown.append
    try:
        assert display_mod.show_findings(res) is None
    finally:
        display_mod.display = original
    assert len(shown) == 1 and shown[0].data == box


@pytest.mark.build
def test_built_front_page_shows_the_box(built_book: Path):
    page = (built_book / "html" / "book" / "index.html").read_text(encoding="utf-8")
    assert "Key findings" in page and "netcomp-findings" in page
    for sentence in F.front_page_findings(built_book / "results"):
        words = html.escape(sentence, quote=False).replace("“", "").split()[:8]
        assert " ".join(words) in " ".join(page.split()), sentence
    for nb in ("01_data_import", "03_biomarker_association", "05_small_cohorts"):
        chapter = (built_book / "html" / "notebooks" / f"{nb}.html").read_text(encoding="utf-8")
        assert chapter.count("netcomp-findings") == 1, nb
