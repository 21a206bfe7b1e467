"""The data dictionary and the empty cohort template, derived from :mod:`netcomp.data.contract`."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from netcomp.data import contract


def _literals(rule: str) -> str:
    """A rule with its quoted literal values (``'G1'``, ``'.'``) as `code spans`."""
    return re.sub(r"'([^']*)'", r"`\1`", rule)


def data_dictionary() -> pd.DataFrame:
    """One row per column of every cohort file: meaning, unit, required, allowed values."""
    rows = []
    for spec in contract.TABLES:
        for col in spec.columns:
            rows.append(
                {
                    "file": spec.filename,
                    "column": col.name,
                    "required": "yes" if col.required else "optional",
                    "meaning": col.description,
                    "unit": col.unit or "",
                    "allowed values": _literals(col.rule()),
                    "example": col.example,
                }
            )
    rows.append(
        {
            "file": contract.PANEL_FILENAME,
            "column": "(one gene per line)",
            "required": "yes",
            "meaning": "Genes the mutation panel assays; mutations.csv may only name these.",
            "unit": "",
            "allowed values": "HGNC gene symbols, one per line",
            "example": "MEN1",
        }
    )
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
        "Never put direct patient identifiers in these files: use pseudonymised `culture_id`",
        "codes. See *Direct identifiers* below for what netcomp refuses.",
        "",
    ]
    for spec in contract.TABLES:
        keys = ", ".join(f"`{k}`" for k in spec.unique)
        lines += [
            f"## `{spec.filename}`",
            "",
            f"{spec.row_meaning[0].upper()}{spec.row_meaning[1:]}; unique key: {keys}.",
            "",
            "| column | required | meaning | unit | allowed values | example |",
            "|---|---|---|---|---|---|",
        ]
        for col in spec.columns:
            rule = _literals(col.rule()).replace("|", "\\|")
            lines.append(
                f"| `{col.name}` | {'yes' if col.required else 'optional'} | {col.description}"
                f" | {col.unit} | {rule} | `{col.example}` |"
            )
        lines.append("")
    lines += [
        f"## `{contract.PANEL_FILENAME}`",
        "",
        "The genes the mutation panel assays, one HGNC symbol per line. A culture with no",
        "row in `mutations.csv` carries no detected mutation in these genes.",
        "",
    ]
    lines += policy_markdown()
    return "\n".join(lines)


def _identifier_policy() -> list[str]:
    """Markdown lines: which column names and values count as direct identifiers, and why."""
    words = ", ".join(f"`{w}`" for w in contract.IDENTIFIER_WORDS)
    phrases = ", ".join(f"`{p}`" for p in contract.IDENTIFIER_PHRASES)
    whole = ", ".join(f"`{w}`" for w in contract.IDENTIFIER_WHOLE_NAMES)
    kinds = "; ".join(contract.IDENTIFIER_VALUE_KINDS)
    return [
        "## Direct identifiers",
        "",
        "**Column names.** Before matching, a column name is normalised: camelCase is split",
        "(`DateOfBirth` -> `date_of_birth`), accents are dropped, case is ignored and every",
        "other character separates words. The name marks a direct identifier if one of its",
        f"words is one of {words}; or it contains one of {phrases} (as words, or glued",
        f"together, e.g. `dateofbirth`); or the whole name is {whole}. A `name` column about",
        "a thing, not a person (`gene_name`, `drug_name`, `sample_name`, `cell_line_name`,",
        "...), is not an identifier. The contract's own columns are never identifiers.",
        "",
        "**Values.** Every text cell of `culture_id`, `drug`, `gene`, `variant` and of any",
        f"column the contract does not know is checked for values that look like: {kinds}.",
        "A full calendar date (day, month and year) counts as a possible date of birth, alone",
        "or next to a name: give ages or intervals instead (for example `age_years`). The",
        "offending value is not repeated in the message; its file, line and column are.",
        "",
        "**What happens.** By default an identifier column, or an identifier-looking value,",
        "is an error that names the file, line and column, and no book is built. With",
        "`--allow-identifiers` (for `netcomp validate` and `netcomp build`) identifier",
        "*columns* (by name, or unknown columns by their values) are dropped with a warning",
        "naming each of them, and the chapters read a de-identified copy that holds none of",
        "them. Identifier-looking *values* in a contract column stay errors: replace them",
        "with pseudonymised codes.",
        "",
    ]


def _reading_policy() -> list[str]:
    """Markdown lines: how files are read (ids, numbers, lines, encodings, workbooks)."""
    sexes = ", ".join(f"`{k}`" for k in contract.SEX_ALIASES)
    return [
        "## How files are read",
        "",
        "- `culture_id`: 1-40 characters, letters, digits, `.`, `_` or `-`, starting with a",
        f"  letter or digit (`{contract.CULTURE_ID_PATTERN}`). Spaces, `<`, backticks, `$`",
        "  and other characters are refused.",
        "- Numbers are written with a decimal point, optionally with an exponent (`1e-3`),",
        "  and must be finite: `inf`, `-inf`, `Infinity`, `nan`, `NaN` and numbers too large",
        "  for a computer are errors. An unquoted decimal comma (`1,5`) splits a row into",
        "  one value too many: netcomp says so and that `1,5` means 1.5; `1,000` is",
        "  ambiguous (1000 or 1.0), and netcomp asks which.",
        "- Line numbers are those an editor shows: the header is line 1, blank lines and line",
        "  breaks inside quoted values count. In a workbook they are the sheet's row numbers.",
        "- Blank lines (and rows of empty cells) are skipped. A trailing comma on every row",
        "  (an empty last column, as some spreadsheets write) is accepted silently.",
        "- The same column name twice in a header is an error naming both columns.",
        "- A row with fewer values than the header is an error.",
        "- Files must be UTF-8 (a byte-order mark is read, with a warning). Text in another",
        "  encoding (Latin-1 / Windows-1252, UTF-16) is an error naming each line and how to",
        "  save the file as 'CSV UTF-8'. Semicolon- or tab-separated files are errors too.",
        "- `mutations.csv` may hold only its header row: no row means no detected mutation.",
        "  Every other file needs at least one data row; the panel at least one gene.",
        "- A workbook must be a real `.xlsx` file (a zip archive): a CSV renamed `.xlsx`, an",
        "  old `.xls`, a password-protected or damaged workbook is refused with the reason.",
        "  Sheet names are matched ignoring case; other sheets are ignored.",
        "- Optional columns never block a build. `sex` accepts, ignoring case: " + sexes + ";",
        "  it is normalised to `female`, `male` or `unknown`. Any other `sex` value, and an",
        "  `age_years` that is not a number or outside 0-120, is a warning and the value is",
        "  ignored.",
        "- Columns the contract does not know are kept out of the analysis, with a warning.",
        f"- At most {contract.MAX_PROBLEMS_PER_COLUMN} problems are listed per file and column;",
        "  one more line gives the total. An offending value is quoted up to 80 characters.",
        "",
    ]


def policy_markdown() -> list[str]:
    """How files are read and what is refused: identifiers, numbers, spreadsheet quirks."""
    return _identifier_policy() + _reading_policy()


def write_template(out_dir: str | Path) -> Path:
    """Write an empty cohort folder: headers, one example row per file, and DICTIONARY.md."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file, not a folder; give the name of a new folder")
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty; choose a new folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileExistsError(f"cannot create the folder {out}: {exc.strerror or exc}") from exc
    for spec in contract.TABLES:
        header = ",".join(spec.column_names)
        example = ",".join(c.example for c in spec.columns)
        (out / spec.filename).write_text(f"{header}\n{example}\n", encoding="utf-8")
    (out / contract.PANEL_FILENAME).write_text("MEN1\n", encoding="utf-8")
    (out / "DICTIONARY.md").write_text(dictionary_markdown(), encoding="utf-8")
    return out
