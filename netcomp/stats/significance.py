"""The book's one significance rule: a p-value is significant at level alpha when ``p <= alpha``.

Every chapter, table, figure and power calculation decides significance with
:func:`significant`, so a result called significant in one place is significant in every
other. The rule is the usual one for exact tests: a test rejects the null hypothesis when
``p <= alpha``, which is what makes its size ``P(p <= alpha)`` at most ``alpha`` under the
null hypothesis, and what the exact power and size calculations of
:mod:`netcomp.stats.smallsample` sum over.

The comparison allows a relative tolerance of :data:`P_TOLERANCE` (``p <= alpha * (1 +
1e-9)``): an exact p-value equal to alpha in exact arithmetic (a sum of table
probabilities, which can be exactly 0.05) may come out a few units in the last place above
it in floating point, and must still count as equal. The tolerance changes a decision only
for a p-value within one part in a billion of alpha.

The same rule decides a discovery by q-value (``q <= fdr``) and reaching a corrected level
(``p <= alpha / m`` for Bonferroni).
"""

from __future__ import annotations

from typing import overload

import numpy as np
import pandas as pd

#: Relative tolerance of the ``p <= alpha`` comparison (floating-point rounding only).
P_TOLERANCE: float = 1e-9


@overload
def significant(p: float, alpha: float) -> bool: ...
@overload
def significant(p: np.ndarray, alpha: float) -> np.ndarray: ...
@overload
def significant(p: pd.Series, alpha: float) -> pd.Series: ...
def significant(p: float | np.ndarray | pd.Series, alpha: float) -> bool | np.ndarray | pd.Series:
    """True where ``p <= alpha`` (relative tolerance :data:`P_TOLERANCE`); NaN is never significant.

    A float gives a bool, an array a boolean array and a Series a boolean Series on the same
    index, so the rule reads the same for one p-value and for a column of them.
    """
    level = float(alpha) * (1.0 + P_TOLERANCE)
    if isinstance(p, pd.Series):
        return p.astype(float) <= level
    if isinstance(p, np.ndarray):
        return np.asarray(p, dtype=float) <= level
    return bool(float(p) <= level)
