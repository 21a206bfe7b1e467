"""Synthetic cohorts for tests: differently shaped from the bundled one, written to a folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from netcomp.data.reconstruct import EXPRESSION_GENES, PANEL

SITES = ("colon", "appendix", "rectum", "stomach", "small_intestine", "pancreas", "unknown")
CONCENTRATIONS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


def write_second_cohort(folder: Path, n: int = 30, seed: int = 7) -> Path:
    """A 30-culture cohort with other sites, a lenvatinib dose series and one comparator.

    Lenvatinib is measured at six concentrations (so the chapters must pick one and can fit
    dose-response curves); sunitinib at one; two replicates per well.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"PT-{i:03d}" for i in range(1, n + 1)]
    cultures = pd.DataFrame(
        {
            "culture_id": ids,
            "site": [SITES[i % len(SITES)] for i in range(n)],
            "grade": rng.choice(["G1", "G2", "G3"], size=n),
            "ki67_pct": np.round(rng.uniform(0.5, 40.0, size=n), 1),
            "syndromic": rng.choice(["yes", "no"], size=n, p=[0.3, 0.7]),
        }
    )
    cultures.to_csv(folder / "cultures.csv", index=False)
    ic50 = 10 ** rng.uniform(-0.5, 2.0, size=n)  # µM
    rows = []
    for cid, c50 in zip(ids, ic50, strict=True):
        for conc in CONCENTRATIONS:
            mean = 100.0 / (1.0 + (conc / c50) ** 1.2)
            for rep in (1, 2):
                rows.append((cid, "lenvatinib", conc, rep, round(mean + rng.normal(0, 2), 2)))
        s = rng.uniform(40, 110)
        for rep in (1, 2):
            rows.append((cid, "sunitinib", 5.0, rep, round(s + rng.normal(0, 2), 2)))
    viability = pd.DataFrame(
        rows, columns=["culture_id", "drug", "concentration_um", "replicate", "viability_pct"]
    )
    viability["viability_pct"] = viability["viability_pct"].clip(lower=0)
    viability.to_csv(folder / "viability.csv", index=False)
    expr = [
        (cid, g, round(float(2 ** rng.normal(0, 0.9)), 3)) for cid in ids for g in EXPRESSION_GENES
    ]
    pd.DataFrame(expr, columns=["culture_id", "gene", "fold_change"]).to_csv(
        folder / "expression.csv", index=False
    )
    genes = ("MEN1", "DAXX", "ATRX", "TP53", "KRAS", "APC")
    muts = [
        (cid, g, "p.R100*", round(float(rng.uniform(0.1, 0.6)), 2))
        for cid in ids
        for g in genes
        if rng.random() < 0.15
    ]
    pd.DataFrame(muts, columns=["culture_id", "gene", "variant", "vaf"]).to_csv(
        folder / "mutations.csv", index=False
    )
    (folder / "panel.txt").write_text("\n".join(PANEL) + "\n")
    return folder


# --------------------------------------------------------------------------- any valid shape

from dataclasses import dataclass, field  # noqa: E402


@dataclass(frozen=True)
class CohortSpec:
    """The shape of a synthetic cohort that keeps the data contract.

    ``drugs`` maps each drug to its tested concentrations (µM); every culture gets every
    drug at every concentration unless ``missing_fraction`` drops whole (culture, drug)
    pairs (never for the first drug, which every culture must have). ``genes`` are the
    expression genes; ``partial_expression`` leaves some genes unmeasured in some cultures.
    ``mutation_rate`` 0 writes a header-only mutations file. ``inhibition`` fixes every
    culture's mean inhibition range (percent), e.g. (60, 90) for all responders.
    """

    n_cultures: int = 12
    drugs: dict[str, tuple[float, ...]] = field(
        default_factory=lambda: {"lenvatinib": (10.0,), "everolimus": (1.0,)}
    )
    replicates: int = 3
    genes: tuple[str, ...] = ("HRAS", "KDR", "FGFR1")
    partial_expression: bool = False
    mutation_rate: float = 0.1
    missing_fraction: float = 0.0
    inhibition: tuple[float, float] = (-20.0, 90.0)
    hras_effect: float = 0.0
    seed: int = 0
    id_prefix: str = "C"
    with_optional: bool = False


def write_cohort(folder: Path, spec: CohortSpec = CohortSpec()) -> Path:
    """Write a cohort of the given shape to ``folder`` (created); return the folder."""
    rng = np.random.default_rng(spec.seed)
    folder.mkdir(parents=True, exist_ok=True)
    n = spec.n_cultures
    ids = [f"{spec.id_prefix}{i:03d}" for i in range(1, n + 1)]
    cultures = pd.DataFrame(
        {
            "culture_id": ids,
            "site": [SITES[int(i)] for i in rng.integers(0, len(SITES), size=n)],
            "grade": rng.choice(["G1", "G2", "G3"], size=n),
            "ki67_pct": np.round(rng.uniform(0.0, 100.0, size=n), 1),
            "syndromic": rng.choice(["yes", "no"], size=n),
        }
    )
    if spec.with_optional:
        cultures["sex"] = rng.choice(["M", "F", "female", "Male"], size=n)
        cultures["age_years"] = np.round(rng.uniform(20, 90, size=n))
    cultures.to_csv(folder / "cultures.csv", index=False)
    lo, hi = spec.inhibition
    sensitivity = rng.uniform(lo, hi, size=n)
    rows = []
    drugs = list(spec.drugs)
    for i, cid in enumerate(ids):
        for d_index, drug in enumerate(drugs):
            if d_index > 0 and rng.random() < spec.missing_fraction:
                continue
            concs = sorted(spec.drugs[drug])
            top = max(concs)
            for conc in concs:
                # more inhibition at higher concentrations; the top one reaches the drawn level
                level = (
                    sensitivity[i] * (conc / top) ** 0.5 if d_index == 0 else rng.uniform(lo, hi)
                )
                for rep in range(1, spec.replicates + 1):
                    v = max(0.0, 100.0 - level + rng.normal(0, 3))
                    rows.append((cid, drug, conc, rep, round(v, 2)))
    pd.DataFrame(
        rows, columns=["culture_id", "drug", "concentration_um", "replicate", "viability_pct"]
    ).to_csv(folder / "viability.csv", index=False)
    responder = sensitivity > 15.0
    expr = []
    for i, cid in enumerate(ids):
        for gene in spec.genes:
            if spec.partial_expression and rng.random() < 0.3:
                continue
            log2 = rng.normal(0, 1.0) + (
                spec.hras_effect if gene == "HRAS" and responder[i] else 0.0
            )
            expr.append((cid, gene, round(float(2**log2), 4)))
    pd.DataFrame(expr, columns=["culture_id", "gene", "fold_change"]).to_csv(
        folder / "expression.csv", index=False
    )
    panel = ("MEN1", "DAXX", "ATRX", "TP53", "KRAS", "HRAS")
    muts = [
        (cid, g, "p.R100*", round(float(rng.uniform(0.05, 0.9)), 2))
        for cid in ids
        for g in panel
        if rng.random() < spec.mutation_rate
    ]
    pd.DataFrame(muts, columns=["culture_id", "gene", "variant", "vaf"]).to_csv(
        folder / "mutations.csv", index=False
    )
    (folder / "panel.txt").write_text("\n".join(panel) + "\n")
    return folder
