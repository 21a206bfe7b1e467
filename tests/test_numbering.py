"""Figure and table labels follow the book's chapter order, not the notebooks' file names."""

import pytest
import yaml

from netcomp.book.numbering import ROOT, Numbering, chapter_number


def test_chapter_numbers_follow_the_table_of_contents():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    chapters = [c["file"] for c in toc["parts"][0]["chapters"]]
    for position, path in enumerate(chapters, start=1):
        assert chapter_number(path.split("/")[-1] + ".ipynb") == position
    # the replication chapter's file is 06_ but it is the book's fourth chapter
    assert chapter_number("06_replication") == chapters.index("notebooks/06_replication") + 1 == 4


def test_a_page_that_is_not_a_chapter_is_refused():
    with pytest.raises(ValueError, match="not a chapter"):
        chapter_number("glossary")


def test_labels_count_per_kind_and_repeat_for_the_same_key():
    n = Numbering(3)
    assert n.label("Figure", "strip") == "Figure 3.1"
    assert n.label("Table", "clinical") == "Table 3.1"
    assert n.label("Figure", "volcano") == "Figure 3.2"
    assert n.label("Figure", "strip") == "Figure 3.1"
    assert n.label("Table", "screen") == "Table 3.2"
