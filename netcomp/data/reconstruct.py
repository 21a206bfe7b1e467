"""Seeded reconstruction of the study's cohort from its published aggregates.

The study (Liverani et al. 2023) published only aggregates: 11 primary GEP-NET cultures of
several sites and grades; 6 responders to lenvatinib (survival inhibition above 15%) and 5
non-responders; HRAS overexpressed in 4 of 6 responders and 0 of 5 non-responders; HRAS
overexpression not explained by HRAS mutation; no association of grade, Ki67, site,
syndromic status or any other marker with response; lenvatinib's median inhibition similar
to or higher than the standard agents'. Per-culture values are not public.

This module draws synthetic per-culture values that satisfy every one of those facts, so that
the book's code can run on something realistic. The values are **not** the study's
measurements. Clinical features are fixed by design (spread over sites and grades, not
associated with response); the numbers are drawn from a seeded generator and redrawn until
every published fact holds (:func:`check_published_facts`).

Run ``python -m netcomp.data.reconstruct data/cohort`` (or ``netcomp reconstruct``) to rewrite
the bundled files; the test suite checks the files equal a fresh generation. Their SHA-256
and content digest are stored in :mod:`netcomp.data.provenance`, which recognises the
reconstruction wherever it is copied, so that everything computed from it is labelled
reconstructed (and the ledger never calls its cohort claims reproduced).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

SEED = 20230112  # date-like seed; changing it changes every reconstructed value
DRUG = "lenvatinib"
COMPARATORS = ("everolimus", "sunitinib")
#: Concentrations are reconstructed choices (the abstract does not give them), in µM.
CONCENTRATIONS_UM = {"lenvatinib": 10.0, "everolimus": 1.0, "sunitinib": 5.0}
N_REPLICATES = 3
THRESHOLD_PCT = 15.0
OVEREXPRESSION_FC = 2.0

#: Lenvatinib-related genes (multikinase-inhibitor targets) and the RAS genes.
EXPRESSION_GENES = (
    "FLT1",
    "KDR",
    "FLT4",  # VEGFR1-3
    "FGFR1",
    "FGFR2",
    "FGFR3",
    "FGFR4",
    "PDGFRA",
    "PDGFRB",
    "KIT",
    "RET",
    "HRAS",
    "KRAS",
    "NRAS",
)

#: A 161-gene cancer panel (reconstructed: the study's exact gene list is not public).
PANEL = (
    "ABL1 AKT1 AKT2 AKT3 ALK APC AR ARAF ARID1A ARID1B ARID2 ASXL1 ATM ATR ATRX AXIN1 AXIN2 "
    "BAP1 BARD1 BCL2 BCOR BRAF BRCA1 BRCA2 BRIP1 BTK CARD11 CBL CCND1 CCND2 CCND3 CCNE1 CDH1 "
    "CDK4 CDK6 CDK12 CDKN1A CDKN1B CDKN2A CDKN2B CDKN2C CHEK1 CHEK2 CIC CREBBP CSF1R CTCF "
    "CTNNB1 DAXX DDR2 DNMT3A EGFR EP300 EPHA2 ERBB2 ERBB3 ERBB4 ERCC2 ESR1 EZH2 FANCA FANCC "
    "FANCD2 FAT1 FBXW7 FGF19 FGF3 FGF4 FGFR1 FGFR2 FGFR3 FGFR4 FLT1 FLT3 FLT4 FOXA1 GATA3 "
    "GNA11 GNAQ GNAS HNF1A HRAS IDH1 IDH2 IGF1R JAK1 JAK2 JAK3 KDM5C KDM6A KDR KEAP1 KIT "
    "KMT2A KMT2C KMT2D KRAS MAP2K1 MAP2K2 MAP3K1 MAPK1 MDM2 MDM4 MED12 MEN1 MET MLH1 MSH2 "
    "MSH6 MTOR MYC MYCN NF1 NF2 NFE2L2 NOTCH1 NOTCH2 NOTCH3 NRAS NTRK1 NTRK2 NTRK3 PALB2 "
    "PBRM1 PDGFRA PDGFRB PIK3CA PIK3CB PIK3R1 PMS2 POLE PTCH1 PTEN PTPN11 RAD51 RAF1 RB1 RET "
    "RNF43 ROS1 RUNX1 SDHA SDHB SDHC SDHD SETD2 SF3B1 SMAD2 SMAD4 SMARCA4 SMARCB1 SMO STK11 TERT "
    "TET2 TGFBR2 TP53 TSC1 TSC2 VHL WT1"
).split()

#: Clinical features, fixed by design: several sites and grades, none associated with response.
#: (culture_id, site, grade, ki67_pct, syndromic, sex, age_years, responder)
CLINICAL = (
    ("NET01", "pancreas", "G2", 8.0, "no", "female", 58, True),
    ("NET02", "pancreas", "G1", 2.0, "yes", "male", 47, True),
    ("NET03", "small_intestine", "G2", 5.0, "yes", "female", 66, False),
    ("NET04", "pancreas", "G3", 25.0, "no", "male", 61, True),
    ("NET05", "small_intestine", "G1", 1.5, "no", "male", 72, True),
    ("NET06", "stomach", "G2", 10.0, "no", "female", 55, False),
    ("NET07", "pancreas", "G2", 12.0, "yes", "male", 50, False),
    ("NET08", "rectum", "G1", 2.0, "no", "female", 63, True),
    ("NET09", "small_intestine", "G2", 4.0, "no", "female", 69, True),
    ("NET10", "pancreas", "G1", 1.0, "no", "male", 44, False),
    ("NET11", "duodenum", "G3", 30.0, "no", "male", 70, False),
)
#: Responders that overexpress HRAS (4 of 6, as published).
HRAS_OVEREXPRESSING = ("NET01", "NET04", "NET05", "NET09")

#: Variants typical of GEP-NETs, drawn for the mutation table: (gene, variant, sites or None).
VARIANT_POOL = (
    ("MEN1", "p.R98*", ("pancreas", "duodenum", "stomach")),
    ("MEN1", "p.W436R", ("pancreas",)),
    ("DAXX", "p.Q251*", ("pancreas",)),
    ("ATRX", "p.R1426*", ("pancreas",)),
    ("TSC2", "p.R611Q", None),
    ("PTEN", "p.R130Q", None),
    ("CDKN1B", "p.W76*", ("small_intestine",)),
    ("APC", "p.R1450*", ("rectum", "colon", "small_intestine")),
    ("TP53", "p.R273H", None),
    ("RB1", "p.R556*", None),
    ("KMT2D", "p.Q2416*", None),
    ("ARID1A", "p.Q1334*", None),
    ("SETD2", "p.R1625C", None),
    ("KRAS", "p.G12D", None),
    ("SMAD4", "p.R361H", None),
    ("CTNNB1", "p.S45F", None),
    ("PIK3CA", "p.H1047R", None),
    ("BRAF", "p.V600E", None),
)
#: One HRAS variant, placed in a culture that does not overexpress HRAS.
HRAS_VARIANT = ("NET06", "HRAS", "p.Q61R")


def _draw_viability(rng: np.random.Generator, clin: pd.DataFrame) -> pd.DataFrame:
    """Mean inhibition per culture and drug, then replicates around it."""
    rows = []
    for cid, responder in zip(clin["culture_id"], clin["responder"], strict=True):
        lenva = rng.uniform(19.0, 52.0) if responder else rng.uniform(-4.0, 12.0)
        means = {
            "lenvatinib": lenva,
            "everolimus": rng.uniform(-2.0, 34.0),
            "sunitinib": rng.uniform(0.0, 36.0),
        }
        for drug, inhibition in means.items():
            noise = rng.normal(0.0, 3.0, N_REPLICATES)
            noise -= noise.mean()  # replicates average exactly to the drawn mean
            for rep, e in enumerate(noise, start=1):
                rows.append(
                    (
                        cid,
                        drug,
                        CONCENTRATIONS_UM[drug],
                        rep,
                        round(max(100.0 - inhibition + e, 0.0), 1),
                    )
                )
    return pd.DataFrame(
        rows, columns=["culture_id", "drug", "concentration_um", "replicate", "viability_pct"]
    )


def _draw_expression(rng: np.random.Generator, clin: pd.DataFrame) -> pd.DataFrame:
    """Log2 fold changes around 0; HRAS set by the published split."""
    expr_rows = []
    for cid in clin["culture_id"]:
        for gene in EXPRESSION_GENES:
            if gene == "HRAS":
                log2 = (
                    rng.uniform(1.15, 2.2)
                    if cid in HRAS_OVEREXPRESSING
                    else rng.uniform(-0.8, 0.85)
                )
            else:
                log2 = rng.normal(0.0, 0.7)
            expr_rows.append((cid, gene, round(float(2.0**log2), 3)))
    return pd.DataFrame(expr_rows, columns=["culture_id", "gene", "fold_change"])


def _draw_mutations(rng: np.random.Generator, clin: pd.DataFrame) -> pd.DataFrame:
    """0-3 typical variants per culture, plus the one HRAS variant."""
    mut_rows = []
    for cid, site, grade in zip(clin["culture_id"], clin["site"], clin["grade"], strict=True):
        pool = [v for v in VARIANT_POOL if v[2] is None or site in v[2]]
        if grade != "G3":
            pool = [v for v in pool if v[0] not in ("TP53", "RB1")]
        k = int(rng.integers(0, 4))
        picks = rng.choice(len(pool), size=min(k, len(pool)), replace=False)
        for i in sorted(picks):
            gene, variant, _ = pool[int(i)]
            mut_rows.append((cid, gene, variant, round(float(rng.uniform(0.12, 0.58)), 2)))
    mut_rows.append((*HRAS_VARIANT, round(float(rng.uniform(0.2, 0.5)), 2)))
    mutations = pd.DataFrame(mut_rows, columns=["culture_id", "gene", "variant", "vaf"])
    return (
        mutations.drop_duplicates(["culture_id", "gene"])
        .sort_values(["culture_id", "gene"])
        .reset_index(drop=True)
    )


def _draw(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """One draw of the four cohort tables (viability, expression, mutations in this order)."""
    clin = pd.DataFrame(
        CLINICAL,
        columns=[
            "culture_id",
            "site",
            "grade",
            "ki67_pct",
            "syndromic",
            "sex",
            "age_years",
            "responder",
        ],
    )
    viability = _draw_viability(rng, clin)
    expression = _draw_expression(rng, clin)
    mutations = _draw_mutations(rng, clin)
    cultures = clin.drop(columns="responder")
    return {
        "cultures": cultures,
        "viability": viability,
        "expression": expression,
        "mutations": mutations,
    }


def _fisher_p(has: pd.Series, responder: pd.Series) -> float:
    """Two-sided p of Fisher's exact test of ``has`` against response (2 x 2 table)."""
    table = pd.crosstab(has, responder).reindex(
        index=[False, True], columns=[False, True], fill_value=0
    )
    return float(stats.fisher_exact(table.to_numpy())[1])


def _response_failures(
    cultures: pd.DataFrame, viab: pd.DataFrame, ids: list[str]
) -> tuple[list[str], pd.Series]:
    """Facts about the cultures and their response; returns (failures, responder mask)."""
    failures: list[str] = []
    if len(ids) != 11:
        failures.append("11 cultures")
    if cultures["site"].nunique() < 3 or cultures["grade"].nunique() < 2:
        failures.append("several sites and grades")
    inhib = 100.0 - viab.groupby(["drug", "culture_id"])["viability_pct"].mean()
    lenva = inhib.loc[DRUG].reindex(ids)
    responder = lenva > THRESHOLD_PCT
    if int(responder.sum()) != 6:
        failures.append("6 responders and 5 non-responders")
    for comp in COMPARATORS:
        if not lenva.median() >= inhib.loc[comp].median():
            failures.append(f"lenvatinib median inhibition >= {comp}")
    # a responder must respond clearly enough to be called so after rounding
    if ((lenva - THRESHOLD_PCT).abs() < 1.0).any():
        failures.append("no culture within 1 point of the threshold")
    return failures, responder


def _expression_failures(
    expr: pd.DataFrame, muts: pd.DataFrame, ids: list[str], responder: pd.Series
) -> list[str]:
    """Facts about expression: the HRAS split, no HRAS mutation there, no other gene associated."""
    failures: list[str] = []
    fc = expr.pivot(index="culture_id", columns="gene", values="fold_change").reindex(ids)
    over = fc >= OVEREXPRESSION_FC
    hras = over["HRAS"]
    if int((hras & responder).sum()) != 4 or int((hras & ~responder).sum()) != 0:
        failures.append("HRAS overexpressed in 4/6 responders and 0/5 non-responders")
    hras_mut = set(muts.loc[muts["gene"] == "HRAS", "culture_id"])
    if hras_mut & set(hras[hras].index):
        failures.append("no HRAS mutation in HRAS-overexpressing cultures")
    for gene in fc.columns.drop("HRAS"):
        if _fisher_p(over[gene], responder) <= 0.05:
            failures.append(f"{gene} overexpression not associated with response")
        if stats.mannwhitneyu(fc.loc[responder, gene], fc.loc[~responder, gene]).pvalue <= 0.05:
            failures.append(f"{gene} fold change not associated with response")
    return failures


def check_published_facts(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Return the published facts the tables violate (empty list: all hold)."""
    cultures, viab = tables["cultures"], tables["viability"]
    expr, muts = tables["expression"], tables["mutations"]
    ids = cultures["culture_id"].tolist()
    failures, responder = _response_failures(cultures, viab, ids)
    failures += _expression_failures(expr, muts, ids, responder)
    mutated = muts.groupby("gene")["culture_id"].apply(set)
    for mutated_gene, carriers in mutated.items():
        has = pd.Series([c in carriers for c in ids], index=ids)
        if _fisher_p(has, responder) <= 0.05:
            failures.append(f"{mutated_gene} mutation not associated with response")
    ki67 = cultures.set_index("culture_id")["ki67_pct"].reindex(ids)
    if stats.mannwhitneyu(ki67[responder], ki67[~responder]).pvalue <= 0.05:
        failures.append("Ki67 not associated with response")
    return failures


def generate_cohort(seed: int = SEED, max_tries: int = 10_000) -> dict[str, pd.DataFrame]:
    """Draw cohort tables from ``seed`` until every published fact holds."""
    rng = np.random.default_rng(seed)
    for _ in range(max_tries):
        tables = _draw(rng)
        if not check_published_facts(tables):
            return tables
    raise RuntimeError(f"no draw satisfied the published facts in {max_tries} tries")


#: Marker written into every folder (other than the bundled one) this module fills, so that a
#: later run may overwrite it; a folder without it is never written into unless empty.
MARKER = ".netcomp-reconstruction"


def _refuse_foreign_folder(out: Path) -> None:
    """Raise ``FileExistsError`` unless ``out`` may receive the reconstructed files.

    Allowed: a new or empty folder, the bundled cohort (tracked by git), or a folder a
    previous run wrote (it holds :data:`MARKER`, a regular file, and only cohort files).
    """
    from netcomp.data.provenance import BUNDLED_COHORT

    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file, not a folder; give the name of a new folder")
    if not out.is_dir() or out.resolve() == BUNDLED_COHORT.resolve():
        return
    entries = {p.name for p in out.iterdir()}
    if not entries:
        return
    ours = {
        *(f"{name}.csv" for name in ("cultures", "viability", "expression", "mutations")),
        "panel.txt",
        MARKER,
    }
    marker = out / MARKER
    if marker.is_file() and not marker.is_symlink() and entries <= ours:
        return
    raise FileExistsError(
        f"{out} already holds files that 'netcomp reconstruct' did not write; nothing was "
        "written (your files are untouched). Give a new or empty folder"
    )


def write_cohort(out_dir: str | Path, seed: int = SEED) -> Path:
    """Write the reconstructed cohort (four CSVs and panel.txt) into ``out_dir``.

    Refuses (``FileExistsError``) a folder holding files this function did not write; each
    file is written beside its target and renamed over it, so a symbolic link in ``out_dir``
    is replaced, never followed.
    """
    out = Path(out_dir)
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed}")
    _refuse_foreign_folder(out)
    tables = generate_cohort(seed)  # before anything is created: a failure leaves no folder
    out.mkdir(parents=True, exist_ok=True)
    files = {
        f"{name}.csv": df.to_csv(index=False, lineterminator="\n", float_format="%.10g")
        for name, df in tables.items()
    }
    files["panel.txt"] = "\n".join(sorted(PANEL)) + "\n"
    from netcomp.data.provenance import BUNDLED_COHORT

    if out.resolve() != BUNDLED_COHORT.resolve():
        files[MARKER] = (
            f"written by 'netcomp reconstruct' (seed {seed}); a later run may "
            "overwrite this folder\n"
        )
    for name, text in files.items():
        part = out / f".{name}.netcomp-part"
        part.unlink(missing_ok=True)
        part.write_bytes(text.encode("utf-8"))
        part.replace(out / name)  # rename: replaces a link at ``name``, never writes through it
    return out


if __name__ == "__main__":  # pragma: no cover - thin command-line wrapper
    target = sys.argv[1] if len(sys.argv) > 1 else "data/cohort"
    print(f"wrote reconstructed cohort to {write_cohort(target)}")
