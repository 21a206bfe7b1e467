"""The reproducibility ledger: every published claim, the value this book computes, a verdict.

Claims live in ``data/claims.yaml``. After the chapters have written their result tables,
:func:`evaluate_claims` recomputes each claim from those tables and gives it a status:

- ``reproduced``: recomputed from published numbers (trial counts, published 2x2 counts or
  the user's own cohort) and within tolerance of the reported value;
- ``differs``: recomputed, and not within tolerance (or not computable: the note says why);
- ``reported-only``: the data needed to recompute it are not public;
- ``versions-differ``: the study's two published versions (:mod:`netcomp.stats.published`) report
  different values for it (a claim with an ``other_version`` whose ``reported`` differs);
  the note gives both and says which one the computed value matches, if any;
- ``replicated``: a claim about the finding itself (``replication: true`` in the claims
  file), tested in a cohort that is not the reconstruction, got the replication chapter's
  verdict "consistent and informative"; the note gives the numbers;
- ``reconstructed-data``: it rests on the bundled cohort, which was *built* to satisfy the
  published aggregates, so agreement proves nothing: never called reproduced. Decided from
  the data, not the folder: the build passes whether the cohort's content is the
  reconstruction (:func:`netcomp.data.provenance.data_status`), and a results file stamped
  ``data_status=reconstructed`` (:mod:`netcomp.book.results`) counts as such whatever is passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from netcomp.book import sources
from netcomp.book.results import data_status_of
from netcomp.data.provenance import RECONSTRUCTED
from netcomp.text.safe_text import md_escape

#: The study's two published versions, as the claims name their sources. The conference
#: abstract is not among the source documents stored with the book (its locators quote the
#: public abstract page; see :data:`EXTERNAL_SOURCES`).
JOURNAL_SOURCE = sources.JOURNAL_2023
CONFERENCE_SOURCE = sources.CONFERENCE_2022
EXTERNAL_SOURCES: frozenset[str] = frozenset({CONFERENCE_SOURCE})
#: Plain names of the two versions, for notes.
SOURCE_LABELS: dict[str, str] = {
    JOURNAL_SOURCE: "journal abstract (2023)",
    CONFERENCE_SOURCE: "conference abstract (2022)",
}
CLAIMS_FILE = Path(__file__).resolve().parents[2] / "data" / "claims.yaml"
STATUSES: tuple[str, ...] = (
    "reproduced",
    "differs",
    "reported-only",
    "reconstructed-data",
    "versions-differ",
    "replicated",
)
LEDGER_COLUMNS: tuple[str, ...] = ("claim_id", "source", "reported", "computed", "status", "note")
BADGES: dict[str, str] = {
    "reproduced": "bdg-success",
    "differs": "bdg-danger",
    "reported-only": "bdg-info",
    "reconstructed-data": "bdg-warning",
    "versions-differ": "bdg-primary",
    "replicated": "bdg-secondary",
}


@dataclass(frozen=True)
class Verdict:
    """The outcome of one claim."""

    computed: Any
    status: str
    note: str


def load_claims(path: str | Path = CLAIMS_FILE) -> list[dict[str, Any]]:
    """Read the claims file; each claim must have an id, a source and a reported value."""
    claims = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for claim in claims:
        missing = [k for k in ("id", "source", "locator", "reported", "basis") if k not in claim]
        if missing:
            raise ValueError(f"claim {claim.get('id', '?')} lacks {', '.join(missing)}")
    return claims


def compute_value(spec: dict[str, Any], results_dir: Path) -> Any:
    """Evaluate a claim's ``compute`` spec on the result tables; raise if impossible."""
    path = results_dir / spec["file"]
    if not path.is_file():
        raise FileNotFoundError(f"{spec['file']} was not produced by this build")
    table = pd.read_csv(path)
    if "query" in spec:
        table = table.query(spec["query"])
    agg = spec["agg"]
    if agg == "count":
        return len(table)
    if table.empty:
        raise ValueError(f"no row of {spec['file']} matches {spec.get('query', '')!r}")
    column = table[spec["column"]]
    if agg == "value":
        if len(table) != 1:
            raise ValueError(f"{len(table)} rows of {spec['file']} match; expected one")
        value = column.iloc[0]
        return value.item() if hasattr(value, "item") else value
    if agg == "min":
        return float(column.min())
    if agg == "closest":
        target = float(spec.get("target", 0.048))
        return float(column.iloc[(column - target).abs().argmin()])
    if agg == "median_gap":
        medians = table.groupby(spec["group"])[spec["column"]].median()
        reference = spec["reference"]
        if reference not in medians.index or len(medians) < 2:
            raise ValueError(f"need {reference} and at least one comparator")
        return float(medians[reference] - medians.drop(reference).max())
    raise ValueError(f"unknown aggregation {agg!r}")


def _passes(claim: dict[str, Any], computed: Any) -> bool:
    check = claim.get("check", "equal")
    if check == "above":
        return float(computed) > float(claim["expected"])
    if check == "below":
        return float(computed) < float(claim["expected"])
    if check == "at_least":
        return float(computed) >= float(claim["expected"]) - float(claim.get("tolerance", 0))
    reported = claim["reported"]
    if isinstance(reported, str):
        return str(computed).strip() == reported.strip()
    return abs(float(computed) - float(reported)) <= float(claim.get("tolerance", 0)) + 1e-12


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _versions_verdict(claim: dict[str, Any], computed: Any, on_reconstruction: bool) -> Verdict:
    """``versions-differ``: both versions' values, and which one the computed value matches."""
    other = claim["other_version"]
    this_name = SOURCE_LABELS.get(claim["source"], claim["source"])
    other_name = SOURCE_LABELS.get(other["source"], other["source"])
    parts = [
        f"The study's two published versions differ: the {this_name} reports "
        f"{_fmt(claim['reported'])}, the {other_name} {_fmt(other['reported'])}."
    ]
    if on_reconstruction:
        parts.append(
            "The computed value rests on the reconstructed cohort, built to match "
            f"the {SOURCE_LABELS[JOURNAL_SOURCE]}: it cannot say which version is "
            "right; the study's per-culture data would."
        )
    else:
        matches = [
            name
            for name, rep in ((this_name, claim["reported"]), (other_name, other["reported"]))
            if _passes({**claim, "reported": rep}, computed)
        ]
        parts.append(
            "The computed value matches the " + " and the ".join(matches) + "."
            if matches
            else "The computed value matches neither version."
        )
    return Verdict(
        computed, "versions-differ", " ".join(filter(None, [*parts, str(claim.get("note", ""))]))
    )


def _replication_verdict(
    claim: dict[str, Any], computed: Any, ok: bool, on_reconstruction: bool, results_dir: Path
) -> Verdict:
    """``replicated`` or ``differs`` for a claim tested in a new cohort, with the numbers."""
    base_note = str(claim.get("note", ""))
    if on_reconstruction:
        note = (
            "The bundled cohort is the original study's reconstruction: a study cannot "
            "replicate itself, so this claim needs a new cohort."
        )
        return Verdict(computed, "reconstructed-data", " ".join(filter(None, [note, base_note])))
    try:
        spec = {**claim["compute"], "column": "detail"}
        detail = f"Replication chapter: {compute_value(spec, results_dir)}."
    except (OSError, ValueError, KeyError):
        detail = ""
    if not ok and computed == "too small to tell":
        detail += " Too small to tell is not a failure to replicate: the cohort cannot decide."
    return Verdict(
        computed,
        "replicated" if ok else "differs",
        " ".join(filter(None, [detail.strip(), base_note])),
    )


def judge(claim: dict[str, Any], results_dir: Path, reconstructed_cohort: bool) -> Verdict:
    """Recompute one claim and decide its status (see the module docstring)."""
    base_note = str(claim.get("note", ""))
    if claim["basis"] == "none" or "compute" not in claim:
        return Verdict("", "reported-only", base_note)
    try:
        computed = compute_value(claim["compute"], results_dir)
    except (OSError, ValueError, KeyError) as exc:
        return Verdict("", "differs", f"not computed: {exc}")
    ok = _passes(claim, computed)
    # the results file says itself whether it was computed from the reconstruction
    stamped = data_status_of(results_dir / claim["compute"]["file"]) == RECONSTRUCTED
    other = claim.get("other_version")
    if other is not None and str(other["reported"]).strip() != str(claim["reported"]).strip():
        return _versions_verdict(
            claim, computed, claim["basis"] == "cohort" and (reconstructed_cohort or stamped)
        )
    if claim.get("replication"):
        return _replication_verdict(
            claim, computed, ok, reconstructed_cohort or stamped, results_dir
        )
    if claim["basis"] == "cohort" and (reconstructed_cohort or stamped):
        agree = (
            "consistent with the reconstruction, as it was built to be"
            if ok
            else "NOT consistent with the reconstruction: a bug to investigate"
        )
        note = f"Rests on the reconstructed cohort, not the study's data; {agree}."
        return Verdict(computed, "reconstructed-data", " ".join(filter(None, [note, base_note])))
    return Verdict(computed, "reproduced" if ok else "differs", base_note)


def evaluate_claims(
    results_dir: str | Path, reconstructed_cohort: bool, claims: list[dict[str, Any]] | None = None
) -> pd.DataFrame:
    """The ledger table: one row per claim with the columns of :data:`LEDGER_COLUMNS`.

    Extra columns ``claim``, ``unit``, ``chapter`` and ``section`` feed the ledger page.
    """
    claims = load_claims() if claims is None else claims
    rows = []
    for claim in claims:
        verdict = judge(claim, Path(results_dir), reconstructed_cohort)
        rows.append(
            {
                "claim_id": claim["id"],
                "source": f'{sources.readable(claim["source"])}: "{claim["locator"]}"',
                "reported": _fmt(claim["reported"]),
                "computed": _fmt(verdict.computed),
                "status": verdict.status,
                "note": verdict.note,
                "claim": claim.get("claim", ""),
                "unit": claim.get("unit", ""),
                "chapter": claim.get("chapter", ""),
                "section": claim.get("section", ""),
                "also_in": "|".join(sources.readable(a) for a in claim.get("also_in", [])),
            }
        )
    return pd.DataFrame(rows)


def status_counts(ledger: pd.DataFrame) -> dict[str, int]:
    """How many claims have each status (every status listed, zero included)."""
    counts = ledger["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def status_changes(previous: pd.DataFrame | None, current: pd.DataFrame) -> list[str]:
    """Messages for claims whose status changed since the previous build (warnings first)."""
    if previous is None or previous.empty:
        return []
    old = previous.set_index("claim_id")["status"]
    messages = []
    for cid, status in current.set_index("claim_id")["status"].items():
        before = old.get(cid)
        if before is not None and before != status:
            level = "WARNING" if before == "reproduced" else "note"
            messages.append(f"{level}: claim {cid} was {before}, now {status}")
    return sorted(messages, key=lambda m: not m.startswith("WARNING"))


def heading_slug(title: str) -> str:
    """The anchor MyST gives a heading (its default slug: GitHub style), to link to sections."""
    return re.sub(r"[^\w\u4e00-\u9fff\- ]", "", title.strip().lower().replace(" ", "-"))


#: Readable names of the source documents, for the ledger page.
#: Keyed by the readable name the ledger's ``source`` column carries (netcomp.book.sources).
SOURCE_NAMES: dict[str, str] = {
    sources.readable(JOURNAL_SOURCE): "{cite:t}`liverani2023`, journal article (2023), abstract",
    sources.readable(CONFERENCE_SOURCE): "{cite:t}`liverani2022asco`, conference abstract (2022)",
    sources.readable(sources.TALENT_2021): "TALENT, {cite:t}`capdevila2021`",
}


def ledger_markdown(ledger: pd.DataFrame, documents: set[str] | None = None) -> str:
    """The ledger page's body: counts, then a table with coloured statuses and chapter links.

    ``documents`` lists the chapters in this build (e.g. ``notebooks/01_data_import``);
    claims computed by a chapter that is not in the build name it without a link.
    Text that can carry data (computed values, notes with error messages, the claims' own
    wording) is escaped with :func:`~netcomp.text.safe_text.md_escape`: it shows as written and
    can neither run as markup nor break the table.
    """
    counts = status_counts(ledger)
    summary = ", ".join(f"{{{BADGES[s]}}}`{s}` {n}" for s, n in counts.items())
    lines = [
        f"**{len(ledger)} claims:** {summary}.",
        "",
        # the status first: the point of the ledger, visible without scrolling on a phone
        "| status | claim, its source and where this book computes it | reported | computed |",
        "|---|---|---|---|",
    ]
    for row in ledger.to_dict("records"):
        file, _, locator = row["source"].partition(": ")
        parts = [f"**{md_escape(row['claim'])}** (`{row['claim_id']}`)."]
        parts.append(f"Source: {SOURCE_NAMES.get(file, md_escape(file))}: {md_escape(locator)}.")
        also = row.get("also_in", "")
        if isinstance(also, str) and also:
            parts.append(
                "Also stated in: "
                + "; ".join(SOURCE_NAMES.get(a, md_escape(a)) for a in also.split("|"))
                + "."
            )
        if row["chapter"]:
            if documents is not None and row["chapter"] not in documents:
                where = f"`{row['chapter']}` (not in this build)"
            elif row["section"]:
                where = (
                    f"{{doc}}`/{row['chapter']}`, section "
                    f"[{row['section']}](/{row['chapter']}.ipynb#{heading_slug(row['section'])})"
                )
            else:
                where = f"{{doc}}`/{row['chapter']}`"
            parts.append(f"Computed in: {where}.")
        if row["note"]:
            parts.append(f"*{md_escape(row['note'])}*")
        cells = [
            f"{{{BADGES[row['status']]}}}`{row['status']}`",
            "<br>".join(parts),
            md_escape(f"{row['reported']} ({row['unit']})" if row["unit"] else row["reported"]),
            md_escape(row["computed"]),
        ]
        lines.append("| " + " | ".join(str(c).replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"
