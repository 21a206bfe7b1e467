"""The source documents as a reader knows them: author, year and kind, never a file name.

The documents the book quotes are stored under names that mean something only to this
project (they sit next to the repository). Claims, locators and tests use those names to find
a quotation in its document; everything a reader sees, on a page or in a results file, names
the document by :data:`READABLE` instead, and pages cite it through :data:`CITE_KEYS`.
"""

from __future__ import annotations

JOURNAL_2023 = "000_281e2e275d85b6f8.txt"
TALENT_2021 = "001_b2b5ef46d79f5bfb.txt"
GENOMICS_REVIEW = "002_5a315e744c6ac284.txt"
THERAPIES_REVIEW = "003_c22492729988c3ce.txt"
NET_REVIEW_2025 = "004_ece18a3f5983a9a0.txt"
#: Not stored with the book: quoted from the published abstract (see data/claims.yaml).
CONFERENCE_2022 = "jco-2022-40-16suppl-e16211"

#: A short, readable name per document, for results files and plain text.
READABLE: dict[str, str] = {
    JOURNAL_2023: "Liverani et al. 2023, journal article (abstract)",
    CONFERENCE_2022: "Liverani et al. 2022, conference abstract",
    TALENT_2021: "Capdevila et al. 2021, TALENT trial article",
    GENOMICS_REVIEW: "Ohmoto and Morizane, review of NEN genomics and therapies",
    THERAPIES_REVIEW: "review of GEP-NEN therapies (Santa Chiara Hospital, Trento)",
    NET_REVIEW_2025: "Fernandez-Cuesta et al. 2025, review",
}

#: The bibliography key (book/references.bib) of each document, for citations on pages.
CITE_KEYS: dict[str, str] = {
    JOURNAL_2023: "liverani2023",
    CONFERENCE_2022: "liverani2022asco",
    TALENT_2021: "capdevila2021",
    GENOMICS_REVIEW: "ohmoto_morizane",
    THERAPIES_REVIEW: "review_gepnen_therapies",
    NET_REVIEW_2025: "fernandezcuesta2025",
}


def readable(document: str) -> str:
    """The readable name of ``document`` (a stored file name), or ``document`` if unknown."""
    return READABLE.get(document, document)


def readable_list(documents: str, sep: str = ", ") -> str:
    """``readable`` applied to each name of a ``sep``-separated list, duplicates dropped."""
    names = [readable(d.strip()) for d in documents.split(sep) if d.strip()]
    return sep.join(dict.fromkeys(names))
