"""Benchmark of the association screen on a synthetic cohort far larger than the study's.

Builds 1,000 cultures x 20,000 genes (fold changes and mutations, seeded), then runs the
screen the chapter runs - Fisher's exact test of every gene's overexpression and every
mutated gene against response, the Mann-Whitney test of every gene's fold change, and
Benjamini-Hochberg q-values over all tests - several times. Prints the median wall time
and the peak memory, checks a few genes against per-gene scipy calls, times that per-gene
loop on a sample to show what vectorising saves, and writes ``RESULTS-screen.md`` beside
this file. Target: under 10 s and under 2 GB. Not a timed test.

Usage: ``.venv/bin/python benchmarks/screen_benchmark.py [--repeats N] [--cultures N]
[--genes N] [--no-write]``
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from scipy import stats

from netcomp.stats import association as A

HERE = Path(__file__).resolve().parent


def synthetic_cohort(
    n_cultures: int, n_genes: int, seed: int = 1
) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """Response classes, fold changes (log-normal, 1% of genes associated) and mutations."""
    rng = np.random.default_rng(seed)
    cultures = [f"C{i:05d}" for i in range(n_cultures)]
    genes = [f"G{j:05d}" for j in range(n_genes)]
    responder = pd.Series(rng.random(n_cultures) < 0.55, index=cultures, name="responder")
    log_fc = rng.normal(0.0, 0.8, size=(n_cultures, n_genes))
    hits = rng.choice(n_genes, size=max(1, n_genes // 100), replace=False)
    log_fc[np.ix_(responder.to_numpy(), hits)] += 0.6
    expression = pd.DataFrame(np.exp(log_fc), index=cultures, columns=genes)
    rates = rng.beta(0.5, 20.0, size=n_genes)  # most genes rarely mutated
    mutations = pd.DataFrame(
        rng.random((n_cultures, n_genes)) < rates, index=cultures, columns=genes
    )
    return responder, expression, mutations


def run_screen(
    responder: pd.Series, expression: pd.DataFrame, mutations: pd.DataFrame, cutoff: float = 2.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chapter's screen: Fisher (overexpression, mutation) with q-values, and Mann-Whitney."""
    screen = A.association_screen(
        responder, expression_matrix=expression, mutation_matrix=mutations, cutoff=cutoff
    )
    ranks = A.mann_whitney_screen(expression, responder)
    ranks["q_value"] = A.bh_qvalues(ranks["p_value"].to_numpy())
    return screen, ranks


def spot_check(responder, expression, mutations, screen, ranks, n_genes: int = 25) -> float:
    """Largest relative difference from per-gene scipy calls on ``n_genes`` random genes."""
    rng = np.random.default_rng(0)
    r = responder.to_numpy()
    worst = 0.0
    by_key = screen.set_index(["kind", "feature"])["p_value"]
    mw = ranks.set_index("feature")["p_value"]
    for gene in rng.choice(expression.columns, size=n_genes, replace=False):
        x = expression[gene].to_numpy()
        for kind, feat in (("expression", x >= 2.0), ("mutation", mutations[gene].to_numpy())):
            if ("mutation", gene) not in by_key.index and kind == "mutation":
                continue
            ref = stats.fisher_exact(
                [[np.sum(feat & r), np.sum(feat & ~r)], [np.sum(~feat & r), np.sum(~feat & ~r)]]
            ).pvalue
            worst = max(worst, abs(by_key[(kind, gene)] - ref) / max(ref, 1e-300))
        ref = stats.mannwhitneyu(x[r], x[~r]).pvalue
        worst = max(worst, abs(mw[gene] - ref) / max(ref, 1e-300))
    return worst


def loop_seconds_per_gene(responder, expression, mutations, n_genes: int = 200) -> float:
    """Seconds per gene of the naive loop (scipy fisher_exact x2 + mannwhitneyu per gene)."""
    r = responder.to_numpy()
    cols = expression.columns[:n_genes]
    start = time.perf_counter()
    for gene in cols:
        x = expression[gene].to_numpy()
        for feat in (x >= 2.0, mutations[gene].to_numpy()):
            stats.fisher_exact(
                [[np.sum(feat & r), np.sum(feat & ~r)], [np.sum(~feat & r), np.sum(~feat & ~r)]]
            )
        stats.mannwhitneyu(x[r], x[~r])
    return (time.perf_counter() - start) / len(cols)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cultures", type=int, default=1000)
    parser.add_argument("--genes", type=int, default=20000)
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS-screen.md")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    responder, expression, mutations = synthetic_cohort(args.cultures, args.genes)
    build_s = time.perf_counter() - t0
    print(
        f"synthetic cohort: {args.cultures} cultures x {args.genes} genes "
        f"({int(responder.sum())} responders) built in {build_s:.1f} s"
    )

    times = []
    for i in range(args.repeats):
        start = time.perf_counter()
        screen, ranks = run_screen(responder, expression, mutations)
        times.append(time.perf_counter() - start)
        print(f"  run {i + 1}: {times[-1]:.2f} s")
    median_s = statistics.median(times)

    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    run_screen(responder, expression, mutations)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = (peak - base) / 2**20
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    data_mb = (expression.memory_usage(deep=False).sum() + mutations.memory_usage().sum()) / 2**20

    worst = spot_check(responder, expression, mutations, screen, ranks)
    per_gene = loop_seconds_per_gene(responder, expression, mutations)
    loop_estimate = per_gene * args.genes
    n_tests = len(screen) + len(ranks)
    ok = median_s < 10 and rss_mb < 2048

    lines = [
        f"median wall time of the screen: {median_s:.2f} s over {args.repeats} runs "
        f"(min {min(times):.2f}, max {max(times):.2f})",
        f"tests per run: {len(screen)} Fisher (overexpression + mutated genes) + "
        f"{len(ranks)} Mann-Whitney = {n_tests}",
        f"peak memory allocated by the screen (tracemalloc): {peak_mb:.0f} MB; "
        f"process peak RSS incl. data and Python: {rss_mb:.0f} MB (input data {data_mb:.0f} MB)",
        f"largest relative difference from per-gene scipy on 25 genes: {worst:.1e}",
        f"per-gene scipy loop: {per_gene * 1e3:.2f} ms/gene -> about {loop_estimate:.0f} s "
        f"for {args.genes} genes",
        f"target (< 10 s, < 2 GB): {'met' if ok else 'NOT met'}",
    ]
    print("\n".join(lines))

    if not args.no_write:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        text = [
            "# Benchmark: association screen",
            "",
            "Written by `benchmarks/screen_benchmark.py` (re-run to refresh). Synthetic cohort "
            f"of {args.cultures:,} cultures x {args.genes:,} genes (fold changes and "
            "mutations), screened as the biomarker chapter does: Fisher's exact test "
            "(two-sided) of every gene's overexpression and of every mutated gene, "
            "Mann-Whitney U of every gene's fold change, Benjamini-Hochberg q-values.",
            "",
            f"- run: {stamp}; {os.cpu_count()} CPU cores; Python {platform.python_version()}, "
            f"numpy {np.__version__}, scipy {scipy.__version__}, pandas {pd.__version__}",
            *[f"- {line}" for line in lines],
            "",
        ]
        (HERE / "RESULTS-screen.md").write_text("\n".join(text), encoding="utf-8")
        print(f"wrote {HERE / 'RESULTS-screen.md'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
