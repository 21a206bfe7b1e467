"""Time ``netcomp validate`` on large, messy cohorts: is it linear in the file size?

Writes cohorts whose ``viability.csv`` has 50,000, 100,000 and 200,000 rows, of which about
one in five is broken (empty values, text, decimal commas, ``inf``/``nan``, out-of-range
numbers, unknown culture codes, duplicates), plus blank lines and quoted values. Times
:func:`netcomp.data.validate.validate_cohort` on each (median of 3 runs) and checks that the
problems are reported capped (at most 20 listed per column). Run:

    .venv/bin/python benchmarks/validate_benchmark.py [--rows 200000] [--out FILE.md]

The figures are recorded in ``benchmarks/RESULTS-validate.md``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netcomp.data import contract  # noqa: E402
from netcomp.data.validate import validate_cohort  # noqa: E402

BAD_VALUES = ("", "abc", "12,5", "inf", "NaN", "-3", "1e999")


def write_messy_cohort(folder: Path, rows: int, seed: int = 0) -> dict[str, int]:
    """A cohort with ``rows`` viability rows, ~20% broken; return what was broken, by kind."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_cultures = 400
    ids = [f"C{i:04d}" for i in range(n_cultures)]
    cultures = ["culture_id,site,grade,ki67_pct,syndromic"]
    cultures += [f"{cid},pancreas,G2,{rng.uniform(0, 50):.1f},no" for cid in ids]
    (folder / "cultures.csv").write_text("\n".join(cultures) + "\n", encoding="utf-8")
    lines = ["culture_id,drug,concentration_um,replicate,viability_pct"]
    kinds = rng.random(rows)
    broken = {"value": 0, "unknown culture": 0, "blank line": 0}
    for r in range(rows):
        cid = ids[r % n_cultures]
        conc = (r // n_cultures) % 50 + 1
        rep = r // (n_cultures * 50) + 1
        value = f"{rng.uniform(0, 120):.2f}"
        k = kinds[r]
        if k < 0.15:
            bad = BAD_VALUES[r % len(BAD_VALUES)]
            value = f'"{bad}"' if "," in bad else bad
            broken["value"] += 1
        elif k < 0.18:
            cid = f"X{r:06d}"
            broken["unknown culture"] += 1
        elif k < 0.19:
            lines.append("")
            broken["blank line"] += 1
        lines.append(f"{cid},lenvatinib,{conc},{rep},{value}")
    (folder / "viability.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    expr = ["culture_id,gene,fold_change"] + [
        f"{cid},HRAS,{rng.uniform(0.2, 5):.3f}" for cid in ids
    ]
    (folder / "expression.csv").write_text("\n".join(expr) + "\n", encoding="utf-8")
    (folder / "mutations.csv").write_text("culture_id,gene,variant,vaf\n", encoding="utf-8")
    (folder / "panel.txt").write_text("MEN1\nHRAS\n", encoding="utf-8")
    return broken


def time_validation(folder: Path, repeats: int = 3) -> tuple[float, float, object]:
    """Median wall and CPU time of ``repeats`` validations, and the last report.

    CPU time is the process's own; wall time also counts waiting for a shared machine.
    """
    wall, cpu = [], []
    report = None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        report = validate_cohort(folder)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=200_000, help="largest viability.csv (rows)")
    p.add_argument("--out", type=Path, default=None, help="write the results as Markdown")
    args = p.parse_args(argv)
    sizes = sorted({max(1, args.rows // 4), max(1, args.rows // 2), args.rows})
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            folder = Path(tmp) / f"c{rows}"
            broken = write_messy_cohort(folder, rows)
            size_mb = (folder / "viability.csv").stat().st_size / 1e6
            seconds, cpu, report = time_validation(folder)
            listed = [p for p in report.problems if p.file == "viability.csv" and not p.more]
            per_column: dict[object, int] = {}
            for prob in listed:
                key = (prob.column, prob.severity)
                per_column[key] = per_column.get(key, 0) + 1
            assert max(per_column.values()) <= contract.MAX_PROBLEMS_PER_COLUMN
            results.append(
                (rows, size_mb, broken, seconds, cpu, report.n_errors, len(report.problems))
            )
            print(
                f"{rows:>8,} rows ({size_mb:5.1f} MB, {broken['value']:,} bad values, "
                f"{broken['unknown culture']:,} unknown cultures, {broken['blank line']:,} "
                f"blank lines): {seconds:6.2f} s wall, {cpu:5.2f} s CPU (median of 3); "
                f"{report.n_errors:,} errors, "
                f"{len(report.problems)} lines listed"
            )
    base_rows, _, _, _, base_s, _, _ = results[0]
    rows_top, _, _, _, top_s, _, _ = results[-1]
    ratio = (top_s / base_s) / (rows_top / base_rows)
    print(f"CPU time per row, largest vs smallest file: {ratio:.2f} (1.0 = exactly linear)")
    if args.out:
        md = [
            "# Validation benchmark",
            "",
            f"`.venv/bin/python benchmarks/validate_benchmark.py --rows {args.rows}` on "
            f"{platform.machine()}, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}. Each cohort's `viability.csv` has about 15% bad "
            "values (empty, text, decimal commas, `inf`/`NaN`, out of range), 3% unknown "
            "culture codes and 1% blank lines. Time is `validate_cohort` on the whole "
            "folder, median of 3 runs.",
            "",
            "| viability rows | file size | bad values | errors found | problems listed | "
            "median wall time | median CPU time |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for rows, size_mb, broken, seconds, cpu, n_err, n_listed in results:
            md.append(
                f"| {rows:,} | {size_mb:.1f} MB | {broken['value']:,} | {n_err:,} | "
                f"{n_listed} | {seconds:.2f} s | {cpu:.2f} s |"
            )
        md += [
            "",
            "Wall time includes waiting for the CPU on a shared machine; CPU time is "
            "the validation's own work.",
            "",
            f"CPU time per row of the largest file relative to the smallest: {ratio:.2f} "
            "(1.0 = exactly linear). Every error is counted; at most "
            f"{contract.MAX_PROBLEMS_PER_COLUMN} are listed per file and column.",
            "",
        ]
        args.out.write_text("\n".join(md), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
