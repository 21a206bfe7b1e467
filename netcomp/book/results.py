"""Writing the chapters' result tables: deterministic CSV so two builds compare byte for byte.

A table computed from the bundled reconstruction gets a last column ``data_status`` with the
value ``reconstructed`` on every row, so the file says where its numbers come from wherever
it is copied; pandas, spreadsheets and the ledger read it like any other column. A table
from a user's cohort, or of published numbers only (the literature), is written as it is
(no extra column).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from netcomp.data import provenance


def stamp_table(df: pd.DataFrame, data_status: str | None = None) -> pd.DataFrame:
    """``df`` with the ``data_status`` column when the data are the reconstruction.

    ``data_status`` defaults to the table's own mark (tables of published numbers are
    marked by :func:`netcomp.data.provenance.mark_published`), then to the status of the cohort
    loaded last in this process (:func:`netcomp.data.provenance.current_status`). Returns ``df``
    itself when nothing is added.
    """
    if provenance.status_for(df, data_status) != provenance.RECONSTRUCTED:
        return df
    table = df.copy()
    table[provenance.STATUS_COLUMN] = provenance.RECONSTRUCTED
    return table


def write_results(
    df: pd.DataFrame,
    results_dir: str | Path | None,
    filename: str,
    data_status: str | None = None,
    stamp: bool = True,
) -> Path | None:
    """Write ``df`` as ``results_dir/filename`` (UTF-8, '\\n' line ends, 10 significant digits).

    Booleans are written as ``true``/``false``. Rows computed from the reconstruction are
    stamped (:func:`stamp_table`; ``stamp=False`` for tables that are not derived from the
    cohort, such as the ledger, which has its own status column). Returns the path, or
    None when ``results_dir`` is None (interactive use without saving).
    """
    if results_dir is None:
        return None
    out = Path(results_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / filename
    table = stamp_table(df, data_status) if stamp else df.copy()
    if table is df:
        table = df.copy()
    for col in table.columns:
        if table[col].dtype == bool:
            table[col] = table[col].map({True: "true", False: "false"})
    table.to_csv(path, index=False, float_format="%.10g", lineterminator="\n", encoding="utf-8")
    return path


def data_status_of(path: str | Path) -> str | None:
    """The ``data_status`` a results CSV carries (``None`` when unstamped or unreadable)."""
    try:
        header = Path(path).read_text(encoding="utf-8").split("\n", 1)[0]
    except OSError:
        return None
    if provenance.STATUS_COLUMN not in header.split(","):
        return None
    column = pd.read_csv(path, usecols=[provenance.STATUS_COLUMN])[provenance.STATUS_COLUMN]
    return provenance.RECONSTRUCTED if (column == provenance.RECONSTRUCTED).any() else None
