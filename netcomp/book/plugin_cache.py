"""Sphinx extension (listed in ``_config.yml``): pybtex's plugin look-ups, cached.

For every citation, pybtex (``pybtex.plugin.find_plugin``) and sphinxcontrib-bibtex
(``sphinxcontrib.bibtex.plugin.find_plugin``) look their style plugins up with
``importlib.metadata.entry_points``, which reads the metadata of every installed package
each time: about 0.85 s of the book's rendering for its ~100 citations. The installed
packages do not change during a build, so this extension caches the look-up by its
arguments. Plugins registered at run time are still found first (both modules check their
own registries before the entry points), so the pages are identical.
"""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import EntryPoints, entry_points
from typing import Any, cast

#: The modules whose module-level ``entry_points`` is replaced by the cached one.
MODULES = ("pybtex.plugin", "sphinxcontrib.bibtex.plugin")


@functools.lru_cache(maxsize=256)
def cached_entry_points(**selection: str) -> EntryPoints:
    """``importlib.metadata.entry_points(**selection)``, looked up once per selection."""
    return cast(EntryPoints, entry_points(**selection))  # a selection: EntryPoints, not groups


def install() -> None:
    """Point the plugin modules of pybtex and sphinxcontrib-bibtex at the cached look-up."""
    for name in MODULES:
        module = importlib.import_module(name)
        module.entry_points = cached_entry_points  # type: ignore[attr-defined]


def setup(app: Any) -> dict[str, Any]:
    """Sphinx entry point: install the cache; safe for parallel reading and writing."""
    install()
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
