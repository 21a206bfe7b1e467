"""The book's parameters: defaults, help text, and checking a user's YAML file.

Each chapter notebook declares the parameters it reads in its papermill ``parameters`` cell;
the build passes each notebook only the ones it declares. A user's YAML file may set any
parameter below; unknown keys and values of the wrong type or range are refused before any
notebook runs. Every number must be finite, and every parameter that sets the size of a grid
or a simulation is bounded (:data:`MAX_SCAN_POINTS`, :data:`MAX_POWER_N` and the
per-parameter maxima), so no parameter file can make a
chapter run for minutes. Text parameters must match the data contract's patterns, so no
markup can come in through them. Messages quote at most 80 characters of a bad value.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from netcomp.data.contract import DRUG_PATTERN, GENE_PATTERN
from netcomp.text.safe_text import clip

#: Most values of a sensitivity scan: the response-threshold scan and the cut-off grid.
MAX_SCAN_POINTS = 1001
#: Largest study of the exact power engine (both classes): a few seconds of computing.
MAX_POWER_N = 600
#: Largest parameter file read (bytes): parameters take a few hundred bytes.
MAX_FILE_BYTES = 100_000
#: Deepest nesting of lists and mappings read from a parameter file.
MAX_DEPTH = 10
#: A number written as text, e.g. ``1e-6`` (YAML 1.1 reads exponents without a '.' as text).
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")

_KINDS = {
    "str": "a text value",
    "drug": "a drug name (letters, digits, '-' and '_', starting with a letter)",
    "gene": "a gene symbol (upper-case letters, digits and '-', starting with a letter, e.g. HRAS)",
    "str_list": "null (every other drug in the data), a list of drug names ([] for none) or "
    "one drug name",
    "float": "a finite number",
    "float_or_none": "a finite number or null",
    "int": "a whole number",
    "choice": "one of",
}


def _num(x: float) -> str:
    """A bound as people write it: ``100,000``, ``0.5``, ``1e-06``."""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:g}"


@dataclass(frozen=True)
class Param:
    """One book parameter with its default and the values it accepts."""

    name: str
    default: Any
    kind: str  # "drug", "gene", "str_list", "float", "float_or_none", "int", "choice"
    help: str
    minimum: float | None = None
    maximum: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    choices: tuple[str, ...] = ()  # the accepted values of a "choice" parameter

    def allowed(self) -> str:
        """Say in words what the parameter accepts."""
        text = _KINDS[self.kind]
        if self.kind == "choice":
            return f"{text} {', '.join(self.choices)}"
        if self.minimum is not None:
            text += f" {'>=' if self.min_inclusive else '>'} {_num(self.minimum)}"
        if self.maximum is not None:
            text += f" {'<=' if self.max_inclusive else '<'} {_num(self.maximum)}"
        return text


PARAMS: tuple[Param, ...] = (
    Param("drug", "lenvatinib", "drug", "drug whose response is classified"),
    Param(
        "comparators",
        None,
        "str_list",
        "standard agents compared with the drug, culture by culture",
    ),
    Param(
        "concentration_um",
        None,
        "float_or_none",
        "concentration of the drug to analyse in µM; null picks the cohort's tested one",
        minimum=0,
        min_inclusive=False,
        maximum=1_000_000,
    ),
    Param(
        "response_threshold_pct",
        15.0,
        "float",
        "a culture responds when its survival inhibition is strictly above this (%)",
        minimum=0,
        maximum=100,
    ),
    Param(
        "overexpression_fold_change",
        2.0,
        "float",
        "a gene is overexpressed when tumour/healthy fold change is at or above this",
        minimum=0,
        min_inclusive=False,
        maximum=1000,
    ),
    Param(
        "alpha",
        0.05,
        "float",
        "significance level of the tests",
        minimum=0,
        maximum=1,
        min_inclusive=False,
        max_inclusive=False,
    ),
    Param(
        "fdr",
        0.10,
        "float",
        "false discovery rate for the Benjamini-Hochberg screen",
        minimum=0,
        maximum=1,
        min_inclusive=False,
        max_inclusive=False,
    ),
    Param(
        "seed",
        20230101,
        "int",
        "seed of every random simulation (power, p-value spread)",
        minimum=0,
        maximum=2**32 - 1,
    ),
    Param(
        "n_simulations",
        2000,
        "int",
        "number of simulated cohorts per simulation",
        minimum=100,
        maximum=100_000,
    ),
    # ranges of the sensitivity analyses
    Param(
        "threshold_min_pct",
        5.0,
        "float",
        "lowest response threshold of the sensitivity scans (%)",
        minimum=0,
        maximum=100,
    ),
    Param(
        "threshold_max_pct",
        30.0,
        "float",
        "highest response threshold of the sensitivity scans (%)",
        minimum=0,
        maximum=100,
    ),
    Param(
        "threshold_step_pct",
        0.5,
        "float",
        f"step of the response-threshold scans (%); a scan has at most {MAX_SCAN_POINTS:,} "
        "thresholds",
        minimum=0,
        min_inclusive=False,
        maximum=50,
    ),
    Param(
        "flip_window_pct",
        5.0,
        "float",
        "cultures within this many points of the threshold are reported as flipping",
        minimum=0,
        maximum=100,
    ),
    Param(
        "cutoff_min",
        1.5,
        "float",
        "lowest overexpression cut-off of the heat map (fold change)",
        minimum=0,
        min_inclusive=False,
        maximum=1000,
    ),
    Param(
        "cutoff_max",
        4.0,
        "float",
        "highest overexpression cut-off of the heat map (fold change)",
        minimum=0,
        min_inclusive=False,
        maximum=1000,
    ),
    Param(
        "cutoff_step",
        0.1,
        "float",
        f"step of the overexpression cut-offs of the heat map; at most {MAX_SCAN_POINTS:,} "
        "cut-offs",
        minimum=0,
        min_inclusive=False,
        maximum=1000,
    ),
    # power and sample size: one set of assumptions, used by the biomarker chapter and the
    # small-cohorts chapter (netcomp.stats.smallsample.plan_power)
    Param(
        "power_rate_responders",
        0.667,
        "float",
        "assumed true share of responders with the feature (planning effect; default: the "
        "published 4 of 6)",
        minimum=0,
        maximum=1,
    ),
    Param(
        "power_rate_nonresponders",
        0.1,
        "float",
        "assumed true share of non-responders with the feature (planning effect; not the "
        "published 0 of 5, since a true share of exactly 0 is implausible)",
        minimum=0,
        maximum=1,
    ),
    Param(
        "power_cautious_rate_responders",
        0.5,
        "float",
        "a more cautious share of responders with the feature (cautious effect)",
        minimum=0,
        maximum=1,
    ),
    Param(
        "power_cautious_rate_nonresponders",
        0.1,
        "float",
        "share of non-responders with the feature under the cautious effect",
        minimum=0,
        maximum=1,
    ),
    Param(
        "power_responder_share",
        0.5,
        "float",
        "share of responders in a planned study (0.5: responder-balanced, equal numbers)",
        minimum=0,
        maximum=1,
        min_inclusive=False,
        max_inclusive=False,
    ),
    Param(
        "power_max_n",
        120,
        "int",
        "largest study searched for power and sample size (cultures of both classes; "
        "power is exact for every size from 2 to it)",
        minimum=2,
        maximum=MAX_POWER_N,
    ),
    Param(
        "target_power",
        0.8,
        "float",
        "power a planned study should reach",
        minimum=0,
        maximum=1,
        min_inclusive=False,
        max_inclusive=False,
    ),
    Param("gene", "HRAS", "gene", "candidate biomarker gene of the small-cohorts chapter"),
    Param(
        "confidence",
        0.95,
        "float",
        "confidence level of the reported intervals",
        minimum=0,
        maximum=1,
        min_inclusive=False,
        max_inclusive=False,
    ),
    # the replication chapter (netcomp.chapters.replication)
    Param(
        "replication_gene",
        "HRAS",
        "gene",
        "gene whose overexpression the replication chapter compares with the published counts",
    ),
    Param(
        "replication_version",
        "journal",
        "choice",
        "published version compared with the cohort: journal (2023), conference (2022) or both",
        choices=("journal", "conference", "both"),
    ),
    Param(
        "prior_strength",
        0.5,
        "float",
        "weight of the published counts as a prior in the replication chapter (1: each "
        "published culture counts as one culture; 0: the flat prior only)",
        minimum=0,
        maximum=1,
    ),
)

BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
#: Parameters of earlier versions, refused with what replaced them (one set of power
#: assumptions now serves both chapters, and power is exact for every size).
RENAMED: dict[str, str] = {
    "power_p_responders": "renamed to 'power_rate_responders'",
    "power_p_nonresponders": "renamed to 'power_rate_nonresponders'",
    "rate_responders": "replaced by 'power_rate_responders' (a number: the observed share "
    "is no longer assumed, since a share of 0 or 1 is implausible)",
    "rate_nonresponders": "replaced by 'power_rate_nonresponders' (a number: the observed "
    "share is no longer assumed, since a share of 0 or 1 is implausible)",
    "cautious_rate_responders": "renamed to 'power_cautious_rate_responders'",
    "cautious_rate_nonresponders": "renamed to 'power_cautious_rate_nonresponders'",
    "power_n_max": "renamed to 'power_max_n' (power is now exact for every size up to it)",
    "max_n_per_group": "replaced by 'power_max_n', which counts the cultures of both classes "
    "(twice the old value searches as far)",
    "power_n_min": "removed: power is now exact for every size from 2 to 'power_max_n'",
    "power_n_step": "removed: power is now exact for every size from 2 to 'power_max_n'",
}
#: Pairs of parameters that bound a range: the first must be below the second.
RANGES: tuple[tuple[str, str], ...] = (
    ("threshold_min_pct", "threshold_max_pct"),
    ("cutoff_min", "cutoff_max"),
)
#: Scans set by (lowest, highest, step) parameters, each at most MAX_SCAN_POINTS values.
SCANS: tuple[tuple[str, str, str, str], ...] = (
    ("threshold_min_pct", "threshold_max_pct", "threshold_step_pct", "thresholds"),
    ("cutoff_min", "cutoff_max", "cutoff_step", "cut-offs"),
)

_PATTERNS = {"drug": re.compile(DRUG_PATTERN), "gene": re.compile(GENE_PATTERN)}


class ParamsError(ValueError):
    """Raised when a parameter file has unknown keys or invalid values (lists all of them)."""


def defaults() -> dict[str, Any]:
    """The default value of every parameter (a fresh copy)."""
    return {p.name: (list(p.default) if isinstance(p.default, list) else p.default) for p in PARAMS}


def _text(kind: str, value: Any) -> tuple[str | None, str | None]:
    """A drug name (lower-cased) or gene symbol checked against the contract's pattern."""
    if not isinstance(value, str) or not value.strip():
        return None, "must be a non-empty text value"
    text = value.strip()
    if kind == "drug":
        text = text.lower()
    if not _PATTERNS[kind].fullmatch(text):
        return None, "is not a valid " + ("drug name" if kind == "drug" else "gene symbol")
    return text, None


def _check_list(value: Any) -> tuple[list[str] | None, str | None]:
    """Comparators: null, a list of drug names, or one name (commas may separate several)."""
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        return None, "must be null, a list of drug names or one drug name"
    names: list[str] = []
    for item in value:
        name, reason = _text("drug", item)
        if reason:
            return None, f"has an entry that {reason} ({clip(repr(item))})"
        if name not in names:
            names.append(name)  # type: ignore[arg-type]
    return names, None


def _check_number(param: Param, value: Any) -> tuple[float | int | None, str | None]:
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        value = float(value)  # "1e-6": a number YAML 1.1 left as text
    if param.kind == "int":
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            return None, "must be a whole number"
    else:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, "must be a number"
        try:
            value = float(value)
        except OverflowError:
            return None, "must be a finite number"
        if not math.isfinite(value):
            return None, "must be a finite number (not .nan, .inf or -.inf)"
    lo, hi = param.minimum, param.maximum
    if lo is not None and (value < lo if param.min_inclusive else value <= lo):
        return None, "is out of range"
    if hi is not None and (value > hi if param.max_inclusive else value >= hi):
        return None, "is out of range"
    return value, None


def _check_value(param: Param, value: Any) -> tuple[Any, str | None]:
    """Return ``(converted value, None)`` or ``(None, reason)``."""
    if param.kind == "choice":
        if isinstance(value, str) and value.strip().lower() in param.choices:
            return value.strip().lower(), None
        return None, "is not one of the accepted values"
    if param.kind in ("drug", "gene"):
        return _text(param.kind, value)
    if value is None and param.kind in ("str_list", "float_or_none"):
        return None, None
    if param.kind == "str_list":
        return _check_list(value)
    return _check_number(param, value)


def scan_size(low: float, high: float, step: float) -> int:
    """Number of values of the scan ``low, low + step, ... <= high`` (1e-9 tolerance)."""
    return int(math.floor((high - low) / step + 1e-9)) + 1


def _joint_problems(values: dict[str, Any]) -> list[str]:
    """Checks that involve several parameters: ordered ranges and grid sizes."""
    problems = []
    for low, high in RANGES:
        if values[low] >= values[high]:
            problems.append(
                f"parameter '{low}' ({values[low]}) must be below '{high}' ({values[high]})"
            )
    if problems:
        return problems
    for low, high, step, what in SCANS:
        size = scan_size(values[low], values[high], values[step])
        if size > MAX_SCAN_POINTS:
            least = (values[high] - values[low]) / (MAX_SCAN_POINTS - 1)
            problems.append(
                f"parameter '{step}' ({values[step]:g}) gives a scan of {size:,} {what} from "
                f"'{low}' ({values[low]:g}) to '{high}' ({values[high]:g}); allowed: at most "
                f"{MAX_SCAN_POINTS:,} {what}, so '{step}' >= {least:.6g}"
            )
    if values["comparators"] and values["drug"] in values["comparators"]:
        problems.append(
            f"parameter 'comparators' names the drug itself ('{values['drug']}'); "
            "allowed: other drugs only"
        )
    return problems


def resolve(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge ``overrides`` into the defaults, refusing unknown keys and invalid values.

    Every problem is listed (one line each) in one :class:`ParamsError`; nothing else is
    raised, whatever the values.
    """
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ParamsError(
            f"parameters must be a mapping of 'parameter: value', got {type(overrides).__name__}"
        )
    values = defaults()
    problems: list[str] = []
    for key, value in (overrides or {}).items():
        param = BY_NAME.get(key) if isinstance(key, str) else None
        if param is None and key in RENAMED:
            problems.append(f"parameter '{key}' was {RENAMED[key]}")
            continue
        if param is None:
            shown = clip(key if isinstance(key, str) else repr(key))
            close = difflib.get_close_matches(shown, list(BY_NAME), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                f"unknown parameter '{shown}'{hint}; known parameters: {', '.join(BY_NAME)}"
            )
            continue
        converted, reason = _check_value(param, value)
        if reason:
            problems.append(
                f"parameter '{key}' {reason}: got {clip(_show(value))}; allowed: {param.allowed()}"
            )
        else:
            values[param.name] = converted
    if not problems:
        problems = _joint_problems(values)
    if problems:
        raise ParamsError("\n".join(problems))
    return values


def _show(value: Any) -> str:
    """A value as YAML spells it where that differs from Python (nan, inf, null, booleans)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    try:
        return repr(value)
    except (ValueError, RecursionError):  # e.g. an int too long to print
        return f"a {type(value).__name__}"


_OPEN = (
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
)
_CLOSE = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a key written twice (YAML forbids it; PyYAML keeps the last,
    so a threshold set twice would silently take the second value)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key: the mapping constructor reports it
            continue
        line = key_node.start_mark.line + 1
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"parameter {clip(str(key))!r} is given twice (lines {first} and "
                f"{line}); keep one of them",
                key_node.start_mark,
            )
        seen[key] = line
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _refuse_expansions(text: str, name: str) -> None:
    """Refuse YAML anchors, aliases and deep nesting before anything is built.

    An alias repeats a whole value, so a few hundred bytes can expand to billions of
    values ("billion laughs"); a parameter file never needs one, nor more than
    :data:`MAX_DEPTH` levels of nesting.
    """
    depth = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
            raise ParamsError(
                f"{name}, line {token.start_mark.line + 1}: YAML anchors and "
                "aliases ('&', '*') are not accepted in a parameter file; write "
                "each value out"
            )
        depth += isinstance(token, _OPEN) - isinstance(token, _CLOSE)
        if depth > MAX_DEPTH:
            raise ParamsError(
                f"{name}, line {token.start_mark.line + 1}: nested more than "
                f"{MAX_DEPTH} levels deep; a parameter file holds "
                "'parameter: value' lines"
            )


def load_params(path: str | Path | None) -> dict[str, Any]:
    """Read a YAML parameter file (a mapping of parameter: value) and resolve it."""
    if path is None:
        return resolve()
    path = Path(path)
    name = clip(str(path))
    if path.is_dir():
        raise ParamsError(
            f"{name} is a folder; give a YAML parameter file "
            "('netcomp params > my.yaml' writes one)"
        )
    if not path.is_file():
        raise ParamsError(
            f"parameter file not found: {name} ('netcomp params > my.yaml' writes one)"
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ParamsError(f"cannot read the parameter file {name}: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ParamsError(
            f"{name} is larger than {MAX_FILE_BYTES:,} bytes; a parameter file "
            "holds a few 'parameter: value' lines"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParamsError(
            f"{name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
            "save it as UTF-8 (in most editors: Save as, encoding UTF-8) and try again"
        ) from None
    if not text.strip():
        raise ParamsError(
            f"{name} is empty; write 'parameter: value' lines (see "
            "'netcomp params'), or leave out --params to use the defaults"
        )
    try:
        _refuse_expansions(text, name)
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ParamsError(f"{name} is not valid YAML: {clip(exc, 240)}") from None
    except RecursionError:
        raise ParamsError(f"{name} is nested too deeply to be a parameter file") from None
    if data is None:  # only comments: the defaults
        data = {}
    if not isinstance(data, dict):
        raise ParamsError(
            f"{name} must be a mapping of 'parameter: value' lines, not a "
            f"{'list' if isinstance(data, list) else type(data).__name__}"
        )
    return resolve(data)


def defaults_yaml() -> str:
    """The defaults as YAML, one comment line per parameter (``netcomp params``)."""
    lines = ["# netcomp build parameters: copy, edit, and pass with --params FILE.yaml"]
    for p in PARAMS:
        lines.append(f"# {p.help} ({p.allowed()})")
        lines.append(
            yaml.safe_dump({p.name: p.default}, default_flow_style=True, sort_keys=False)
            .strip()
            .strip("{}")
        )
    return "\n".join(lines) + "\n"
