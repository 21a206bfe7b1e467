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
            "str_list": "a list of text values or null",
            "float": "a number",
            "float_or_none": "a number or null",
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
    Param("comparators", None, "str_list",
          "standard agents compared with the drug, culture by culture; null: every other drug "
          "in the data (an empty list: none)"),
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
    # ranges of the sensitivity analyses
    Param("threshold_min_pct", 5.0, "float", "lowest response threshold of the sensitivity scans (%)",
          minimum=0, maximum=100),
    Param("threshold_max_pct", 30.0, "float", "highest response threshold of the sensitivity scans (%)",
          minimum=0, maximum=100),
    Param("threshold_step_pct", 0.5, "float", "step of the response-threshold scans (%)",
          minimum=0, min_inclusive=False, maximum=50),
    Param("flip_window_pct", 5.0, "float",
          "cultures within this many points of the threshold are reported as flipping",
          minimum=0, maximum=100),
    Param("cutoff_min", 1.5, "float", "lowest overexpression cut-off of the heat map (fold change)",
          minimum=0, min_inclusive=False),
    Param("cutoff_max", 4.0, "float", "highest overexpression cut-off of the heat map (fold change)",
          minimum=0, min_inclusive=False),
    Param("cutoff_step", 0.1, "float", "step of the overexpression cut-offs of the heat map",
          minimum=0, min_inclusive=False),
    # power and sample size
    Param("power_p_responders", 0.667, "float",
          "assumed share of responders overexpressing the gene, for the power curve",
          minimum=0, maximum=1),
    Param("power_p_nonresponders", 0.1, "float",
          "assumed share of non-responders overexpressing the gene, for the power curve",
          minimum=0, maximum=1),
    Param("power_n_min", 6, "int", "smallest cohort size of the power curve", minimum=2),
    Param("power_n_max", 60, "int", "largest cohort size of the power curve", minimum=2,
          maximum=10_000),
    Param("power_n_step", 2, "int", "step of cohort sizes of the power curve", minimum=1),
    Param("gene", "HRAS", "str", "candidate biomarker gene of the small-cohorts chapter"),
    Param("rate_responders", None, "float_or_none",
          "true overexpression rate among responders for the simulations; null: the observed one",
          minimum=0, maximum=1),
    Param("rate_nonresponders", None, "float_or_none",
          "true overexpression rate among non-responders; null: the observed one",
          minimum=0, maximum=1),
    Param("cautious_rate_responders", 0.5, "float",
          "a more cautious responder rate for the validation-cohort sample size",
          minimum=0, maximum=1),
    Param("cautious_rate_nonresponders", 0.1, "float",
          "a more cautious non-responder rate for the validation-cohort sample size",
          minimum=0, maximum=1),
    Param("target_power", 0.8, "float", "power the validation cohort should reach",
          minimum=0, maximum=1, min_inclusive=False, max_inclusive=False),
    Param("max_n_per_group", 60, "int", "largest group size searched for the sample size",
          minimum=2, maximum=10_000),
    Param("confidence", 0.95, "float", "confidence level of the reported intervals",
          minimum=0, maximum=1, min_inclusive=False, max_inclusive=False),
)

BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
#: Pairs of parameters that bound a range: the first must be below the second.
RANGES: tuple[tuple[str, str], ...] = (
    ("threshold_min_pct", "threshold_max_pct"),
    ("cutoff_min", "cutoff_max"),
    ("power_n_min", "power_n_max"),
)


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
        value = value.strip()
        return (value if param.name == "gene" else value.lower()), None
    if kind == "str_list":
        if value is None:
            return None, None
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
    for low, high in RANGES:
        if not problems and values[low] >= values[high]:
            problems.append(f"parameter '{low}' ({values[low]}) must be below '{high}' "
                            f"({values[high]})")
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
