"""The book's one significance rule (p <= alpha, 1e-9 relative tolerance) and shared wording."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from netcomp.stats import robustness, smallsample
from netcomp.stats.significance import P_TOLERANCE, significant
from netcomp.text.wording import and_list, format_p, plural, verb


def test_rule_is_p_at_most_alpha_with_rounding_tolerance():
    assert significant(0.05, 0.05) is True  # equal counts: p <= alpha
    assert significant(0.05 * (1 + P_TOLERANCE / 2), 0.05) is True  # rounding above alpha
    assert significant(0.05 * (1 + 10 * P_TOLERANCE), 0.05) is False
    assert significant(0.0501, 0.05) is False
    assert significant(0.0, 0.05) is True
    assert significant(math.nan, 0.05) is False


def test_rule_keeps_the_shape_of_its_input():
    p = np.array([0.01, 0.05, 0.2, np.nan])
    assert significant(p, 0.05).tolist() == [True, True, False, False]
    series = pd.Series([0.2, 0.04], index=["NET01", "NET02"])
    got = significant(series, 0.05)
    assert isinstance(got, pd.Series)
    assert got.to_dict() == {"NET01": False, "NET02": True}


def test_a_p_value_equal_to_alpha_is_significant_everywhere():
    # 4/4 responders vs 0/4 non-responders with the feature: the observed table and its
    # mirror image are the two least likely of the 5 tables with these margins, each 1/70
    p_exact = 2 / math.comb(8, 4)
    p_scipy = float(stats.fisher_exact([[4, 0], [0, 4]]).pvalue)
    assert p_scipy == pytest.approx(p_exact, rel=1e-12)
    frag = robustness.fragility_index(4, 0, 0, 4, alpha=p_exact)
    assert frag.significant and not frag.reverse
    grid = smallsample.p_value_grid(4, 4)
    assert grid[4, 0] == pytest.approx(p_exact, rel=1e-12)
    # the exact size at level p_exact counts those two tables, and no other
    size = smallsample.rejection_probability(4, 4, 0.5, 0.5, p_exact)
    by_hand = sum(
        stats.binom.pmf(x1, 4, 0.5) * stats.binom.pmf(x2, 4, 0.5)
        for x1 in range(5)
        for x2 in range(5)
        if stats.fisher_exact([[x1, x2], [4 - x1, 4 - x2]]).pvalue <= p_exact * (1 + 1e-9)
    )
    assert size == pytest.approx(by_hand, rel=1e-12)
    assert size == pytest.approx(2 * 0.5**8, rel=1e-12)


def test_wording():
    assert plural(1, "culture") == "1 culture"
    assert plural(0, "warning") == "0 warnings"
    assert plural(3, "analysis", "analyses") == "3 analyses"
    assert verb(1, "is", "are") == "is" and verb(2, "is", "are") == "are"
    assert and_list([]) == "" and and_list(["a"]) == "a"
    assert and_list(["a", "b"]) == "a and b"
    assert and_list(["a", "b", "c"]) == "a, b and c"
    assert format_p(0.04812) == "0.048"
    assert format_p(0.00004) == "4.00e-05"
    assert format_p(0.0) == "0.000"
    assert format_p(0.012345, 4) == "0.0123"
