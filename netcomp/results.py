"""Writing the chapters' result tables: deterministic CSV so two builds compare byte for byte."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_results(df: pd.DataFrame, results_dir: str | Path | None, filename: str) -> Path | None:
    """Write ``df`` as ``results_dir/filename`` (UTF-8, '\\n' line ends, 10 significant digits).

    Booleans are written as ``true``/``false``. Returns the path, or None when
    ``results_dir`` is None (interactive use without saving).
    """
    if results_dir is None:
        return None
    out = Path(results_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / filename
    table = df.copy()
    for col in table.columns:
        if table[col].dtype == bool:
            table[col] = table[col].map({True: "true", False: "false"})
    table.to_csv(path, index=False, float_format="%.10g", lineterminator="\n", encoding="utf-8")
    return path
