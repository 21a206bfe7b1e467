"""netcomp.book.plugin_cache: pybtex's plugin look-ups cached, with the same plugins found."""

from __future__ import annotations

from importlib.metadata import entry_points

import pybtex.plugin
import pytest
import sphinxcontrib.bibtex.plugin as bibtex_plugin
import yaml

from netcomp.book import plugin_cache
from netcomp.book.build import ROOT


@pytest.fixture
def installed(monkeypatch):
    """The cache installed for one test; the modules' own look-up restored afterwards."""
    for module in (pybtex.plugin, bibtex_plugin):
        monkeypatch.setattr(module, "entry_points", module.entry_points, raising=True)
    plugin_cache.cached_entry_points.cache_clear()
    plugin_cache.install()
    return plugin_cache.cached_entry_points


def test_lookups_are_cached_and_equal_to_importlib(installed):
    group = "pybtex.style.formatting"
    assert pybtex.plugin.entry_points is installed
    assert bibtex_plugin.entry_points is installed
    first = pybtex.plugin.find_plugin(group, "plain")
    again = pybtex.plugin.find_plugin(group, "plain")
    assert first is again and first.__name__ == "Style"
    assert first.__module__ == "pybtex.style.formatting.plain"
    assert installed.cache_info().hits >= 1
    assert list(installed(group=group, name="unsrt")) == list(
        entry_points(group=group, name="unsrt")
    )
    ref = bibtex_plugin.find_plugin("sphinxcontrib.bibtex.style.referencing", "author_year")
    assert ref.__name__ == "AuthorYearReferenceStyle"
    with pytest.raises(pybtex.plugin.PluginNotFound):
        pybtex.plugin.find_plugin(group, "no-such-style")


def test_runtime_plugins_still_come_first(installed, monkeypatch):
    group = "pybtex.style.formatting"
    pybtex.plugin.find_plugin(group, "plain")  # cached from the entry points

    class Mine(pybtex.plugin.Plugin):
        pass

    monkeypatch.setitem(pybtex.plugin._RUNTIME_PLUGINS, group, {"plain": Mine})
    assert pybtex.plugin.find_plugin(group, "plain") is Mine


def test_extension_is_listed_in_the_book_configuration():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    extensions = config["sphinx"]["config"]["extensions"]
    assert "netcomp.book.plugin_cache" in extensions
    assert extensions.index("netcomp.book.plugin_cache") > extensions.index("sphinxcontrib.bibtex")
    meta = plugin_cache.setup(None)
    assert meta["parallel_read_safe"] and meta["parallel_write_safe"]
