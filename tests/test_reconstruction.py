"""The bundled cohort satisfies every fact the study publishes (re-derived independently)."""

from __future__ import annotations

import csv
import itertools
import statistics
from collections import defaultdict
from math import comb
from pathlib import Path

import pytest

from netcomp.data.reconstruct import write_cohort
from tests.conftest import BUNDLED


def _rows(name: str) -> list[dict[str, str]]:
    with open(BUNDLED / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def facts() -> dict:
    cultures = _rows("cultures.csv")
    ids = [r["culture_id"] for r in cultures]
    reps: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in _rows("viability.csv"):
        reps[(r["drug"], r["culture_id"])].append(float(r["viability_pct"]))
    inhibition = {k: 100.0 - statistics.fmean(v) for k, v in reps.items()}
    responder = {c: inhibition[("lenvatinib", c)] > 15.0 for c in ids}
    fc = {(r["culture_id"], r["gene"]): float(r["fold_change"]) for r in _rows("expression.csv")}
    return {
        "cultures": cultures,
        "ids": ids,
        "inhibition": inhibition,
        "responder": responder,
        "fc": fc,
        "mutations": _rows("mutations.csv"),
    }


def _exact_rx2_p(labels: list[str], responder: list[bool]) -> float:
    """Freeman-Halton exact p by enumerating every assignment of the responders."""
    n, k = len(labels), sum(responder)
    cats = sorted(set(labels))

    def table_prob(resp_idx: tuple[int, ...]) -> float:
        prob = 1.0
        for c in cats:
            total = labels.count(c)
            hits = sum(1 for i in resp_idx if labels[i] == c)
            prob *= comb(total, hits)
        return prob / comb(n, k)

    observed = table_prob(tuple(i for i, r in enumerate(responder) if r))
    return sum(
        p
        for idx in itertools.combinations(range(n), k)
        if (p := table_prob(idx)) <= observed * (1 + 1e-9)
    )


def _permutation_u_p(values: list[float], responder: list[bool]) -> float:
    """Two-sided exact permutation p of the Mann-Whitney U statistic (ties counted half)."""
    n, k = len(values), sum(responder)

    def u(idx: tuple[int, ...]) -> float:
        a = [values[i] for i in idx]
        b = [values[i] for i in range(n) if i not in idx]
        return sum((x > y) + 0.5 * (x == y) for x in a for y in b)

    mean_u = k * (n - k) / 2
    obs = abs(u(tuple(i for i, r in enumerate(responder) if r)) - mean_u)
    splits = list(itertools.combinations(range(n), k))
    return sum(abs(u(s) - mean_u) >= obs - 1e-9 for s in splits) / len(splits)


def test_eleven_cultures_of_several_sites_and_grades(facts):
    assert len(facts["ids"]) == 11
    assert len({r["site"] for r in facts["cultures"]}) >= 3
    assert len({r["grade"] for r in facts["cultures"]}) >= 2


def test_six_responders_five_non_responders(facts):
    assert sum(facts["responder"].values()) == 6
    assert sum(not r for r in facts["responder"].values()) == 5


def test_hras_overexpressed_in_4_of_6_responders_and_0_of_5_non_responders(facts):
    over = {c: facts["fc"][(c, "HRAS")] >= 2.0 for c in facts["ids"]}
    assert sum(over[c] for c in facts["ids"] if facts["responder"][c]) == 4
    assert sum(over[c] for c in facts["ids"] if not facts["responder"][c]) == 0


def test_no_hras_mutation_in_hras_overexpressing_cultures(facts):
    over = {c for c in facts["ids"] if facts["fc"][(c, "HRAS")] >= 2.0}
    hras_mutated = {m["culture_id"] for m in facts["mutations"] if m["gene"] == "HRAS"}
    assert not over & hras_mutated


@pytest.mark.parametrize("column", ["grade", "site", "syndromic"])
def test_clinical_categories_not_associated_with_response(facts, column):
    labels = [r[column] for r in facts["cultures"]]
    resp = [facts["responder"][c] for c in facts["ids"]]
    assert _exact_rx2_p(labels, resp) > 0.05


def test_ki67_not_associated_with_response(facts):
    ki67 = [float(r["ki67_pct"]) for r in facts["cultures"]]
    resp = [facts["responder"][c] for c in facts["ids"]]
    assert _permutation_u_p(ki67, resp) > 0.05


def test_panel_has_161_genes_and_mutations_are_in_it():
    panel = (BUNDLED / "panel.txt").read_text().split()
    assert len(panel) == len(set(panel)) == 161
    assert {m["gene"] for m in _rows("mutations.csv")} <= set(panel)


def test_lenvatinib_median_at_least_that_of_standard_agents(facts):
    def median(drug: str) -> float:
        return statistics.median(facts["inhibition"][(drug, c)] for c in facts["ids"])

    for comparator in ("everolimus", "sunitinib"):
        assert median("lenvatinib") >= median(comparator)


def test_lenvatinib_related_genes_are_measured(facts):
    genes = {g for _, g in facts["fc"]}
    expected = {
        "FLT1",
        "KDR",
        "FLT4",
        "FGFR1",
        "FGFR2",
        "FGFR3",
        "FGFR4",
        "PDGFRA",
        "PDGFRB",
        "KIT",
        "RET",
        "HRAS",
        "KRAS",
        "NRAS",
    }
    assert expected <= genes
    assert all((c, g) in facts["fc"] for c in facts["ids"] for g in expected)


def test_bundled_files_are_exactly_what_the_seeded_script_writes(tmp_path: Path):
    write_cohort(tmp_path)
    for f in sorted(BUNDLED.iterdir()):
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name
