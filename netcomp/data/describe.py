"""Descriptive summaries of a cohort for the data-import chapter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from netcomp.data.cohort import Cohort

#: Lenvatinib's targets and related genes, grouped as the book names them.
LENVATINIB_GENE_GROUPS: dict[str, tuple[str, ...]] = {
    "VEGFR": ("FLT1", "KDR", "FLT4"),
    "FGFR": ("FGFR1", "FGFR2", "FGFR3", "FGFR4"),
    "PDGFR": ("PDGFRA", "PDGFRB"),
    "other RTK": ("KIT", "RET"),
    "RAS": ("HRAS", "KRAS", "NRAS"),
}
LENVATINIB_GENES: tuple[str, ...] = tuple(g for gs in LENVATINIB_GENE_GROUPS.values() for g in gs)


def cohort_table(cohort: Cohort) -> pd.DataFrame:
    """The clinical table (one row per culture) with readable column names."""
    cols = ["culture_id", "site", "grade", "ki67_pct", "syndromic"]
    cols += [c for c in ("sex", "age_years") if c in cohort.cultures.columns]
    table = cohort.cultures[cols].copy()
    table["site"] = table["site"].str.replace("_", " ")
    return table


def cohort_counts(cohort: Cohort) -> dict[str, int]:
    """Headline counts of the cohort, for the chapter's prose."""
    muts = cohort.mutations
    return {
        "n_cultures": len(cohort.cultures),
        "n_sites": int(cohort.cultures["site"].nunique()),
        "n_grades": int(cohort.cultures["grade"].nunique()),
        "n_syndromic": int((cohort.cultures["syndromic"] == "yes").sum()),
        "n_drugs": int(cohort.viability["drug"].nunique()),
        "n_measurements": len(cohort.viability),
        "n_expression_genes": int(cohort.expression["gene"].nunique()),
        "n_panel_genes": len(cohort.panel),
        "n_variants": len(muts),
        "n_mutated_genes": int(muts["gene"].nunique()),
        "n_cultures_with_mutation": int(muts["culture_id"].nunique()),
    }


def replicate_summary(viability: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation (n-1), coefficient of variation and range of replicates.

    One row per culture, drug and concentration. The CV (SD / mean, in %) shows how
    reproducible each culture's measurement is.
    """
    keys = ["culture_id", "drug", "concentration_um"]
    g = viability.groupby(keys, sort=True)["viability_pct"]
    out = g.agg(
        n_replicates="count",
        mean_viability_pct="mean",
        sd_viability_pct="std",
        min_viability_pct="min",
        max_viability_pct="max",
    ).reset_index()
    out["cv_pct"] = 100.0 * out["sd_viability_pct"] / out["mean_viability_pct"].replace(0, np.nan)
    return out


def site_grade_counts(cultures: pd.DataFrame) -> pd.DataFrame:
    """Cross-table of cultures by site of origin (rows) and WHO grade (columns)."""
    table = pd.crosstab(cultures["site"], cultures["grade"])
    table.index.name = "site"
    table.columns.name = None
    return table


def log2_fold_change(
    expression_matrix: pd.DataFrame, genes: tuple[str, ...] = LENVATINIB_GENES
) -> pd.DataFrame:
    """log2 of the fold change for the requested genes that were measured (cultures x genes)."""
    present = expression_matrix[[g for g in genes if g in expression_matrix.columns]]
    return pd.DataFrame(
        np.log2(present.to_numpy(dtype=float)), index=present.index, columns=present.columns
    )
