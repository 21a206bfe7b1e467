"""Limits shared by the statistics and the pre-flight check, in a module that imports nothing.

:mod:`netcomp.book.preflight` reads them without importing scipy (which
:mod:`netcomp.stats.doseresponse` needs), so the first step of a build stays quick.
"""

from __future__ import annotations

#: Fewest distinct concentrations for which a four-parameter curve is fitted.
MIN_CONCENTRATIONS = 4
