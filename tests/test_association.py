"""Association tests of netcomp.stats.association against independent scipy/statsmodels results."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from netcomp.data.cohort import load_cohort
from netcomp.stats import association as A
from netcomp.stats.response import responder_classes
from tests.strategies import examples

TOL = dict(rtol=1e-10, atol=1e-14)


def _close(x: float, y: float) -> bool:
    if np.isnan(x) or np.isnan(y):
        return bool(np.isnan(x) and np.isnan(y))
    if np.isinf(x) or np.isinf(y):
        return x == y
    return math.isclose(x, y, rel_tol=1e-10, abs_tol=1e-14)


# --------------------------------------------------------------------------- Fisher 2x2


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_fisher_every_small_table_matches_scipy(alternative):
    """All 2x2 tables with cells 0..5 (1,296 tables, every zero pattern) against scipy."""
    cells = np.array(list(itertools.product(range(6), repeat=4)))
    odds, p = A.fisher_exact_2x2(*cells.T, alternative=alternative)
    for (a, b, c, d), o, pv in zip(cells, odds, p, strict=True):
        ref = stats.fisher_exact([[a, b], [c, d]], alternative=alternative)
        assert _close(pv, ref.pvalue), (a, b, c, d, pv, ref.pvalue)
        assert _close(o, ref.statistic), (a, b, c, d, o, ref.statistic)


def test_fisher_large_margins_match_scipy():
    """Tables of up to 1,000 cultures, including tiny p-values, agree to 1e-10 (relative)."""
    rng = np.random.default_rng(7)
    n = 400
    total = rng.integers(20, 1000, size=n)
    k = rng.integers(0, total + 1)
    n_resp = rng.integers(1, total)
    lo, hi = np.maximum(0, n_resp - (total - k)), np.minimum(k, n_resp)
    a = lo + (rng.random(n) * (hi - lo + 1)).astype(int)
    b, c = k - a, n_resp - a
    d = total - k - c
    for alternative in ("two-sided", "greater"):
        _, p = A.fisher_exact_2x2(a, b, c, d, alternative=alternative)
        ref = [
            stats.fisher_exact([[a[i], b[i]], [c[i], d[i]]], alternative=alternative).pvalue
            for i in range(n)
        ]
        np.testing.assert_allclose(p, ref, rtol=1e-10, atol=1e-300)


def test_fisher_symmetric_ties_count_both_tails():
    """A symmetric null distribution: tables tied with the observed one are counted (p = 1)."""
    _, p = A.fisher_exact_2x2([3, 1], [3, 5], [3, 5], [3, 1])
    assert p[0] == pytest.approx(1.0, abs=1e-12)
    assert p[1] == pytest.approx(stats.fisher_exact([[1, 5], [5, 1]]).pvalue, rel=1e-12)


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.integers(0, 25), min_size=4, max_size=4))
def test_fisher_hypothesis(cells):
    a, b, c, d = cells
    odds, p = A.fisher_exact_2x2(a, b, c, d)
    ref = stats.fisher_exact([[a, b], [c, d]])
    assert _close(float(p), ref.pvalue)
    assert _close(float(odds), ref.statistic)


def test_fisher_rejects_negative_counts_and_bad_alternative():
    with pytest.raises(ValueError, match="non-negative"):
        A.fisher_exact_2x2(-1, 2, 3, 4)
    with pytest.raises(ValueError, match="alternative"):
        A.fisher_exact_2x2(1, 2, 3, 4, alternative="both")


# --------------------------------------------------------------------------- screens


def _random_features(rng, n_cultures, n_genes, rate=0.4, missing=0.0):
    values = rng.random((n_cultures, n_genes)) < rate
    idx = [f"C{i:03d}" for i in range(n_cultures)]
    df = pd.DataFrame(values, index=idx, columns=[f"G{j}" for j in range(n_genes)])
    if missing:
        df = df.astype("boolean").mask(rng.random(values.shape) < missing)
    return df


@pytest.mark.parametrize("missing", [0.0, 0.15])
def test_fisher_screen_matches_per_gene_scipy(missing):
    rng = np.random.default_rng(11)
    feats = _random_features(rng, 23, 60, rate=0.35, missing=missing)
    resp = pd.Series(rng.random(23) < 0.5, index=feats.index, name="responder")
    res = A.fisher_screen(feats, resp)
    for j, gene in enumerate(feats.columns):
        col = feats[gene]
        keep = col.notna().to_numpy()
        x = col[keep].to_numpy(dtype=bool)
        r = resp[keep].to_numpy()
        table = [[np.sum(x & r), np.sum(x & ~r)], [np.sum(~x & r), np.sum(~x & ~r)]]
        ref = stats.fisher_exact(table)
        assert _close(res["p_value"].iloc[j], ref.pvalue)
        assert _close(res["odds_ratio"].iloc[j], ref.statistic)
        assert res["n_responders"].iloc[j] == r.sum()
        assert res["n_nonresponders"].iloc[j] == (~r).sum()
        assert res["detail"].iloc[j] == f"{table[0][0]}/{r.sum()} vs {table[0][1]}/{(~r).sum()}"


def _mwu_reference(col, resp, method):
    x, y = col[resp], col[~resp]
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    return stats.mannwhitneyu(x, y, method=method)


_MWU_CASES = [
    (method, shape, discrete)
    for method in ("auto", "asymptotic", "exact")
    for shape in ((11, 40), (45, 30))
    for discrete in (False, True)
    if not (method == "exact" and shape[0] > 20)  # exact null distribution: small classes only
]


@pytest.mark.parametrize("method,shape,discrete", _MWU_CASES)
def test_mann_whitney_matches_per_gene_scipy(method, shape, discrete):
    rng = np.random.default_rng([len(method), shape[0], shape[1], int(discrete)])
    n, g = shape
    values = rng.integers(0, 6, size=shape).astype(float) if discrete else rng.lognormal(size=shape)
    resp = np.zeros(n, dtype=bool)
    resp[rng.choice(n, size=n // 2 + 1, replace=False)] = True
    res = A.mann_whitney_u(values, resp, method=method, chunk_size=7)
    for j in range(g):
        col = values[:, j]
        if method == "exact" and np.unique(col).size < col.size:
            continue  # scipy's exact distribution assumes no ties
        ref = _mwu_reference(col, resp, method)
        assert res["u"][j] == pytest.approx(ref.statistic, rel=1e-12)
        assert _close(res["p_value"][j], ref.pvalue), (j, res["p_value"][j], ref.pvalue)


def test_mann_whitney_with_missing_values():
    rng = np.random.default_rng(5)
    values = rng.normal(size=(30, 25))
    values[rng.random(values.shape) < 0.2] = np.nan
    resp = rng.random(30) < 0.5
    res = A.mann_whitney_u(values, resp, method="asymptotic")
    for j in range(25):
        ref = _mwu_reference(values[:, j], resp, "asymptotic")
        assert _close(res["p_value"][j], ref.pvalue)
        assert res["n1"][j] == np.sum(resp & ~np.isnan(values[:, j]))
        assert res["median1"][j] == pytest.approx(np.nanmedian(values[resp, j]), rel=1e-12)
        assert res["median2"][j] == pytest.approx(np.nanmedian(values[~resp, j]), rel=1e-12)


def test_mann_whitney_screen_frame():
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        rng.lognormal(size=(11, 4)), index=[f"N{i}" for i in range(11)], columns=list("ABCD")
    )
    resp = pd.Series([True] * 6 + [False] * 5, index=df.index)
    res = A.mann_whitney_screen(df, resp)
    for j, gene in enumerate(df.columns):
        ref = stats.mannwhitneyu(df[gene][resp], df[gene][~resp])
        assert _close(res["p_value"].iloc[j], ref.pvalue)


# --------------------------------------------------------------------------- exact clinical tests


def test_exact_mann_whitney_without_ties_is_scipy_exact():
    rng = np.random.default_rng(2)
    for _ in range(20):
        x, y = rng.normal(size=6), rng.normal(size=5)
        res = A.exact_mann_whitney(x, y)
        ref = stats.mannwhitneyu(x, y, method="exact")
        assert res.u == ref.statistic
        assert _close(res.p_value, ref.pvalue)
        assert not res.ties


def _u_distance(x, y, axis=-1):
    n1, n2 = x.shape[axis], y.shape[axis]
    ranks = stats.rankdata(np.concatenate([x, y], axis=axis), axis=axis)
    u = ranks[..., :n1].sum(axis=axis) - n1 * (n1 + 1) / 2
    return np.abs(u - n1 * n2 / 2)


def test_exact_mann_whitney_with_ties_is_permutation_exact():
    rng = np.random.default_rng(4)
    for _ in range(10):
        x = rng.integers(0, 4, size=6).astype(float)
        y = rng.integers(0, 4, size=5).astype(float)
        res = A.exact_mann_whitney(x, y)
        ref = stats.permutation_test(
            (x, y),
            _u_distance,
            permutation_type="independent",
            n_resamples=np.inf,
            alternative="greater",
            vectorized=True,
        )
        assert res.ties
        assert _close(res.p_value, ref.pvalue)


def _ffh_reference(labels: np.ndarray, resp: np.ndarray) -> float:
    """Freeman-Halton p by permuting the class labels (scipy enumerates all partitions)."""
    cats = np.unique(labels)
    rows = np.array([np.sum(labels == c) for c in cats])
    n1 = int(resp.sum())
    codes = np.searchsorted(cats, labels).astype(float)

    def prob(x, y, axis=-1):
        counts = (x[..., None] == np.arange(cats.size)).sum(axis=-2)
        return stats.multivariate_hypergeom.pmf(counts, m=rows, n=n1)

    return stats.permutation_test(
        (codes[resp], codes[~resp]),
        prob,
        permutation_type="independent",
        n_resamples=np.inf,
        alternative="less",
        vectorized=True,
    ).pvalue


def test_fisher_freeman_halton_matches_enumeration():
    rng = np.random.default_rng(8)
    for _ in range(15):
        labels = rng.choice(["G1", "G2", "G3", "X"], size=11)
        resp = np.zeros(11, dtype=bool)
        resp[rng.choice(11, size=6, replace=False)] = True
        cats = np.unique(labels)
        table = np.array(
            [[np.sum((labels == c) & resp), np.sum((labels == c) & ~resp)] for c in cats]
        )
        _, p = A.fisher_freeman_halton(table)
        assert p == pytest.approx(_ffh_reference(labels, resp), rel=1e-9)
        if cats.size == 2:
            assert p == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)


# --------------------------------------------------------------------------- odds ratio and CI


def _conditional_or_reference(table, level=0.95):
    """Conditional MLE and exact CI by root-finding on Fisher's noncentral hypergeometric."""
    (a, b), (c, d) = table
    m, n1, n = a + b + c + d, a + b, a + c
    lo, hi = max(0, n - (m - n1)), min(n, n1)

    def dist(log_or):
        return stats.nchypergeom_fisher(m, n1, n, np.exp(log_or))

    if a == lo:
        est = 0.0
    elif a == hi:
        est = np.inf
    else:
        est = np.exp(optimize.brentq(lambda t: dist(t).mean() - a, -30, 30, xtol=1e-14))
    alpha = (1 - level) / 2
    low = (
        0.0
        if a == lo
        else np.exp(optimize.brentq(lambda t: dist(t).sf(a - 1) - alpha, -30, 30, xtol=1e-14))
    )
    high = (
        np.inf
        if a == hi
        else np.exp(optimize.brentq(lambda t: dist(t).cdf(a) - alpha, -30, 30, xtol=1e-14))
    )
    return est, low, high


@pytest.mark.parametrize(
    "table",
    [[[4, 0], [2, 5]], [[0, 3], [4, 2]], [[3, 2], [1, 5]], [[7, 3], [2, 9]], [[1, 4], [4, 1]]],
)
def test_conditional_odds_ratio_against_root_finding(table):
    res = A.conditional_odds_ratio(np.array(table))
    est, low, high = _conditional_or_reference(table)
    for got, want in ((res.estimate, est), (res.low, low), (res.high, high)):
        if np.isinf(want) or want == 0:
            assert got == want
        else:
            assert got == pytest.approx(want, rel=1e-6)


def test_infinite_odds_ratio_text():
    res = A.conditional_odds_ratio(A.table_2x2(4, 6, 0, 5))
    assert np.isinf(res.estimate) and np.isinf(res.high) and 0 < res.low < 1
    assert res.text().startswith("inf (95% CI 0.") and res.text().endswith("to inf)")
    # the page's sentence says "infinity", never the programming word "inf"
    sentence = A.odds_ratio_sentence(res)
    assert f"interval runs from {res.low:.2f} to infinity: only its lower bound" in sentence
    assert "inf " not in sentence and "inf)" not in sentence
    zero = A.conditional_odds_ratio(A.table_2x2(0, 6, 4, 5))
    assert zero.estimate == 0 and 0 < zero.high < np.inf
    assert f"interval runs from 0 to {zero.high:.2f}: only its upper bound" in (
        A.odds_ratio_sentence(zero)
    )


# --------------------------------------------------------------------------- q-values


def _bh_by_hand(p):
    p = np.asarray(p, float)
    m = p.size
    order = np.argsort(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(scaled[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1)
    return q


def test_bh_qvalues_by_hand():
    rng = np.random.default_rng(1)
    for _ in range(20):
        p = rng.random(rng.integers(1, 50)) ** 3
        np.testing.assert_allclose(A.bh_qvalues(p), _bh_by_hand(p), rtol=1e-12)
    q = A.bh_qvalues([0.01, np.nan, 0.04])
    assert np.isnan(q[1]) and q[0] == pytest.approx(0.02) and q[2] == pytest.approx(0.04)


# --------------------------------------------------------------------------- the published counts


def test_count_tests_on_published_counts():
    tests = A.count_tests(4, 6, 0, 5, published_p=0.048)
    get = {
        (t, s): p for t, s, p in zip(tests["test"], tests["sided"], tests["p_value"], strict=True)
    }
    # by hand: X = overexpressed responders ~ hypergeometric(11 cultures, 4 overexpressed, 6)
    pmf = {k: math.comb(4, k) * math.comb(7, 6 - k) / math.comb(11, 6) for k in range(5)}
    assert get[("Fisher exact", "two-sided")] == pytest.approx(
        sum(v for v in pmf.values() if v <= pmf[4] * (1 + 1e-7)), rel=1e-12
    )
    assert get[("Fisher exact", "two-sided")] == pytest.approx(0.0606, abs=5e-5)
    assert get[("Fisher exact", "one-sided (greater)")] == pytest.approx(pmf[4], rel=1e-12)
    assert get[("Fisher mid-p", "one-sided (greater)")] == pytest.approx(pmf[4] / 2, rel=1e-12)
    # Pearson chi-square by hand: N (ad - bc)^2 / (product of margins)
    chi2 = 11 * (4 * 5 - 0 * 2) ** 2 / (4 * 7 * 6 * 5)
    row = tests[(tests["test"] == "Pearson chi-square")].iloc[0]
    assert row["statistic"] == pytest.approx(chi2, rel=1e-12)
    assert row["p_value"] == pytest.approx(stats.chi2.sf(chi2, 1), rel=1e-10)
    assert not tests["matches_published"].any()
    assert A.published_match_sentence(tests, 0.048).startswith("None of the 10")


# --------------------------------------------------------------------------- bad input


def test_a_class_of_one_culture_is_refused_when_two_are_required():
    resp = pd.Series([True, True, True, False], index=list("abcd"))
    assert A.check_classes(resp) == (3, 1)
    with pytest.raises(
        A.AssociationError, match="too few cultures.*3 responder.*1 non-resp.*at least 2"
    ):
        A.check_classes(resp, "lenvatinib at 50%", minimum=2)


def test_empty_class_is_a_clear_error():
    resp = pd.Series([True] * 5, index=list("abcde"))
    with pytest.raises(A.AssociationError, match="0 non-responder"):
        A.check_classes(resp, "lenvatinib at 1%")
    with pytest.raises(A.AssociationError, match="one class"):
        A.association_screen(
            resp, expression_matrix=pd.DataFrame({"HRAS": [1.0] * 5}, index=list("abcde"))
        )


def test_zero_fold_change_is_a_clear_error():
    expr = pd.DataFrame({"HRAS": [2.5, 0.0, 1.0]}, index=["N1", "N2", "N3"])
    with pytest.raises(A.AssociationError, match="positive ratio.*N2/HRAS"):
        A.overexpressed(expr, 2.0)


def test_missing_gene_for_some_cultures():
    expr = pd.DataFrame(
        {"HRAS": [2.5, np.nan, 1.0, 3.0], "KRAS": [1.0, 2.0, 3.0, 0.5]},
        index=["N1", "N2", "N3", "N4"],
    )
    resp = pd.Series([True, True, False, False], index=expr.index)
    miss = A.missing_expression(expr)
    assert miss.to_dict("records") == [{"gene": "HRAS", "n_missing": 1, "cultures": "N2"}]
    res = A.fisher_screen(A.overexpressed(expr, 2.0), resp).set_index("feature")
    assert res.loc["HRAS", "n_responders"] == 1 and res.loc["KRAS", "n_responders"] == 2
    assert res.loc["HRAS", "detail"] == "1/1 vs 1/2"
    data = A.fold_change_by_class(expr, resp, "HRAS", 2.0)
    assert data["culture_id"].tolist() == ["N1", "N3", "N4"]
    with pytest.raises(A.AssociationError, match="NRAS is not in expression.csv"):
        A.fold_change_by_class(expr, resp, "NRAS", 2.0)


# --------------------------------------------------------------------------- bundled cohort


@pytest.fixture(scope="module")
def bundled():
    cohort = load_cohort()
    resp = responder_classes(cohort.viability, "lenvatinib", 15.0)
    screen = A.association_screen(
        resp, cohort.cultures, cohort.expression_matrix(), cohort.mutation_matrix(), cutoff=2.0
    )
    return cohort, resp, screen


def test_bundled_screen_contract_and_hras(bundled):
    cohort, resp, screen = bundled
    table = A.results_table(screen)
    assert list(table.columns) == list(A.RESULT_COLUMNS)
    assert set(table["kind"]) == {"clinical", "expression", "mutation"}
    assert not table.duplicated(["feature", "kind"]).any()
    hras = table[(table["feature"] == "HRAS") & (table["kind"] == "expression")].iloc[0]
    assert hras["detail"] == "4/6 vs 0/5"
    assert hras["p_value"] == pytest.approx(stats.fisher_exact([[4, 0], [2, 5]]).pvalue, rel=1e-12)
    np.testing.assert_allclose(table["q_value"], _bh_by_hand(table["p_value"]), rtol=1e-12)


def test_bundled_screen_every_p_value_is_independent_scipy(bundled):
    cohort, resp, screen = bundled
    expr = cohort.expression_matrix().loc[resp.index]
    muts = cohort.mutation_matrix().loc[resp.index]
    r = resp.to_numpy()
    info = cohort.cultures.set_index("culture_id").loc[resp.index]
    mutated = {g for g in muts.columns if muts[g].any()}
    assert set(screen.loc[screen["kind"] == "mutation", "feature"]) == mutated
    for row in screen.itertuples():
        if row.kind in ("expression", "mutation"):
            x = expr[row.feature] >= 2.0 if row.kind == "expression" else muts[row.feature]
            x = x.to_numpy(dtype=bool)
            ref = stats.fisher_exact(
                [[np.sum(x & r), np.sum(x & ~r)], [np.sum(~x & r), np.sum(~x & ~r)]]
            )
            assert _close(row.p_value, ref.pvalue) and _close(row.statistic, ref.statistic)
        elif row.feature == "ki67_pct":
            k = info["ki67_pct"].to_numpy(float)
            ref = stats.permutation_test(
                (k[r], k[~r]),
                _u_distance,
                vectorized=True,
                permutation_type="independent",
                n_resamples=np.inf,
                alternative="greater",
            )
            assert _close(row.p_value, ref.pvalue)
        elif row.feature == "syndromic":
            s = (info["syndromic"] == "yes").to_numpy()
            ref = stats.fisher_exact(
                [[np.sum(s & r), np.sum(s & ~r)], [np.sum(~s & r), np.sum(~s & ~r)]]
            )
            assert _close(row.p_value, ref.pvalue)
        else:
            labels = info[row.feature].astype(str).to_numpy()
            assert row.p_value == pytest.approx(_ffh_reference(labels, r), rel=1e-9)


def test_bundled_hras_not_associated_with_hras_mutation(bundled):
    cohort, resp, _ = bundled
    over = cohort.expression_matrix()["HRAS"] >= 2.0
    mut = cohort.mutation_matrix()["HRAS"]
    res = A.binary_association(over, mut)
    ref = stats.fisher_exact(res.table)
    assert res.a == 0  # no HRAS mutation in the overexpressing cultures
    assert _close(res.p_value, ref.pvalue)


def test_one_culture_away_against_scipy():
    away = A.one_culture_away(4, 6, 0, 5, published_p=0.048)
    for row in away.itertuples():
        x, rest = row.detail.split(" vs ")
        a, nr = map(int, x.split("/"))
        b, nn = map(int, rest.split("/"))
        table = [[a, b], [nr - a, nn - b]]
        assert _close(row.p_two_sided, stats.fisher_exact(table).pvalue)
        assert _close(row.p_greater, stats.fisher_exact(table, alternative="greater").pvalue)
    hits = away[away["matches_published"]]
    assert hits["detail"].tolist() == ["4/5 vs 0/5"]  # 0.0476 rounds to .048
    assert "coincidence" in A.one_culture_away_sentence(away, 0.048)


# --------------------------------------------------------------------------- exact screen, FDR


def _brute_mwu_p(x: np.ndarray, resp: np.ndarray) -> float:
    """Two-sided exact Mann-Whitney p by listing every choice of responders (mid-ranks)."""
    ranks = stats.rankdata(x)
    n1, n = int(resp.sum()), x.size
    centre = n1 * (n - n1) / 2
    u_obs = ranks[resp].sum() - n1 * (n1 + 1) / 2
    hits = total = 0
    for chosen in itertools.combinations(range(n), n1):
        u = ranks[list(chosen)].sum() - n1 * (n1 + 1) / 2
        hits += abs(u - centre) >= abs(u_obs - centre) - 1e-9
        total += 1
    return hits / total


def test_mann_whitney_screen_is_exact_with_ties_row_by_row():
    rng = np.random.default_rng(12)
    ids = [f"N{i}" for i in range(11)]
    df = pd.DataFrame(
        {
            "tied": rng.integers(0, 4, 11).astype(float),
            "untied": rng.lognormal(size=11),
            "half": rng.integers(0, 2, 11).astype(float),
        },
        index=ids,
    )
    df.loc["N3", "untied"] = np.nan  # a missing value leaves its column, not the screen
    resp = pd.Series([True] * 6 + [False] * 5, index=ids)
    res = A.mann_whitney_screen(df, resp).set_index("feature")
    for gene in df.columns:
        ok = df[gene].notna()
        ref = _brute_mwu_p(df[gene][ok].to_numpy(), resp[ok].to_numpy())
        assert res.loc[gene, "p_value"] == pytest.approx(ref, rel=1e-12)
        assert res.loc[gene, "method"] == A.MWU_EXACT
    assert bool(res.loc["tied", "ties"]) and not bool(res.loc["untied", "ties"])
    # without ties the count equals scipy's exact distribution
    ok = df["untied"].notna()
    scipy_p = stats.mannwhitneyu(
        df["untied"][ok & resp], df["untied"][ok & ~resp], method="exact"
    ).pvalue
    assert res.loc["untied", "p_value"] == pytest.approx(scipy_p, rel=1e-12)


def test_mann_whitney_screen_large_cohort_is_labelled_approximate():
    rng = np.random.default_rng(4)
    df = pd.DataFrame(rng.integers(0, 20, (400, 3)).astype(float), columns=list("abc"))
    resp = pd.Series(rng.random(400) < 0.5, index=df.index)
    res = A.mann_whitney_screen(df, resp)
    assert (res["method"] == A.MWU_APPROX).all()
    ref = stats.mannwhitneyu(df["a"][resp], df["a"][~resp], method="asymptotic").pvalue
    assert res["p_value"].iloc[0] == pytest.approx(ref, rel=1e-9)


def test_fisher_min_p_is_the_smallest_p_over_every_table_with_the_margins():
    for n1, n2, m1 in [(6, 5, 4), (6, 5, 1), (6, 5, 0), (6, 5, 11), (3, 8, 5), (9, 2, 6)]:
        ps = [
            stats.fisher_exact([[a, m1 - a], [n1 - a, n2 - m1 + a]]).pvalue
            for a in range(max(0, m1 - n2), min(m1, n1) + 1)
        ]
        got = A.fisher_min_p(np.array([n1]), np.array([n2]), np.array([m1]))[0]
        assert got == pytest.approx(min(ps), rel=1e-9)


def _plain_bh(p: np.ndarray) -> np.ndarray:
    m = p.size
    order = np.argsort(p)
    q = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p[i] * m / rank)
        q[i] = running
    return q


def test_tarone_bh_against_a_plain_implementation():
    p = np.array([0.06, 0.18, 0.40, 1.0, 0.01, 0.5, 0.02, 0.9])
    pmin = np.array([0.015, 0.06, 0.0, 1.0, 0.005, 0.45, 0.001, 0.18])
    level = 0.1
    res = A.tarone_bh(p, pmin, level)
    k = next(k for k in range(1, p.size + 1) if np.sum(pmin <= level / k) <= k)
    family = pmin <= level / k
    assert res.k == k and (res.in_family == family).all()
    assert np.allclose(res.q_value[family], _plain_bh(p[family]))
    assert np.isnan(res.q_value[~family]).all()
    assert (res.discovery == (family & (np.nan_to_num(res.q_value, nan=2) <= level))).all()


def test_count_tests_state_each_convention():
    tests = A.count_tests(4, 6, 0, 5, published_p=0.048)
    assert tests["convention"].str.len().gt(20).all()
    boschloo = tests[tests["test"] == "Boschloo exact"].set_index("sided")["p_value"]
    assert (
        "twice the smaller one-sided"
        in tests.loc[
            (tests["test"] == "Boschloo exact") & (tests["sided"] == "two-sided"), "convention"
        ].iloc[0]
    )
    less = stats.boschloo_exact(A.table_2x2(4, 6, 0, 5), alternative="less").pvalue
    assert boschloo["two-sided"] == pytest.approx(
        min(1.0, 2 * min(boschloo["one-sided (greater)"], less)), rel=1e-6
    )
