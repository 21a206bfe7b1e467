"""Shared fixtures: a writable copy of the bundled cohort and one full book build per session.

Hypothesis profiles: ``ci`` (chosen when the environment sets ``CI``, as CI runners and
``.ci/run`` do) generates every property test's full count, the counts the test files write
(``@settings(max_examples=examples(25))``), derandomized so that a CI run is repeatable (the
same examples on every machine); ``dev``, the default, a fifth of each (at least two) from a
new random seed each run, for the quick loop, which keeps exploring.
``pytest --hypothesis-profile=ci`` runs the CI counts locally; add
``--hypothesis-profile=explore`` hunts longer: five times the CI counts, new examples.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "cohort"
SEEDS = ROOT.parent / "shared" / "seeds"
#: Fixtures that build the whole book (or stand for a build): their tests are marked ``build``.
BOOK_FIXTURES = {"built_book", "book_html", "book_out"}

#: ``max_examples`` of a profile is the percentage of each test's CI count it runs
#: (``tests.strategies.examples``); 100, hypothesis' own default, is the CI count itself.
settings.register_profile("ci", max_examples=100, derandomize=True)
settings.register_profile("dev", max_examples=20)
#: five times the CI counts from a new random seed: a longer hunt, by hand, before a release
settings.register_profile("explore", max_examples=500)


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


settings.load_profile("ci" if _on_ci() else "dev")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The fast suite, ``pytest -m "not build"``, runs on two pytest-xdist workers.

    Its tests are independent and short (the longest takes about 2 s), so two cores halve
    its time (about 70 s on one, under a minute on two). Only that exact selection is
    spread: the whole suite (``make test``, CI) runs in one process, because its build and
    interrupt tests time real builds and must not compete with each other. ``-n 0`` (or
    any ``-n``) given by hand wins; ``-p no:xdist`` turns it off.
    """
    wanted = " ".join((config.option.markexpr or "").split()) == "not build"
    if (
        wanted
        and getattr(config.option, "numprocesses", "absent") is None
        and not config.option.collectonly
        and not hasattr(config, "workerinput")  # a worker itself runs its share in-process
        and (os.cpu_count() or 1) > 1
    ):
        config.option.numprocesses = 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the built book, or a browser, is a ``build`` test, so that
    ``pytest -m "not build"`` is the fast suite (tests that run notebooks are marked by hand).
    ``book_html`` and ``book_out`` (test_links, test_browser) build it unless NETCOMP_BOOK_DIR
    names a build."""
    for item in items:
        if BOOK_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker(
            "browser"
        ):
            item.add_marker(pytest.mark.build)


@pytest.fixture(autouse=True)
def _no_cohort_loaded() -> None:
    """Each test starts with no cohort loaded, so reconstructed-data stamps never leak between
    tests (``load_cohort`` records its cohort's status for the results written after it)."""
    from netcomp.data import provenance

    provenance.set_current_status(None)


@pytest.fixture
def cohort_dir(tmp_path: Path) -> Path:
    """A fresh copy of the bundled cohort that a test may modify."""
    target = tmp_path / "cohort"
    shutil.copytree(BUNDLED, target)
    return target


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the whole book once on the bundled cohort; return the output folder.

    ``strict``: the bundled cohort has no notice (its two design notes do not count), so
    ``--strict`` builds it."""
    from netcomp.book.build import build

    out = tmp_path_factory.mktemp("book") / "out"
    build(out_dir=out, log=lambda _msg: None, strict=True)
    return out
