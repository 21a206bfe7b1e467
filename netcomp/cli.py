"""Command-line interface.

``netcomp build | check | validate | template | student | params | reconstruct``.

No user error shows a Python traceback: a problem with the user's files, folders or
parameters prints what is wrong and what to do (exit 1); a malformed command line prints the
usage (exit 2, argparse's convention); Ctrl-C and SIGTERM stop the command with one line
(exit 130 and 143); an internal error prints one line naming a log file that holds the
traceback (exit 70).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from netcomp import __version__
from netcomp.book.interrupts import Terminated as Terminated  # SIGTERM's exception
from netcomp.text.wording import plural

#: Exit codes besides 0 (success) and 1 (a problem with the user's input).
EXIT_INTERNAL = 70
EXIT_SIGINT = 130
EXIT_SIGTERM = 143
LOG_DIR = Path(tempfile.gettempdir()) / "netcomp-logs"


def log_dir() -> Path:
    """A private folder for logs of failures (they may quote the data): 0700, the user's.

    ``LOG_DIR`` when it is the user's own; otherwise a fresh private folder next to it.
    """
    try:
        LOG_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        # a link planted in the shared temporary folder is not followed (lstat, not stat)
        if not LOG_DIR.is_symlink() and LOG_DIR.lstat().st_uid == os.getuid():
            LOG_DIR.chmod(0o700)
            return LOG_DIR
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="netcomp-logs-"))


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise Terminated()


def _leave_if_stuck(code: int, wait: float = 2.0) -> None:
    """After an interrupted build, exit at once if a stopped worker pool would block exit.

    At interpreter exit CPython joins each ProcessPoolExecutor's manager thread; when the
    pool's workers were stopped mid-task that join can wait forever (rarely: it depends on
    the moment of the interrupt). The build has already removed its staging folder, stopped
    its processes and released its lock, so nothing is lost by not waiting for it.
    """
    stuck = [t for t in threading.enumerate() if type(t).__name__ == "_ExecutorManagerThread"]
    deadline = time.monotonic() + wait
    for thread in stuck:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in stuck):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _cmd_build(args: argparse.Namespace) -> int:
    from netcomp.book.build import build

    build(
        args.data,
        args.params,
        args.out,
        allow_identifiers=args.allow_identifiers,
        jobs=args.jobs,
        force=args.force,
        strict=args.strict,
    )
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from netcomp.book.params import load_params

    values = load_params(args.params)  # a parameter problem is reported before the data
    from netcomp.book.preflight import preflight

    report = preflight(args.dir, values, allow_identifiers=args.allow_identifiers)
    print(report.format())
    if not report.ok:
        return 1
    if args.strict and report.notices:
        print(
            f"netcomp check: --strict: {plural(len(report.notices), 'notice')}, listed above",
            file=sys.stderr,
        )
        return 1
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from netcomp.data.validate import validate_cohort

    report = validate_cohort(args.dir, allow_identifiers=args.allow_identifiers)
    print(report.format())
    return 0 if report.ok else 1


def _cmd_template(args: argparse.Namespace) -> int:
    from netcomp.data.dictionary import write_template

    try:
        out = write_template(args.dir)
    except (FileExistsError, ValueError) as exc:
        print(f"netcomp template: {exc}", file=sys.stderr)
        return 1
    print(f"wrote an empty cohort template with a data dictionary to {out}")
    return 0


def _cmd_student(args: argparse.Namespace) -> int:
    from netcomp.book.student import write_student

    try:
        written = write_student(args.dir, args.data, with_solutions=args.with_solutions)
    except (FileExistsError, ValueError) as exc:
        print(f"netcomp student: {exc}", file=sys.stderr)
        return 1
    teacher = (
        f"; the solutions (for the teacher only) are in {Path(args.dir) / 'solutions'}"
        if args.with_solutions
        else ""
    )
    print(
        f"wrote {sum(p.parent == Path(args.dir) and p.suffix == '.ipynb' for p in written)} "
        "student notebooks to "
        f"{args.dir}{teacher}"
    )
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from netcomp.book.params import defaults_yaml

    print(defaults_yaml(), end="")
    return 0


def _cmd_reconstruct(args: argparse.Namespace) -> int:
    from netcomp.data.reconstruct import write_cohort

    out = args.out
    if out is None:  # the bundled cohort of this installation, wherever the command runs
        from netcomp.data.provenance import BUNDLED_COHORT

        out = BUNDLED_COHORT
    print(f"wrote the reconstructed cohort to {write_cohort(out, seed=args.seed)}")
    return 0


def _count(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum`` (a usage error otherwise, exit 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = argparse.ArgumentParser(
        prog="netcomp",
        description="Build the lenvatinib / GEP-NET compendium book, or check a cohort.",
    )
    p.add_argument("--version", action="version", version=f"netcomp {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    _add_build(sub)
    _add_checks(sub)
    _add_others(sub)
    return p


_Subparsers = argparse._SubParsersAction  # what add_subparsers returns (argparse's own name)
_IDENTIFIERS_HELP = "drop columns that look like patient identifiers instead of refusing"


def _add_build(sub: _Subparsers) -> None:
    """``netcomp build``."""
    b = sub.add_parser(
        "build", help="check data and parameters, run the chapters, render the HTML book"
    )
    b.add_argument(
        "--data",
        default=None,
        help="cohort folder or .xlsx workbook (default: bundled data/cohort)",
    )
    b.add_argument("--params", default=None, help="YAML file of parameters (see 'netcomp params')")
    b.add_argument(
        "--out",
        default="_build",
        help="output folder (default: _build); created if absent, replaced only "
        "when it is a previous netcomp build or empty",
    )
    b.add_argument(
        "--jobs",
        type=_count(1),
        default=None,
        help="notebooks executed at once (default: number of cores)",
    )
    b.add_argument(
        "--force", action="store_true", help="re-execute every chapter even if nothing changed"
    )
    b.add_argument(
        "--strict",
        action="store_true",
        help="fail (keeping the previous book) when any section does not apply "
        "to the data (any notice)",
    )
    b.add_argument("--allow-identifiers", action="store_true", help=_IDENTIFIERS_HELP)
    b.set_defaults(func=_cmd_build)


def _add_checks(sub: _Subparsers) -> None:
    """``netcomp check`` and ``netcomp validate``: the data and parameters, checked."""
    c = sub.add_parser(
        "check",
        help="pre-flight check: the data, the parameters and how they "
        "fit together (what a build would refuse or leave out)",
    )
    c.add_argument("dir", help="cohort folder or .xlsx workbook")
    c.add_argument("--params", default=None, help="YAML file of parameters")
    c.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 also when there are notices (sections that would not apply)",
    )
    c.add_argument("--allow-identifiers", action="store_true", help=_IDENTIFIERS_HELP)
    c.set_defaults(func=_cmd_check)

    v = sub.add_parser("validate", help="check a cohort folder and list every problem")
    v.add_argument("dir", help="cohort folder or .xlsx workbook")
    v.add_argument("--allow-identifiers", action="store_true", help=_IDENTIFIERS_HELP)
    v.set_defaults(func=_cmd_validate)


def _add_others(sub: _Subparsers) -> None:
    """``netcomp template``, ``student``, ``params``, ``reconstruct``: they write files or YAML."""
    t = sub.add_parser("template", help="write an empty cohort folder with a data dictionary")
    t.add_argument("dir", help="folder to create (must not exist or be empty)")
    t.set_defaults(func=_cmd_template)

    st = sub.add_parser(
        "student",
        help="write the student edition: one notebook per chapter "
        "with empty answer cells and self-checks",
    )
    st.add_argument("dir", help="folder to write (new, empty, or a previous student edition)")
    st.add_argument(
        "--with-solutions",
        action="store_true",
        help="also write the reference solutions to DIR/solutions (for teachers)",
    )
    st.add_argument(
        "--data",
        default=None,
        help="cohort folder or .xlsx workbook the notebooks read (default: the "
        "bundled reconstruction)",
    )
    st.set_defaults(func=_cmd_student)

    pa = sub.add_parser("params", help="print the default parameters as YAML")
    pa.set_defaults(func=_cmd_params)

    r = sub.add_parser("reconstruct", help="regenerate the bundled reconstructed cohort")
    r.add_argument(
        "--out",
        default=None,
        help="folder to write (default: the bundled data/cohort); a new or empty "
        "folder, or one this command wrote before",
    )
    r.add_argument("--seed", type=_count(0), default=None)
    r.set_defaults(func=_cmd_reconstruct)


def _is_user_error(exc: BaseException) -> bool:
    """A problem with the user's input (files, folders, parameters), not a netcomp bug.

    netcomp's error classes are looked up among the modules already imported: an exception
    of such a class can only exist when its module is loaded.
    """
    if isinstance(exc, OSError):
        return True
    for module, name in (
        ("netcomp.book.build", "BuildError"),
        ("netcomp.book.params", "ParamsError"),
        ("netcomp.data.validate", "CohortError"),
        ("netcomp.book.preflight", "PreflightError"),
    ):
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and isinstance(exc, cls):
            return True
    return False


#: What to do about the operating-system errors a user can meet (the disk, permissions).
_OS_REMEDIES = {
    errno.ENOSPC: "free some disk space, or choose an --out on another disk",
    errno.EDQUOT: "free some of your disk quota, or choose an --out on another disk",
    errno.EROFS: "the disk is read-only: choose a folder on a writable disk",
    errno.EACCES: "check that you may read the inputs and write the output folder",
    errno.EPERM: "check that you may read the inputs and write the output folder",
}


def _user_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        remedy = _OS_REMEDIES.get(exc.errno or 0)
        return f"{exc.strerror}{where}" + (f"; {remedy}" if remedy else "")
    return str(exc)


def _write_log(command: str, argv: list[str], exc: BaseException) -> Path:
    """Save the traceback of an internal error where the user can find and send it."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = log_dir() / f"netcomp-{command}-{stamp}-{os.getpid()}.log"
    text = "".join(traceback.format_exception(exc))
    path.write_text(
        f"netcomp {__version__}, Python {sys.version.split()[0]}\n"
        f"command: netcomp {' '.join(argv)}\n\n{text}",
        encoding="utf-8",
    )
    return path


class _PlainStream:
    """``sys.stdout`` or ``sys.stderr`` through :func:`~netcomp.text.safe_text.plain_text`:
    a folder name or value with terminal control sequences (a colour, a cursor move) or
    bidirectional overrides is printed as visible escapes, never obeyed by the terminal."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from netcomp.text.safe_text import plain_text

        self._stream.write(plain_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _plain_output() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PlainStream(sys.stdout), _PlainStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``netcomp`` command; returns the exit code."""
    with _plain_output():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    command = args.command
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if on_main_thread else None
    try:
        if command == "build" and args.data is None:
            from netcomp.data.provenance import BUNDLED_COHORT

            args.data = BUNDLED_COHORT
        if command == "reconstruct" and args.seed is None:
            from netcomp.data.reconstruct import SEED

            args.seed = SEED
        return int(args.func(args))
    except BrokenPipeError:  # the reader went away (``netcomp validate DIR | head``): quietly
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (KeyboardInterrupt, Terminated) as exc:
        name, code = (
            ("Ctrl-C", EXIT_SIGINT)
            if isinstance(exc, KeyboardInterrupt)
            else ("SIGTERM", EXIT_SIGTERM)
        )
        after = (
            f"; stopped its processes, removed its work folder, {args.out} is unchanged"
            if command == "build"
            else ""
        )
        if on_main_thread:  # the process is ending: a second signal (or one the build
            # deferred and re-raised) must not turn a clean exit into a death by signal
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_IGN)
            previous = None
        print(f"netcomp {command}: interrupted ({name}){after}", file=sys.stderr)
        if on_main_thread and command == "build":
            _leave_if_stuck(code)
        return code
    except Exception as exc:  # every error ends here, as one message and never a traceback
        if _is_user_error(exc):
            print(f"netcomp {command} failed: {_user_message(exc)}", file=sys.stderr)
            return 1
        try:
            where = f"the traceback is in {_write_log(command, argv, exc)}"
        except OSError:
            where = "no log file could be written"
        first = (str(exc).splitlines() or [""])[0][:120]
        print(
            f"netcomp {command}: internal error ({type(exc).__name__}: {first}); {where}; "
            "please report it with that file",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
