"""Which facts about the bundled cohort are published and which are reconstructed."""

from __future__ import annotations

import pandas as pd

#: (fact, status, source) for the bundled cohort. "published" facts come from the study's
#: abstract (Liverani et al. 2023); "reconstructed" values were drawn by netcomp.reconstruct.
FACTS: tuple[tuple[str, str, str], ...] = (
    ("11 primary cultures of GEP-NETs, of different grades and sites", "published",
     "abstract, Methods and Results"),
    ("6 responders (survival inhibition above 15%) and 5 non-responders to lenvatinib",
     "published", "abstract, Results"),
    ("HRAS overexpressed in 4 of 6 responders and 0 of 5 non-responders (p = .048)",
     "published", "abstract, Results"),
    ("HRAS overexpression not associated with gene mutation", "published", "abstract, Results"),
    ("grade, Ki67, site and syndromic disease not associated with response", "published",
     "abstract, Results"),
    ("a 161-gene mutation panel; MKI-related genes measured by expression", "published",
     "abstract, Methods"),
    ("lenvatinib's median inhibition similar to or above the standard agents'", "published",
     "abstract, Results"),
    ("each culture's site, grade, Ki67, syndromic status, sex and age", "reconstructed",
     "chosen to match the published facts"),
    ("every viability replicate, drug concentration and fold change", "reconstructed",
     "seeded random draws (netcomp/reconstruct.py)"),
    ("which panel genes are mutated, the variants and their allele fractions", "reconstructed",
     "seeded random draws of variants typical of GEP-NETs"),
    ("the gene list of the panel; everolimus and sunitinib as the comparators",
     "reconstructed", "a common 161-gene cancer panel; two standard agents"),
)


def facts_table() -> pd.DataFrame:
    """The facts as a table with columns ``fact, status, source``."""
    return pd.DataFrame(FACTS, columns=["fact", "status", "source"])


def facts_markdown() -> str:
    """The facts as a Markdown table (for the data-contract page)."""
    lines = ["| fact | status | source |", "|---|---|---|"]
    lines += [f"| {f} | **{s}** | {src} |" for f, s, src in FACTS]
    return "\n".join(lines) + "\n"
