"""Command-line interface: ``netcomp build | validate | template | params | reconstruct``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netcomp import __version__


def _cmd_build(args: argparse.Namespace) -> int:
    from netcomp.build import BuildError, build
    from netcomp.params import ParamsError

    try:
        build(args.data, args.params, args.out, allow_identifiers=args.allow_identifiers,
              jobs=args.jobs, force=args.force)
    except (BuildError, ParamsError) as exc:
        print(f"netcomp build failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from netcomp.validate import validate_cohort

    report = validate_cohort(args.dir, allow_identifiers=args.allow_identifiers)
    print(report.format())
    return 0 if report.ok else 1


def _cmd_template(args: argparse.Namespace) -> int:
    from netcomp.dictionary import write_template

    try:
        out = write_template(args.dir)
    except FileExistsError as exc:
        print(f"netcomp template: {exc}", file=sys.stderr)
        return 1
    print(f"wrote an empty cohort template with a data dictionary to {out}")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from netcomp.params import defaults_yaml

    print(defaults_yaml(), end="")
    return 0


def _cmd_reconstruct(args: argparse.Namespace) -> int:
    from netcomp.reconstruct import write_cohort

    print(f"wrote the reconstructed cohort to {write_cohort(args.out, seed=args.seed)}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = argparse.ArgumentParser(
        prog="netcomp",
        description="Build the lenvatinib / GEP-NET compendium book, or check a cohort.",
    )
    p.add_argument("--version", action="version", version=f"netcomp {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="validate data, run the chapters, render the HTML book")
    b.add_argument("--data", default=None,
                   help="cohort folder or .xlsx workbook (default: bundled data/cohort)")
    b.add_argument("--params", default=None, help="YAML file of parameters (see 'netcomp params')")
    b.add_argument("--out", default="_build", help="output folder (default: _build)")
    b.add_argument("--jobs", type=int, default=None,
                   help="notebooks executed at once (default: number of cores)")
    b.add_argument("--force", action="store_true",
                   help="re-execute every chapter even if nothing changed")
    b.add_argument("--allow-identifiers", action="store_true",
                   help="drop columns that look like patient identifiers instead of refusing")
    b.set_defaults(func=_cmd_build)

    v = sub.add_parser("validate", help="check a cohort folder and list every problem")
    v.add_argument("dir", help="cohort folder or .xlsx workbook")
    v.add_argument("--allow-identifiers", action="store_true",
                   help="drop columns that look like patient identifiers instead of refusing")
    v.set_defaults(func=_cmd_validate)

    t = sub.add_parser("template", help="write an empty cohort folder with a data dictionary")
    t.add_argument("dir", help="folder to create (must not exist or be empty)")
    t.set_defaults(func=_cmd_template)

    pa = sub.add_parser("params", help="print the default parameters as YAML")
    pa.set_defaults(func=_cmd_params)

    r = sub.add_parser("reconstruct", help="regenerate the bundled reconstructed cohort")
    r.add_argument("--out", default=str(Path("data") / "cohort"))
    r.add_argument("--seed", type=int, default=None)
    r.set_defaults(func=_cmd_reconstruct)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``netcomp`` command; returns the exit code."""
    args = parser().parse_args(argv)
    if getattr(args, "command", None) == "build" and args.data is None:
        from netcomp.provenance import BUNDLED_COHORT

        args.data = BUNDLED_COHORT
    if getattr(args, "command", None) == "reconstruct" and args.seed is None:
        from netcomp.reconstruct import SEED

        args.seed = SEED
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
