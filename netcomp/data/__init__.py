"""The data's path in: the contract, validation, loading, the reconstruction, provenance and the curated literature."""
