"""The pre-flight check: the data, the parameters, and whether they fit together.

``netcomp check DIR --params FILE`` and the first step of ``netcomp build`` call
:func:`preflight` before any notebook runs. It validates the cohort
(:func:`netcomp.data.validate.validate_cohort`: every error and warning), then checks the data
and the parameters against each other:

- errors (nothing is built): the drug has no viability measurement; a comparator named in
  the parameters is not in the data; ``concentration_um`` was not tested for the drug;
  several concentrations were tested, none in every culture, and none was chosen;
- notices (the book is built, the named sections say why they do not apply): the gene is
  not measured; a response class is empty (or too small for the tests of association) at
  the threshold; no comparator is available; no mutation was detected; the drugs' dose
  series are too short for dose-response curves.

Classification reuses :mod:`netcomp.stats.response`, exactly as the chapters do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netcomp.book.params import ParamsError, resolve
from netcomp.text.safe_text import clip
from netcomp.text.wording import plural

#: Fewest cultures each response class needs for the tests of association (chapter 3).
MIN_PER_CLASS = 2
#: The candidate biomarker of the biomarker-association chapter (fixed by the study).
ASSOCIATION_GENE = "HRAS"
#: Longest list of names written out in a message.
MAX_LISTED = 12


@dataclass
class PreflightReport:
    """What the pre-flight check found: errors stop a build, notices name skipped sections."""

    source: str
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data_checked: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing stops a build (notices and warnings do not)."""
        return not self.errors

    def summary(self) -> str:
        """One line: the counts and the verdict."""
        counts = (
            f"{clip(self.source)}: {plural(len(self.errors), 'error')}, "
            f"{plural(len(self.warnings), 'warning')}, "
            f"{plural(len(self.notices), 'notice')}: "
        )
        if not self.ok:
            verdict = "NOT ready to build; fix the errors above"
            if not self.data_checked:
                verdict += " (the parameters are checked against the data once it is valid)"
            return counts + verdict + "."
        if self.notices:
            return counts + (
                "ready to build; the sections named in the notices will say why they do not apply."
            )
        return counts + "ready to build."

    def format(self) -> str:
        """Every error, warning and notice on its own line, then the summary line."""
        lines = [f"ERROR: {e}" for e in self.errors]
        lines += [f"WARNING: {w}" for w in self.warnings]
        lines += [f"NOTICE: {n}" for n in self.notices]
        return "\n".join([*lines, self.summary()])


def _names(values: Sequence[object], limit: int = MAX_LISTED) -> str:
    """``"a, b, c"`` with each name clipped, at most ``limit`` of them."""
    shown = ", ".join(clip(v, 40) for v in list(values)[:limit])
    more = len(values) - limit
    return (shown + (f", ... ({len(values)} in all)" if more > 0 else "")) or "none"


def _conc(values: Sequence[float]) -> str:
    return ", ".join(f"{v:g}" for v in values) + " µM"


def _problem_text(problem: object) -> str:
    """A validation problem without its ``ERROR:``/``WARNING:`` prefix (added by format)."""
    text = str(problem)
    for prefix in ("ERROR: ", "WARNING: "):
        text = text.removeprefix(prefix)
    return text


def preflight(
    data: str | Path, values: Mapping[str, Any], allow_identifiers: bool = False
) -> PreflightReport:
    """Validate the cohort at ``data``, then check it against the parameters ``values``."""
    from netcomp.data.validate import validate_cohort

    report = PreflightReport(source=str(data))
    try:
        params = resolve(dict(values))
    except ParamsError as exc:
        report.errors.extend(str(exc).splitlines())
        params = None
    validation = validate_cohort(data, allow_identifiers=allow_identifiers)
    report.errors.extend(_problem_text(p) for p in validation.errors)
    report.warnings.extend(_problem_text(p) for p in validation.warnings)
    if validation.ok and params is not None:
        report.data_checked = True
        _check_against_data(report, validation.tables, params)
    return report


def _check_against_data(
    report: PreflightReport, tables: Mapping[str, Any], p: Mapping[str, Any]
) -> None:
    from netcomp.stats import response
    from netcomp.stats.limits import MIN_CONCENTRATIONS

    viability, expression, mutations = (
        tables["viability"],
        tables["expression"],
        tables["mutations"],
    )
    drugs = response.available_drugs(viability)
    drug = p["drug"]
    _check_comparators(report, drugs, drug, p["comparators"])
    _check_genes(report, set(expression["gene"].astype(str)), p["gene"])
    _check_replication(report, set(expression["gene"].astype(str)), p)
    if len(mutations) == 0:
        report.notices.append(
            "mutations.csv lists no detected mutation: the sections on mutations (HRAS "
            "overexpression and HRAS mutation, mutations in the gene screen, the mutation "
            "panel) will show a notice"
        )
    # the most concentrations any culture received of each drug (a dose series has several)
    per_culture = (
        viability.assign(_key=viability["concentration_um"].astype(float).round(9))
        .groupby(["drug", "culture_id"])["_key"]
        .nunique()
    )
    series = {str(d): int(n) for d, n in per_culture.groupby(level="drug").max().items() if n > 1}
    if series and max(series.values()) < MIN_CONCENTRATIONS:
        report.notices.append(
            f"no drug was tested at {MIN_CONCENTRATIONS} or more concentrations "
            f"(at most {max(series.values())}, for {_names(list(series))}): no dose-response "
            "curve will be fitted; the dose-response section will show a notice"
        )
    if drug not in drugs:
        report.errors.append(
            f"parameter 'drug': {clip(drug)!r} has no measurement in viability.csv; drugs in "
            f"the data: {_names(drugs)}; set drug to one of them"
        )
        return
    _check_classes(
        report, viability, drug, p["concentration_um"], float(p["response_threshold_pct"])
    )


def _check_comparators(
    report: PreflightReport, drugs: list[str], drug: str, comparators: list[str] | None
) -> None:
    if comparators is None:
        if not [d for d in drugs if d != drug]:
            report.notices.append(
                f"no comparator: the data has no drug other than {clip(drug)!r}, so the "
                "comparison with standard agents will show a notice"
            )
        return
    missing = [c for c in comparators if c not in drugs]
    if missing:
        report.errors.append(
            f"parameter 'comparators': {_names(missing)} not in viability.csv; drugs in the "
            f"data: {_names(drugs)}; name only drugs in the data, or set comparators to null "
            "(every other drug in the data)"
        )
    elif not comparators:
        report.notices.append(
            "no comparator: the comparators parameter is an empty list, so the comparison "
            "with standard agents will show a notice"
        )


def _check_genes(report: PreflightReport, measured: set[str], gene: str) -> None:
    if gene not in measured:
        report.notices.append(
            f"gene {clip(gene)!r} (parameter 'gene') is not measured in expression.csv: the "
            "gene sections of the small-cohorts chapter will show a notice"
        )
    if ASSOCIATION_GENE not in measured and gene != ASSOCIATION_GENE:
        report.notices.append(
            f"{ASSOCIATION_GENE} is not measured in expression.csv: the {ASSOCIATION_GENE} "
            "sections of the biomarker-association chapter will show a notice"
        )


def _check_replication(report: PreflightReport, measured: set[str], p: Mapping[str, Any]) -> None:
    """The replication chapter compares lenvatinib's table of ``replication_gene``."""
    gene = p.get("replication_gene", "HRAS")
    if p["drug"] != "lenvatinib":
        report.notices.append(
            f"the drug is {clip(p['drug'])!r}, not lenvatinib: the replication chapter compares "
            "with the published lenvatinib counts and will show a notice"
        )
    elif gene not in measured:
        report.notices.append(
            f"gene {clip(gene)!r} (parameter 'replication_gene') is not measured in "
            "expression.csv: the replication chapter will show a notice"
        )


def _check_classes(
    report: PreflightReport,
    viability: Any,
    drug: str,
    concentration_um: float | None,
    threshold: float,
) -> None:
    from netcomp.stats import response

    tested = response.tested_concentrations(viability, drug)
    if concentration_um is not None and round(float(concentration_um), 9) not in {
        round(c, 9) for c in tested
    }:
        report.errors.append(
            f"parameter 'concentration_um': {clip(drug)!r} was not tested at "
            f"{float(concentration_um):g} µM; tested concentrations: {_conc(tested)}; set "
            "concentration_um to one of them, or to null"
        )
        return
    choice = response.choose_concentration(viability, drug, concentration_um)
    if choice.rule == "most":
        report.errors.append(
            f"no concentration of {clip(drug)!r} was tested in every culture (tested: "
            f"{_conc(tested)}); set concentration_um to the one to analyse (cultures without "
            "it are then left out)"
        )
        return
    if choice.excluded:
        report.notices.append(
            f"{plural(len(choice.excluded), 'culture')} received {clip(drug)!r} but not at "
            f"{choice.concentration_um:g} µM ({_names(choice.excluded)}): they get no response "
            "class, and sections that need every culture classified will show a notice"
        )
    inhibition = response.inhibition_at(viability, choice)
    classes = response.classify(inhibition["inhibition_pct"], threshold)
    n_resp = int(classes.sum())
    n_non = int(classes.size - n_resp)
    counts = (
        f"at the {threshold:g}% threshold, {clip(drug)!r} at "
        f"{choice.concentration_um:g} µM gives {plural(n_resp, 'responder')} and "
        f"{plural(n_non, 'non-responder')}"
    )
    if n_resp == 0 or n_non == 0:
        report.notices.append(
            f"one response class is empty: {counts}; the tests of association (biomarker "
            "chapter), the comparison with the TALENT trial (literature chapter) and the "
            "simulations of the small-cohorts chapter will show a notice; choose another "
            "response_threshold_pct, drug or concentration_um to compare two classes"
        )
    elif min(n_resp, n_non) < MIN_PER_CLASS:
        report.notices.append(
            f"a response class has fewer than {MIN_PER_CLASS} cultures: {counts}; the tests "
            "of association of the biomarker chapter will show a notice"
        )
