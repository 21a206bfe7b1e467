"""Checksums of input files, kept free of heavy imports so a no-change rebuild starts fast."""

from __future__ import annotations

import hashlib
from pathlib import Path

from netcomp import contract

#: The bundled (reconstructed) cohort shipped in the repository.
BUNDLED_COHORT = Path(__file__).resolve().parents[1] / "data" / "cohort"


def file_checksums(path: str | Path) -> dict[str, str]:
    """SHA-256 of each contract file in a cohort folder (or of the workbook itself)."""
    path = Path(path)
    files = [path] if path.is_file() else [path / f for f in contract.FILES if (path / f).is_file()]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
