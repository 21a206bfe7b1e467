"""Synthetic cohorts for tests: differently shaped from the bundled one, written to a folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from netcomp.reconstruct import EXPRESSION_GENES, PANEL

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
    cultures = pd.DataFrame({
        "culture_id": ids,
        "site": [SITES[i % len(SITES)] for i in range(n)],
        "grade": rng.choice(["G1", "G2", "G3"], size=n),
        "ki67_pct": np.round(rng.uniform(0.5, 40.0, size=n), 1),
        "syndromic": rng.choice(["yes", "no"], size=n, p=[0.3, 0.7]),
    })
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
    viability = pd.DataFrame(rows, columns=["culture_id", "drug", "concentration_um",
                                            "replicate", "viability_pct"])
    viability["viability_pct"] = viability["viability_pct"].clip(lower=0)
    viability.to_csv(folder / "viability.csv", index=False)
    expr = [(cid, g, round(float(2 ** rng.normal(0, 0.9)), 3)) for cid in ids
            for g in EXPRESSION_GENES]
    pd.DataFrame(expr, columns=["culture_id", "gene", "fold_change"]).to_csv(
        folder / "expression.csv", index=False)
    genes = ("MEN1", "DAXX", "ATRX", "TP53", "KRAS", "APC")
    muts = [(cid, g, "p.R100*", round(float(rng.uniform(0.1, 0.6)), 2)) for cid in ids
            for g in genes if rng.random() < 0.15]
    pd.DataFrame(muts, columns=["culture_id", "gene", "variant", "vaf"]).to_csv(
        folder / "mutations.csv", index=False)
    (folder / "panel.txt").write_text("\n".join(PANEL) + "\n")
    return folder
