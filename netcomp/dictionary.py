"""The data dictionary and the empty cohort template, both derived from :mod:`netcomp.contract`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from netcomp import contract


def data_dictionary() -> pd.DataFrame:
    """One row per column of every cohort file: meaning, unit, required, allowed values."""
    rows = []
    for spec in contract.TABLES:
        for col in spec.columns:
            rows.append({
                "file": spec.filename,
                "column": col.name,
                "required": "yes" if col.required else "optional",
                "meaning": col.description,
                "unit": col.unit or "",
                "allowed values": col.rule(),
                "example": col.example,
            })
    rows.append({
        "file": contract.PANEL_FILENAME,
        "column": "(one gene per line)",
        "required": "yes",
        "meaning": "Genes the mutation panel assays; mutations.csv may only name these.",
        "unit": "",
        "allowed values": "HGNC gene symbols, one per line",
        "example": "MEN1",
    })
    return pd.DataFrame(rows)


def dictionary_markdown() -> str:
    """The data dictionary as a Markdown document (written as DICTIONARY.md by the template)."""
    lines = [
        "# Cohort data dictionary",
        "",
        "A cohort is a folder of UTF-8, comma-separated CSV files with a header row, plus",
        "`panel.txt`. Decimal point is `.`; text values are case-sensitive. Check a folder with",
        "`netcomp validate DIR` and build a book from it with `netcomp build --data DIR`.",
        "",
        "Never put direct patient identifiers (names, dates of birth, addresses, phone numbers,",
        "e-mails, medical record or national ID numbers, tax codes) in these files: use",
        "pseudonymised `culture_id` codes. netcomp refuses columns that look like identifiers.",
        "",
    ]
    for spec in contract.TABLES:
        keys = ", ".join(f"`{k}`" for k in spec.unique)
        lines += [f"## `{spec.filename}`", "", f"{spec.row_meaning[0].upper()}"
                  f"{spec.row_meaning[1:]}; unique key: {keys}.", "",
                  "| column | required | meaning | unit | allowed values | example |",
                  "|---|---|---|---|---|---|"]
        for col in spec.columns:
            rule = col.rule().replace("|", "\\|")
            lines.append(
                f"| `{col.name}` | {'yes' if col.required else 'optional'} | {col.description}"
                f" | {col.unit} | {rule} | `{col.example}` |"
            )
        lines.append("")
    lines += [f"## `{contract.PANEL_FILENAME}`", "",
              "The genes the mutation panel assays, one HGNC symbol per line. A culture with no",
              "row in `mutations.csv` carries no detected mutation in these genes.", ""]
    return "\n".join(lines)


def write_template(out_dir: str | Path) -> Path:
    """Write an empty cohort folder: headers, one example row per file, and DICTIONARY.md."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty; choose a new folder")
    out.mkdir(parents=True, exist_ok=True)
    for spec in contract.TABLES:
        header = ",".join(spec.column_names)
        example = ",".join(c.example for c in spec.columns)
        (out / spec.filename).write_text(f"{header}\n{example}\n", encoding="utf-8")
    (out / contract.PANEL_FILENAME).write_text("MEN1\n", encoding="utf-8")
    (out / "DICTIONARY.md").write_text(dictionary_markdown(), encoding="utf-8")
    return out
