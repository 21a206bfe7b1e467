"""Benchmark of the chapters' compute functions on a large cohort (issue 14: < 5 s in total).

Generates a cohort of ``--cultures`` cultures (default 1,000; lenvatinib and two comparators
at one concentration, six expression genes, some mutations) with the test suite's cohort
writer, loads it once (validation included, timed apart), then times each chapter's
``compute(cohort, defaults)`` ``--repeats`` times in this process and reports the medians.
Run: ``.venv/bin/python benchmarks/compute_benchmark.py [--cultures 1000] [--repeats 3]``;
``--write`` records the table in ``benchmarks/RESULTS-compute.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netcomp.book.params import defaults  # noqa: E402
from netcomp.data.cohort import load_cohort  # noqa: E402
from tests.cohorts import CohortSpec, write_cohort  # noqa: E402

CHAPTERS = ("data_import", "response", "association", "replication", "literature", "smallsample")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cultures", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="write benchmarks/RESULTS-compute.md")
    args = ap.parse_args()
    spec = CohortSpec(
        n_cultures=args.cultures,
        drugs={"lenvatinib": (10.0,), "everolimus": (1.0,), "sunitinib": (5.0,)},
        genes=("HRAS", "KDR", "FGFR1", "FLT1", "RET", "PDGFRA"),
        hras_effect=1.0,
        seed=1,
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_cohort(Path(tmp) / "large", spec)
        start = time.perf_counter()
        cohort = load_cohort(folder)
        load_s = time.perf_counter() - start
    params = defaults()
    modules = {name: importlib.import_module(f"netcomp.chapters.{name}") for name in CHAPTERS}
    for module in modules.values():  # warm imports and caches once, untimed
        module.compute(cohort, params)
    rows = []
    for name, module in modules.items():
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            module.compute(cohort, params)
            times.append(time.perf_counter() - start)
        rows.append((name, statistics.median(times), min(times), max(times)))
    total = sum(r[1] for r in rows)
    lines = [
        "# Compute benchmark",
        "",
        f"Measured {dt.date.today().isoformat()} with `benchmarks/compute_benchmark.py "
        f"--cultures {args.cultures} --repeats {args.repeats}` on {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. Each chapter's `compute(cohort, defaults)` on a "
        f"{args.cultures:,}-culture cohort (3 drugs, 6 genes), warm process; medians of "
        f"{args.repeats} runs.",
        "",
        f"Loading and validating the cohort: {load_s:.2f} s (once).",
        "",
        "| chapter | median s | range s |",
        "|---|---|---|",
        *(f"| {n} | {m:.2f} | {lo:.2f}-{hi:.2f} |" for n, m, lo, hi in rows),
        f"| **all chapters** | **{total:.2f}** "
        f"| target < 5 s: {'met' if total < 5 else 'NOT met'} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        (ROOT / "benchmarks" / "RESULTS-compute.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
