"""Chapter computations: one ``compute(cohort, params)`` per chapter, returning a typed result.

Each chapter notebook keeps its parameters cell, calls its chapter's ``compute`` and shows
the result; everything it shows (tables, figure inputs, numbers, sentences) and every
section that does not apply to the cohort (a :class:`~netcomp.chapters.base.Notice`) comes
from the result, so it can be tested on any cohort without building the book.
"""
