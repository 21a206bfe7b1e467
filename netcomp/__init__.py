"""netcomp: helper package of the lenvatinib / GEP-NET reproducible compendium.

Data flow: raw CSV files in ``data/`` -> validated by :mod:`netcomp.data.validate` ->
loaded as a :class:`netcomp.data.cohort.Cohort` -> analysed by pure functions
(:mod:`netcomp.stats.response`, :mod:`netcomp.stats.association`, :mod:`netcomp.data.literature`) ->
shown by the notebooks -> rendered by Jupyter Book (:mod:`netcomp.book.build`).
"""


def _project_version() -> str:
    """The version written in ``pyproject.toml``, its one place.

    Read from the installed package's metadata (``make`` reinstalls when pyproject.toml
    changes); in a source folder that was never installed, from ``pyproject.toml`` itself.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("netcomp")
    except PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, ValueError, KeyError):
            return "unknown"


__version__ = _project_version()
