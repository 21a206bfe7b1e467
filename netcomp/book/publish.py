"""The repository address, set once in ``_config.yml``, applied to the staged book.

``repository.url`` in ``_config.yml`` is the only place the address is written. When it is
set, the build turns on the theme's Repository and Open-issue buttons, allows the Binder and
Colab launch buttons configured under ``launch_buttons`` and puts the address into the rerun
guide and the "How to cite" page (``book/_generated/repository.md``). When it is empty, the
book names no address and shows none of those buttons: it never links to a guessed place.
Only the staged copy of ``_config.yml`` is changed, never the repository's own file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from netcomp.text.safe_text import md_escape

#: An https address of a repository: host, then at least owner and name, nothing else.
URL_PATTERN = re.compile(r"^https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~-]+){2,}/?$")
BUTTONS = ("use_repository_button", "use_issues_button")


def repository_url(config: dict[str, Any]) -> str:
    """The repository address of a parsed ``_config.yml`` ("" when unset); refuses a bad one."""
    url = str((config.get("repository") or {}).get("url") or "").strip()
    if url and not URL_PATTERN.match(url):
        raise ValueError(
            f"_config.yml: repository.url {url!r} is not an https address of a "
            "repository (for example https://github.com/OWNER/REPO); fix it or "
            "leave it empty"
        )
    return url.rstrip("/")


def configure(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with the buttons that follow from its repository address (a new dict)."""
    config = yaml.safe_load(yaml.safe_dump(config))  # a deep copy
    url = repository_url(config)
    html = config.setdefault("html", {})
    theme = (
        config.setdefault("sphinx", {})
        .setdefault("config", {})
        .setdefault("html_theme_options", {})
    )
    launch = config.setdefault("launch_buttons", {})
    for button in BUTTONS:
        html[button] = bool(url)
        theme[button] = bool(url)
    if url:
        config["repository"]["url"] = url
        theme["repository_url"] = url
        theme["repository_branch"] = config["repository"].get("branch") or "main"
        theme["path_to_docs"] = config["repository"].get("path_to_book") or ""
        theme["launch_buttons"] = launch
    else:
        launch["binderhub_url"] = ""
        launch["colab_url"] = ""
        theme["launch_buttons"] = launch
    return config


def repository_markdown(url: str) -> str:
    """The "get the code" paragraph of the rerun guide and the citation page."""
    if url:
        return (
            f"The code, the data and the book's sources are in the repository "
            f"[{md_escape(url)}]({url}). Get a copy and build the book once:\n\n"
            f"```bash\ngit clone {url} netcomp && cd netcomp\n"
            "make book          # creates .venv/, installs the pinned packages, "
            "builds the bundled book\n```\n"
        )
    return (
        "Get a copy of the netcomp repository (the folder that holds `Makefile`, "
        "`_config.yml` and `netcomp/`, for example from the archive you received), then "
        "build the book once inside it:\n\n"
        "```bash\ncd netcomp\n"
        "make book          # creates .venv/, installs the pinned packages, "
        "builds the bundled book\n```\n"
    )


def stage(src: Path) -> str:
    """Apply the repository address to the staged book in ``src``; return the address.

    Rewrites ``src/_config.yml`` (buttons) and writes ``src/book/_generated/repository.md``.
    """
    path = src / "_config.yml"
    config = configure(yaml.safe_load(path.read_text(encoding="utf-8")))
    path.write_text(
        "# staged by netcomp.book.publish from the repository's _config.yml\n"
        + yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    url = repository_url(config)
    generated = src / "book" / "_generated"
    generated.mkdir(parents=True, exist_ok=True)
    (generated / "repository.md").write_text(repository_markdown(url), encoding="utf-8")
    return url


def write_findings(src: Path, results_dir: Path, params: dict[str, Any] | None = None) -> Path:
    """Write the front page's key-findings box, ``src/book/_generated/findings.md``.

    Its sentences are computed from the results files the chapters wrote to ``results_dir``
    (:func:`netcomp.book.findings.front_page_findings`) and Markdown-escaped; ``book/index.md``
    includes the file under its first paragraph.
    """
    from netcomp.book.findings import findings_markdown, front_page_findings

    generated = src / "book" / "_generated"
    generated.mkdir(parents=True, exist_ok=True)
    path = generated / "findings.md"
    path.write_text(
        findings_markdown(front_page_findings(results_dir, params)) or "\n", encoding="utf-8"
    )
    return path
