"""Safe builds: what ``--out`` may be, staging and locks, interrupts, notices, no tracebacks.

The fast tests replace the slow parts of a build (the pre-flight check, executing a
notebook with papermill, rendering with Jupyter Book, computing every chapter for the
student edition's zip, tested in test_student.py) by recording fakes, so they can prove
that a refusal comes before any of them and that every file of the user stays byte-identical.
The process tests (marker ``build``) start a real ``netcomp build`` and interrupt it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
import pytest

import netcomp.book.build as build_mod
from netcomp.book.build import MARKER, BuildError, build, is_previous_build, out_lock, write_marker
from netcomp.cli import EXIT_INTERNAL, main
from tests.conftest import BUNDLED, ROOT

NETCOMP = Path(sys.executable).with_name("netcomp")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder below ``folder``: relative path -> SHA-256 (or 'dir')."""
    found = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        found[rel] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return found


@dataclass
class Report:
    """Stands in for ``netcomp.book.preflight.PreflightReport`` (same fields)."""

    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def format(self) -> str:
        lines = (
            [f"ERROR: {e}" for e in self.errors]
            + [f"WARNING: {w}" for w in self.warnings]
            + [f"NOTICE: {n}" for n in self.notices]
        )
        return "\n".join([*lines, f"{len(self.errors)} error(s), {len(self.notices)} notice(s)"])


@dataclass
class Fakes:
    """Records what a build did; ``report`` and ``chapter_notices`` set what it will see."""

    notebook: Path
    report: Report = field(default_factory=Report)
    chapter_notices: list[str] = field(default_factory=list)
    design_notes: list[str] = field(default_factory=list)
    preflights: list[Path] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    rendered: int = 0
    execute_hook: object = None


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Fakes:
    """Fake pre-flight, notebook execution and rendering; cwd is a scratch folder."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("data_dir = None\nresults_dir = None\nfdr = 0.1")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "notebooks" / "01_tiny.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    state = Fakes(path)

    def fake_preflight(data: Path, values: dict, allow_identifiers: bool) -> Report:
        state.preflights.append(data)
        return state.report

    def fake_execute(task: tuple[str, str, dict, str]) -> tuple[str, float]:
        source, target, parameters, _cwd = task
        state.executed.append(Path(source).name)
        if callable(state.execute_hook):
            state.execute_hook(task)
        shutil.copy(source, target)
        results = Path(parameters["results_dir"])
        results.mkdir(parents=True, exist_ok=True)
        (results / "notices-tiny.json").write_text(
            json.dumps(
                [{"chapter": "tiny", "section": "s", "text": t} for t in state.chapter_notices]
                + [
                    {"chapter": "tiny", "section": "d", "text": t, "design": True}
                    for t in state.design_notes
                ]
            )
        )
        return Path(source).name, 0.01

    def fake_render(src: Path, work: Path) -> None:
        state.rendered += 1
        html = work / "_build" / "html"
        html.mkdir(parents=True)
        (html / "index.html").write_text("<html>new book</html>")

    def fake_student_zip(path: str | Path) -> Path:
        Path(path).write_bytes(b"stands for the student edition")
        return Path(path)

    monkeypatch.setattr(build_mod, "_preflight", fake_preflight)
    monkeypatch.setattr(build_mod, "_execute_one", fake_execute)
    monkeypatch.setattr(build_mod, "_run_jupyter_book", fake_render)
    monkeypatch.setattr("netcomp.book.student.student_zip", fake_student_zip)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.chdir(scratch)
    return state


def quick_build(fakes: Fakes, out: Path, data: Path = BUNDLED, **kwargs) -> build_mod.BuildResult:
    messages: list[str] = kwargs.pop("messages", [])
    return build(
        data, out_dir=out, notebooks=[fakes.notebook], jobs=1, log=messages.append, **kwargs
    )


def previous_build(folder: Path) -> Path:
    """A folder that a previous netcomp build wrote (marker and a page)."""
    (folder / "html").mkdir(parents=True)
    (folder / "html" / "index.html").write_text("<html>previous book</html>")
    write_marker(folder)
    return folder


def no_netcomp_leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".netcomp-")]


# --------------------------------------------------------------------------- --out refusals


def _case(name: str, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str]:
    """(data folder, --out as typed, expected words) for one forbidden --out."""
    data = tmp / "project" / "cohort"
    shutil.copytree(BUNDLED, data)
    (tmp / "project" / "notes.txt").write_text("my notes")
    mine = tmp / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"my thesis")
    home = tmp / "home"
    (home / "deep" / "er").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    cases = {
        "a file": (tmp / "project" / "notes.txt", "it is a file"),
        "the data folder": (data, "it is the data folder"),
        "inside the data folder": (data / "book", "inside the data folder"),
        "a parent of the data": (tmp / "project", "it contains the data"),
        "the current folder": (Path("."), "it is the current folder"),
        "a parent of the current folder": (Path(".."), "or a parent of it"),
        "a non-empty folder of the user's": (mine, "not a previous netcomp build"),
        "the repository": (ROOT, "netcomp repository"),
        "the home folder": (home, "your home folder"),
    }
    if name == "a parent of the current folder":
        monkeypatch.chdir(home / "deep")
    elif name == "the current folder":
        monkeypatch.chdir(mine)
    out, words = cases[name]
    return data, str(out), words


@pytest.mark.parametrize(
    "name",
    [
        "a file",
        "the data folder",
        "inside the data folder",
        "a parent of the data",
        "the current folder",
        "a parent of the current folder",
        "a non-empty folder of the user's",
        "the repository",
        "the home folder",
    ],
)
def test_a_forbidden_out_is_refused_before_any_work(
    name: str, fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    data, out, words = _case(name, tmp_path, monkeypatch)
    before = snapshot(tmp_path)
    assert main(["build", "--data", str(data), "--out", out]) == 1
    err = capsys.readouterr().err
    assert "refusing --out" in err and words in err, err
    assert "Nothing was built or changed" in err and "Traceback" not in err
    # before the pre-flight check, any notebook or rendering, and nothing written anywhere
    assert fakes.preflights == [] and fakes.executed == [] and fakes.rendered == 0
    assert snapshot(tmp_path) == before


def test_refusals_of_the_repository_write_nothing_there(fakes: Fakes, cohort_dir: Path):
    before = {p.name for p in ROOT.parent.iterdir()}
    with pytest.raises(BuildError, match="it is the netcomp repository"):
        quick_build(fakes, ROOT, cohort_dir)
    with pytest.raises(BuildError, match="netcomp repository .* or a parent of it"):
        quick_build(fakes, ROOT.parent, cohort_dir)
    assert {p.name for p in ROOT.parent.iterdir()} == before


def test_a_parameter_file_inside_out_and_an_unmarked_old_build_are_refused(
    fakes: Fakes, tmp_path: Path
):
    out = previous_build(tmp_path / "book")
    params = out / "my.yaml"
    params.write_text("fdr: 0.2\n")
    before = snapshot(tmp_path)
    with pytest.raises(BuildError, match="it contains the parameter file"):
        build(BUNDLED, params, out, notebooks=[fakes.notebook], log=lambda _m: None)
    old = tmp_path / "old_book"  # what netcomp wrote before builds carried a marker
    (old / "html").mkdir(parents=True)
    (old / "build.json").write_text("{}")
    with pytest.raises(BuildError, match=r"older netcomp.*delete it yourself once"):
        quick_build(fakes, old)
    assert snapshot(tmp_path) == {
        **before,
        "old_book": "dir",
        "old_book/html": "dir",
        "old_book/build.json": snapshot(old)["build.json"],
    }
    assert fakes.preflights == []


def test_a_missing_out_is_created_and_marked(fakes: Fakes, tmp_path: Path):
    out = tmp_path / "new" / "deeper" / "book"
    result = quick_build(fakes, out)
    assert result.executed == ["01_tiny.ipynb"]
    assert (out / "html" / "index.html").read_text() == "<html>new book</html>"
    assert is_previous_build(out)
    signature = json.loads((out / MARKER).read_text())
    assert signature["signature"] == "netcomp-build"
    assert no_netcomp_leftovers(out.parent) == []
    assert oct(out.stat().st_mode & 0o777) != oct(0o700)  # a normal folder, not mkdtemp's


def test_an_empty_folder_and_a_previous_build_are_replaced(fakes: Fakes, tmp_path: Path):
    out = tmp_path / "book"
    out.mkdir()
    quick_build(fakes, out)
    assert (out / "html" / "index.html").read_text() == "<html>new book</html>"
    mine = out / "my_notes.txt"  # a user's file put into the previous build: refused, kept
    mine.write_text("my notes")
    with pytest.raises(BuildError, match="my_notes.txt"):
        quick_build(fakes, out, force=True)
    assert mine.read_text() == "my notes"
    mine.unlink()
    quick_build(fakes, out, force=True)
    assert is_previous_build(out)
    assert fakes.executed == ["01_tiny.ipynb", "01_tiny.ipynb"]


def test_the_users_old_and_partial_siblings_are_never_touched(fakes: Fakes, tmp_path: Path):
    out = previous_build(tmp_path / "book")
    for sibling in ("book.old", "book.partial"):
        (tmp_path / sibling).mkdir()
        (tmp_path / sibling / "results.csv").write_text(f"my own {sibling}\n")
    before = {k: v for k, v in snapshot(tmp_path).items() if k.startswith("book.")}
    quick_build(fakes, out)
    after = {k: v for k, v in snapshot(tmp_path).items() if k.startswith("book.")}
    assert after == before and (out / "html" / "index.html").read_text() == "<html>new book</html>"
    assert no_netcomp_leftovers(tmp_path) == []
    # the user's sibling folders are no build either: refused as --out
    with pytest.raises(BuildError, match="not a previous netcomp build"):
        quick_build(fakes, tmp_path / "book.old")


def test_a_failure_keeps_the_previous_book_and_removes_the_staging_folder(
    fakes: Fakes, tmp_path: Path
):
    out = previous_build(tmp_path / "book")
    before = snapshot(out)

    def fail(_task: tuple) -> None:
        raise BuildError("notebook 01_tiny.ipynb failed in cell 1")

    fakes.execute_hook = fail
    with pytest.raises(BuildError, match="untouched"):
        quick_build(fakes, out)
    assert snapshot(out) == before
    assert no_netcomp_leftovers(tmp_path) == []


def test_an_interrupt_inside_the_build_cleans_up(fakes: Fakes, tmp_path: Path):
    out = previous_build(tmp_path / "book")
    before = snapshot(out)

    def interrupt(_task: tuple) -> None:
        raise KeyboardInterrupt

    fakes.execute_hook = interrupt
    with pytest.raises(KeyboardInterrupt):
        quick_build(fakes, out)
    assert snapshot(out) == before and no_netcomp_leftovers(tmp_path) == []


class _RaisesWhenCollected:
    """Stands for a finaliser that a Ctrl-C interrupts: CPython can only ignore that one."""

    def __del__(self) -> None:
        raise KeyboardInterrupt


#: armed, the next fork in this process raises KeyboardInterrupt in the parent's fork hook,
#: as a Ctrl-C does when it lands while the build forks a worker (logging's _releaseLock)
_FORK_INTERRUPT = {"armed": False}


def _interrupt_after_fork() -> None:
    if _FORK_INTERRUPT["armed"]:
        _FORK_INTERRUPT["armed"] = False
        raise KeyboardInterrupt


os.register_at_fork(after_in_parent=_interrupt_after_fork)


def _fork_and_wait() -> None:
    pid = os.fork()
    if pid == 0:  # the child leaves at once
        os._exit(0)
    os.waitpid(pid, 0)


def _ignored_interrupt(how: str) -> None:
    """A Ctrl-C that CPython reports as 'Exception ignored' instead of raising it."""
    if how == "finaliser":
        _RaisesWhenCollected()
    else:
        _FORK_INTERRUPT["armed"] = True
        _fork_and_wait()


#: Python 3.12+ warns that a fork in a process with threads (pytest-xdist's) may deadlock the
#: child; these children only exit or run one task
FORK_WITH_THREADS = "ignore:This process .* is multi-threaded:DeprecationWarning"


@pytest.mark.filterwarnings(FORK_WITH_THREADS)
@pytest.mark.parametrize("how", ["finaliser", "fork"])
def test_an_interrupt_python_could_only_ignore_still_stops_the_build(
    fakes: Fakes, tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
):
    """Found by CI: a Ctrl-C during a fork was dropped and the build replaced --out."""
    out = previous_build(tmp_path / "book")
    before = snapshot(out)
    fakes.execute_hook = lambda _task: _ignored_interrupt(how)
    with pytest.raises(KeyboardInterrupt):
        quick_build(fakes, out)
    assert snapshot(out) == before and no_netcomp_leftovers(tmp_path) == []
    assert fakes.rendered == 0  # stopped at the checkpoint after execution
    assert "Exception ignored" not in capsys.readouterr().err


def _slow_task(task: tuple) -> tuple[str, float]:
    time.sleep(0.3)
    return str(task[0]), 0.3


@pytest.mark.filterwarnings(FORK_WITH_THREADS)
def test_worker_pool_raises_an_interrupt_swallowed_while_it_forks(monkeypatch: pytest.MonkeyPatch):
    import multiprocessing

    from netcomp.book.interrupts import kept_interrupts

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the worker pool does not fork here (Python 3.14+ starts it by forkserver)")

    monkeypatch.setattr(build_mod, "_execute_one", _slow_task)
    tasks = [(f"{i}.ipynb", "", {}, "") for i in range(3)]
    assert build_mod._run_tasks(tasks, 2) == [(f"{i}.ipynb", 0.3) for i in range(3)]
    with kept_interrupts():
        _FORK_INTERRUPT["armed"] = True
        with pytest.raises(KeyboardInterrupt):
            build_mod._run_tasks(tasks, 2)
    assert not _FORK_INTERRUPT["armed"]  # the pool did fork, and the hook raised
    psutil.wait_procs(psutil.Process().children(), timeout=10)


def test_kept_interrupts_keep_only_signals(monkeypatch: pytest.MonkeyPatch):
    import asyncio

    from netcomp.book import interrupts

    reported: list[type] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_type))
    with interrupts.kept_interrupts():
        for exc in (ValueError("x"), asyncio.CancelledError(), interrupts.Terminated()):
            sys.unraisablehook(types.SimpleNamespace(exc_type=type(exc), exc_value=exc))
        assert reported == [ValueError, asyncio.CancelledError]  # passed on, not kept
        with pytest.raises(interrupts.Terminated):
            interrupts.raise_kept()
        interrupts.raise_kept()  # raised once, then forgotten
    assert reported == [ValueError, asyncio.CancelledError]


def test_a_second_build_into_the_same_out_is_refused_while_one_runs(fakes: Fakes, tmp_path: Path):
    out = previous_build(tmp_path / "book")
    started, release = threading.Event(), threading.Event()

    def wait(_task: tuple) -> None:
        started.set()
        assert release.wait(30)

    fakes.execute_hook = wait
    first: dict[str, object] = {}
    worker = threading.Thread(target=lambda: first.update(result=quick_build(fakes, out)))
    worker.start()
    try:
        assert started.wait(30)
        with pytest.raises(BuildError, match="another netcomp build is writing to"):
            quick_build(fakes, out)
    finally:
        release.set()
        worker.join(30)
    assert first["result"].executed == ["01_tiny.ipynb"]  # type: ignore[attr-defined]
    assert fakes.executed == ["01_tiny.ipynb"]  # the second build ran nothing
    assert no_netcomp_leftovers(tmp_path) == []  # lock file removed too
    quick_build(fakes, out)  # and once the first is done, the next one may run


def test_the_lock_holds_across_processes(fakes: Fakes, tmp_path: Path, capsys):
    out = previous_build(tmp_path / "book")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\n"
            "from netcomp.book.build import out_lock\n"
            f"with out_lock(Path({str(out)!r})):\n    print('held', flush=True)\n"
            "    sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["build", "--out", str(out)]) == 1
        assert "another netcomp build is writing to" in capsys.readouterr().err
        assert fakes.preflights == []
    finally:
        holder.communicate("", timeout=30)
    with out_lock(out):
        pass


# --------------------------------------------------------------------------- notices, strict


def test_notices_are_listed_and_strict_refuses_them(fakes: Fakes, tmp_path: Path):
    out = previous_build(tmp_path / "book")
    before = snapshot(out)
    fakes.chapter_notices = ["Dose-response curves: this section does not apply because x"]
    fakes.report = Report(notices=["gene HRAS is not measured"])
    with pytest.raises(BuildError, match="--strict: the pre-flight check reported 1"):
        quick_build(fakes, out, strict=True)
    assert fakes.executed == []  # refused before any notebook
    fakes.report = Report()
    with pytest.raises(BuildError, match=r"--strict: the build reported 1 notice.*untouched"):
        quick_build(fakes, out, strict=True)
    assert fakes.executed == ["01_tiny.ipynb"] and fakes.rendered == 0
    assert snapshot(out) == before and no_netcomp_leftovers(tmp_path) == []

    fakes.report = Report(notices=["gene HRAS is not measured"], warnings=["sex 'x' ignored"])
    messages: list[str] = []
    result = quick_build(fakes, out, messages=messages)
    assert result.notices == [
        "pre-flight: gene HRAS is not measured",
        "tiny: Dose-response curves: this section does not apply because x",
    ]
    log = "\n".join(messages)
    assert "notices (2)" in log and all(n in log for n in result.notices)
    assert "warning: sex 'x' ignored" in log
    manifest = json.loads((out / "build.json").read_text())
    assert manifest["notices"]["chapters"] == [result.notices[1]]
    # nothing changed: the stored notices are listed again, and --strict still refuses
    again: list[str] = []
    assert quick_build(fakes, out, messages=again).executed == []
    assert "notices (2)" in "\n".join(again)
    with pytest.raises(BuildError, match="--strict: the book in"):
        quick_build(fakes, out, strict=True)


def test_files_put_deep_inside_a_previous_build_are_refused(fakes: Fakes, tmp_path: Path):
    """Found by an adversarial pass: the marker listed top-level names only, so a rebuild
    deleted a user's file in results/ or a folder of drafts in notebooks/."""
    out = previous_build(tmp_path / "book")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"years of work")
    (out / "html" / "my_notes.txt").write_text("mine")
    (out / "html" / "drafts").mkdir()
    (out / "html" / "drafts" / "draft.ipynb").write_text("{}")
    (out / "html" / "link").symlink_to(mine)
    before, theirs = snapshot(out), snapshot(mine)
    assert build_mod.foreign_entries(out) == ["html/drafts", "html/link", "html/my_notes.txt"]
    for force in (False, True):
        with pytest.raises(build_mod.OutDirError, match=r"'html/drafts', 'html/link', 'html/my"):
            quick_build(fakes, out, force=force)
    assert snapshot(out) == before and snapshot(mine) == theirs
    assert fakes.executed == [] and no_netcomp_leftovers(tmp_path) == []
    for extra in ("my_notes.txt", "link"):
        (out / "html" / extra).unlink()
    shutil.rmtree(out / "html" / "drafts")
    quick_build(fakes, out)  # its own files only: replaced
    assert build_mod.foreign_entries(out) == []
    assert snapshot(mine) == theirs


def test_a_file_netcomp_adds_after_the_build_is_recorded(tmp_path: Path):
    """``make pdf`` writes html/netcomp-book.pdf into a build: the next build may replace it;
    a path outside the build is not recorded."""
    out = previous_build(tmp_path / "book")
    pdf = out / "html" / "netcomp-book.pdf"
    pdf.write_bytes(b"%PDF")
    assert build_mod.foreign_entries(out) == ["html/netcomp-book.pdf"]
    build_mod.add_to_marker(out, [pdf, tmp_path / "elsewhere.pdf"])
    assert build_mod.foreign_entries(out) == []
    (out / "html" / "sub").mkdir()
    build_mod.add_to_marker(out, [out / "html" / "sub" / "deep.pdf"])  # parents recorded too
    marker = json.loads((out / MARKER).read_text())
    assert {"html/sub", "html/sub/deep.pdf", "html/netcomp-book.pdf"} <= set(marker["entries"])
    assert "elsewhere.pdf" not in " ".join(marker["entries"])


def test_a_format_1_marker_checks_top_level_names_only(tmp_path: Path):
    """Builds of the previous netcomp (marker format 1) stay replaceable as before."""
    out = previous_build(tmp_path / "book")
    (out / MARKER).write_text(
        json.dumps({"signature": "netcomp-build", "format": 1, "contents": [MARKER, "html"]})
    )
    (out / "html" / "extra.txt").write_text("x")
    assert build_mod.foreign_entries(out) == []
    (out / "notes.txt").write_text("mine")
    assert build_mod.foreign_entries(out) == ["notes.txt"]


def test_design_notes_are_listed_apart_and_strict_builds(fakes: Fakes, tmp_path: Path):
    """A section for data the design does not collect (a dose series) is no notice."""
    out = previous_build(tmp_path / "book")
    fakes.design_notes = ["Dose-response curves: this section does not apply because y"]
    messages: list[str] = []
    result = quick_build(fakes, out, strict=True, messages=messages)
    assert result.notices == [] and fakes.rendered == 1
    log = "\n".join(messages)
    assert "notices (" not in log
    assert "not in this cohort's design (1)" in log
    assert "tiny: Dose-response curves: this section does not apply because y" in log
    manifest = json.loads((out / "build.json").read_text())
    assert manifest["notices"] == {
        "preflight": [],
        "chapters": [],
        "design": ["tiny: Dose-response curves: this section does not apply because y"],
    }
    again: list[str] = []  # nothing changed: listed again, and --strict keeps the book
    assert quick_build(fakes, out, strict=True, messages=again).executed == []
    assert "not in this cohort's design (1)" in "\n".join(again)


def test_preflight_errors_stop_the_build_before_the_out_folder(
    fakes: Fakes, tmp_path: Path, capsys
):
    fakes.report = Report(errors=["drug 'x' is not in viability.csv; available: lenvatinib"])
    out = tmp_path / "new" / "book"
    before = snapshot(tmp_path)
    assert main(["build", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "do not fit together" in err and "drug 'x' is not in viability.csv" in err
    assert snapshot(tmp_path) == before  # not even the parent folder was left behind


def test_unchanged_inputs_with_allow_identifiers_reuse_the_previous_build(
    fakes: Fakes, tmp_path: Path
):
    out = tmp_path / "book"
    quick_build(fakes, out, allow_identifiers=True)
    start = time.perf_counter()
    assert quick_build(fakes, out, allow_identifiers=True).executed == []
    assert time.perf_counter() - start < 2.0
    assert quick_build(fakes, out).executed == ["01_tiny.ipynb"]  # a different input


# --------------------------------------------------------------------------- the CLI


def test_check_reports_and_exits_by_errors_and_notices(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
):
    fake = types.ModuleType("netcomp.book.preflight")
    seen: list[tuple] = []
    report = Report()

    def preflight(data: object, values: dict, allow_identifiers: bool = False) -> Report:
        seen.append((str(data), values["fdr"], allow_identifiers))
        return report

    fake.preflight = preflight  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "netcomp.book.preflight", fake)
    params = tmp_path / "p.yaml"
    params.write_text("fdr: 0.2\n")
    assert main(["check", str(tmp_path), "--params", str(params)]) == 0
    assert seen == [(str(tmp_path), 0.2, False)]
    report.notices.append("no detected mutations")
    assert main(["check", str(tmp_path), "--allow-identifiers"]) == 0
    assert seen[-1] == (str(tmp_path), 0.1, True)
    assert main(["check", str(tmp_path), "--strict"]) == 1
    out = capsys.readouterr()
    assert "NOTICE: no detected mutations" in out.out and "--strict" in out.err
    report.errors.append("concentration 7 uM was not tested")
    assert main(["check", str(tmp_path)]) == 1
    assert "ERROR: concentration 7 uM was not tested" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "--params", "/nonexistent/p.yaml", "--out", "book"],
        ["build", "--out", "notes.txt"],
        ["build", "--out", "/proc/no-such-folder/book"],  # cannot be created, even by root
        ["check", ".", "--params", "/nonexistent/p.yaml"],
        ["template", "notes.txt"],
        ["reconstruct", "--out", "notes.txt/cohort"],
    ],
)
def test_user_errors_show_a_message_and_no_traceback(argv: list[str], fakes: Fakes, capsys):
    Path("notes.txt").write_text("a file")
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"netcomp {argv[0]}") and "Traceback" not in err


def test_an_internal_error_prints_one_line_and_a_log_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
):
    def broken(*_a: object, **_k: object) -> None:
        return {}["missing"]  # a bug, not a user error

    monkeypatch.setattr(build_mod, "build", broken)
    assert main(["build", "--out", str(tmp_path / "book")]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "internal error (KeyError" in err
    log = Path(err.split("the traceback is in ")[1].split("; please")[0])
    text = log.read_text()
    assert "Traceback" in text and "KeyError: 'missing'" in text and "netcomp build" in text
    log.unlink()


# --------------------------------------------------------------------------- real interrupts


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _cmdline(process: psutil.Process) -> str:
    """The command line of ``process``; "" once it has ended or is a zombie (a race, not a bug)."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


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
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_build_stops_everything_and_keeps_the_previous_book(
    sig: signal.Signals, code: int, tmp_path: Path
):
    out = previous_build(tmp_path / "book")
    before = snapshot(out)
    proc = subprocess.Popen(
        [str(NETCOMP), "build", "--out", str(out), "--jobs", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_as_in_a_terminal,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    kernels: list[psutil.Process] = []
    while time.monotonic() < deadline and proc.poll() is None:
        kernels = [p for p in _descendants(proc.pid) if "ipykernel" in _cmdline(p)]
        if kernels and any("[3/5]" in ln for ln in lines):
            break
        time.sleep(0.2)
    assert kernels, f"no kernel started: {lines}"
    time.sleep(1.0)  # notebooks are executing now
    started = _descendants(proc.pid)
    t0 = time.monotonic()
    if sig == signal.SIGINT:  # Ctrl-C in a terminal reaches the whole process group
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    proc.wait(timeout=30)
    err = proc.stderr.read()
    elapsed = time.monotonic() - t0
    assert proc.returncode == code, err
    assert elapsed < 10
    assert len(err.strip().splitlines()) == 1 and "interrupted" in err, err
    alive = [p for p in started if _alive(p)]
    assert alive == []
    assert snapshot(out) == before
    assert no_netcomp_leftovers(tmp_path) == []


RENDER_ONLY = """
import shutil, sys
from pathlib import Path
import netcomp.book.build as b
from netcomp.cli import main

def copy_only(task):  # skip execution: the interrupt must hit Jupyter Book
    shutil.copy(task[0], task[1])
    return Path(task[0]).name, 0.0

b._execute_one = copy_only
sys.exit(main(["build", "--out", sys.argv[1], "--jobs", "1"]))
"""


@pytest.mark.build
def test_an_interrupt_while_rendering_stops_jupyter_book(tmp_path: Path):
    out = previous_build(tmp_path / "book")
    before = snapshot(out)
    proc = subprocess.Popen(
        [sys.executable, "-c", RENDER_ONLY, str(out)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    renderers: list[psutil.Process] = []
    while time.monotonic() < deadline and proc.poll() is None and not renderers:
        renderers = [p for p in _descendants(proc.pid) if "jupyter-book" in _cmdline(p)]
        time.sleep(0.2)
    assert renderers, proc.stderr.read() if proc.poll() is not None else "no jupyter-book"
    time.sleep(1.5)  # Sphinx is reading the pages now
    started = _descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    err = proc.stderr.read()
    assert proc.returncode == 143, err
    assert len(err.strip().splitlines()) == 1 and "interrupted (SIGTERM)" in err, err
    assert [p for p in started if _alive(p)] == []
    assert snapshot(out) == before and no_netcomp_leftovers(tmp_path) == []
