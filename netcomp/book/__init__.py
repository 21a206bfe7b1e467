"""Making the book: parameters, pre-flight, build, cache, numbering, ledger, key findings, display, PDF and student edition."""
