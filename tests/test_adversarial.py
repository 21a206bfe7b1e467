"""Adversarial pass on safe reruns: hostile arguments, broken spreadsheets, planted links.

Every command runs as a user would run it, through ``netcomp.cli.main`` (in this process,
as ``python -m netcomp`` calls it; a sample of them, the interrupts and the rerun guide also
as real subprocesses): no input shows a Python traceback,
the exit code is one the README documents (0, 1, 2 for a malformed command line, 70, 130,
143), and files netcomp did not write are byte-identical afterwards. Broken cohorts are
generated (hypothesis), not hand-picked; each must give a report, never an "unexpected" error.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcomp.book.build import write_marker
from netcomp.data.cohort import load_cohort
from netcomp.data.reconstruct import MARKER as RECONSTRUCTED
from netcomp.data.reconstruct import write_cohort as reconstruct
from netcomp.data.validate import validate_cohort
from tests.cohorts import CohortSpec, write_cohort
from tests.strategies import examples

DOCUMENTED_EXIT_CODES = {0, 1, 2, 70, 130, 143}


def run(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m netcomp ARGS`` in ``cwd``, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "netcomp", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def call(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    """``netcomp ARGS`` in ``cwd`` through ``cli.main`` in this process, what ``python -m
    netcomp`` runs, without starting an interpreter: the same exit code and output; an
    exception escaping ``main`` is written to stderr as the traceback a user would see."""
    from netcomp import cli

    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main([str(a) for a in args])
            except SystemExit as exc:  # argparse's exit on a malformed command line
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                err.write("Traceback (most recent call last):\n" + traceback.format_exc())
                code = 1
    finally:
        os.chdir(here)
    argv = ["netcomp", *map(str, args)]
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def tree(folder: Path) -> dict[str, str]:
    """Every entry below ``folder``: relative path -> SHA-256, 'dir' or 'link -> target'."""
    found = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            found[rel] = f"link -> {os.readlink(p)}"
        else:
            found[rel] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return found


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A working folder with a user's own folder, a file, and a small valid cohort."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "cultures.csv").write_text("my real cohort\n")
    (mine / "thesis.docx").write_bytes(b"years of work")
    (tmp_path / "notes.txt").write_text("my notes\n")
    write_cohort(tmp_path / "small", CohortSpec(n_cultures=6))
    return tmp_path


def assert_clean(proc: subprocess.CompletedProcess, code: int) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode == code, (proc.returncode, proc.stdout[-500:], proc.stderr[-500:])
    assert proc.returncode in DOCUMENTED_EXIT_CODES


# --------------------------------------------------------------------------- hostile arguments

HOSTILE = [
    # (argv, exit code, words the message must contain)
    (["reconstruct", "--out", "mine"], 1, "did not write"),
    (["reconstruct", "--out", "mine/"], 1, "did not write"),
    (["reconstruct", "--out", "notes.txt"], 1, "is a file"),
    (["reconstruct", "--seed", "-1", "--out", "new"], 2, "at least 0"),
    (["build", "--jobs", "0", "--out", "new"], 2, "at least 1"),
    (["build", "--out", "mine"], 1, "not empty"),
    (["build", "--out", "mine/"], 1, "not empty"),
    (["build", "--out", "link_to_mine"], 1, "not empty"),
    (["build", "--out", "."], 1, "current folder"),
    (["build", "--out", ""], 1, "current folder"),
    (["build", "--out", "notes.txt"], 1, "is a file"),
    (["build", "--data", "notes.txt", "--out", "new"], 1, "expected a folder"),
    (["build", "--params", "mine", "--out", "new"], 1, "is a folder"),
    (["build", "--data", "small", "--out", "small/book"], 1, "inside the data"),
    (["check", "small", "--params", "latin1.yaml"], 1, "not UTF-8"),
    (["check", "small", "--params", "twice.yaml"], 1, "'response_threshold_pct' is given twice"),
    (["check", "notes.txt"], 1, "expected a folder"),
    (["validate", ""], 1, "NOT valid"),
    (["validate", "missing_folder"], 1, "not found"),
    (["template", "notes.txt"], 1, "is a file"),
    (["template", "mine"], 1, "not empty"),
    (["params", "extra"], 2, "unrecognized"),
]


@pytest.mark.parametrize(("argv", "code", "words"), HOSTILE, ids=[" ".join(a) for a, *_ in HOSTILE])
def test_hostile_arguments_give_a_message_and_change_nothing(
    argv: list[str], code: int, words: str, place: Path
):
    (place / "link_to_mine").symlink_to(place / "mine")
    (place / "latin1.yaml").write_bytes("threshold_pct: 15 # soglia né\n".encode("latin-1"))
    (place / "twice.yaml").write_text("response_threshold_pct: 15\nresponse_threshold_pct: 20\n")
    before = tree(place)
    proc = call(*argv, cwd=place)
    assert_clean(proc, code)
    assert words in proc.stdout + proc.stderr
    assert tree(place) == before  # nothing created, nothing changed, nothing deleted


#: Hostile command lines also run as a subprocess: exit 2 (argparse) and 1 (build, check).
AS_A_USER = [HOSTILE[4], HOSTILE[5], HOSTILE[14]]


@pytest.mark.parametrize(
    ("argv", "code", "words"), AS_A_USER, ids=[" ".join(a) for a, *_ in AS_A_USER]
)
def test_hostile_arguments_as_a_user_runs_them(argv: list[str], code: int, words: str, place):
    """``python -m netcomp`` itself (``__main__``, interpreter start and exit): what
    ``call`` gives in process is what a user sees."""
    (place / "latin1.yaml").write_bytes("threshold_pct: 15 # soglia né\n".encode("latin-1"))
    before = tree(place)
    proc = run(*argv, cwd=place)
    assert_clean(proc, code)
    assert words in proc.stdout + proc.stderr
    assert tree(place) == before
    in_process = call(*argv, cwd=place)
    assert (in_process.returncode, in_process.stdout) == (proc.returncode, proc.stdout)


def test_reconstruct_writes_a_new_folder_and_may_rewrite_only_its_own(place: Path):
    assert_clean(call("reconstruct", "--out", "fresh", cwd=place), 0)
    assert (place / "fresh" / RECONSTRUCTED).is_file()
    first = tree(place / "fresh")
    assert_clean(call("reconstruct", "--out", "fresh/", cwd=place), 0)  # its own folder: again
    assert tree(place / "fresh") == first
    # a user file dropped into it makes it the user's: refused, untouched
    (place / "fresh" / "my_notes.txt").write_text("mine")
    before = tree(place / "fresh")
    assert_clean(call("reconstruct", "--out", "fresh", cwd=place), 1)
    assert tree(place / "fresh") == before


def test_reconstruct_replaces_a_link_and_never_writes_through_it(tmp_path: Path):
    target = tmp_path / "precious.csv"
    target.write_text("not netcomp's\n")
    out = reconstruct(tmp_path / "cohort")
    (out / "cultures.csv").unlink()
    (out / "cultures.csv").symlink_to(target)
    reconstruct(out)
    assert target.read_text() == "not netcomp's\n"
    assert not (out / "cultures.csv").is_symlink()
    # the same link in a folder netcomp did not write: refused outright
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "cultures.csv").symlink_to(target)
    with pytest.raises(FileExistsError, match="did not write"):
        reconstruct(foreign)
    assert target.read_text() == "not netcomp's\n"


def test_reconstruct_default_is_the_bundled_cohort_wherever_it_runs(tmp_path: Path, monkeypatch):
    from netcomp import cli

    written: list[Path] = []
    monkeypatch.setattr(
        "netcomp.data.reconstruct.write_cohort",
        lambda out, seed: written.append(Path(out)) or Path(out),
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["reconstruct"]) == 0
    from netcomp.data.provenance import BUNDLED_COHORT

    assert written == [BUNDLED_COHORT] and not (tmp_path / "data").exists()


def test_a_lock_name_planted_as_a_link_is_refused_and_its_target_kept(place: Path):
    victim = place / "mine" / "thesis.docx"
    (place / ".netcomp-lock-book").symlink_to(victim)
    proc = call("build", "--data", "small", "--out", "book", cwd=place)
    assert_clean(proc, 1)
    assert "symbolic link" in proc.stderr
    assert victim.read_bytes() == b"years of work"
    assert not (place / "book").exists()


def test_a_users_file_inside_a_previous_build_is_never_deleted(place: Path):
    out = place / "book"
    (out / "html").mkdir(parents=True)
    (out / "html" / "index.html").write_text("<html>previous book</html>")
    write_marker(out)
    (out / "my_notes.txt").write_text("written by me after the build")
    before = tree(place)
    proc = call("build", "--data", "small", "--out", "book/", cwd=place)
    assert_clean(proc, 1)
    assert "'my_notes.txt', which no build wrote" in proc.stderr
    assert tree(place) == before


@pytest.mark.parametrize(
    "inside", ["book/my_book", "notebooks/out", "data/literature/b", "netcomp/x"]
)
def test_out_inside_a_folder_every_build_reads_is_refused(inside: str, place: Path):
    from netcomp.book.build import ROOT

    proc = call("build", "--data", "small", "--out", ROOT / inside, cwd=place)
    assert_clean(proc, 1)
    assert f"inside the repository's {inside.split('/')[0]}/ folder" in proc.stderr
    assert not (ROOT / inside).exists()


def test_output_cut_short_by_the_reader_is_quiet(monkeypatch, capsys):
    # ``netcomp params | head -1``: the reader has gone; no traceback, no "failed" line
    from netcomp import cli

    class ClosedPipe:
        def write(self, _text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert cli.main(["params"]) == 1
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- broken cohorts

_GOOD_HOME = Path(tempfile.mkdtemp(prefix="netcomp-adv-"))
atexit.register(shutil.rmtree, _GOOD_HOME, ignore_errors=True)
_GOOD = write_cohort(_GOOD_HOME / "good", CohortSpec(n_cultures=5, mutation_rate=0.5))
_FILES = sorted(p.name for p in _GOOD.iterdir())
_JUNK = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "inf",
            "-Infinity",
            "nan",
            "1,5",
            "1e400",
            "1e-400",
            "0x10",
            "1_000",
            "１２",
            "#N/A",
            "=1+1",
            '"',
            '""',
            "10%",
            "<b>x</b>",
            "\u202e",
            "C001 ",
            "c001",
            "1.5.2",
            "e5",
            "TRUE",
            "2024-01-02",
        ]
    ),
)


@st.composite
def _damage(draw: st.DrawFn) -> tuple[str, str, str, int, bytes]:
    kinds = [
        "cell",
        "cell",
        "cell",
        "header",
        "drop_line",
        "dup_line",
        "add_column",
        "truncate",
        "blank_line",
        "bytes",
        "remove",
    ]
    return (
        draw(st.sampled_from(_FILES)),
        draw(st.sampled_from(kinds)),
        draw(_JUNK),
        draw(st.integers(0, 10**6)),
        draw(st.binary(max_size=40)),
    )


def _apply(folder: Path, damage: tuple[str, str, str, int, bytes]) -> None:
    name, kind, value, k, raw = damage
    path = folder / name
    if not path.exists():
        return
    if kind == "remove":
        path.unlink()
        return
    if kind == "bytes":
        data = path.read_bytes()
        at = k % max(1, len(data))
        path.write_bytes(data[:at] + raw + data[at:])
        return
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    i = k % max(1, len(lines))
    if kind == "cell":
        fields = lines[i].split(",")
        fields[k % len(fields)] = value.replace(",", ";").replace("\n", " ")
        lines[i] = ",".join(fields)
    elif kind == "header":
        fields = lines[0].split(",")
        fields[k % len(fields)] = value
        lines[0] = ",".join(fields)
    elif kind == "drop_line":
        del lines[i]
    elif kind == "dup_line":
        lines.insert(i, lines[i])
    elif kind == "add_column":
        lines = [ln + "," + value.replace(",", "") if ln else ln for ln in lines]
    elif kind == "truncate":
        lines = lines[:i]
    elif kind == "blank_line":
        lines.insert(i, "")
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")


@settings(max_examples=examples(60), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_damage(), min_size=1, max_size=4))
def test_any_damaged_cohort_gets_a_report_never_a_crash(damages: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "c"
        shutil.copytree(_GOOD, folder)
        for damage in damages:
            _apply(folder, damage)
        report = validate_cohort(folder)
        unexpected = [str(p) for p in report.problems if "unexpected" in p.message]
        assert unexpected == []
        assert all(len(str(p)) < 1500 for p in report.problems)  # values are clipped
        if report.ok:  # what validation accepts, the chapters can load
            load_cohort(folder)
        else:
            assert report.n_errors >= 1 and "NOT valid" in report.summary()


def test_a_ten_megabyte_cell_is_reported_quickly(tmp_path: Path):
    folder = write_cohort(tmp_path / "c", CohortSpec(n_cultures=4))
    text = (folder / "cultures.csv").read_text().replace("C001", "C" + "x" * 10_000_000, 1)
    (folder / "cultures.csv").write_text(text)
    start = time.perf_counter()
    report = validate_cohort(folder)
    assert time.perf_counter() - start < 10
    assert not report.ok and "cultures.csv" in report.format()
    assert max(len(str(p)) for p in report.problems) < 1500


def test_a_wide_export_gives_a_bounded_report(tmp_path: Path):
    from netcomp.data.contract import MAX_PROBLEMS_PER_COLUMN

    folder = write_cohort(tmp_path / "c", CohortSpec(n_cultures=10))
    lines = (folder / "cultures.csv").read_text().splitlines()
    extra = 5_000
    lines[0] += "," + ",".join(f"gene{i}" for i in range(extra))
    lines[1:] = [ln + "," + ",".join(["1.5"] * extra) for ln in lines[1:]]
    (folder / "cultures.csv").write_text("\n".join(lines) + "\n")
    report = validate_cohort(folder)
    assert report.ok and report.n_warnings == extra  # every column counted ...
    assert len(report.problems) == MAX_PROBLEMS_PER_COLUMN + 1  # ... few lines listed
    assert f"{extra - MAX_PROBLEMS_PER_COLUMN} more unknown columns" in report.format()


@pytest.mark.parametrize("name", ["cultures.csv", "viability.csv", "panel.txt"])
def test_binary_garbage_in_any_file_is_named(name: str, tmp_path: Path):
    folder = write_cohort(tmp_path / "c", CohortSpec(n_cultures=4))
    (folder / name).write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4000))
    report = validate_cohort(folder)
    assert not report.ok
    assert any(p.file == name for p in report.errors)
    assert not any("unexpected" in p.message for p in report.problems)


def test_files_that_are_links_are_read_and_what_is_not_a_file_is_named(tmp_path: Path):
    linked = tmp_path / "linked"
    linked.mkdir()
    for f in _GOOD.iterdir():
        (linked / f.name).symlink_to(f)
    assert validate_cohort(linked).ok  # reading through links is fine
    odd = tmp_path / "odd"
    shutil.copytree(_GOOD, odd)
    (odd / "mutations.csv").unlink()
    (odd / "mutations.csv").symlink_to(tmp_path / "nowhere.csv")
    (odd / "panel.txt").unlink()
    (odd / "panel.txt").mkdir()
    (odd / "expression.csv").unlink()
    os.mkfifo(odd / "expression.csv")
    text = validate_cohort(odd).format()
    assert "mutations.csv is a symbolic link to" in text and "does not exist" in text
    assert "panel.txt is a folder, not a file" in text
    assert "expression.csv is not a regular file" in text


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run as another user",
)
def _nobody(*args: str) -> list[str]:
    """A command run as user nobody (65534), with no supplementary groups."""
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *args]


def test_an_unreadable_folder_is_a_user_problem_not_an_internal_error(tmp_path: Path):
    probe = subprocess.run(
        _nobody(sys.executable, "-c", "import netcomp"), cwd="/", capture_output=True, check=False
    )
    if probe.returncode != 0:  # e.g. a checkout under a folder only root may enter (mktemp -d)
        pytest.skip("user nobody cannot import netcomp from this checkout")
    folder = tmp_path / "locked"
    shutil.copytree(_GOOD, folder)
    tmp_path.chmod(0o755)
    folder.chmod(0)
    proc = subprocess.run(
        _nobody(sys.executable, "-m", "netcomp", "validate", str(folder)),
        cwd="/",
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    folder.chmod(0o755)
    assert_clean(proc, 1)
    assert "cannot be read: Permission denied" in proc.stdout
    assert "unexpected" not in proc.stdout


# --------------------------------------------------------------------------- workbooks


def _workbook(path: Path, edit=None) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ("cultures", "viability", "expression", "mutations"):
        frame = pd.read_csv(_GOOD / f"{name}.csv")
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
    panel = book.create_sheet("panel")
    for gene in (_GOOD / "panel.txt").read_text().split():
        panel.append([gene])
    if edit:
        edit(book)
    book.save(path)
    return path


def test_a_workbook_with_a_huge_used_range_validates_in_seconds(tmp_path: Path):
    def far_cells(book):  # what a stray keystroke or a formatted column leaves behind
        book["expression"].cell(row=1, column=16_000, value="stray")
        book["expression"].cell(row=1_000_000, column=1, value="C001")

    path = _workbook(tmp_path / "wide.xlsx", far_cells)
    start = time.perf_counter()
    report = validate_cohort(path)
    assert time.perf_counter() - start < 10  # the used range is 1e6 x 16,000 cells
    text = report.format()
    assert "row 1000000, column 'gene': required value is empty" in text
    assert "unknown column 'stray'" in text


def test_extra_sheets_are_named_in_a_warning(tmp_path: Path):
    def extra(book):
        book.create_sheet("Notes").append(["<script>alert(1)</script>"])
        book.create_sheet("cultures (2)")

    report = validate_cohort(_workbook(tmp_path / "extra.xlsx", extra))
    assert report.ok
    assert [p.message for p in report.warnings if "not part of the data contract" in p.message]
    assert "'Notes', 'cultures (2)'" in report.format()


def test_spreadsheet_types_and_errors_are_reported_by_sheet_row(tmp_path: Path):
    import datetime as dt

    def types(book):
        sheet = book["viability"]
        sheet["E2"] = dt.datetime(2024, 1, 2)
        sheet["E3"] = True
        sheet["E4"] = "#DIV/0!"

    text = validate_cohort(_workbook(tmp_path / "types.xlsx", types)).format()
    for row, value in ((2, "2024-01-02"), (3, "TRUE"), (4, "#DIV/0!")):
        assert (
            f"sheet 'viability', row {row}, column 'viability_pct': not a number (value: '{value}')"
        ) in text


@pytest.mark.parametrize("content", [b"PK\x03\x04" + b"\x00" * 300, b"random" * 50, "zip"])
def test_damaged_workbooks_are_reported(content: bytes | str, tmp_path: Path):
    path = tmp_path / "book.xlsx"
    if content == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("a.txt", "not a workbook")
    else:
        path.write_bytes(content)
    report = validate_cohort(path)
    assert not report.ok and "workbook" in report.format()
    assert not any("unexpected" in p.message for p in report.problems)


# --------------------------------------------------------------------------- interrupts


def _alive(process: psutil.Process) -> bool:
    """Whether ``process`` still runs (a zombie or a process gone meanwhile does not)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _as_in_a_terminal() -> None:
    """Ctrl-C handled as in a terminal: a test run started in the background of a shell (and
    some CI runners) ignores SIGINT, and a child process would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.build
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("delay", [1.0, 3.0, 6.0])
def test_an_interrupt_at_any_moment_leaves_nothing_behind(
    sig: signal.Signals, delay: float, place: Path
):
    out = place / "book"
    (out / "html").mkdir(parents=True)
    (out / "html" / "index.html").write_text("<html>previous book</html>")
    write_marker(out)
    before = tree(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "netcomp", "build", "--data", "small", "--out", "book", "--force"],
        cwd=place,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_as_in_a_terminal,
    )
    time.sleep(delay)
    started = psutil.Process(proc.pid).children(recursive=True)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C in a terminal reaches the whole process group
    else:
        proc.send_signal(sig)
    try:
        err = proc.communicate(timeout=20)[1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == (130 if sig == signal.SIGINT else 143), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    alive = [p for p in started if _alive(p)]
    assert alive == []
    assert [p.name for p in place.iterdir() if p.name.startswith(".netcomp-")] == []
    assert tree(out) == before


STUCK_POOL = """
import threading, time
from netcomp.cli import _leave_if_stuck

class _ExecutorManagerThread(threading.Thread):  # stands for a pool thread that never ends
    def run(self):
        time.sleep(3600)

_ExecutorManagerThread().start()
print("message before exit", flush=False)
_leave_if_stuck(143, wait=0.5)
"""


def test_a_pool_thread_stuck_after_an_interrupt_does_not_hold_the_exit(tmp_path: Path):
    # without the guard the interpreter would wait for the thread forever at exit
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", STUCK_POOL],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 143 and time.monotonic() - start < 15
    assert proc.stdout == "message before exit\n"  # flushed before leaving


def test_with_no_stuck_thread_the_guard_returns():
    from netcomp.cli import _leave_if_stuck

    _leave_if_stuck(130, wait=0.1)  # returns: pytest is still running


# --------------------------------------------------------------------------- the rerun guide


def _guide_commands() -> list[list[str]]:
    """The ``netcomp`` command lines of the rerun page, in order, as the user copies them."""
    text = (Path(__file__).resolve().parents[1] / "book" / "rerun.md").read_text()
    commands = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith(".venv/bin/netcomp "):
            commands.append(line.removeprefix(".venv/bin/netcomp ").split())
    return commands


@pytest.mark.build
def test_the_rerun_guide_works_verbatim_in_a_fresh_folder(tmp_path: Path):
    commands = _guide_commands()
    assert [c[0] for c in commands][:5] == ["template", "validate", "params", "check", "build"]
    for argv in commands:
        if ">" in argv:  # ``netcomp params > my.yaml``
            at = argv.index(">")
            proc = run(*argv[:at], cwd=tmp_path)
            (tmp_path / argv[at + 1]).write_text(proc.stdout)
        else:
            proc = run(*argv, cwd=tmp_path, timeout=900)
        assert_clean(proc, 0)
    assert (tmp_path / "my_book" / "html" / "index.html").is_file()
    pages = sorted(p.name for p in (tmp_path / "my_book" / "html" / "notebooks").glob("*.html"))
    assert len(pages) == 6, pages


# --------------------------------------------------------------------------- many drugs


def test_the_paired_figure_wraps_many_comparators_into_rows():
    import numpy as np

    from netcomp.figures.response import PAIRED_PER_ROW, paired_plot

    rng = np.random.default_rng(0)
    comparators = [f"drug{i:02d}" for i in range(60)]  # "every other drug" of a screen
    paired = pd.DataFrame(
        {
            "culture_id": [f"C{i}" for i in range(8)],
            "lenvatinib": rng.uniform(-10, 80, 8),
            **{c: rng.uniform(-10, 80, 8) for c in comparators},
        }
    )
    fig = paired_plot(paired, "lenvatinib", comparators, threshold_pct=15.0)
    width, height = fig.get_size_inches()
    assert width <= 3.0 * PAIRED_PER_ROW + 1  # was 180 inches: one row of 60 panels
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == [f"lenvatinib vs {c}" for c in comparators]
    assert height == pytest.approx(4.0 * 15 + 0.4)


def test_a_full_disk_is_reported_with_what_to_do(monkeypatch, capsys):
    import errno

    from netcomp import cli

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("netcomp.book.build.build", full)
    assert cli.main(["build", "--out", "never_created"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        "netcomp build failed: No space left on device; free some disk "
        "space, or choose an --out on another disk"
    )


def test_a_long_table_shows_its_first_rows_and_the_total():
    from netcomp.book.display import MAX_TABLE_ROWS, show_table

    frame = pd.DataFrame(
        {"culture_id": [f"<b>C{i}</b>" for i in range(14_000)], "value": range(14_000)}
    )
    html = show_table(frame).to_html()
    assert html.count("<tr") == MAX_TABLE_ROWS + 1  # header + the first rows
    assert f"Showing the first {MAX_TABLE_ROWS:,} of 14,000 rows" in html
    assert "&lt;b&gt;C0&lt;/b&gt;" in html and "<b>C0" not in html
    short = show_table(frame.head(MAX_TABLE_ROWS)).to_html()
    assert short.count("<tr") == MAX_TABLE_ROWS + 1 and "Showing the first" not in short
