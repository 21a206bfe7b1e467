"""The cold build's schedule: the longest chapters first."""

from __future__ import annotations

from netcomp.book.build import LONGEST_FIRST, chapter_notebooks, longest_first
from netcomp.book.notebooks import notebook_name

NAMES = [
    "01_data_import.ipynb",
    "02_response_classification.ipynb",
    "03_biomarker_association.ipynb",
    "04_literature_context.ipynb",
    "05_small_cohorts.ipynb",
    "06_replication.ipynb",
]


def test_fixed_order_without_a_previous_build():
    order = longest_first(NAMES, {})
    assert [NAMES[i] for i in order] == [
        "03_biomarker_association.ipynb",
        "05_small_cohorts.ipynb",
        "04_literature_context.ipynb",
        "02_response_classification.ipynb",
        "01_data_import.ipynb",
        "06_replication.ipynb",
    ]
    # a chapter the fixed order does not know goes last; a subset keeps the same ranks
    assert longest_first(
        ["06_replication.ipynb", "99_new.ipynb", "05_small_cohorts.ipynb"], {}
    ) == [
        2,
        0,
        1,
    ]


def test_fixed_order_names_every_chapter_of_the_book():
    assert sorted(LONGEST_FIRST) == sorted(
        notebook_name(nb).removesuffix(".ipynb") for nb in chapter_notebooks()
    )


def test_previous_durations_order_the_chapters_longest_first():
    seconds = dict(zip(NAMES, [4.5, 4.3, 5.4, 4.4, 5.0, 3.3], strict=True))
    previous = {"durations_s": {**seconds, "render": 5.2, "total": 23.0}}
    order = longest_first(NAMES, previous)
    assert [NAMES[i] for i in order][:3] == [
        "03_biomarker_association.ipynb",
        "05_small_cohorts.ipynb",
        "01_data_import.ipynb",
    ]
    assert [NAMES[i] for i in order][-1] == "06_replication.ipynb"
    # one chapter without a time (new, renamed): the fixed order, not a partial guess
    del previous["durations_s"]["03_biomarker_association.ipynb"]
    assert longest_first(NAMES, previous) == longest_first(NAMES, {})
    assert longest_first(NAMES, {"durations_s": "broken"}) == longest_first(NAMES, {})
