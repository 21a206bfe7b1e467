"""Making the book.

Parameters, pre-flight, build, cache, numbering, ledger, key findings, display, PDF and the
student edition.
"""
