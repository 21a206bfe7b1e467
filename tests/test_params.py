"""Parameter files: defaults, overrides, and refusals that name the key and what is allowed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from netcomp.cli import main
from netcomp.params import ParamsError, defaults, load_params, resolve


def test_defaults_are_the_published_choices():
    d = defaults()
    assert d["drug"] == "lenvatinib"
    assert d["comparators"] == ["everolimus", "sunitinib"]
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
        ("alpha: 1.5", "allowed: a number > 0 < 1"),
        ("n_simulations: 10.5", "must be a whole number"),
        ("comparators: 3", "must be a list of text values"),
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


def test_every_chapter_parameter_is_registered_with_the_same_default():
    """A user's YAML can set every parameter a chapter reads (issue 7)."""
    import papermill

    from netcomp.build import PATH_PARAMS, chapter_notebooks

    d = defaults()
    for nb in chapter_notebooks():
        for name, info in papermill.inspect_notebook(str(nb)).items():
            if name in PATH_PARAMS:
                continue
            assert name in d, f"{nb.name} reads '{name}', which netcomp.params does not know"
            assert ast.literal_eval(info["default"]) == d[name], f"{nb.name}: default of {name}"
