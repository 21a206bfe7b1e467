"""Parameter files: defaults, overrides, and refusals that name the key and what is allowed."""

from __future__ import annotations

import ast
import math
import re
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from netcomp.book.params import (
    BY_NAME,
    MAX_FILE_BYTES,
    MAX_POWER_N,
    MAX_SCAN_POINTS,
    PARAMS,
    ParamsError,
    defaults,
    defaults_yaml,
    load_params,
    resolve,
    scan_size,
)
from netcomp.cli import main
from netcomp.data.contract import DRUG_PATTERN, GENE_PATTERN
from tests.strategies import examples


def test_defaults_are_the_published_choices():
    d = defaults()
    assert d["drug"] == "lenvatinib"
    assert d["comparators"] is None  # every other drug in the data
    assert d["response_threshold_pct"] == 15.0
    assert d["overexpression_fold_change"] == 2.0
    assert (d["alpha"], d["fdr"]) == (0.05, 0.10)


def test_printed_defaults_round_trip(capsys):
    assert main(["params"]) == 0
    text = capsys.readouterr().out
    assert resolve(yaml.safe_load(text)) == defaults()
    keys = [ln.split(":")[0] for ln in text.splitlines() if ln and not ln.startswith("#")]
    comments = [ln for ln in text.splitlines() if ln.startswith("# ")]
    assert len(comments) == len(keys) + 1  # a title line, then one comment per parameter


def test_override_from_yaml(tmp_path: Path):
    f = tmp_path / "p.yaml"
    f.write_text("response_threshold_pct: 20\ncomparators: [Sunitinib]\nconcentration_um: 5\n")
    p = load_params(f)
    assert p["response_threshold_pct"] == 20.0
    assert p["comparators"] == ["sunitinib"]
    assert p["concentration_um"] == 5.0
    assert p["drug"] == "lenvatinib"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("treshold: 20", "unknown parameter 'treshold'"),
        ("respons_threshold_pct: 20", "did you mean 'response_threshold_pct'"),
        ("response_threshold_pct: 140", "parameter 'response_threshold_pct' is out of range"),
        ("response_threshold_pct: high", "parameter 'response_threshold_pct' must be a number"),
        ("alpha: 1.5", "allowed: a finite number > 0 < 1"),
        ("n_simulations: 10.5", "must be a whole number"),
        ("comparators: 3", "must be null, a list of drug names or one drug name"),
        ("- a\n- b", "must be a mapping"),
    ],
)
def test_bad_parameters_are_refused_with_the_rule(tmp_path: Path, text, expected):
    f = tmp_path / "p.yaml"
    f.write_text(text)
    with pytest.raises(ParamsError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        load_params(f)


def test_every_problem_is_listed(tmp_path: Path):
    f = tmp_path / "p.yaml"
    f.write_text("alpha: 2\nfdr: 0\nfoo: 1\n")
    with pytest.raises(ParamsError) as info:
        load_params(f)
    assert len(str(info.value).splitlines()) == 3


def test_build_refuses_bad_parameters_before_running_anything(tmp_path: Path, capsys):
    f = tmp_path / "p.yaml"
    f.write_text("alpha: -1\n")
    out = tmp_path / "out"
    assert main(["build", "--params", str(f), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "parameter 'alpha' is out of range" in err
    assert not out.exists() and not (tmp_path / "out.partial").exists()


def test_range_bounds_must_be_ordered(tmp_path: Path):
    f = tmp_path / "p.yaml"
    f.write_text("cutoff_min: 5\ncutoff_max: 4\n")
    with pytest.raises(ParamsError, match="'cutoff_min' .* must be below 'cutoff_max'"):
        load_params(f)


def test_every_chapter_parameter_is_registered_with_the_same_default(tmp_path: Path):
    """A user's YAML can set every parameter a chapter reads (issue 7)."""
    import papermill

    from netcomp.book.build import PATH_PARAMS, chapter_notebooks
    from netcomp.book.notebooks import write_ipynb

    d = defaults()
    for nb in chapter_notebooks():  # the MyST source, converted as the build converts it
        converted = write_ipynb(nb, tmp_path / f"{nb.stem}.ipynb")
        for name, info in papermill.inspect_notebook(str(converted)).items():
            if name in PATH_PARAMS:
                continue
            assert name in d, f"{nb.name} reads '{name}', which netcomp.book.params does not know"
            assert ast.literal_eval(info["default"]) == d[name], f"{nb.name}: default of {name}"


# --------------------------------------------------------------------------- finite and bounded

NUMERIC = [p.name for p in PARAMS if p.kind in ("float", "float_or_none", "int")]


def _refusal(text: str, tmp_path: Path) -> str:
    f = tmp_path / "p.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_params(f)
    return str(info.value)


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("literal", [".nan", ".inf", "-.inf", ".NaN", "-.Inf"])
def test_non_finite_numbers_are_refused_for_every_numeric_parameter(tmp_path, name, literal):
    message = _refusal(f"{name}: {literal}\n", tmp_path)
    assert message.startswith(f"parameter '{name}' must be ")
    assert "allowed: a " in message
    assert "finite" in message or "whole number" in message


def test_huge_integers_and_overflowing_numbers_are_refused(tmp_path):
    assert "must be a finite number" in _refusal("alpha: 1e400\n", tmp_path)
    message = _refusal(f"seed: {10**40}\n", tmp_path)
    assert "parameter 'seed' is out of range" in message
    assert "allowed: a whole number >= 0 <= 4,294,967,295" in message
    assert "must be a whole number" in _refusal(f"n_simulations: {'9' * 5000}.5\n", tmp_path)


def test_exponent_written_without_a_point_is_read_as_a_number(tmp_path):
    # YAML 1.1 reads 1e-2 as text; the parameter file means the number
    f = tmp_path / "p.yaml"
    f.write_text("threshold_step_pct: 1e-1\nn_simulations: 1e4\n")
    p = load_params(f)
    assert p["threshold_step_pct"] == 0.1 and p["n_simulations"] == 10_000
    assert isinstance(p["n_simulations"], int)


def test_threshold_step_that_would_run_for_minutes_is_refused_with_the_bound(tmp_path):
    message = _refusal("threshold_step_pct: 1e-6\n", tmp_path)
    assert "parameter 'threshold_step_pct' (1e-06)" in message
    assert f"{(30 - 5) / 1e-6 + 1:,.0f} thresholds" in message  # 25,000,001
    assert f"allowed: at most {MAX_SCAN_POINTS:,} thresholds" in message
    assert "'threshold_step_pct' >= 0.025" in message  # (30 - 5) / 1000


def test_scans_up_to_the_bound_are_accepted_and_one_step_finer_refused():
    # 5..30 by 0.025 is exactly 1001 thresholds; 1.5..4.0 by 0.0025 exactly 1001 cut-offs
    ok = resolve({"threshold_step_pct": 0.025, "cutoff_step": 0.0025})
    assert ok["threshold_step_pct"] == 0.025
    assert scan_size(5, 30, 0.025) == MAX_SCAN_POINTS == 1001
    with pytest.raises(ParamsError, match=r"parameter 'threshold_step_pct' \(0.0249\)"):
        resolve({"threshold_step_pct": 0.0249})
    with pytest.raises(ParamsError) as info:
        resolve({"cutoff_step": 0.001})
    assert "parameter 'cutoff_step' (0.001) gives a scan of 2,501 cut-offs" in str(info.value)
    assert "allowed: at most 1,001 cut-offs" in str(info.value)


def test_old_power_parameters_are_refused_with_their_new_names():
    """One set of power assumptions replaced three (issue 15, item 5): old files get a hint."""
    with pytest.raises(ParamsError) as info:
        resolve(
            {
                "power_p_responders": 0.6,
                "rate_nonresponders": None,
                "cautious_rate_responders": 0.5,
                "max_n_per_group": 60,
                "power_n_step": 2,
            }
        )
    lines = str(info.value).splitlines()
    assert len(lines) == 5
    assert "'power_p_responders' was renamed to 'power_rate_responders'" in lines[0]
    assert "'rate_nonresponders' was replaced by 'power_rate_nonresponders'" in lines[1]
    assert "renamed to 'power_cautious_rate_responders'" in lines[2]
    assert "'max_n_per_group' was replaced by 'power_max_n'" in lines[3]
    assert "'power_n_step' was removed" in lines[4]
    for new in (
        "power_rate_responders",
        "power_rate_nonresponders",
        "power_max_n",
        "power_cautious_rate_responders",
        "power_cautious_rate_nonresponders",
        "power_responder_share",
        "target_power",
    ):
        assert new in BY_NAME


def test_responder_share_is_strictly_between_0_and_1():
    for bad in (0, 1, 1.2):
        with pytest.raises(ParamsError, match="'power_responder_share' is out of range"):
            resolve({"power_responder_share": bad})
    assert resolve({"power_responder_share": 0.3})["power_responder_share"] == 0.3


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("n_simulations", 100_001, "<= 100,000"),
        ("power_max_n", 601, "<= 600"),
        ("cutoff_max", 1001, "<= 1,000"),
        ("concentration_um", 0, "> 0"),
    ],
)
def test_simulation_and_grid_sizes_have_a_documented_maximum(key, value, allowed):
    with pytest.raises(ParamsError) as info:
        resolve({key: value})
    assert f"parameter '{key}' is out of range" in str(info.value)
    assert allowed in str(info.value)
    assert allowed.split()[-1] in defaults_yaml()  # the bound is printed by 'netcomp params'


# --------------------------------------------------------------------------- text parameters


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("drug", "<script>alert(1)</script>", "is not a valid drug name"),
        ("drug", "lenvatinib `{eval}`", "is not a valid drug name"),
        ("drug", "", "must be a non-empty text value"),
        ("drug", ["lenvatinib"], "must be a non-empty text value"),
        ("gene", "hras", "is not a valid gene symbol"),
        ("gene", "HRAS<img src=x>", "is not a valid gene symbol"),
        ("gene", 7, "must be a non-empty text value"),
        (
            "comparators",
            ["sunitinib", "[x](javascript:1)"],
            "has an entry that is not a valid drug",
        ),
        ("comparators", {"a": 1}, "must be null, a list of drug names or one drug name"),
        ("comparators", [None], "has an entry that must be a non-empty text value"),
    ],
)
def test_text_parameters_follow_the_data_contract(key, value, reason):
    with pytest.raises(ParamsError) as info:
        resolve({key: value})
    assert str(info.value).startswith(f"parameter '{key}' {reason}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),  # every other drug in the data
        ([], []),  # none
        ("Sunitinib", ["sunitinib"]),  # one name
        ("sunitinib, everolimus", ["sunitinib", "everolimus"]),
        (["everolimus", "EVEROLIMUS", "sunitinib"], ["everolimus", "sunitinib"]),
    ],
)
def test_comparators_accept_null_a_list_or_one_name(value, expected):
    assert resolve({"comparators": value})["comparators"] == expected


def test_drug_is_lower_cased_and_may_not_be_its_own_comparator():
    assert resolve({"drug": " Sunitinib "})["drug"] == "sunitinib"
    assert resolve({"gene": "C1orf112"})["gene"] == "C1orf112"
    with pytest.raises(ParamsError, match="'comparators' names the drug itself \\('sunitinib'\\)"):
        resolve({"drug": "sunitinib", "comparators": ["everolimus", "Sunitinib"]})


def test_long_values_are_quoted_clipped():
    with pytest.raises(ParamsError) as info:
        resolve({"drug": "<b>" + "x" * 10_000})
    message = str(info.value)
    assert "characters)" in message and len(message) < 300
    with pytest.raises(ParamsError) as info:
        resolve({"y" * 5000: 1})
    assert "(5000 characters)" in str(info.value) and "y" * 81 not in str(info.value)


# --------------------------------------------------------------------------- the file itself

BILLION_LAUGHS = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_alias_bomb_is_refused_quickly_with_a_short_message(tmp_path):
    assert len(BILLION_LAUGHS.encode()) < 350  # 9**9 'lol's once expanded
    start = time.perf_counter()
    message = _refusal(BILLION_LAUGHS, tmp_path)
    assert time.perf_counter() - start < 1.0
    assert len(message) < 300
    assert "line 1: YAML anchors and aliases ('&', '*') are not accepted" in message


def test_aliases_and_merge_keys_are_refused_even_when_small(tmp_path):
    assert "anchors and aliases" in _refusal("x: &v 0.1\nalpha: *v\n", tmp_path)
    assert "line 2" in _refusal("alpha: 0.05\n<<: *base\n", tmp_path)


def test_deep_nesting_is_refused_quickly(tmp_path):
    start = time.perf_counter()
    message = _refusal("comparators: " + "[" * 50_000, tmp_path)
    assert time.perf_counter() - start < 1.0
    assert "nested more than 10 levels deep" in message and len(message) < 300


def test_file_not_utf8_names_the_file_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short path: messages clip long ones (any TMPDIR, xdist)
    f = Path("latin1.yaml")
    f.write_bytes("drug: 'caf\xe9'\n".encode("latin-1"))
    with pytest.raises(ParamsError) as info:
        load_params(f)
    message = str(info.value)
    assert str(f) in message
    assert "is not UTF-8 text (byte 0xe9 at position 10)" in message
    assert "save it as UTF-8" in message


def test_utf8_with_byte_order_mark_is_read(tmp_path):
    f = tmp_path / "bom.yaml"
    f.write_bytes("\ufeffalpha: 0.01\n".encode())
    assert load_params(f)["alpha"] == 0.01


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "is empty; write 'parameter: value' lines"),
        ("  \n\n", "is empty"),
        ("- alpha\n- fdr\n", "must be a mapping of 'parameter: value' lines, not a list"),
        ("just text\n", "must be a mapping of 'parameter: value' lines, not a str"),
        ("alpha: [unclosed\n", "is not valid YAML"),
        ("a: 1\n---\nb: 2\n", "is not valid YAML"),
    ],
)
def test_files_that_are_not_a_mapping_are_refused_clearly(tmp_path, content, expected):
    assert expected in _refusal(content, tmp_path)


def test_only_comments_means_the_defaults(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("# nothing changed\n")
    assert load_params(f) == defaults()


def test_folder_missing_and_oversized_files_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short path: messages clip long ones (any TMPDIR, xdist)
    with pytest.raises(ParamsError, match="is a folder; give a YAML parameter file"):
        load_params(tmp_path)
    with pytest.raises(ParamsError, match="parameter file not found: .*nope.yaml"):
        load_params(Path("nope.yaml"))
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    with pytest.raises(ParamsError, match="is larger than 100,000 bytes"):
        load_params(big)


def test_check_command_reports_parameter_problems_without_traceback(tmp_path, capsys):
    f = tmp_path / "p.yaml"
    f.write_text("threshold_step_pct: .nan\n")
    assert main(["check", "data/cohort", "--params", str(f)]) == 1
    captured = capsys.readouterr()
    assert "parameter 'threshold_step_pct' must be a finite number" in captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out


# --------------------------------------------------------------------------- property

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(),
    st.sampled_from(["1e-6", "lenvatinib", "HRAS", ".nan", "1e400", "<b>x</b>", "a, b", ""]),
)
YAML_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.one_of(
    st.sampled_from([p.name for p in PARAMS]), st.text(max_size=20), st.integers(), st.none()
)


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(KEYS, YAML_VALUES, max_size=6))
def test_resolve_raises_only_params_error_and_returns_finite_bounded_values(overrides):
    try:
        values = resolve(overrides)
    except ParamsError as exc:
        assert str(exc)
        return
    for p in PARAMS:
        v = values[p.name]
        if p.kind in ("float", "int") or (p.kind == "float_or_none" and v is not None):
            assert isinstance(v, int | float) and not isinstance(v, bool)
            assert math.isfinite(v)
            assert p.minimum is None or v >= p.minimum
            assert p.maximum is None or v <= p.maximum
    assert (
        scan_size(
            values["threshold_min_pct"], values["threshold_max_pct"], values["threshold_step_pct"]
        )
        <= MAX_SCAN_POINTS
    )
    assert (
        scan_size(values["cutoff_min"], values["cutoff_max"], values["cutoff_step"])
        <= MAX_SCAN_POINTS
    )
    assert re.fullmatch(DRUG_PATTERN, values["drug"])
    assert re.fullmatch(GENE_PATTERN, values["gene"])
    assert values["comparators"] is None or all(
        re.fullmatch(DRUG_PATTERN, c) for c in values["comparators"]
    )


@settings(max_examples=examples(150), deadline=None)
@given(st.text(max_size=200))
def test_any_file_text_gives_values_or_params_error(tmp_path_factory, text):
    f = tmp_path_factory.mktemp("p") / "p.yaml"
    f.write_text(text, encoding="utf-8")
    try:
        load_params(f)
    except ParamsError as exc:
        assert 0 < len(str(exc))


def test_the_rerun_guide_states_the_bounds_the_code_enforces():
    guide = (Path(__file__).parents[1] / "book" / "rerun.md").read_text(encoding="utf-8")
    guide = " ".join(guide.split())
    for text in (
        f"at most {MAX_SCAN_POINTS:,} thresholds",
        f"{MAX_SCAN_POINTS:,} cut-offs",
        f"`n_simulations` at most {BY_NAME['n_simulations'].maximum:,}",
        f"`power_max_n` at most {MAX_POWER_N:,}",
    ):
        assert text in guide
