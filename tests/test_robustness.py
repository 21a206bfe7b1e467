"""Robustness checks of netcomp.stats.robustness against independent brute-force computations."""

from __future__ import annotations

import itertools
import math
from collections import deque

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from netcomp.stats import robustness as R


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
                _fisher_p([row.a, row.b, row.c, row.d], alternative), rel=1e-10
            )
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


def test_fisher_p_by_threshold_and_cutoff_against_loop():
    rng = np.random.default_rng(9)
    idx = [f"N{i:02d}" for i in range(11)]
    inhibition = pd.Series(rng.uniform(0, 45, size=11), index=idx)
    fold = pd.Series(rng.lognormal(0.3, 0.6, size=11), index=idx)
    thresholds, cutoffs = np.arange(5, 31, 5.0), np.array([1.5, 2.0, 2.5, 3.0, 4.0])
    grid = R.fisher_p_by_threshold_and_cutoff(inhibition, fold, thresholds, cutoffs)
    assert len(grid) == thresholds.size * cutoffs.size
    for row in grid.itertuples():
        r = (inhibition > row.threshold_pct).to_numpy()
        f = (fold >= row.cutoff).to_numpy()
        if r.all() or not r.any():
            assert np.isnan(row.p_value)
            continue
        table = [np.sum(f & r), np.sum(f & ~r), np.sum(~f & r), np.sum(~f & ~r)]
        assert row.p_value == pytest.approx(_fisher_p(table), rel=1e-10)


# --------------------------------------------------------------------------- partitions


def test_grid_partitions_match_brute_force_sets():
    rng = np.random.default_rng(5)
    ids = [f"C{i}" for i in range(10)]
    inh = pd.Series(rng.uniform(0, 40, 10).round(1), index=ids)
    fold = pd.Series(rng.lognormal(0.3, 0.6, 10).round(2), index=ids)
    thr = np.round(np.arange(5, 30.01, 0.5), 9)
    cut = np.round(np.arange(1.0, 3.01, 0.1), 9)
    g2 = R.fisher_p_by_threshold_and_cutoff(inh, fold, thr, cut)
    g1 = R.fisher_p_by_threshold_and_cutoff(inh, fold, thr, cut, alternative="greater")
    parts = R.grid_partitions(g2, g1)
    groups: dict[tuple[frozenset, frozenset], list[tuple[float, float]]] = {}
    for t in thr:
        for c in cut:
            key = (frozenset(inh.index[inh > t]), frozenset(fold.index[fold >= c]))
            groups.setdefault(key, []).append((t, c))
    assert len(parts) == len(groups)
    assert parts["n_points"].sum() == len(thr) * len(cut)
    for (resp, over), points in groups.items():
        row = parts[(parts["n_responders"] == len(resp)) & (parts["a"] + parts["b"] == len(over))]
        assert len(row) == 1
        row = row.iloc[0]
        ts, cs = zip(*points, strict=True)
        assert (row["threshold_from"], row["threshold_to"]) == (min(ts), max(ts))
        assert (row["cutoff_from"], row["cutoff_to"]) == (min(cs), max(cs))
        assert row["n_points"] == len(points)
        a, b = len(resp & over), len(over - resp)
        c, d = len(resp - over), 10 - len(resp | over)
        assert (row["a"], row["b"], row["c"], row["d"]) == (a, b, c, d)
        if 0 < len(resp) < 10:
            assert row["p_two_sided"] == pytest.approx(_fisher_p((a, b, c, d)), rel=1e-9)
            assert row["p_one_sided"] == pytest.approx(_fisher_p((a, b, c, d), "greater"), rel=1e-9)
    text = R.partition_sentence(parts, len(g2), 0.05)
    assert f"give only {len(parts)} distinct partitions" in text


# --------------------------------------------------------------------------- class uncertainty


def test_responder_probability_is_the_t_interval_read_as_a_distribution():
    mean = np.array([16.0, 30.0, 14.0, 15.0, 40.0, 12.0])
    sd = np.array([2.0, 5.0, 1.5, 3.0, 0.0, np.nan])
    n = np.array([3, 3, 4, 2, 3, 1])
    prob = R.responder_probability(mean, sd, n, 15.0)
    for i in range(4):
        # the one-sided t bound at confidence prob[i] lies exactly on the threshold
        se = sd[i] / np.sqrt(n[i])
        bound = mean[i] - stats.t.ppf(prob[i], n[i] - 1) * se
        assert bound == pytest.approx(15.0, abs=1e-9)
    assert prob[3] == pytest.approx(0.5)
    assert prob[4] == 1.0 and prob[5] == 0.0  # no spread: the class of the mean


def test_class_uncertainty_matches_enumeration_of_every_class_pattern():
    ids = [f"C{i}" for i in range(9)]
    q = pd.Series([0.9, 0.6, 0.99, 0.2, 0.05, 0.5, 0.97, 0.01, 0.3], index=ids)
    over = pd.Series([True, True, True, False, False, False, True, False, False], index=ids)
    tables = R.class_uncertainty(q, over)
    brute: dict[tuple[int, int], float] = {}
    for pattern in itertools.product((False, True), repeat=9):
        resp = np.array(pattern)
        prob = float(np.prod(np.where(resp, q.to_numpy(), 1 - q.to_numpy())))
        key = (int(np.sum(resp & over.to_numpy())), int(np.sum(resp & ~over.to_numpy())))
        brute[key] = brute.get(key, 0.0) + prob
    got = {(int(r.a), int(r.c)): r.probability for r in tables.itertuples()}
    for key, prob in brute.items():
        if prob > 1e-12:
            assert got[key] == pytest.approx(prob, rel=1e-9, abs=1e-15)
    assert tables["probability"].sum() == pytest.approx(1.0, abs=1e-9)
    for r in tables.itertuples():
        n_resp, n_non = r.a + r.c, r.b + r.d
        if min(n_resp, n_non) >= 2:
            assert r.p_two_sided == pytest.approx(_fisher_p((r.a, r.b, r.c, r.d)), rel=1e-9)
            assert r.p_one_sided == pytest.approx(
                _fisher_p((r.a, r.b, r.c, r.d), "greater"), rel=1e-9
            )
        else:
            assert np.isnan(r.p_two_sided)


# --------------------------------------------------------------------------- correlation


def test_correlation_permutation_exact_matches_listing_every_ordering():
    rng = np.random.default_rng(8)
    x = rng.normal(size=7).round(1)  # rounded: some ties
    y = (x + rng.normal(size=7)).round(1)
    orderings = y[np.array(list(itertools.permutations(range(7))))]  # every ordering, a row each
    for method, fn, every in (
        (
            "spearman",
            lambda a, b: stats.spearmanr(a, b).statistic,
            # Spearman's r is Pearson's r of the ranks: all 5,040 orderings in one call
            lambda a, b: (
                stats.pearsonr(
                    stats.rankdata(a)[None, :], stats.rankdata(b, axis=1), axis=1
                ).statistic
            ),
        ),
        (
            "pearson",
            lambda a, b: stats.pearsonr(a, b).statistic,
            lambda a, b: stats.pearsonr(a[None, :], b, axis=1).statistic,
        ),
    ):
        res = R.correlation_permutation_test(x, y, method)
        r_obs = fn(x, y)
        r_all = every(x, orderings)
        assert r_all[0] == pytest.approx(r_obs, rel=1e-12)  # the identity ordering comes first
        assert res.exact and res.n_orderings == math.factorial(7)
        assert res.statistic == pytest.approx(r_obs, rel=1e-12)
        assert res.p_value == pytest.approx(np.mean(np.abs(r_all) >= abs(r_obs) - 1e-12), rel=1e-12)


def test_correlation_permutation_monte_carlo_is_seeded_and_within_its_error():
    rng = np.random.default_rng(9)
    x = rng.normal(size=11)
    y = 0.5 * x + rng.normal(size=11)
    a = R.correlation_permutation_test(x, y, "spearman", seed=1)
    b = R.correlation_permutation_test(x, y, "spearman", seed=1)
    assert a == b and not a.exact and a.n_resamples == R.CORRELATION_RESAMPLES
    ref = stats.permutation_test(
        (x, y),
        # Spearman's r as Pearson's r of the ranks, every resample in one call
        lambda u, v, axis: (
            stats.pearsonr(
                stats.rankdata(u, axis=axis), stats.rankdata(v, axis=axis), axis=axis
            ).statistic
        ),
        vectorized=True,
        permutation_type="pairings",
        n_resamples=20_000,
        random_state=2,
    )
    se = np.hypot(a.mc_se, np.sqrt(ref.pvalue * (1 - ref.pvalue) / 20_000))
    assert abs(a.p_value - ref.pvalue) < 5 * se
    big = R.correlation_permutation_test(np.arange(1000.0), rng.normal(size=1000), "pearson")
    assert big.n_resamples == R.MAX_RESAMPLED_VALUES // 1000
