"""Hypothesis strategies for cohorts that keep the data contract (any shape)."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st

from tests.cohorts import CohortSpec

DRUG_NAMES = ("lenvatinib", "everolimus", "sunitinib", "cabozantinib", "drug-x_2")
GENES = ("HRAS", "KDR", "FGFR1", "FLT1", "RET", "PDGFRA")


def examples(ci_count: int) -> int:
    """How many examples a property test generates: ``ci_count`` under the ``ci`` profile
    (what CI runs), in proportion under another (``dev``, the default: a fifth, at least 2).

    Read when the test module is imported, after tests/conftest.py loaded the profile.
    """
    percent = settings.default.max_examples
    return ci_count if percent == 100 else max(2, round(ci_count * percent / 100))


@st.composite
def cohort_specs(draw: st.DrawFn, max_cultures: int = 200) -> CohortSpec:
    """1-``max_cultures`` cultures, 1-5 drugs, 1-8 concentrations, 1-6 replicates, missing
    rows, empty mutation files, one class only, ties and extreme but finite values."""
    n_drugs = draw(st.integers(1, 5))
    drugs = {}
    for name in DRUG_NAMES[:n_drugs]:
        n_conc = draw(st.integers(1, 8))
        concs = tuple(sorted({round(0.01 * 3**k, 6) for k in range(n_conc)}))
        drugs[name] = concs
    lo = draw(st.sampled_from([-200.0, -20.0, 0.0, 16.0, 40.0]))
    width = draw(st.sampled_from([0.0, 1.0, 30.0, 100.0]))
    return CohortSpec(
        n_cultures=draw(st.integers(1, max_cultures)),
        drugs=drugs,
        replicates=draw(st.integers(1, 6)),
        genes=tuple(draw(st.lists(st.sampled_from(GENES), min_size=1, max_size=6, unique=True))),
        partial_expression=draw(st.booleans()),
        mutation_rate=draw(st.sampled_from([0.0, 0.0, 0.1, 0.5])),
        missing_fraction=draw(st.sampled_from([0.0, 0.0, 0.3])),
        inhibition=(lo, min(100.0, lo + width)),
        hras_effect=draw(st.sampled_from([0.0, 2.0])),
        seed=draw(st.integers(0, 2**16)),
        with_optional=draw(st.booleans()),
    )
