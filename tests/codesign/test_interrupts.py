"""No trial is ever orphaned: Ctrl-C at any point of a search leaves no trial RUNNING, and
running the same command again completes the budget without training a network twice.

Three sweeps, each in tiers: the default run samples it, `-m slow` (what CI runs) samples it
more densely at other points, `-m exhaustive` takes every point (about 45 min on a 2-core
machine: a documented command, not CI's):
* in-process, deterministic: a real SIGINT is sent to the test process right after the k-th
  storage call of the driver, for many k (trainings are stubbed, so a run takes seconds);
  the default run takes every STRIDE-th call, `-m slow` every SLOW_STRIDE-th, `-m exhaustive`
  every call, before and after; on SQLite, and on Optuna's journal file (the default storage,
  whose ~310 calls are cheap: every SLOW_STRIDE-th in the default run, every one with
  `-m slow`);
* inside a storage read: a real SIGINT while SQLAlchemy builds a row, its cursor open (the
  case CI met); the default run at the reads that claim each network, `-m slow` every
  SLOW_READ_STRIDE-th read, `-m exhaustive` every third;
* end to end: `python -m codesign search` in a subprocess, SIGINT at moments of a real run
  (right after a "trained" line is printed among them); the default run interrupts one
  search twice, `-m slow` sweeps delays after three moments.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import optuna
import pytest
from optuna.storages import BaseStorage
from optuna.trial import TrialState

import codesign.engine.search as search_module
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import attempts
from codesign.problem.space import SearchSpace
from tests.codesign.stubs import stub_trainings

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 2  # networks per search
STRIDE = 19  # the default run interrupts after every STRIDE-th storage call (~38 of ~720)
# `-m slow`: strides prime to STRIDE and odd (each sweep alternates before and after a call),
# mostly at calls the default run skips (~100 calls and ~48 reads: 6.4 min on the slow
# 2-core machine of 2026-12-05, where every point would take about 45 min)
SLOW_STRIDE, SLOW_READ_STRIDE = 7, 23


class SignalAfterCalls:
    """Wraps a storage so that a real signal (SIGINT unless told) reaches this process at the
    k-th call the main thread makes (before the call or right after it returns)."""

    def __init__(self, at_call: int | None, before: bool = False,
                 signum: int = signal.SIGINT):
        self.at_call, self.before, self.calls, self.signum = at_call, before, 0, signum

    def wrap(self, storage: BaseStorage) -> BaseStorage:
        for name in dir(BaseStorage):
            method = getattr(storage, name, None)
            if name.startswith("_") or not callable(method):
                continue
            setattr(storage, name, self._counted(method))
        return storage

    def _counted(self, method):
        def call(*args, **kwargs):
            if threading.current_thread() is not threading.main_thread():
                return method(*args, **kwargs)
            self.calls += 1
            due = self.calls == self.at_call
            if due and self.before:
                os.kill(os.getpid(), self.signum)
            result = method(*args, **kwargs)
            if due and not self.before:
                os.kill(os.getpid(), self.signum)
            return result

        return call


@pytest.fixture
def fast_tmp(tmp_path):
    """A folder in memory where there is one: SQLite commits there cost no disk flush."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(dir=shm, prefix="codesign-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def stubbed_space(tiny_space, monkeypatch):
    spec = tiny_space(budget={"trials": BUDGET})
    space = SearchSpace.model_validate(spec)
    stub_trainings(monkeypatch, space)
    return spec


# the storages swept: SQLite, and Optuna's journal file (the default storage)
STORAGES = {"sqlite": "sqlite:///{folder}/study.db", "journal": "journal:{folder}/study.log"}


def _url(tmp: Path, kind: str) -> str:
    return STORAGES[kind].format(folder=tmp)


def _run(spec: dict, tmp: Path, monkeypatch, injector: SignalAfterCalls | None,
         kind: str = "sqlite") -> bool:
    """One search on `tmp`'s storage of `kind`; True if it was interrupted."""
    space = SearchSpace.model_validate({**spec, "output_dir": str(tmp),
                                        "storage": _url(tmp, kind)})
    opener = open_storage if injector is None else (lambda url: injector.wrap(open_storage(url)))
    monkeypatch.setattr(search_module, "open_storage", opener)
    try:
        run_search(space)
    except KeyboardInterrupt:
        return True
    return False


def _state(url: str) -> dict:
    storage = open_storage(url)
    names = {s.study_name for s in optuna.get_all_study_summaries(storage)}
    if "tiny:networks" not in names:
        return {"running": 0, "trained_keys": [], "attempts": 0}
    networks = optuna.load_study(study_name="tiny:networks", storage=storage)
    designs = optuna.load_study(study_name="tiny", storage=storage)
    trials = networks.get_trials(deepcopy=False)
    trained = [t for t in trials if t.user_attrs.get("outcome") == "trained"]
    linked = {d.user_attrs["network_trial"] for d in designs.get_trials(deepcopy=False)}
    return {
        "running": sum(t.state == TrialState.RUNNING for t in trials),
        "trained_keys": [t.user_attrs["network_key"] for t in trained],
        "attempts": attempts(networks),
        "unlinked": linked - {t.number for t in trained},  # design points of no trained run
    }


def _count_calls(spec, tmp_path, monkeypatch, kind: str = "sqlite") -> int:
    counter = SignalAfterCalls(None)
    assert not _run(spec, tmp_path / "count", monkeypatch, counter, kind)
    return counter.calls


def _interrupt_and_resume(spec, tmp: Path, monkeypatch, call: int, before: bool,
                          signum: int = signal.SIGINT, kind: str = "sqlite") -> None:
    interrupted = _run(spec, tmp, monkeypatch, SignalAfterCalls(call, before, signum), kind)
    after = _state(_url(tmp, kind))
    assert after["running"] == 0, f"call {call}: a trial was left RUNNING"
    assert not after.get("unlinked"), f"call {call}: design points without their network"
    assert not _run(spec, tmp, monkeypatch, None, kind)  # the same command again
    resumed = _state(_url(tmp, kind))
    assert resumed["running"] == 0
    assert len(resumed["trained_keys"]) == resumed["attempts"] == BUDGET, (call, interrupted)
    assert len(set(resumed["trained_keys"])) == BUDGET, f"call {call}: a network trained twice"


# a journal's calls are cheap (~310 of them, a few ms each): it is swept more densely
@pytest.mark.parametrize(("kind", "stride"), [("sqlite", STRIDE), ("journal", SLOW_STRIDE)])
def test_sigint_after_storage_calls_never_orphans_a_trial(stubbed_space, fast_tmp, monkeypatch,
                                                          kind, stride):
    total = _count_calls(stubbed_space, fast_tmp, monkeypatch, kind)
    assert total > 100  # the sweep below covers the whole run
    for call in range(1, total + 1, stride):
        _interrupt_and_resume(stubbed_space, fast_tmp / f"at{call}", monkeypatch, call,
                              before=call % 2 == 0, kind=kind)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_as_cleanly_as_sigint(stubbed_space, fast_tmp, monkeypatch,
                                                      signum):
    """SIGHUP (the terminal closed) and SIGTERM are a clean stop too, not a kill."""
    total = _count_calls(stubbed_space, fast_tmp, monkeypatch)
    for call in range(1, total + 1, 3 * STRIDE):
        _interrupt_and_resume(stubbed_space, fast_tmp / f"at{call}", monkeypatch, call,
                              before=call % 2 == 0, signum=signum)


class SignalInsideRowLoading:
    """A real SIGINT that reaches this process while SQLAlchemy builds a row of the main
    thread's k-th result (counted over the search's storage reads), its cursor still open: the
    case CI met, a Ctrl-C just after a training, as the next network was claimed. Unheld, it
    leaves SQLite's read lock behind and the driver's last writes fail ("database is locked")."""

    def __init__(self, monkeypatch, at_load: int | None = None):
        from sqlalchemy.orm import loading

        self.at_load, self.loads, self.claims = at_load, 0, []
        build, claim = loading._instance_processor, search_module.competing_claim

        def counted(*args, **kwargs):
            if threading.current_thread() is threading.main_thread():
                self.loads += 1
                if self.loads == self.at_load:
                    os.kill(os.getpid(), signal.SIGINT)
            return build(*args, **kwargs)

        def claiming(*args, **kwargs):
            self.claims.append(self.loads)  # the reads so far, as a network is claimed
            return claim(*args, **kwargs)

        monkeypatch.setattr(loading, "_instance_processor", counted)
        monkeypatch.setattr(search_module, "competing_claim", claiming)


def _interrupt_read_and_resume(spec, tmp: Path, monkeypatch, load: int) -> None:
    with monkeypatch.context() as patch:
        SignalInsideRowLoading(patch, load)
        _run(spec, tmp, monkeypatch, None)
    after = _state(_url(tmp, "sqlite"))
    assert after["running"] == 0, f"an interrupt in read {load} left a trial RUNNING"
    assert not _run(spec, tmp, monkeypatch, None)  # the same command again
    resumed = _state(_url(tmp, "sqlite"))
    assert resumed["running"] == 0
    assert len(resumed["trained_keys"]) == resumed["attempts"] == BUDGET, load


def _count_loads(spec, tmp: Path, monkeypatch) -> SignalInsideRowLoading:
    with monkeypatch.context() as patch:
        counter = SignalInsideRowLoading(patch)
        assert not _run(spec, tmp, monkeypatch, None)
    return counter


def test_an_interrupt_inside_a_storage_read_leaves_no_trial_running(stubbed_space, fast_tmp,
                                                                    monkeypatch):
    """SIGINT in the first rows of each claim's read (where CI met it): every storage call
    runs whole (`codesign.engine.signal_safe_storage`), so the trial is failed, not RUNNING."""
    counter = _count_loads(stubbed_space, fast_tmp / "count", monkeypatch)
    assert len(counter.claims) == BUDGET
    for claim in counter.claims:
        for load in (claim + 1, claim + 2):
            _interrupt_read_and_resume(stubbed_space, fast_tmp / f"at{load}", monkeypatch, load)


@pytest.mark.slow
def test_an_interrupt_inside_sampled_storage_reads_leaves_no_trial_running(
        stubbed_space, fast_tmp, monkeypatch):
    """The same in every SLOW_READ_STRIDE-th read of a search, wherever it falls."""
    total = _count_loads(stubbed_space, fast_tmp / "count", monkeypatch).loads
    assert total > 100
    for load in range(2, total + 1, SLOW_READ_STRIDE):
        _interrupt_read_and_resume(stubbed_space, fast_tmp / f"at{load}", monkeypatch, load)


@pytest.mark.exhaustive
def test_an_interrupt_inside_any_storage_read_leaves_no_trial_running(stubbed_space, fast_tmp,
                                                                      monkeypatch):
    """The same in every third read of a search (~370 searches and their resumes)."""
    total = _count_loads(stubbed_space, fast_tmp / "count", monkeypatch).loads
    assert total > 100
    for load in range(1, total + 1, 3):
        _interrupt_read_and_resume(stubbed_space, fast_tmp / f"at{load}", monkeypatch, load)


class RefusingAfterSignal:
    """SIGINT right after the first network is claimed; from then on the storage refuses to
    change a trial's state (as a storage whose disk just failed would)."""

    def __init__(self):
        self.signalled = False

    def wrap(self, storage: BaseStorage) -> BaseStorage:
        set_attr, set_state = storage.set_trial_user_attr, storage.set_trial_state_values

        def claimed(trial_id, key, value):
            set_attr(trial_id, key, value)
            if key == "network_key" and not self.signalled:
                self.signalled = True
                os.kill(os.getpid(), signal.SIGINT)

        def refusing(*args, **kwargs):
            if self.signalled:
                raise optuna.exceptions.StorageInternalError("disk I/O error")
            return set_state(*args, **kwargs)

        storage.set_trial_user_attr, storage.set_trial_state_values = claimed, refusing
        return storage


def test_a_held_trial_the_storage_will_not_fail_is_named(stubbed_space, fast_tmp, monkeypatch):
    """The driver does not claim what it could not do: the trial it could not fail is named
    (the CLI says it is left RUNNING, for the next run to fail and retrain)."""
    from codesign.engine.search import SearchInterrupted
    from codesign.screen.present import search_interrupted

    injector = RefusingAfterSignal()
    space = SearchSpace.model_validate({**stubbed_space, "output_dir": str(fast_tmp),
                                        "storage": f"sqlite:///{fast_tmp / 'study.db'}"})
    monkeypatch.setattr(search_module, "open_storage",
                        lambda url: injector.wrap(open_storage(url)))
    with pytest.raises(SearchInterrupted) as stopped:
        run_search(space)
    assert stopped.value.left_running == [0]
    assert _state(_url(fast_tmp, "sqlite"))["running"] == 1  # what the message says
    assert "#0, left RUNNING" in search_interrupted(stopped.value.left_running)
    assert "none is left running" in search_interrupted([])


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "stride"), [("sqlite", SLOW_STRIDE), ("journal", 1)])
def test_sigint_at_sampled_storage_calls_never_orphans_a_trial(stubbed_space, fast_tmp,
                                                               monkeypatch, kind, stride):
    """Every SLOW_STRIDE-th storage call on SQLite, every call on a journal; before the even
    ones and after the odd ones."""
    total = _count_calls(stubbed_space, fast_tmp, monkeypatch, kind)
    for call in range(3 if stride > 1 else 1, total + 1, stride):
        _interrupt_and_resume(stubbed_space, fast_tmp / f"at{call}", monkeypatch, call,
                              before=call % 2 == 0, kind=kind)


@pytest.mark.exhaustive
@pytest.mark.parametrize("before", [False, True])
def test_sigint_at_every_storage_call_never_orphans_a_trial(stubbed_space, fast_tmp,
                                                            monkeypatch, before):
    """Together the two halves interrupt every storage call of a search once: just after the
    odd calls, just before the even ones (a search makes ~720 calls and each interruption
    costs a search and its resume, so a sweep of every call twice would take about an hour)."""
    total = _count_calls(stubbed_space, fast_tmp, monkeypatch)
    for call in range(2 if before else 1, total + 1, 2):
        _interrupt_and_resume(stubbed_space, fast_tmp / f"at{call}", monkeypatch, call, before)


# --- end to end: `python -m codesign search` and a real Ctrl-C ------------------------------


def _search(space_file: Path, trigger: str | None, delay_s: float,
            timeout_s: float = 240, signum: int = signal.SIGINT) -> tuple[int, str]:
    """Run the CLI; a signal `delay_s` after the first output line containing `trigger`."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "codesign", "search", str(space_file), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    lines, deadline = [], time.monotonic() + timeout_s
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if trigger is not None and trigger in line:
            time.sleep(delay_s)
            process.send_signal(signum)
            trigger = None
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("search hung:\n" + "".join(lines))
    return process.wait(timeout=timeout_s), "".join(lines)


def _cli_space(tiny_space, tmp_path: Path, write_space) -> tuple[Path, Path]:
    spec = tiny_space(budget={"trials": BUDGET, "epochs": 1})
    return write_space(spec), tmp_path / "runs"


def _sweep(space_file: Path, runs: Path, moments: list[tuple[str, float]],
           signum: int = signal.SIGINT) -> None:
    for trigger, delay_s in moments:
        code, output = _search(space_file, trigger, delay_s, signum=signum)
        assert "Traceback" not in output, output
        assert code in (0, 130), output
        state = _state(f"sqlite:///{runs / 'tiny.db'}")
        assert state["running"] == 0, f"{trigger!r} + {delay_s} s left a trial RUNNING:\n{output}"
    code, output = _search(space_file, None, 0.0)
    assert code == 0, output
    state = _state(f"sqlite:///{runs / 'tiny.db'}")
    assert state["running"] == 0
    assert len(state["trained_keys"]) == state["attempts"] == BUDGET, output
    assert len(set(state["trained_keys"])) == BUDGET


def test_ctrl_c_on_the_cli_leaves_no_trial_running(tiny_space, tmp_path, write_space):
    space_file, runs = _cli_space(tiny_space, tmp_path, write_space)
    _sweep(space_file, runs, [(" trained in ", 0.0), ("study tiny in", 0.5)])


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.0, 0.01, 0.03, 0.1, 0.3, 1.0])
def test_ctrl_c_sweep_on_the_cli(tiny_space, tmp_path, write_space, delay_s):
    space_file, runs = _cli_space(tiny_space, tmp_path, write_space)
    _sweep(space_file, runs, [("study tiny in", delay_s), (" trained in ", delay_s),
                              ("network 1/2", delay_s)])


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.0, 0.1, 1.0])
def test_sighup_sweep_on_the_cli(tiny_space, tmp_path, write_space, delay_s):
    """A closed terminal (SIGHUP) stops the search as cleanly as Ctrl-C."""
    space_file, runs = _cli_space(tiny_space, tmp_path, write_space)
    _sweep(space_file, runs, [("study tiny in", delay_s), (" trained in ", delay_s)],
           signum=signal.SIGHUP)


def _interrupted_orm_query(db: Path) -> None:
    """An ORM query (as Optuna's storage makes them) into which a signal lands during the
    fetch: SQLAlchemy drops the connection, then logs that it could not close the cursor."""
    import sqlite3

    import sqlalchemy
    from sqlalchemy import orm

    class Base(orm.DeclarativeBase):
        pass

    class Row(Base):
        __tablename__ = "rows"
        id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)

    class InterruptedCursor(sqlite3.Cursor):
        def fetchall(self):
            raise KeyboardInterrupt("signal SIGINT")

    class Connection(sqlite3.Connection):
        def cursor(self, factory=InterruptedCursor):
            return super().cursor(factory)

    sqlite3.connect(db).execute("create table rows (id integer primary key)").connection.close()
    engine = sqlalchemy.create_engine(
        f"sqlite:///{db}", creator=lambda: sqlite3.connect(db, factory=Connection))
    with pytest.raises(KeyboardInterrupt), orm.Session(engine) as session:
        session.query(Row).all()
    engine.dispose()


def test_an_interrupt_inside_the_storage_logs_no_traceback(caplog, capsys, monkeypatch,
                                                           tmp_path):
    """A signal in the middle of a storage fetch: SQLAlchemy's pool logs an error whose
    context is the interrupt (the case CI met in a Ctrl-C sweep). The CLI, which reports the
    stop in one line, drops exactly those records; the pool's other errors still show."""
    import logging

    from codesign.engine.quiet import quiet_libraries

    library = logging.getLogger("sqlalchemy")  # as before any command quieted it
    monkeypatch.setattr(library, "handlers", [])
    monkeypatch.setattr(library, "propagate", True)
    _interrupted_orm_query(tmp_path / "unquieted.db")
    assert "Error closing cursor" in caplog.text  # the case is real
    quiet_libraries()
    _interrupted_orm_query(tmp_path / "quieted.db")
    for error in (KeyboardInterrupt(), OSError("disk")):
        try:
            raise error
        except BaseException:
            logging.getLogger("sqlalchemy.pool.impl.QueuePool").error(
                "Exception during reset or similar", exc_info=True)
    err = capsys.readouterr().err
    assert "KeyboardInterrupt" not in err and "closed database" not in err
    assert "OSError: disk" in err


# --- a new storage: whole or none ---------------------------------------------------------


def _creating_statements(url: str, stop_at: int | None = None) -> int:
    """Open a new storage at `url`, counting the SQL statements it runs; with `stop_at`, an
    interrupt (KeyboardInterrupt, what a signal raises) comes in place of that statement."""
    import sqlalchemy

    count = 0

    def before(conn, cursor, statement, parameters, context, executemany):
        nonlocal count
        count += 1
        if count == stop_at:
            raise KeyboardInterrupt

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", before)
    try:
        open_storage(url)
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", before)
    return count


def _schema(database: Path) -> set[tuple[str, str]]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as connection:
        return set(connection.execute("SELECT type, name FROM sqlite_master"))


def test_an_interrupted_creation_leaves_no_storage_or_a_whole_one(tmp_path):
    """Ctrl-C at any statement of a new SQLite storage's creation. Built in place, a table
    could be left without its index, and without `studies`' unique index the next search
    created its study twice, so that every later opening failed ("Multiple rows were found":
    a CI run met it)."""
    whole = tmp_path / "whole" / "tiny.db"
    statements = _creating_statements(f"sqlite:///{whole}")
    assert ("index", "ix_studies_study_name") in _schema(whole)
    for stop_at in range(1, statements + 1):
        database = tmp_path / f"at{stop_at}" / "tiny.db"
        with pytest.raises(KeyboardInterrupt):
            _creating_statements(f"sqlite:///{database}", stop_at)
        assert [path.name for path in database.parent.iterdir()] in ([], ["tiny.db"])
        if database.exists():  # interrupted while opening what was created whole
            assert _schema(database) == _schema(whole), f"interrupted at statement {stop_at}"
        storage = open_storage(f"sqlite:///{database}")
        for _ in range(2):  # a search, then its rerun
            optuna.create_study(storage=storage, study_name="tiny", load_if_exists=True)
        optuna.load_study(storage=storage, study_name="tiny")
        assert _schema(database) == _schema(whole)
