"""Loading a validated cohort into typed tables: the single entry point for the chapters."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from netcomp.data import contract, provenance
from netcomp.data.provenance import BUNDLED_COHORT, file_checksums  # noqa: F401 (re-exported)
from netcomp.data.validate import CohortError, ValidationReport, validate_cohort


@dataclass(frozen=True)
class Cohort:
    """A validated cohort: one DataFrame per contract file, typed, sorted and index-free."""

    path: Path
    cultures: pd.DataFrame
    viability: pd.DataFrame
    expression: pd.DataFrame
    mutations: pd.DataFrame
    panel: tuple[str, ...]
    report: ValidationReport

    @property
    def culture_ids(self) -> list[str]:
        return self.cultures["culture_id"].tolist()

    @property
    def drugs(self) -> list[str]:
        return sorted(self.viability["drug"].unique())

    def content_digest(self) -> str:
        """SHA-256 of the cohort's values, independent of file format, row order and line ends.

        Each table's contract columns (extra free-text columns are ignored), sorted by its
        key, written as CSV with 10 significant digits; then the sorted panel.
        """
        h = hashlib.sha256()
        for spec in contract.TABLES:
            table = getattr(self, spec.name)
            columns = [c for c in spec.column_names if c in table.columns]
            h.update(spec.filename.encode() + b"\0")
            h.update(
                table[columns]
                .to_csv(index=False, float_format="%.10g", lineterminator="\n")
                .encode()
            )
        h.update(b"\0".join(g.encode() for g in sorted(self.panel)))
        return h.hexdigest()

    @property
    def reconstructed(self) -> bool:
        """True when this cohort holds exactly the bundled reconstruction's values.

        Decided from the content (:meth:`content_digest`), not from the folder, so a copy
        anywhere, or the same values in a workbook, count as the reconstruction.
        """
        if len(self.cultures) != 11 or len(self.viability) > 1000:
            return False  # cheap refusal: the reconstruction has 11 cultures, 99 wells
        return self.content_digest() == provenance.RECONSTRUCTION_CONTENT_SHA256

    @property
    def data_status(self) -> str:
        """``"reconstructed"`` or ``"user-supplied"`` (see :mod:`netcomp.data.provenance`)."""
        return provenance.RECONSTRUCTED if self.reconstructed else provenance.USER_SUPPLIED

    def expression_matrix(self) -> pd.DataFrame:
        """Fold change as a cultures x genes table (index ``culture_id``); NaN if not measured."""
        wide = self.expression.pivot(index="culture_id", columns="gene", values="fold_change")
        wide = wide.reindex(self.culture_ids)
        wide.columns.name = None
        return wide[sorted(wide.columns)]

    def mutation_matrix(self) -> pd.DataFrame:
        """Whether each culture carries a detected mutation in each panel gene (bool)."""
        hits = pd.crosstab(self.mutations["culture_id"], self.mutations["gene"]) > 0
        wide = hits.reindex(index=self.culture_ids, columns=list(self.panel), fill_value=False)
        wide.index.name = "culture_id"
        wide.columns.name = None
        return wide.astype(bool)


def _typed(df: pd.DataFrame, spec: contract.TableSpec) -> pd.DataFrame:
    out = df.copy()
    for col in spec.columns:
        if col.name not in out.columns:
            continue
        if col.kind == "integer":
            out[col.name] = out[col.name].astype("int64")
        elif col.kind == "number":
            out[col.name] = out[col.name].astype("float64")
        else:
            out[col.name] = out[col.name].astype(str)
    keys = [k for k in spec.unique if k in out.columns]
    return out.sort_values(keys, kind="stable").reset_index(drop=True) if keys else out


def load_cohort(path: str | Path = BUNDLED_COHORT, allow_identifiers: bool = False) -> Cohort:
    """Validate and load a cohort folder or workbook; raise :class:`CohortError` if invalid.

    Records whether it is the reconstruction (:func:`netcomp.data.provenance.current_status`), so
    the results and figures written afterwards in this process are stamped accordingly.
    """
    report = validate_cohort(path, allow_identifiers=allow_identifiers)
    if not report.ok:
        raise CohortError(report)
    t = report.tables
    cohort = Cohort(
        path=Path(path),
        cultures=_typed(t["cultures"], contract.CULTURES),
        viability=_typed(t["viability"], contract.VIABILITY),
        expression=_typed(t["expression"], contract.EXPRESSION),
        mutations=_typed(t["mutations"], contract.MUTATIONS),
        panel=report.panel,
        report=report,
    )
    provenance.set_current_status(cohort.data_status)
    return cohort
