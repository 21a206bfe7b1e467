"""Figures as a journal prints them: number, caption, alt text, provenance (issue 16, item 1).

``show_figure`` shows the saved PNG as a MyST figure whose caption starts with its number
("Figure 3.2.", in the order the chapter draws its figures) and whose alt text describes it.
Captions and alt text are built from results and carry user-supplied names, so both are
escaped; the tests parse what ``show_figure`` writes with MyST, as the book does. The figure
functions' own words are checked against the numbers they draw, and the five faults the issue
found in the images (volcano count, "red" grid, struck-through label, legend entries never
drawn, small and cut forest labels) are checked on the drawn figures.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import roles
from myst_parser.parsers.docutils_ import Parser as MystParser

from netcomp.book import numbering
from netcomp.chapters import association as assoc_chapter
from netcomp.chapters import data_import, literature
from netcomp.chapters import response as response_chapter
from netcomp.chapters import smallsample as small_chapter
from netcomp.data import provenance
from netcomp.data.cohort import load_cohort
from netcomp.figures import association as assoc_figures
from netcomp.figures import cohort as cohort_figures
from netcomp.figures import literature as literature_figures
from netcomp.figures import response as response_figures
from netcomp.figures import smallsample as small_figures
from netcomp.figures import style
from netcomp.figures.style import NOT_DRAWN, FigureText, new_figure
from netcomp.stats.smallsample import tables_near_observed

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "cohort"
NOTEBOOK = "03_biomarker_association.ipynb"  # the book's third chapter
HOSTILE = (
    'net`<img src=x onerror="window.__pwned=1">{raw:html}`<b>x</b>` $x$ **b** '
    "[l](javascript:1) | a | \"q\" 'q' # c: d\n````\n:alt: x\n{{7*7}} ∞ µM"
)
PLAIN_NODES = {
    "document",
    "figure",
    "image",
    "caption",
    "legend",
    "paragraph",
    "Text",
    "strong",
    "literal",
    "download",
}


def _download_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """Sphinx's {download} role, as docutils sees it in a test: a node holding its text."""
    node = nodes.inline(rawtext, text, classes=["download"])
    node.tagname = "download"
    return [node], []


roles.register_local_role("download", _download_role)


def _doctree(markdown: str) -> nodes.document:
    return publish_doctree(
        markdown,
        parser=MystParser(),
        settings_overrides={
            "myst_enable_extensions": ["colon_fence", "dollarmath", "deflist", "substitution"],
            "myst_substitutions": {"env": "SUBSTITUTED"},
            "report_level": 5,
            "halt_level": 5,
            "warning_stream": io.StringIO(),
        },
    )


def _flat(text: str) -> str:
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).split())


@pytest.fixture()
def fresh_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts its chapters' figure numbers at 1 (the numbering is per process)."""
    monkeypatch.setattr(numbering, "_BY_NOTEBOOK", {})


@pytest.fixture()
def shown(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What ``show_figure`` displays, captured instead of sent to a front end."""
    import IPython.display

    out: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_kw: out.extend(objs))
    return out


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(BUNDLED)


# --------------------------------------------------------------------------- show_figure


def _show(
    name: str, tmp_path: Path, text: FigureText, status: str, notebook: str = NOTEBOOK
) -> None:
    fig, ax = new_figure()
    ax.plot([0, 1], [0, 1])
    style.show_figure(
        fig,
        name,
        tmp_path / "figures",
        pd.DataFrame({"x": [1]}),
        "netcomp.x.f",
        notebook,
        data_status=status,
        text=text,
    )


def test_figure_is_numbered_captioned_and_described(tmp_path, monkeypatch, fresh_numbers, shown):
    monkeypatch.chdir(tmp_path)
    text = FigureText("Shows a line. Read its slope.", "A diagonal line rising to the right.")
    _show("first", tmp_path, text, provenance.RECONSTRUCTED)
    _show("second", tmp_path, text, provenance.USER_SUPPLIED)
    markdown = [obj.data for obj in shown]
    assert len(markdown) == 2  # one figure block each: the image is the PNG the block names
    tree = _doctree(markdown[0])
    figure = next(tree.findall(nodes.figure))
    assert figure["classes"] == ["netcomp-figure"]
    image = next(figure.findall(nodes.image))
    assert image["uri"] == "figures/first.png" and (tmp_path / "figures/first.png").is_file()
    assert image["alt"] == "A diagonal line rising to the right."
    caption = next(figure.findall(nodes.caption)).astext()
    assert caption == (
        "Figure 3.1. Shows a line. Read its slope. Computed from reconstructed "
        "data (synthetic, not the study's measurements)."
    )
    assert [n.astext() for n in figure.findall(nodes.strong)] == ["Figure 3.1."]
    legend = next(figure.findall(nodes.legend)).astext()
    assert legend.startswith("Drawn by f from netcomp.x in 03_biomarker_association.ipynb.")
    assert "PNG" in legend and "plotted data (CSV)" in legend
    # the next figure of the chapter is 3.2; a figure of a user's cohort says nothing of it
    second = next(_doctree(markdown[1]).findall(nodes.caption)).astext()
    assert second == "Figure 3.2. Shows a line. Read its slope."


def test_caption_and_alt_text_keep_hostile_names_as_text(
    tmp_path, monkeypatch, fresh_numbers, shown
):
    """A caption or alt text holding markup, quotes, a fence or an option line stays text."""
    monkeypatch.chdir(tmp_path)
    _show(
        "hostile",
        tmp_path,
        FigureText(f"Drug {HOSTILE} end.", f"Alt {HOSTILE} end."),
        provenance.USER_SUPPLIED,
    )
    tree = _doctree(shown[0].data)
    kinds = {type(n).__name__ for n in tree.findall()} | {
        n.tagname for n in tree.findall() if isinstance(n, nodes.Element)
    }
    assert kinds <= PLAIN_NODES | {"inline"}, kinds - PLAIN_NODES
    figures = list(tree.findall(nodes.figure))
    assert len(figures) == 1  # nothing closed the block early or opened another
    image = next(figures[0].findall(nodes.image))
    assert image["alt"] == f"Alt {_flat(HOSTILE)} end."
    caption = next(figures[0].findall(nodes.caption)).astext()
    assert caption == f"Figure 3.1. Drug {_flat(HOSTILE)} end."
    assert not list(tree.findall(nodes.raw))


def test_a_figure_outside_the_chapters_is_shown_unnumbered(tmp_path, monkeypatch, shown):
    monkeypatch.chdir(tmp_path)
    _show("plain", tmp_path, FigureText("Caption.", "Alt."), provenance.USER_SUPPLIED, notebook="")
    caption = next(_doctree(shown[0].data).findall(nodes.caption)).astext()
    assert caption == "Caption."


def test_without_a_figures_folder_the_figure_itself_is_shown_with_its_caption(fresh_numbers, shown):
    fig, _ = new_figure()
    style.show_figure(
        fig,
        "inline",
        None,
        pd.DataFrame(),
        "f",
        NOTEBOOK,
        data_status=provenance.USER_SUPPLIED,
        text=FigureText("Caption.", "Alt."),
    )
    assert shown[0] is fig
    assert shown[1].data == "**Figure 3.1.** Caption\\."


def test_a_figure_without_words_gets_its_titles_as_alt_text(
    tmp_path, monkeypatch, fresh_numbers, shown
):
    monkeypatch.chdir(tmp_path)
    fig, ax = new_figure()
    ax.set_title("Survival by drug")
    style.show_figure(fig, "untitled", tmp_path, pd.DataFrame(), "f", NOTEBOOK)
    image = next(_doctree(shown[0].data).findall(nodes.image))
    assert image["alt"] == "Chart: Survival by drug"


def test_labels_of_figures_not_drawn_and_of_groups(fresh_numbers):
    numbers = numbering.numbering_for("02_response_classification.ipynb")
    assert style.figure_label("02_response_classification.ipynb", "waterfall") == "Figure 2.1"
    numbers.label("Figure", "dose_a")
    numbers.label("Figure", "dose_b")
    glued = style.glue_figure_labels(
        "02_response_classification.ipynb",
        optional=("waterfall", "paired"),
        groups={"dose": "dose_", "curves": "curve_"},
    )
    # the drawn figure keeps the label show_figure glued; the others never dangle
    assert glued == {
        "fig_paired": NOT_DRAWN,
        "fig_dose": "Figures 2.2 and 2.3",
        "fig_curves": NOT_DRAWN,
    }
    assert style.join_labels(["Figure 2.2"]) == "Figure 2.2"
    assert style.join_labels(["Figure 2.2", "Figure 2.3", "Figure 2.4"]) == "Figures 2.2 to 2.4"
    assert style.figure_label("not_a_chapter.ipynb", "x") is None


# --------------------------------------------------------------------------- the words


def _all_texts(cohort) -> dict[str, FigureText]:
    """Every figure's words for the bundled cohort, from the chapters' own results."""
    di = data_import.compute(cohort, {})
    resp = response_chapter.compute(cohort, {})
    assoc = assoc_chapter.compute(cohort, {})
    small = small_chapter.compute(cohort, {})
    lit = literature.compute(cohort, {}, literature_dir=ROOT / "data" / "literature")
    from netcomp.stats import response as response_mod

    comparison = response_mod.compare_drugs(resp.inhibition, "lenvatinib", resp.comparators, 0.05)
    return {
        "site_grade": cohort_figures.site_grade_text(di.site_grade),
        "replicates": cohort_figures.replicate_spread_text(cohort.viability),
        "mutations": cohort_figures.mutation_matrix_text(di.mutation_grid),
        "expression": cohort_figures.expression_heatmap_text(di.log2_fc, di.gene_groups),
        "waterfall": response_figures.waterfall_text(resp.drug_inhibition, 15.0, "lenvatinib"),
        "paired": response_figures.paired_text(
            resp.paired, "lenvatinib", resp.comparators, comparison
        ),
        "threshold": response_figures.threshold_sensitivity_text(
            resp.sensitivity, 15.0, 5.0, "lenvatinib"
        ),
        "groups": response_figures.response_by_group_text(
            {"Site of origin": resp.by_site, "Grade": resp.by_grade}, "lenvatinib"
        ),
        "concentrations": response_figures.classes_by_concentration_text(
            resp.concentration_summary, "lenvatinib", 15.0
        ),
        "strip": assoc_figures.fold_change_strip_text(assoc.hras, 2.0),
        "table": assoc_figures.contingency_text(
            assoc.hras_table.long(), "HRAS", assoc.hras_table.p_value, assoc.hras_table.p_greater
        ),
        "loo": assoc_figures.leave_one_out_text(assoc.loo, 0.05),
        "heatmap": assoc_figures.p_value_heatmap_text(assoc.grid, 0.05, (15.0, 2.0)),
        "volcano": assoc_figures.volcano_text(assoc.screen, 0.05, 0.10),
        "power": small_figures.power_curve_text(
            assoc.curves, 0.8, 0.5, assoc.plan.sizes, assoc.observed_n
        ),
        "exact": small_figures.exact_vs_chi_square_text(tables_near_observed(small.margins), 0.05),
        "p_dist": small_figures.p_value_distribution_text(small.p_exact, 0.05, small.n_label),
        "false_pos": small_figures.false_positive_text(
            small.calls, small.screen_exact.n_features, small.screen_exact.expected_false_positives
        ),
        "intervals": literature_figures.interval_methods_text(lit.intervals),
        "orr": literature_figures.orr_forest_text(lit.orr),
        "adverse": literature_figures.adverse_events_text(lit.adverse),
    }


def test_every_caption_says_what_to_read_and_every_alt_text_describes(cohort):
    texts = _all_texts(cohort)
    file_name = re.compile(r"(^|/)[\w.-]+\.(png|svg|jpe?g)$|^[0-9a-f]{16,}", re.IGNORECASE)
    for key, text in texts.items():
        assert len(text.caption.split()) >= 25, key  # what it shows and what to read
        assert len(text.alt.split()) >= 12 and not file_name.search(text.alt), key
        assert "nan" not in text.caption.split() and "None" not in text.caption, key
        assert "_" not in text.caption, key  # data values as words (small intestine)


def test_captions_state_the_numbers_the_figures_draw(cohort):
    texts = _all_texts(cohort)
    resp = response_chapter.compute(cohort, {})
    n_resp = int((resp.drug_inhibition["inhibition_pct"] > 15.0).sum())
    assert f"{n_resp} of the 11 cultures lie above it" in texts["waterfall"].caption
    assert "4 of 6 responders and 0 of 5 non-responders" in texts["strip"].caption
    assert "p = 0.0606 two-sided, 0.0455 one-sided" in texts["table"].caption
    assert "small intestine" in texts["site_grade"].alt
    assert "Pearson chi-square, two-sided" in texts["exact"].caption
    assert "Figure" not in texts["volcano"].caption  # the label comes from show_figure


def test_volcano_counts_the_tests_the_text_counts(cohort):
    """The text says 30 tests (26 drawn, 4 clinical); title and caption say the same."""
    screen = assoc_chapter.compute(cohort, {}).screen
    drawn = int(np.isfinite(screen["difference"].to_numpy(float)).sum())
    assert (len(screen), drawn) == (30, 26)
    fig = assoc_figures.volcano_plot(screen, 0.05, 0.10)
    title = fig.axes[0].get_title()
    assert title.startswith("Screen against response: 26 of 30 tests drawn")
    assert "4: clinical variables" in title
    caption = assoc_figures.volcano_text(screen, 0.05, 0.10).caption
    assert "draws 26 of the screen's 30 tests; the 4 clinical variables" in caption


def test_mutation_grid_names_no_colour_it_does_not_draw(cohort):
    grid = data_import.compute(cohort, {}).mutation_grid
    fig = cohort_figures.mutation_matrix(grid)
    title = fig.axes[0].get_title()
    assert "red" not in title.lower() and "filled cell: mutated" in title
    caption = cohort_figures.mutation_matrix_text(grid).caption
    assert "red" not in caption.lower() and "filled cell is a mutation" in caption


def _label_clear_of_line(fig, text_pattern: str) -> None:
    """The text matching ``text_pattern`` lies wholly above its horizontal line."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for text in ax.texts:
            if not re.match(text_pattern, text.get_text()):
                continue
            box = text.get_window_extent(renderer)
            y_line = ax.transData.transform((0, text.xy[1]))[1]
            assert box.y0 > y_line + 1, (text.get_text(), box.y0, y_line)
            return
    raise AssertionError(f"no label {text_pattern!r}")


def test_power_and_alpha_labels_are_not_struck_through_by_their_lines(cohort):
    assoc = assoc_chapter.compute(cohort, {})
    fig = small_figures.power_curve_plot(
        assoc.curves, 0.8, 0.5, sizes=assoc.plan.sizes, cohort_n=assoc.observed_n
    )
    _label_clear_of_line(fig, r"target 80%")
    small = small_chapter.compute(cohort, {})
    fig = small_figures.exact_vs_chi_square_plot(tables_near_observed(small.margins), 0.05)
    _label_clear_of_line(fig, r"alpha = 0.05")


def _legend_labels(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


def test_heat_map_legend_lists_only_what_it_draws(cohort):
    grid = assoc_chapter.compute(cohort, {}).grid
    # the bundled grid: no point reaches p <= 0.05 and no class is empty
    assert not (grid["p_value"] <= 0.05).any() and grid["p_value"].notna().all()
    labels = _legend_labels(assoc_figures.p_value_heatmap(grid, 0.05, (15.0, 2.0)))
    assert labels == ["Chapter's choice"]
    # a grid with both shows both
    other = grid.copy()
    other.loc[0, "p_value"] = 0.01
    other.loc[1, "p_value"] = np.nan
    labels = _legend_labels(assoc_figures.p_value_heatmap(other, 0.05, (15.0, 2.0)))
    assert labels == ["p ≤ 0.05", "Chapter's choice", "A class is empty"]


def test_forest_labels_are_readable_and_never_cut(cohort):
    orr = literature.compute(cohort, {}, literature_dir=ROOT / "data" / "literature").orr
    fig = literature_figures.plot_orr_forest(orr)
    ticks = fig.axes[0].get_yticklabels()
    assert len(ticks) == len(orr)
    assert all(t.get_fontsize() >= 9 for t in ticks)
    shown = [" ".join(t.get_text().split()).replace("\u00a0", " ") for t in ticks]
    assert not any("…" in s for s in shown)
    for label, drug, text in zip(orr["label"], orr["drug"], shown, strict=True):
        assert label in text and (drug.lower() in label.lower() or f"[{drug}]" in text)
    # a label 9 points high stays at least 12 px on a 1366 px wide page (about 750 px of
    # text column): the saved image is at most 1.45 times wider than the column
    width_px = fig.get_size_inches()[0] * 150
    assert 9 / 72 * 150 * min(1.0, 750 / width_px) >= 12


# --------------------------------------------------------------------------- the built book


def _glued_text(notebook: Path) -> dict[str, str]:
    """Every value an executed notebook glued, as text."""
    import json

    values: dict[str, str] = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                text = output["data"].get(meta.get("mime_prefix", "") + "text/plain", "")
                values[meta["name"]] = ("".join(text) if isinstance(text, list) else text).strip(
                    "'\""
                )
    return values


def test_prose_cites_each_figure_by_the_number_its_caption_prints(built_book: Path):
    """The label glued for the prose is the caption's; no other number is printed."""
    checked = 0
    for notebook in sorted((built_book / "notebooks").glob("*.ipynb")):
        glued = {k: v for k, v in _glued_text(notebook).items() if k.startswith("fig_")}
        html = (built_book / "html" / "notebooks" / f"{notebook.stem}.html").read_text()
        figures = re.findall(
            r'<img [^>]*src="\.\./_images/([\w.-]+)\.png"[^>]*>\s*<figcaption>'
            r"(.*?)</figcaption>",
            html,
            flags=re.S,
        )
        assert figures, notebook.name
        for k, (name, caption) in enumerate(figures, start=1):
            label = re.search(r"<strong>(Figure (\d+)\.(\d+))\.</strong>", caption)
            assert label and int(label.group(3)) == k, (name, caption[:200])
            assert glued[f"fig_{name}"] == label.group(1), name
            # Sphinx's own number ("Fig. 3.2") is not printed beside netcomp's
            assert "Fig." not in re.sub(r"<[^>]+>", "", caption), name
            checked += 1
        # every other figure key is a figure this run did not draw, or a group of figures
        drawn = {f"fig_{name}" for name, _ in figures}
        for key, value in glued.items():
            assert key in drawn or value == NOT_DRAWN or value.startswith("Figure"), key
    assert checked >= 20
