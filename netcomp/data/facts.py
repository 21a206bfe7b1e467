"""Which facts about the bundled cohort are published and which are reconstructed."""

from __future__ import annotations

import pandas as pd

from netcomp.data.reconstruct import CONCENTRATIONS_UM

#: The study's two published versions, as the facts table names them.
CONFERENCE = "conference abstract (2022)"
JOURNAL = "journal abstract (2023)"
BOTH = f"both versions: {CONFERENCE} and {JOURNAL}"

#: (fact, status, source) for the bundled cohort. "published" facts come from the study's
#: two published versions (:mod:`netcomp.stats.published`): the 2022 conference abstract and the
#: 2023 journal article's abstract; "published (versions differ)" marks the HRAS split, which
#: the two versions report differently. "reconstructed" values were drawn by
#: netcomp.data.reconstruct.
FACTS: tuple[tuple[str, str, str], ...] = (
    ("11 primary cultures of GEP-NETs, of different grades and sites", "published", BOTH),
    ("6 responders and 5 non-responders to lenvatinib", "published", BOTH),
    (
        "a responder's survival inhibition is above 15%, a non-responder's below",
        "published",
        f"{CONFERENCE} only; the {JOURNAL} states no threshold ('a significant "
        "survival inhibition')",
    ),
    (
        "HRAS overexpressed in 4 of 6 responders and 0 of 5 non-responders (p = .048)",
        "published (versions differ)",
        f"{JOURNAL}; the {CONFERENCE} reports 5 of 6 responders with high HRAS and gives no "
        "p-value",
    ),
    (
        "HRAS high in 5 of 6 responders and low in all 5 non-responders",
        "published (versions differ)",
        f"{CONFERENCE}; the {JOURNAL} reports 4 of 6",
    ),
    ("HRAS overexpression not associated with gene mutation", "published", JOURNAL),
    (
        "grade, Ki67, site and syndromic disease not associated with response",
        "published",
        f"{JOURNAL}; the {CONFERENCE} names grade, Ki67 and site of origin",
    ),
    (
        "a 161-gene mutation panel; MKI-related genes measured by expression",
        "published",
        f"{JOURNAL}, Methods",
    ),
    ("lenvatinib's median inhibition similar to or above the standard agents'", "published", BOTH),
    (
        "which cultures respond and which overexpress HRAS: 4 of the 6 responders, as in the "
        "journal version",
        "reconstructed",
        "chosen to match the journal version's counts",
    ),
    (
        "each culture's site, grade, Ki67, syndromic status, sex and age",
        "reconstructed",
        "chosen to match the published facts",
    ),
    (
        "every viability replicate, each drug's single concentration ("
        + ", ".join(f"{d} {c:g} µM" for d, c in CONCENTRATIONS_UM.items())
        + ") and every fold change",
        "reconstructed",
        "seeded random draws (netcomp/data/reconstruct.py); the two abstracts give "
        "no concentration",
    ),
    (
        "which panel genes are mutated, the variants and their allele fractions",
        "reconstructed",
        "seeded random draws of variants typical of GEP-NETs",
    ),
    (
        "the gene list of the panel; everolimus and sunitinib as the comparators",
        "reconstructed",
        "a common 161-gene cancer panel; two standard agents",
    ),
)


def facts_table() -> pd.DataFrame:
    """The facts as a table with columns ``fact, status, source``."""
    return pd.DataFrame(FACTS, columns=["fact", "status", "source"])


def facts_markdown() -> str:
    """The facts as a Markdown table (for the data-contract page)."""
    lines = ["| fact | status | source |", "|---|---|---|"]
    lines += [f"| {f} | **{s}** | {src} |" for f, s, src in FACTS]
    return "\n".join(lines) + "\n"
