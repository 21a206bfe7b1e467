"""Loading a validated cohort into typed tables: the single entry point for the chapters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from netcomp import contract
from netcomp.provenance import BUNDLED_COHORT, file_checksums  # noqa: F401 (re-exported)
from netcomp.validate import CohortError, ValidationReport, validate_cohort


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

    def expression_matrix(self) -> pd.DataFrame:
        """Fold change as a cultures x genes table (index ``culture_id``); NaN where not measured."""
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
    """Validate and load a cohort folder or workbook; raise :class:`CohortError` if invalid."""
    report = validate_cohort(path, allow_identifiers=allow_identifiers)
    if not report.ok:
        raise CohortError(report)
    t = report.tables
    return Cohort(
        path=Path(path),
        cultures=_typed(t["cultures"], contract.CULTURES),
        viability=_typed(t["viability"], contract.VIABILITY),
        expression=_typed(t["expression"], contract.EXPRESSION),
        mutations=_typed(t["mutations"], contract.MUTATIONS),
        panel=report.panel,
        report=report,
    )
