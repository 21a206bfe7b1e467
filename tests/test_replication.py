"""The replication chapter: statistics against independent computations, verdicts, any cohort."""

from __future__ import annotations

import dataclasses
import math
import re
import tempfile
from itertools import product
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from scipy import integrate, optimize, special, stats

from netcomp.book.notebooks import read_chapter
from netcomp.book.params import ParamsError, resolve
from netcomp.chapters import replication as chapter
from netcomp.data.cohort import load_cohort
from netcomp.data.validate import CohortError
from netcomp.stats import replication as rep
from netcomp.stats import smallsample as ss
from netcomp.stats.published import CONFERENCE_2022, JOURNAL_2023
from tests.cohorts import CohortSpec, write_cohort
from tests.strategies import cohort_specs, examples

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "06_replication.md"
GLUE = re.compile(r"\{glue(?::\w+)?\}`([^`:]+)(?::([^`]*))?`")
JOURNAL = ss.TwoByTwo(4, 6, 0, 5)
TABLES = [
    ss.TwoByTwo(4, 6, 0, 5),
    ss.TwoByTwo(7, 15, 2, 15),
    ss.TwoByTwo(3, 8, 4, 9),
    ss.TwoByTwo(12, 20, 4, 20),
]


@pytest.fixture(scope="module")
def bundled():
    return chapter.compute(load_cohort(ROOT / "data" / "cohort"), {"replication_version": "both"})


def _cohort(spec: CohortSpec, tmp: Path):
    return load_cohort(write_cohort(tmp / "c", spec))


# --------------------------------------------------------------------------- exact stratified


def _enumerate(strata: list[ss.TwoByTwo], psi: float = 1.0) -> dict[int, float]:
    """P(T = t) for the sum of x1 over the strata, by listing every combination of tables."""
    supports = []
    for t in strata:
        m1, n = t.x1 + t.x2, t.n1 + t.n2
        xs = range(max(0, m1 - t.n2), min(m1, t.n1) + 1)
        w = {x: math.comb(t.n1, x) * math.comb(t.n2, m1 - x) for x in xs}  # integer weights
        supports.append(w)
        assert sum(w.values()) == math.comb(n, m1)
    dist: dict[int, float] = {}
    for combo in product(*[list(s.items()) for s in supports]):
        total = sum(x for x, _ in combo)
        weight = math.prod(w for _, w in combo) * psi**total
        dist[total] = dist.get(total, 0.0) + weight
    norm = sum(dist.values())
    return {k: v / norm for k, v in dist.items()}


@pytest.mark.parametrize("pair", [(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)])
def test_exact_stratified_matches_enumeration(pair):
    strata = [TABLES[i] for i in pair]
    got = rep.exact_stratified(strata)
    dist = _enumerate(strata)
    t = sum(s.x1 for s in strata)
    assert got.statistic == t
    assert got.p_greater == pytest.approx(sum(p for k, p in dist.items() if k >= t), rel=1e-9)
    p_obs = dist[t]
    assert got.p_two_sided == pytest.approx(
        min(1.0, sum(p for p in dist.values() if p <= p_obs * (1 + 1e-7))), rel=1e-9
    )
    assert got.expected == pytest.approx(sum(k * p for k, p in dist.items()), rel=1e-12)
    # the interval's ends are where a one-sided tail is 2.5%, computed from the enumeration
    if got.low > 0:
        assert sum(p for k, p in _enumerate(strata, got.low).items() if k >= t) == pytest.approx(
            0.025, abs=1e-7
        )
    if math.isfinite(got.high):
        assert sum(p for k, p in _enumerate(strata, got.high).items() if k <= t) == pytest.approx(
            0.025, abs=1e-7
        )
    if math.isfinite(got.estimate) and got.estimate > 0:
        tilted = _enumerate(strata, got.estimate)
        assert sum(k * p for k, p in tilted.items()) == pytest.approx(t, abs=1e-6)


@pytest.mark.parametrize("t", TABLES)
def test_one_stratum_is_fisher_and_scipy_conditional_or(t):
    got = rep.exact_stratified([t])
    assert got.p_two_sided == pytest.approx(stats.fisher_exact(t.table).pvalue, rel=1e-9)
    assert got.p_greater == pytest.approx(
        stats.fisher_exact(t.table, alternative="greater").pvalue, rel=1e-9
    )
    ref = stats.contingency.odds_ratio(t.table, kind="conditional")
    ci = ref.confidence_interval(0.95)
    for mine, theirs in ((got.estimate, ref.statistic), (got.low, ci.low), (got.high, ci.high)):
        if math.isinf(theirs):
            assert math.isinf(mine)
        else:
            assert mine == pytest.approx(theirs, rel=1e-5, abs=1e-9)


def test_zelen_matches_enumeration_conditional_on_the_sum():
    strata = [TABLES[1], TABLES[2]]
    t = sum(s.x1 for s in strata)
    configs = []
    for x1, x2 in product(range(0, 16), range(0, 18)):
        ps = []
        for x, s in zip((x1, x2), strata, strict=True):
            m1 = s.x1 + s.x2
            ps.append(stats.hypergeom.pmf(x, s.n1 + s.n2, m1, s.n1))
        if x1 + x2 == t and ps[0] > 0 and ps[1] > 0:
            configs.append(((x1, x2), ps[0] * ps[1]))
    total = sum(p for _, p in configs)
    obs = dict(configs)[(strata[0].x1, strata[1].x1)]
    want = sum(p for _, p in configs if p <= obs * (1 + 1e-7)) / total
    assert rep.zelen_exact(strata) == pytest.approx(want, rel=1e-9)
    assert 0 < want < 1


def test_mantel_haenszel_by_hand():
    strata = [TABLES[1], TABLES[3]]
    num = sum(s.x1 * (s.n2 - s.x2) / (s.n1 + s.n2) for s in strata)
    den = sum(s.x2 * (s.n1 - s.x1) / (s.n1 + s.n2) for s in strata)
    mh = rep.mantel_haenszel(strata)
    assert mh.estimate == pytest.approx(num / den, rel=1e-12)
    assert mh.low < mh.estimate < mh.high
    assert 0 <= mh.p_breslow_day <= 1 and 0 <= mh.p_cmh <= 1


# --------------------------------------------------------------------------- replication measures


def test_log_or_haldane_only_with_a_zero_cell():
    lo, se, corrected = rep.log_or_se(JOURNAL)
    assert corrected
    assert lo == pytest.approx(math.log(4.5 * 5.5 / (0.5 * 2.5)))
    assert se == pytest.approx(math.sqrt(1 / 4.5 + 1 / 0.5 + 1 / 2.5 + 1 / 5.5))
    lo, se, corrected = rep.log_or_se(TABLES[1])
    assert not corrected and lo == pytest.approx(math.log(7 * 13 / (2 * 8)))


@pytest.mark.parametrize("tr", [(0.8, 0.5), (1.7, 0.9), (3.0, 0.3), (-1.0, 0.6), (2.0, 1.67)])
def test_sceptical_p_solves_the_definition(tr):
    """p_S is the level at which the sceptical prior's conflict test gives exactly p_S."""
    lo, so = rep.log_or_se(JOURNAL)[:2]
    lr, sr = tr
    got = rep.sceptical_p(lo, so, lr, sr)
    zo = lo / so

    def conflict_minus_level(z_alpha: float) -> float:
        tau2 = so**2 / (zo**2 / z_alpha**2 - 1)  # sufficiently sceptical prior at this level
        return abs(lr) / math.sqrt(tau2 + sr**2) - z_alpha

    z_s = optimize.brentq(conflict_minus_level, 1e-9, abs(zo) - 1e-12)
    assert got.z_sceptical == pytest.approx(z_s, rel=1e-7)
    want = stats.norm.sf(z_s) if lr > 0 else stats.norm.sf(-z_s)
    assert got.p_sceptical == pytest.approx(want, rel=1e-7)
    assert got.p_sceptical >= got.p_limit - 1e-15
    # equal variances: z_S^2 is half the harmonic mean of z_o^2 and z_r^2 (Held 2020)
    eq = rep.sceptical_p(lo, so, 2.0, so)
    zr = 2.0 / so
    assert eq.z_sceptical**2 == pytest.approx(1 / (1 / zo**2 + 1 / zr**2), rel=1e-12)


def test_prediction_interval_covers_as_stated():
    """Simulated: two estimates of one effect; the interval from the first covers the second."""
    rng = np.random.default_rng(1)
    so, sr, theta = 1.2, 0.5, 1.0
    o = rng.normal(theta, so, 4000)
    r = rng.normal(theta, sr, 4000)
    ends = [rep.prediction_interval(float(a), so, sr) for a in o]
    inside = [lo <= b <= hi for (lo, hi), b in zip(ends, r, strict=True)]
    assert np.mean(inside) == pytest.approx(0.95, abs=0.015)  # 4 Monte Carlo SE ~ 0.014
    assert ends[0][1] - ends[0][0] == pytest.approx(2 * 1.959964 * math.hypot(so, sr), rel=1e-6)


# --------------------------------------------------------------------------- Bayesian


def _closed_form_p_greater(a1: int, b1: int, a2: int, b2: int) -> float:
    """P(p1 > p2) for integer beta parameters (closed form sum, e.g. Evan Miller's)."""
    total = 0.0
    for i in range(a1):
        total += math.exp(
            special.betaln(a2 + i, b1 + b2)
            - math.log(b1 + i)
            - special.betaln(1 + i, b1)
            - special.betaln(a2, b2)
        )
    return total


@pytest.mark.parametrize("params", [(1, 1, 1, 1), (5, 3, 1, 6), (8, 1, 2, 12), (3, 9, 4, 4)])
def test_prob_greater_matches_closed_form(params):
    assert rep.prob_greater(*params) == pytest.approx(_closed_form_p_greater(*params), abs=1e-9)


def test_beta_difference_posteriors_and_priors():
    t = ss.TwoByTwo(7, 15, 2, 15)
    prior = rep.published_prior(4, 6, 0.5)
    assert (prior.a, prior.b) == (3.0, 2.0)
    d = rep.beta_difference(
        t, prior, rep.published_prior(0, 5, 0.5), "x", np.random.default_rng(3), 200_000
    )
    assert d.post_responders == (10.0, 10.0) and d.post_nonresponders == (3.0, 16.5)
    assert d.mean == pytest.approx(0.5 - 3 / 19.5)
    assert float(np.mean(d.draws > 0)) == pytest.approx(d.p_positive, abs=0.004)

    # the interval by numerical integration of the difference's distribution
    def cdf(z: float) -> float:
        return integrate.quad(
            lambda p: stats.beta.pdf(p, 10, 10) * stats.beta.sf(p - z, 3, 16.5), 0, 1, limit=200
        )[0]

    assert cdf(d.low) == pytest.approx(0.025, abs=0.003)
    assert cdf(d.high) == pytest.approx(0.975, abs=0.003)


# --------------------------------------------------------------------------- verdict rule


def test_verdict_rule():
    pi = (-1.0, 5.0)
    assert rep.verdict(6.0, pi, 2.0) == rep.INCONSISTENT
    assert rep.verdict(-2.0, pi, 0.1) == rep.INCONSISTENT
    assert rep.verdict(2.0, pi, 1.5) == rep.CONSISTENT
    assert rep.verdict(2.0, pi, 0.8) == rep.TOO_SMALL
    assert rep.verdict(float("nan"), pi, 0.0) == rep.TOO_SMALL


def test_ci_above_one_iff_one_sided_fisher_at_tail():
    """The size section's premise: exact CI lower end > 1 iff one-sided Fisher p < 2.5%."""
    for x1, x2 in product(range(0, 9), range(0, 9)):
        t = ss.TwoByTwo(x1, 8, x2, 8)
        if x1 + x2 in (0, 16):
            continue
        low = ss.exact_odds_ratio(t).low
        p = stats.fisher_exact(t.table, alternative="greater").pvalue
        if abs(p - 0.025) > 1e-9:
            assert (low > 1) == (p < 0.025), (x1, x2, low, p)


# --------------------------------------------------------------------------- the chapter


def test_planted_effect_and_none_give_different_verdicts(tmp_path):
    with_effect = chapter.compute(
        _cohort(CohortSpec(hras_effect=3.0, n_cultures=40), tmp_path / "a")
    )
    without = chapter.compute(_cohort(CohortSpec(hras_effect=0.0, n_cultures=40), tmp_path / "b"))
    key = JOURNAL_2023.label
    assert not with_effect.reconstruction and not without.reconstruction
    assert with_effect.verdicts[key] == rep.CONSISTENT
    assert without.verdicts[key] in (rep.TOO_SMALL, rep.INCONSISTENT)
    assert with_effect.values["rep_verdict"] != without.values["rep_verdict"]
    # the cohort's table is the biomarker chapter's own
    from netcomp.chapters import association as ch3

    a = ch3.compute(
        _cohort(CohortSpec(hras_effect=3.0, n_cultures=40), tmp_path / "c"), exercises=False
    )
    t = a.hras_table
    assert (with_effect.counts.x1, with_effect.counts.x2) == (t.a, t.b)
    assert (with_effect.counts.n1, with_effect.counts.n2) == (t.a + t.c, t.b + t.d)


def test_bundled_is_named_a_reconstruction_and_sized(bundled):
    assert bundled.reconstruction
    assert set(bundled.verdicts.values()) == {chapter.NOT_A_REPLICATION}
    assert "reconstruction" in bundled.values["rep_status_sentence"]
    assert bundled.counts == ss.TwoByTwo(4, 6, 0, 5)
    assert list(bundled.side["study"]) == [CONFERENCE_2022.label, JOURNAL_2023.label, "This cohort"]
    # the size needed: the first n at which one-sided Fisher at 2.5% reaches 80% power
    n = int(bundled.values["rep_n_planning"])
    a = ss.PowerAssumptions.from_params(bundled.params)

    def power(total: int) -> float:
        n1, n2 = ss.design(total, a.responder_share)
        return sum(
            stats.binom.pmf(x1, n1, a.rate_responders)
            * stats.binom.pmf(x2, n2, a.rate_nonresponders)
            for x1, x2 in product(range(n1 + 1), range(n2 + 1))
            if stats.fisher_exact([[x1, x2], [n1 - x1, n2 - x2]], alternative="greater").pvalue
            <= 0.025 * (1 + 1e-9)
        )

    assert power(n) >= 0.8 > power(n - 1)
    assert not bundled.notices


def test_notices_for_other_drug_absent_gene_and_empty_class(tmp_path):
    cohort = _cohort(CohortSpec(n_cultures=12), tmp_path / "a")
    other = chapter.compute(cohort, {"drug": "everolimus"})
    assert not other.applies(chapter.S_VERDICT)
    assert "lenvatinib" in other.notices_for(chapter.S_VERDICT)[0].reason
    gene = chapter.compute(cohort, {"replication_gene": "NOTAGENE1"})
    assert "NOTAGENE1" in gene.notices_for(chapter.S_TABLE)[0].reason
    one_class = chapter.compute(
        _cohort(CohortSpec(n_cultures=10, inhibition=(60.0, 90.0)), tmp_path / "b")
    )
    assert not one_class.applies(chapter.S_TABLE)
    for res in (other, gene, one_class):
        assert res.counts is None and res.values["rep_verdict"] == chapter.NOT_APPLICABLE
        assert res.plan is not None  # the size section always runs
        _assert_renders(res)


def test_parameters_validated():
    assert resolve({"replication_version": "Conference"})["replication_version"] == "conference"
    with pytest.raises(ParamsError, match="replication_version"):
        resolve({"replication_version": "preprint"})
    with pytest.raises(ParamsError, match="prior_strength"):
        resolve({"prior_strength": 2})
    with pytest.raises(ParamsError, match="replication_gene"):
        resolve({"replication_gene": "<b>x</b>"})


def _glue_refs() -> list[str]:
    nb = read_chapter(NOTEBOOK)
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    # table and figure labels ("Table 4.2") are glued by the notebook as it shows them
    return [
        m.group(1) for m in GLUE.finditer(text) if not m.group(1).startswith(("table_", "fig_"))
    ]


def _assert_renders(res: chapter.ReplicationChapter) -> None:
    """Every glue name of the notebook is set, to a finite number or a sentence."""
    for name in _glue_refs():
        assert name in res.values, name
        value = res.values[name]
        assert isinstance(value, str) or math.isfinite(float(value)), (name, value)


def test_notebook_parameters_are_book_parameters():
    nb = read_chapter(NOTEBOOK)
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    names = re.findall(r"^(\w+) =", "".join(cell["source"]), flags=re.M)
    known = set(resolve({}))
    assert set(names) - {"data_dir", "results_dir", "figures_dir"} <= known


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=cohort_specs(max_cultures=60))
def test_compute_never_raises(spec):
    spec = dataclasses.replace(spec, with_optional=False)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            cohort = load_cohort(write_cohort(Path(tmp) / "c", spec))
        except CohortError:
            assume(False)
        res = chapter.compute(cohort, {"power_max_n": 20, "replication_version": "both"})
    _assert_renders(res)
    if res.counts is not None:
        assert res.counts.n1 >= 1 and res.counts.n2 >= 1
        assert set(res.verdicts.values()) <= {
            rep.CONSISTENT,
            rep.INCONSISTENT,
            rep.TOO_SMALL,
            chapter.NOT_A_REPLICATION,
        }
        assert len(res.verdicts) == 2


def test_ledger_replication_claim_on_new_cohorts(tmp_path):
    """Planted effect: 'replicated' with the numbers; no effect: 'differs', saying why."""
    from netcomp.book.ledger import judge, load_claims
    from netcomp.book.results import write_results

    claim = next(c for c in load_claims() if c["id"] == "study-hras-replicates")
    statuses = {}
    for name, effect in (("planted", 3.0), ("none", 0.0)):
        res = chapter.compute(
            _cohort(CohortSpec(hras_effect=effect, n_cultures=40), tmp_path / name)
        )
        out = tmp_path / f"results-{name}"
        write_results(res.tables["verdicts"], out, "replication_verdicts.csv")
        verdict = judge(claim, out, reconstructed_cohort=False)
        assert verdict.computed == res.verdicts[JOURNAL_2023.label]
        assert f"this cohort {res.counts.detail} against 4/6 vs 0/5" in verdict.note
        statuses[name] = verdict
    assert statuses["planted"].status == "replicated"
    assert statuses["none"].status == "differs"
    assert "cannot decide" in statuses["none"].note
    on_recon = judge(claim, out, reconstructed_cohort=True)
    assert on_recon.status == "reconstructed-data" and "itself" in on_recon.note
