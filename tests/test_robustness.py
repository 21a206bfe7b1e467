"""Robustness checks of netcomp.robustness against independent brute-force computations."""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from netcomp import robustness as R


def _fisher_p(table, alternative="two-sided"):
    return stats.fisher_exact(np.reshape(table, (2, 2)), alternative=alternative).pvalue


def _bfs_minimum(table, alpha, alternative):
    """Fewest single-culture class changes that move p across alpha (breadth-first search)."""
    start = tuple(table)
    significant = _fisher_p(start, alternative) < alpha
    moves = [(-1, 1, 0, 0), (1, -1, 0, 0), (0, 0, -1, 1), (0, 0, 1, -1)]
    seen, queue = {start: 0}, deque([start])
    while queue:
        cur = queue.popleft()
        if (_fisher_p(cur, alternative) < alpha) != significant:
            return seen[cur]
        for mv in moves:
            new = tuple(x + dx for x, dx in zip(cur, mv, strict=True))
            if min(new) >= 0 and new not in seen:
                seen[new] = seen[cur] + 1
                queue.append(new)
    return None


def test_fragility_of_published_counts():
    two = R.fragility_index(4, 0, 2, 5, alpha=0.05)
    assert not two.significant and two.reverse
    assert two.p_value == pytest.approx(_fisher_p([4, 0, 2, 5]), rel=1e-12)
    assert two.index == 1 and two.minimum == 1
    one = R.fragility_index(4, 0, 2, 5, alpha=0.05, alternative="greater")
    assert one.significant and not one.reverse
    assert one.index == 1 and one.minimum == 1


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_fragility_minimum_is_bfs_and_greedy_path_is_valid(alternative):
    rng = np.random.default_rng(12)
    for _ in range(12):
        table = tuple(int(v) for v in rng.integers(0, 8, size=4))
        res = R.fragility_index(*table, alpha=0.05, alternative=alternative)
        assert res.minimum == _bfs_minimum(table, 0.05, alternative)
        if res.index is not None:
            assert res.index >= res.minimum
        steps = res.steps
        for row in steps.itertuples():
            assert row.p_value == pytest.approx(
                _fisher_p([row.a, row.b, row.c, row.d], alternative), rel=1e-10)
        # every step changes exactly one culture's class
        diffs = np.abs(np.diff(steps[["a", "b", "c", "d"]].to_numpy(), axis=0)).sum(axis=1)
        assert (diffs == 2).all()


def test_leave_one_out_against_loop():
    rng = np.random.default_rng(3)
    idx = [f"N{i:02d}" for i in range(11)]
    resp = pd.Series(rng.random(11) < 0.5, index=idx)
    resp.iloc[0], resp.iloc[1] = True, False
    feat = pd.Series(rng.random(11) < 0.4, index=idx)
    loo = R.leave_one_out(feat, resp)
    for i, cid in enumerate(idx):
        r = resp.drop(cid).to_numpy()
        f = feat.drop(cid).to_numpy()
        table = [np.sum(f & r), np.sum(f & ~r), np.sum(~f & r), np.sum(~f & ~r)]
        assert loo["p_two_sided"].iloc[i] == pytest.approx(_fisher_p(table), rel=1e-10)
        assert loo["p_greater"].iloc[i] == pytest.approx(_fisher_p(table, "greater"), rel=1e-10)


def test_p_value_grid_against_loop():
    rng = np.random.default_rng(9)
    idx = [f"N{i:02d}" for i in range(11)]
    inhibition = pd.Series(rng.uniform(0, 45, size=11), index=idx)
    fold = pd.Series(rng.lognormal(0.3, 0.6, size=11), index=idx)
    thresholds, cutoffs = np.arange(5, 31, 5.0), np.array([1.5, 2.0, 2.5, 3.0, 4.0])
    grid = R.p_value_grid(inhibition, fold, thresholds, cutoffs)
    assert len(grid) == thresholds.size * cutoffs.size
    for row in grid.itertuples():
        r = (inhibition > row.threshold_pct).to_numpy()
        f = (fold >= row.cutoff).to_numpy()
        if r.all() or not r.any():
            assert np.isnan(row.p_value)
            continue
        table = [np.sum(f & r), np.sum(f & ~r), np.sum(~f & r), np.sum(~f & ~r)]
        assert row.p_value == pytest.approx(_fisher_p(table), rel=1e-10)


def _exact_power(n, p1, p0, frac, alpha, alternative):
    """Power by enumerating every table and its binomial probability."""
    total = 0.0
    for n_resp in range(n + 1):
        w = stats.binom.pmf(n_resp, n, frac)
        for a in range(n_resp + 1):
            for b in range(n - n_resp + 1):
                p = _fisher_p([a, b, n_resp - a, n - n_resp - b], alternative)
                if p < alpha:
                    total += w * stats.binom.pmf(a, n_resp, p1) * stats.binom.pmf(b, n - n_resp, p0)
    return total


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_simulated_power_matches_exact_enumeration(alternative):
    curve = R.simulate_power([8, 14], 4 / 6, 0.1, alpha=0.05, n_simulations=4000, seed=1,
                             alternative=alternative)
    for row in curve.itertuples():
        exact = _exact_power(row.n, 4 / 6, 0.1, 6 / 11, 0.05, alternative)
        se = max(np.sqrt(exact * (1 - exact) / row.n_simulations), 1e-3)
        assert abs(row.power - exact) < 4 * se, (row.n, row.power, exact)


def test_simulated_power_is_reproducible_and_checked():
    a = R.simulate_power([10, 20], 0.6, 0.1, n_simulations=500, seed=42)
    b = R.simulate_power([10, 20], 0.6, 0.1, n_simulations=500, seed=42)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match="probability"):
        R.simulate_power([10], 1.5, 0.1)


def test_smallest_n_for_power_ignores_lucky_steps():
    curve = pd.DataFrame({"n": [10, 12, 14, 16, 18], "power": [0.5, 0.81, 0.78, 0.82, 0.9]})
    assert R.smallest_n_for_power(curve, 0.8) == 16
    assert R.smallest_n_for_power(curve.assign(power=0.5), 0.8) is None
    assert R.smallest_n_for_power(curve.assign(power=0.95), 0.8) == 10
