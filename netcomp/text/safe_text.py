"""Making user-supplied text safe to publish: escaping for MyST Markdown and HTML, clipping.

Every string a user controls (cohort values, file and folder names, parameter values) must
pass through one of these before it reaches a page, so it shows as literal text and can
never run as markup or script. Kept free of heavy imports: the build uses it too.
"""

from __future__ import annotations

import html
import re

#: Longest part of an offending value quoted back in a message.
MAX_QUOTED = 80

_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
#: C0 and C1 control characters, and the bidirectional embedding, override and isolate
#: controls (U+202A-202E, U+2066-2069), which would reorder the text shown after them
_UNSHOWN = r"\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(rf"[\x00-\x1f{_UNSHOWN}]+")
#: the same, but line feed and tab, which plain text keeps
_UNSAFE_IN_PLAIN = re.compile(rf"[\x00-\x08\x0b-\x1f{_UNSHOWN}]")
#: a terminal colour code (Sphinx colours its warnings): dropped, not shown
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def clip(value: object, limit: int = MAX_QUOTED) -> str:
    """``str(value)`` cut to ``limit`` characters, saying how long it really was."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def md_escape(text: object) -> str:
    """Literal text for MyST Markdown: every ASCII punctuation character backslash-escaped.

    CommonMark lets any ASCII punctuation be escaped, so the result shows exactly as given:
    no inline code, role (``{...}``), math (``$``), HTML tag (``<``), link or table cell
    (``|``) can start from it. Control characters and line breaks become spaces.
    """
    flat = _CONTROL.sub(" ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", flat)


def plain_text(text: object) -> str:
    """Text for a terminal or a notebook's printed output: colour codes dropped, every other
    control or bidirectional-control character shown as its escape (``\\x1b``, ``\\u202e``),
    so that no name or value a user supplies can move the cursor, recolour or reorder what is
    shown. Line feeds and tabs are kept."""
    flat = _COLOUR.sub("", str(text))
    return _UNSAFE_IN_PLAIN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), flat)


def html_escape(text: object) -> str:
    """Literal text for HTML (quotes included); control characters become spaces."""
    return html.escape(_CONTROL.sub(" ", str(text)), quote=True)
