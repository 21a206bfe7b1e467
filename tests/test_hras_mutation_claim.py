"""The study's "HRAS overexpression was not associated with gene mutation", as the ledger reads it.

Chapter 3 writes the test to ``results/hras_mutation.csv``; the values are checked here against
Fisher's exact test computed from the cohort files with the hypergeometric sum written out.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from netcomp.chapters import association as chapter
from netcomp.data.cohort import load_cohort
from tests.cohorts import CohortSpec, write_cohort


def _fisher_two_sided(a: int, b: int, c: int, d: int) -> float:
    n, row, col = a + b + c + d, a + b, a + c
    probs = {
        k: math.comb(col, k) * math.comb(n - col, row - k) / math.comb(n, row)
        for k in range(max(0, row - (n - col)), min(row, col) + 1)
    }
    return min(1.0, sum(p for p in probs.values() if p <= probs[a] * (1 + 1e-9)))


def test_bundled_cohort_row_equals_fisher_from_the_files():
    cohort = load_cohort()
    table = chapter.compute(cohort).tables["hras_mutation"]
    assert list(table.columns) == list(chapter.MUTATION_COLUMNS) and len(table) == 1
    row = table.iloc[0]
    fc = cohort.expression.pivot(index="culture_id", columns="gene", values="fold_change")["HRAS"]
    over = fc >= 2.0
    mutated = set(cohort.mutations.loc[cohort.mutations["gene"] == "HRAS", "culture_id"])
    a = sum(over[c] and c in mutated for c in over.index)
    b = sum(over[c] and c not in mutated for c in over.index)
    c_ = sum(not over[c] and c in mutated for c in over.index)
    d = sum(not over[c] and c not in mutated for c in over.index)
    assert (row["overexpressed_mutated"], row["overexpressed"]) == (a, a + b)
    assert (row["other_mutated"], row["other"]) == (c_, c_ + d)
    assert row["p_value"] == pytest.approx(_fisher_two_sided(a, b, c_, d))
    assert row["p_value"] > 0.05  # the study's claim holds on the reconstruction, by design


def test_header_only_when_the_test_does_not_apply(tmp_path: Path):
    cohort = load_cohort(write_cohort(tmp_path, CohortSpec(mutation_rate=0.0)))
    result = chapter.compute(cohort)
    table = result.tables["hras_mutation"]
    assert table.empty and list(table.columns) == list(chapter.MUTATION_COLUMNS)
    assert not result.applies(chapter.S_MUTATION)
    pd.testing.assert_index_equal(table.columns, pd.Index(chapter.MUTATION_COLUMNS))
