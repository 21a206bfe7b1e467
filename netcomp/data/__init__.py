"""The data's path in.

The contract, validation, loading, the reconstruction, provenance and the curated literature.
"""
