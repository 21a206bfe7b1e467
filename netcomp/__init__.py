"""netcomp: helper package of the lenvatinib / GEP-NET reproducible compendium.

Data flow: raw CSV files in ``data/`` -> validated by :mod:`netcomp.validate` ->
loaded as a :class:`netcomp.cohort.Cohort` -> analysed by pure functions
(:mod:`netcomp.response`, :mod:`netcomp.association`, :mod:`netcomp.literature`) ->
shown by the notebooks -> rendered by Jupyter Book (:mod:`netcomp.build`).
"""

__version__ = "0.1.0"
