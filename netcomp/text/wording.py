"""Small pieces of English the chapters' sentences share: counts, lists, p-values.

Sentences about one topic live with that topic (odds ratios in :mod:`netcomp.stats.association`,
robustness in :mod:`netcomp.stats.robustness`, power in :mod:`netcomp.stats.smallsample`); what they
all need to write a count, a list or a p-value is here, once.
"""

from __future__ import annotations

from collections.abc import Iterable


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    """``n`` and the noun in the number it needs: "1 culture", "3 cultures", "0 warnings"."""
    return f"{n} {word if n == 1 else (plural_form or word + 's')}"


def verb(n: int, one: str, many: str) -> str:
    """The verb form agreeing with a count of ``n``: ``verb(1, "is", "are")`` is "is"."""
    return one if n == 1 else many


def and_list(items: Iterable[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``; an empty list gives ``""``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def format_p(p: float, digits: int = 3) -> str:
    """A p-value with ``digits`` decimals, or in scientific notation when that would show 0."""
    return f"{p:.{digits}f}" if p >= 10.0**-digits or p == 0 else f"{p:.2e}"
