"""Ctrl-C and SIGTERM that Python could not raise, kept for the build's next step.

A signal's exception (``KeyboardInterrupt``, or :class:`Terminated` for SIGTERM) raised while
CPython runs a fork hook, a finaliser (``__del__``) or a weakref callback cannot propagate:
CPython reports it as "Exception ignored in ..." (a traceback on stderr) and drops it. In a
build that forks worker processes, a Ctrl-C landing on such a moment was lost: the build went
on and replaced ``--out``. While :func:`kept_interrupts` is active such an exception is kept
instead (and not printed), and :func:`raise_kept` raises it at the build's next checkpoint,
before anything is published.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

_kept: list[BaseException] = []


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C so every clean-up step runs (``netcomp.cli``)."""


def is_interrupt(exc: BaseException | None) -> bool:
    """Whether ``exc`` is a signal's exception: Ctrl-C or SIGTERM (not, say, a cancelled
    asyncio task, also a BaseException, which a kernel client's finaliser may report)."""
    return isinstance(exc, (KeyboardInterrupt, Terminated))


@contextlib.contextmanager
def kept_interrupts() -> Iterator[None]:
    """Keep interrupts that CPython could only report as ignored; other reports pass through."""
    previous = sys.unraisablehook

    def keep(unraisable: Any) -> None:
        if is_interrupt(unraisable.exc_value):
            _kept.append(unraisable.exc_value)
        else:
            previous(unraisable)

    _kept.clear()
    sys.unraisablehook = keep
    try:
        yield
    finally:
        sys.unraisablehook = previous
        _kept.clear()


def raise_kept() -> None:
    """Raise the first interrupt kept since :func:`kept_interrupts` began (a checkpoint)."""
    if _kept:
        first = _kept[0]
        _kept.clear()
        raise first.with_traceback(None)
