"""The pre-flight check: data and parameters against each other, before any notebook runs."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from netcomp.book.params import defaults
from netcomp.book.preflight import PreflightReport, preflight
from netcomp.cli import main
from netcomp.data.provenance import BUNDLED_COHORT
from netcomp.text.wording import plural
from tests.cohorts import CohortSpec, write_cohort

#: 12 cultures, lenvatinib at 10 µM and everolimus at 1 µM; 9 responders and 3 non-responders
#: at 15% (checked in test_two_classes_spec_has_two_classes).
SPEC = CohortSpec(seed=1)


def _check(folder: Path, spec: CohortSpec = SPEC, **values) -> PreflightReport:
    return preflight(write_cohort(folder, spec), values)


def _class_counts(folder: Path, drug: str, conc: float, threshold: float) -> tuple[int, int]:
    """Responders and non-responders read from the CSV (independent of netcomp.stats.response)."""
    v = pd.read_csv(folder / "viability.csv")
    v = v[(v["drug"] == drug) & (v["concentration_um"].round(9) == round(conc, 9))]
    inhibition = 100.0 - v.groupby("culture_id")["viability_pct"].mean()
    n_resp = int((inhibition > threshold).sum())
    return n_resp, int(inhibition.size - n_resp)


def test_bundled_cohort_is_ready_with_nothing_to_report():
    report = preflight(BUNDLED_COHORT, defaults())
    assert (report.errors, report.notices, report.warnings) == ([], [], [])
    assert report.ok and report.data_checked
    assert report.format().splitlines() == [report.summary()]
    assert report.summary().endswith("0 errors, 0 warnings, 0 notices: ready to build.")


def test_bundled_cohort_is_checked_quickly():
    preflight(BUNDLED_COHORT, defaults())  # imports
    start = time.perf_counter()
    preflight(BUNDLED_COHORT, defaults())
    assert time.perf_counter() - start < 2.0


def test_two_classes_spec_has_two_classes(tmp_path):
    folder = write_cohort(tmp_path / "c", SPEC)
    assert _class_counts(folder, "lenvatinib", 10.0, 15.0) == (9, 3)
    report = preflight(folder, {})
    assert (report.errors, report.notices, report.warnings) == ([], [], [])


def test_missing_comparator_is_an_error_naming_the_drugs_available(tmp_path):
    report = _check(tmp_path / "c", comparators=["sunitinib", "everolimus"])
    assert not report.ok
    assert report.errors == [
        "parameter 'comparators': sunitinib not in viability.csv; drugs in the data: "
        "everolimus, lenvatinib; name only drugs in the data, or set comparators to null "
        "(every other drug in the data)"
    ]
    assert report.format().splitlines()[0].startswith("ERROR: parameter 'comparators'")
    assert "NOT ready to build" in report.format().splitlines()[-1]


def test_present_comparators_and_the_default_are_accepted(tmp_path):
    folder = write_cohort(tmp_path / "c")
    assert preflight(folder, {"comparators": ["everolimus"]}).ok
    report = preflight(folder, {"comparators": None})
    assert report.ok and not any("comparator" in n for n in report.notices)


@pytest.mark.parametrize("comparators", [None, []])
def test_no_comparator_available_is_a_notice(tmp_path, comparators):
    spec = CohortSpec(drugs={"lenvatinib": (10.0,)})
    report = _check(tmp_path / "c", spec, comparators=comparators)
    assert report.ok
    assert [
        n for n in report.notices if n.startswith("no comparator:")
    ] and "comparison with standard agents will show a notice" in report.format()


def test_untested_concentration_is_an_error_listing_the_tested_ones(tmp_path):
    spec = CohortSpec(drugs={"lenvatinib": (1.0, 3.0, 10.0), "everolimus": (1.0,)}, seed=1)
    report = _check(tmp_path / "c", spec, concentration_um=2.0)
    assert report.errors == [
        "parameter 'concentration_um': 'lenvatinib' was not tested at 2 µM; tested "
        "concentrations: 1, 3, 10 µM; set concentration_um to one of them, or to null"
    ]
    assert _check(tmp_path / "d", spec, concentration_um=3.0).ok


def test_no_concentration_common_to_all_cultures_asks_for_concentration_um(tmp_path):
    spec = CohortSpec(drugs={"lenvatinib": (1.0, 10.0), "everolimus": (1.0,)}, seed=1)
    folder = write_cohort(tmp_path / "c", spec)
    v = pd.read_csv(folder / "viability.csv")
    drop = (
        (v["culture_id"] == "C001") & (v["drug"] == "lenvatinib") & (v["concentration_um"] == 10)
    ) | ((v["culture_id"] == "C002") & (v["drug"] == "lenvatinib") & (v["concentration_um"] == 1))
    v[~drop].to_csv(folder / "viability.csv", index=False)
    report = preflight(folder, {})
    assert len(report.errors) == 1
    assert report.errors[0].startswith(
        "no concentration of 'lenvatinib' was tested in every "
        "culture (tested: 1, 10 µM); set concentration_um"
    )
    chosen = preflight(folder, {"concentration_um": 10})
    assert chosen.ok
    assert any(
        n.startswith(
            "1 culture received 'lenvatinib' but not at 10 µM (C001): they get no response class"
        )
        for n in chosen.notices
    )


def test_drug_absent_from_viability_is_an_error(tmp_path):
    report = _check(tmp_path / "c", drug="cabozantinib")
    assert report.errors == [
        "parameter 'drug': 'cabozantinib' has no measurement in viability.csv; drugs in the "
        "data: everolimus, lenvatinib; set drug to one of them"
    ]


def test_all_responders_is_a_notice_with_the_class_counts(tmp_path):
    folder = write_cohort(tmp_path / "c", CohortSpec(inhibition=(60.0, 90.0)))
    n_resp, n_non = _class_counts(folder, "lenvatinib", 10.0, 15.0)
    assert (n_resp, n_non) == (12, 0)
    report = preflight(folder, {})
    assert report.ok
    [notice] = [n for n in report.notices if n.startswith("one response class is empty")]
    assert (
        f"at the 15% threshold, 'lenvatinib' at 10 µM gives {n_resp} responders and "
        f"{n_non} non-responders"
    ) in notice
    assert "tests of association (biomarker chapter)" in notice
    assert "TALENT" in notice and "small-cohorts chapter" in notice


def test_class_counts_follow_the_threshold(tmp_path):
    folder = write_cohort(tmp_path / "c", CohortSpec(n_cultures=20, seed=3))
    for threshold in (0.0, 15.0, 40.0, 100.0):
        n_resp, n_non = _class_counts(folder, "lenvatinib", 10.0, threshold)
        report = preflight(folder, {"response_threshold_pct": threshold})
        text = report.format()
        if min(n_resp, n_non) == 0:
            assert (
                f"gives {plural(n_resp, 'responder')} and {plural(n_non, 'non-responder')}"
            ) in text
        elif min(n_resp, n_non) == 1:
            assert "a response class has fewer than 2 cultures" in text
        else:
            assert "response class" not in text
    assert (0, 20) == _class_counts(folder, "lenvatinib", 10.0, 100.0)


def test_gene_not_measured_is_a_notice(tmp_path):
    report = _check(tmp_path / "c", gene="KRAS")
    assert report.ok
    assert report.notices == [
        "gene 'KRAS' (parameter 'gene') is not measured in expression.csv: the gene sections "
        "of the small-cohorts chapter will show a notice"
    ]
    no_hras = _check(tmp_path / "d", CohortSpec(genes=("KDR", "FGFR1"), seed=1))
    assert any(
        n.startswith("gene 'HRAS' (parameter 'gene') is not measured") for n in no_hras.notices
    )
    other = _check(tmp_path / "e", CohortSpec(genes=("KDR",), seed=1), gene="KDR")
    assert other.notices == [
        "HRAS is not measured in expression.csv: the HRAS sections of the "
        "biomarker-association chapter will show a notice",
        "gene 'HRAS' (parameter 'replication_gene') is not measured in expression.csv: the "
        "replication chapter will show a notice",
    ]


def test_no_mutations_is_a_notice(tmp_path):
    folder = write_cohort(tmp_path / "c", CohortSpec(mutation_rate=0.0))
    assert pd.read_csv(folder / "mutations.csv").empty
    report = preflight(folder, {})
    assert report.ok
    assert [n for n in report.notices if n.startswith("mutations.csv lists no detected mutation")]


def test_short_dose_series_means_no_curves(tmp_path):
    short = _check(
        tmp_path / "c", CohortSpec(drugs={"lenvatinib": (1.0, 3.0, 10.0), "everolimus": (1.0,)})
    )
    assert (
        "no drug was tested at 4 or more concentrations (at most 3, for lenvatinib): no "
        "dose-response curve will be fitted"
    ) in short.notices[0]
    series = _check(
        tmp_path / "d",
        CohortSpec(drugs={"lenvatinib": (0.1, 0.3, 1.0, 3.0, 10.0), "everolimus": (1.0,)}),
    )
    assert not [n for n in series.notices if "dose-response" in n]


def test_invalid_data_reports_validation_errors_and_skips_the_cross_checks(tmp_path):
    folder = write_cohort(tmp_path / "c")
    (folder / "panel.txt").unlink()
    report = preflight(folder, {"drug": "cabozantinib"})
    assert not report.ok and not report.data_checked
    assert any("panel.txt" in e for e in report.errors)
    assert not any("cabozantinib" in e for e in report.errors)
    assert "checked against the data once it is valid" in report.summary()
    missing = preflight(tmp_path / "nowhere", {})
    assert not missing.ok and "folder not found" in missing.errors[0]


def test_invalid_parameter_values_are_errors_too(tmp_path):
    report = _check(tmp_path / "c", alpha=float("nan"))
    assert not report.ok
    assert report.errors[0].startswith("parameter 'alpha' must be a finite number")


def test_format_puts_every_item_on_its_own_line_then_the_summary():
    report = PreflightReport("x", errors=["e1", "e2"], notices=["n1"], warnings=["w1"])
    assert report.format().splitlines() == [
        "ERROR: e1",
        "ERROR: e2",
        "WARNING: w1",
        "NOTICE: n1",
        "x: 2 errors, 1 warning, 1 notice: NOT ready to build; fix the errors above "
        "(the parameters are checked against the data once it is valid).",
    ]


def test_check_command_exit_codes(tmp_path, capsys):
    folder = write_cohort(tmp_path / "c", CohortSpec(mutation_rate=0.0))
    assert main(["check", str(BUNDLED_COHORT)]) == 0
    assert main(["check", str(folder)]) == 0  # a notice alone does not fail
    assert main(["check", str(folder), "--strict"]) == 1
    params = tmp_path / "p.yaml"
    params.write_text("comparators: [sunitinib]\n")
    assert main(["check", str(folder), "--params", str(params)]) == 1
    out = capsys.readouterr().out
    assert "NOTICE: mutations.csv lists no detected mutation" in out
    assert "ERROR: parameter 'comparators': sunitinib not in viability.csv" in out


def test_preflight_does_not_import_scipy_stats():
    """The first step of every build stays quick: no scipy.stats or scipy.optimize (~0.5 s)."""
    code = (
        "import sys\n"
        "from netcomp.book.params import defaults\n"
        "from netcomp.book.preflight import preflight\n"
        f"report = preflight({str(BUNDLED_COHORT)!r}, defaults())\n"
        "print(report.ok, report.data_checked, "
        "sorted(m for m in ('scipy.stats', 'scipy.optimize') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.split("\n")[0] == "True True []"
