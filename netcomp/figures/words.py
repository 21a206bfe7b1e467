"""Small helpers for the words of figure captions and alt text (plain text, escaped later).

Captions are built from results, so their numbers and names change with the cohort. Counts
and lists come from :mod:`netcomp.text.wording` ("1 culture", "a, b and c"), significance from
:mod:`netcomp.stats.significance` (the book's one rule, ``p <= alpha``); what only captions need
(a list cut short, a p-value in three digits, a data value as words) is here.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from netcomp.stats.significance import significant
from netcomp.text.wording import and_list, plural

__all__ = ["and_join", "p_words", "plural", "reaches", "site_words", "upper_first"]


def and_join(items: Iterable[object], limit: int = 6) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``; beyond ``limit``: ``"a, b, ... and 4 more"``."""
    words = [str(i) for i in items]
    if len(words) > limit:
        words = [*words[: limit - 1], f"{len(words) - (limit - 1)} more"]
    return and_list(words)


def site_words(value: object) -> str:
    """A data value such as ``small_intestine`` as words (``small intestine``)."""
    return str(value).replace("_", " ")


def p_words(p: float | None) -> str:
    """A p-value as a caption prints it: three significant digits, small ones as "< 0.001"."""
    if p is None or not np.isfinite(float(p)):
        return "not computed"
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.3g}"


def reaches(p: object, level: float) -> np.ndarray:
    """Where ``p <= level`` by the book's significance rule (NaN never reaches)."""
    return np.asarray(significant(np.asarray(p, dtype=float), level), dtype=bool)


def upper_first(text: str) -> str:
    """``text`` with its first character in upper case, the rest untouched (names keep case)."""
    return text[:1].upper() + text[1:]
