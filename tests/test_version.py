"""One version, written in pyproject.toml: ``netcomp.__version__`` reads it, and the About
page, ``build.json``, the build marker and ``netcomp --version`` show it (CITATION.cff and the
How-to-cite page are held to it by tests/test_publish.py)."""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import netcomp
from netcomp.book.build import _about_markdown, _build_info_markdown
from netcomp.cli import main

ROOT = Path(__file__).resolve().parents[1]
VERSION = netcomp.__version__


def test_the_version_is_written_once_and_the_package_reads_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", project["version"])
    assert VERSION == project["version"] == version("netcomp")  # the installed metadata
    init = (ROOT / "netcomp" / "__init__.py").read_text()
    assert project["version"] not in init  # not written a second time


def test_the_command_line_and_the_build_pages_show_it(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"netcomp {VERSION}"
    about = _about_markdown(Path("cohort"), {}, {}, {}, set())
    assert re.search(
        rf"^\| netcomp \| {re.escape(VERSION)} \(git commit `[^`]+`\) \|$", about, flags=re.M
    )
    assert f"with netcomp {VERSION} (commit" in _build_info_markdown(Path("c"), {}, {}, True)


def test_the_built_book_records_it(built_book: Path):
    assert json.loads((built_book / "build.json").read_text())["netcomp_version"] == VERSION
    assert json.loads((built_book / ".netcomp-build").read_text())["netcomp_version"] == VERSION
    about = re.sub(r"<[^>]+>", " ", (built_book / "html" / "book" / "about.html").read_text())
    assert re.search(rf"netcomp\s+{re.escape(VERSION)}\s+\(git commit", about)
