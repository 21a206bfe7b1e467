"""Benchmark of book builds: netcomp's papermill + cached pipeline against Jupyter Book's own.

Scenarios, each repeated ``--repeats`` times, interleaved so machine drift hits all alike:

1. cold build of the whole book (``netcomp build --force`` into an empty folder);
2. rebuild with nothing changed (target: under 3 s, nothing re-executed);
3. rebuild after changing one parameter read by a single chapter (target: only it re-executed);
4. reference: the same notebooks executed and rendered by Jupyter Book itself
   (``execute_notebooks: force``), and Jupyter Book's cached rebuild with nothing changed
   (``execute_notebooks: cache``, second run).

Medians and ratios go to ``benchmarks/RESULTS.md`` with the machine description and date.
Run: ``.venv/bin/python benchmarks/build_benchmark.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
BIN = Path(sys.executable).parent
#: The cold build may take at most this share of Jupyter Book's own execution (issue 14: no
#: slower than the ratio measured on 2026-11-24).
COLD_RATIO_TARGET = 0.87


def run(cmd: list[str], cwd: Path = ROOT) -> float:
    """Run a command to completion (failing loudly) and return its wall time in seconds."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(
            f"benchmark command failed: {' '.join(cmd)}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    return seconds


def single_chapter_parameter() -> tuple[str, str]:
    """A book parameter declared by exactly one chapter notebook: (parameter, notebook name)."""
    from netcomp.book.build import chapter_notebooks
    from netcomp.book.cache import declared_parameters
    from netcomp.book.notebooks import notebook_name
    from netcomp.book.params import BY_NAME

    owners: dict[str, list[str]] = {}
    for nb in chapter_notebooks():  # MyST Markdown sources; the build names them <stem>.ipynb
        for name in declared_parameters(nb):
            if name in BY_NAME:
                owners.setdefault(name, []).append(notebook_name(nb))
    for name, notebooks in sorted(owners.items()):
        if len(notebooks) == 1 and BY_NAME[name].kind in ("float", "int"):
            return name, notebooks[0]
    sys.exit("no numeric parameter is read by exactly one chapter")


def jupyter_book_copy(execute: str) -> Path:
    """A copy of the book sources set up for Jupyter Book's own execution of the notebooks.

    The chapters stay the MyST Markdown notebooks netcomp builds from: Jupyter Book (MyST-NB)
    reads and executes them as they are, as netcomp's build converts them for papermill.
    """
    target = WORK / f"jb-{execute}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, target / name)
    for name in ("book", "notebooks"):
        shutil.copytree(ROOT / name, target / name)
    shutil.copytree(ROOT / "data", target / "data")
    config = yaml.safe_load((target / "_config.yml").read_text())
    config["execute"] = {"execute_notebooks": execute, "timeout": 600}
    config["sphinx"]["config"]["nb_execution_mode"] = execute
    (target / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    netcomp = str(BIN / "netcomp")
    jb = str(BIN / "jupyter-book")
    out = WORK / "netcomp"
    param, owner = single_chapter_parameter()
    params_file = WORK / "one-param.yaml"
    generated = WORK / "generated"

    times: dict[str, list[float]] = {
        k: []
        for k in (
            "netcomp cold",
            "netcomp no change",
            "netcomp one parameter",
            "jupyter-book force",
            "jupyter-book cached rebuild",
        )
    }
    executed_after_param: list[list[str]] = []
    for i in range(args.repeats):
        if out.exists():
            shutil.rmtree(out)
        times["netcomp cold"].append(run([netcomp, "build", "--out", str(out), "--force"]))
        times["netcomp no change"].append(run([netcomp, "build", "--out", str(out)]))
        from netcomp.book.params import BY_NAME

        default = BY_NAME[param].default
        value = default * (1.5 + i) if isinstance(default, float) else int(default) + 100 * (i + 1)
        params_file.write_text(yaml.safe_dump({param: value}))
        times["netcomp one parameter"].append(
            run([netcomp, "build", "--out", str(out), "--params", str(params_file)])
        )
        executed_after_param.append(json.loads((out / "build.json").read_text())["executed"])
        if not generated.exists():
            # Jupyter Book needs the pages netcomp generates (build info, ledger, ...)
            run([netcomp, "build", "--out", str(WORK / "gen")])
            shutil.copytree(WORK / "gen" / "src" / "book" / "_generated", generated)
        src = jupyter_book_copy("force")
        shutil.copytree(generated, src / "book" / "_generated", dirs_exist_ok=True)
        times["jupyter-book force"].append(
            run([jb, "build", str(src), "--path-output", str(src / "out")])
        )
        src = jupyter_book_copy("cache")
        shutil.copytree(generated, src / "book" / "_generated", dirs_exist_ok=True)
        run([jb, "build", str(src), "--path-output", str(src / "out")])
        times["jupyter-book cached rebuild"].append(
            run([jb, "build", str(src), "--path-output", str(src / "out")])
        )

    med = {k: statistics.median(v) for k, v in times.items()}
    cold_ratio = [
        a / b for a, b in zip(times["netcomp cold"], times["jupyter-book force"], strict=True)
    ]
    rebuild_ratio = [
        b / a
        for a, b in zip(
            times["netcomp no change"], times["jupyter-book cached rebuild"], strict=True
        )
    ]
    cpu = "unknown"
    try:
        cpu = next(
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    only_owner = all(e == [owner] for e in executed_after_param)
    lines = [
        "# Build benchmark",
        "",
        f"Measured {dt.date.today().isoformat()} with `benchmarks/build_benchmark.py "
        f"--repeats {args.repeats}` on {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, "
        f"Python {platform.python_version()}. Wall-clock seconds of whole commands; medians "
        f"of {args.repeats} interleaved runs (min-max in brackets).",
        "",
        "| scenario | median s | range s |",
        "|---|---|---|",
        *(f"| {k} | {med[k]:.1f} | {min(v):.1f}-{max(v):.1f} |" for k, v in times.items()),
        "",
        "| ratio (same run, pair by pair) | median | target |",
        "|---|---|---|",
        f"| netcomp cold / Jupyter Book force | {statistics.median(cold_ratio):.2f} "
        f"| <= {COLD_RATIO_TARGET} |",
        f"| Jupyter Book cached rebuild / netcomp no-change rebuild | "
        f"{statistics.median(rebuild_ratio):.1f}x | >= 5x |",
        "",
        f"Changing `{param}` (read only by `{owner}`) re-executed: "
        f"{'; '.join(', '.join(e) or 'nothing' for e in executed_after_param)} "
        f"({'only that chapter' if only_owner else 'NOT only that chapter'}).",
        f"No-change rebuild target (< 3 s): {'met' if med['netcomp no change'] < 3 else 'missed'}.",
        f"Cold-build ratio target (<= {COLD_RATIO_TARGET}, the ratio measured on 2026-11-24): "
        f"{'met' if statistics.median(cold_ratio) <= COLD_RATIO_TARGET else 'missed'}.",
        "",
    ]
    text = "\n".join(lines)
    (ROOT / "benchmarks" / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
