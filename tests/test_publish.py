"""The repository address is written once (``_config.yml``) and drives buttons and guides.

``netcomp.book.publish`` applies it to the staged copy of the book: these tests check what Jupyter
Book receives with and without an address, using Jupyter Book's own conversion of
``_config.yml`` into Sphinx settings.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from jupyter_book.config import get_final_config

from netcomp.book import publish

ROOT = Path(__file__).resolve().parents[1]
URL = "https://github.com/example-owner/netcomp"


def staged(tmp_path: Path, url: str, binder: str = "", colab: str = "") -> Path:
    """A staged copy of the book's configuration with the given address and launch URLs."""
    src = tmp_path / "src"
    (src / "book").mkdir(parents=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["repository"]["url"] = url
    config["launch_buttons"]["binderhub_url"] = binder
    config["launch_buttons"]["colab_url"] = colab
    (src / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    shutil.copy2(ROOT / "_toc.yml", src / "_toc.yml")
    publish.stage(src)
    return src


def sphinx_theme_options(src: Path) -> dict:
    """The html_theme_options Sphinx gets from the staged _config.yml (Jupyter Book's merge)."""
    config, _ = get_final_config(
        user_yaml=src / "_config.yml", sourcedir=src, cli_config={"latex_individualpages": False}
    )
    return config["html_theme_options"]


def test_the_repository_config_has_one_address_and_no_placeholder():
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    publish.repository_url(config)  # empty or a valid address
    assert len(re.findall(r"^\s*url:", text, flags=re.MULTILINE)) == 1
    for folder in ("book", "notebooks"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".md", ".ipynb"):
                assert "<this repository>" not in path.read_text(encoding="utf-8"), path


def test_with_an_address_the_buttons_and_the_guides_use_it(tmp_path: Path):
    src = staged(tmp_path, URL + "/", binder="https://mybinder.org")
    theme = sphinx_theme_options(src)
    assert theme["repository_url"] == URL
    assert theme["use_repository_button"] is True and theme["use_issues_button"] is True
    assert theme["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert theme["extra_footer"].startswith("Built with netcomp")  # merged, not replaced
    guide = (src / "book" / "_generated" / "repository.md").read_text(encoding="utf-8")
    assert f"git clone {URL} netcomp" in guide
    assert f"]({URL})" in guide


def test_without_an_address_no_button_and_no_launch(tmp_path: Path):
    src = staged(
        tmp_path, "", binder="https://mybinder.org", colab="https://colab.research.google.com"
    )
    theme = sphinx_theme_options(src)
    assert not theme.get("repository_url")
    assert theme["use_repository_button"] is False and theme["use_issues_button"] is False
    assert theme["launch_buttons"]["binderhub_url"] == ""
    assert theme["launch_buttons"]["colab_url"] == ""
    guide = (src / "book" / "_generated" / "repository.md").read_text(encoding="utf-8")
    assert "git clone" not in guide and "http" not in guide
    assert "make book" in guide


@pytest.mark.parametrize(
    "bad",
    [
        "github.com/o/r",
        "http://github.com/o/r",
        "https://github.com/o",
        'https://github.com/o/r"><script>',
        "https://github.com/o/r x",
    ],
)
def test_a_malformed_address_is_refused_with_what_to_do(tmp_path: Path, bad: str):
    with pytest.raises(ValueError, match="https://github.com/OWNER/REPO"):
        staged(tmp_path, bad)


def test_the_repository_file_is_not_changed(tmp_path: Path):
    before = (ROOT / "_config.yml").read_bytes()
    staged(tmp_path, URL)
    assert (ROOT / "_config.yml").read_bytes() == before


def test_citation_file_and_page_agree_with_the_package():
    """CITATION.cff (CFF 1.2 required keys), the How-to-cite page and pyproject agree."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"] and cff["authors"]
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert str(cff["version"]) == project["version"]
    assert project["license"]["text"] in cff["license"] and "CC-BY-4.0" in cff["license"]
    page = (ROOT / "book" / "cite.md").read_text(encoding="utf-8")
    assert f"version = {{{project['version']}}}" in page
    assert f"(version {project['version']})" in page
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "CC BY 4.0" in licence
    study = next(r for r in cff["references"] if "HRAS" in r["title"])
    assert study["doi"] == "10.3389/fendo.2022.1045038"  # the DOI of book/references.bib
    assert "10.3389/fendo.2022.1045038" in (ROOT / "book" / "references.bib").read_text()
