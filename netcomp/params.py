"""The book's parameters: defaults, help text, and checking a user's YAML file.

Each chapter notebook declares the parameters it reads in its papermill ``parameters`` cell;
the build passes each notebook only the ones it declares. A user's YAML file may set any
parameter below; unknown keys and values of the wrong type or range are refused before any
notebook runs.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Param:
    """One book parameter with its default and the values it accepts."""

    name: str
    default: Any
    kind: str  # "str", "str_list", "float", "float_or_none", "int"
    help: str
    minimum: float | None = None
    maximum: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True

    def allowed(self) -> str:
        """Say in words what the parameter accepts."""
        kinds = {
            "str": "a text value",
            "str_list": "a list of text values",
            "float": "a number",
            "float_or_none": "a number or null (null: use the cohort's tested value)",
            "int": "a whole number",
        }
        text = kinds[self.kind]
        if self.minimum is not None:
            text += f" {'>=' if self.min_inclusive else '>'} {self.minimum:g}"
        if self.maximum is not None:
            text += f" {'<=' if self.max_inclusive else '<'} {self.maximum:g}"
        return text


PARAMS: tuple[Param, ...] = (
    Param("drug", "lenvatinib", "str", "drug whose response is classified (lower-case name)"),
    Param("comparators", ["everolimus", "sunitinib"], "str_list",
          "standard agents compared with the drug, culture by culture"),
    Param("concentration_um", None, "float_or_none",
          "concentration of the drug to analyse in µM; null picks the cohort's tested one",
          minimum=0, min_inclusive=False),
    Param("response_threshold_pct", 15.0, "float",
          "a culture responds when its survival inhibition is strictly above this (%)",
          minimum=0, maximum=100),
    Param("overexpression_fold_change", 2.0, "float",
          "a gene is overexpressed when tumour/healthy fold change is at or above this",
          minimum=0, min_inclusive=False),
    Param("alpha", 0.05, "float", "significance level of the tests",
          minimum=0, maximum=1, min_inclusive=False, max_inclusive=False),
    Param("fdr", 0.10, "float", "false discovery rate for the Benjamini-Hochberg screen",
          minimum=0, maximum=1, min_inclusive=False, max_inclusive=False),
    Param("seed", 20230101, "int", "seed of every random simulation (power, p-value spread)",
          minimum=0),
    Param("n_simulations", 2000, "int", "number of simulated cohorts per simulation",
          minimum=100, maximum=1_000_000),
)

BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}


class ParamsError(ValueError):
    """Raised when a parameter file has unknown keys or invalid values (lists all of them)."""


def defaults() -> dict[str, Any]:
    """The default value of every parameter (a fresh copy)."""
    return {p.name: (list(p.default) if isinstance(p.default, list) else p.default)
            for p in PARAMS}


def _check_value(param: Param, value: Any) -> tuple[Any, str | None]:
    """Return ``(converted value, None)`` or ``(None, reason)``."""
    kind = param.kind
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            return None, "must be a non-empty text value"
        return value.strip().lower(), None
    if kind == "str_list":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return None, "must be a list of text values, e.g. [everolimus, sunitinib]"
        return [v.strip().lower() for v in value], None
    if kind == "float_or_none" and value is None:
        return None, None
    if kind in ("float", "float_or_none"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, "must be a number"
        value = float(value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, "must be a whole number"
    lo, hi = param.minimum, param.maximum
    if lo is not None and (value < lo if param.min_inclusive else value <= lo):
        return None, "is out of range"
    if hi is not None and (value > hi if param.max_inclusive else value >= hi):
        return None, "is out of range"
    return value, None


def resolve(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge ``overrides`` into the defaults, refusing unknown keys and invalid values."""
    values = defaults()
    problems: list[str] = []
    for key, value in (overrides or {}).items():
        param = BY_NAME.get(str(key))
        if param is None:
            close = difflib.get_close_matches(str(key), list(BY_NAME), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                f"unknown parameter '{key}'{hint}; known parameters: {', '.join(BY_NAME)}"
            )
            continue
        converted, reason = _check_value(param, value)
        if reason:
            problems.append(
                f"parameter '{key}' {reason}: got {value!r}; allowed: {param.allowed()}"
            )
        else:
            values[param.name] = converted
    if problems:
        raise ParamsError("\n".join(problems))
    return values


def load_params(path: str | Path | None) -> dict[str, Any]:
    """Read a YAML parameter file (a mapping of parameter: value) and resolve it."""
    if path is None:
        return resolve()
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"parameter file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path} is not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path} must be a mapping of 'parameter: value' lines")
    return resolve(data)


def defaults_yaml() -> str:
    """The defaults as YAML, one comment line per parameter (``netcomp params``)."""
    lines = ["# netcomp build parameters: copy, edit, and pass with --params FILE.yaml"]
    for p in PARAMS:
        lines.append(f"# {p.help} ({p.allowed()})")
        lines.append(yaml.safe_dump({p.name: p.default}, default_flow_style=True,
                                    sort_keys=False).strip().strip("{}"))
    return "\n".join(lines) + "\n"
