"""One version: ``netcomp.__version__``; the package metadata, the citation files, the About
page, ``build.json`` and ``netcomp --version`` all show that one."""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import netcomp
from netcomp.build import _about_markdown, _build_info_markdown
from netcomp.cli import main

ROOT = Path(__file__).resolve().parents[1]
VERSION = netcomp.__version__


def test_the_version_is_written_once_and_the_metadata_reads_it():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "netcomp.__version__"}
    assert version("netcomp") == VERSION  # the installed package's metadata


def test_the_citation_files_name_the_same_version():
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.findall(r"^version: (\S+)$", cff, flags=re.M) == [VERSION]
    cite = (ROOT / "book" / "cite.md").read_text()
    assert re.findall(r"\(version ([^)]+)\)", cite) == [VERSION]
    assert re.findall(r"version\s*=\s*\{([^}]+)\}", cite) == [VERSION]


def test_the_command_line_and_the_build_pages_show_it(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"netcomp {VERSION}"
    about = _about_markdown(Path("cohort"), {}, {}, {}, set())
    assert re.search(rf"^\| netcomp \| {re.escape(VERSION)} \(git commit `[^`]+`\) \|$", about,
                     flags=re.M)
    assert f"with netcomp {VERSION} (commit" in _build_info_markdown(Path("c"), {}, {}, True)


def test_the_built_book_records_it(built_book: Path):
    assert json.loads((built_book / "build.json").read_text())["netcomp_version"] == VERSION
    assert json.loads((built_book / ".netcomp-build").read_text())["netcomp_version"] == VERSION
    about = re.sub(r"<[^>]+>", " ", (built_book / "html" / "book" / "about.html").read_text())
    assert re.search(rf"netcomp\s+{re.escape(VERSION)}\s+\(git commit", about)
