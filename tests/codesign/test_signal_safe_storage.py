"""A storage call runs whole: a signal that lands inside one stops the program only once it
has returned, so an interrupted read never leaves SQLite locked against the writes after it."""

from __future__ import annotations

import os
import pickle
import signal
import threading

import optuna
import pytest
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.study import StudyDirection

from codesign.engine.signal_safe_storage import SignalSafeJournalStorage, SignalSafeRDBStorage
from codesign.engine.storage import open_storage


def _signal_in_first_row(monkeypatch) -> None:
    """A real SIGINT while SQLAlchemy builds the first row of the next result of the main
    thread, its cursor open."""
    from sqlalchemy.orm import loading

    build, sent = loading._instance_processor, []

    def first_row(*args, **kwargs):
        if not sent and threading.current_thread() is threading.main_thread():
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        return build(*args, **kwargs)

    monkeypatch.setattr(loading, "_instance_processor", first_row)


@pytest.mark.parametrize("storage_class, whole", [(RDBStorage, False),
                                                  (SignalSafeRDBStorage, True)])
def test_a_read_cut_by_a_signal_locks_sqlite_unless_calls_run_whole(tmp_path, monkeypatch,
                                                                    storage_class, whole):
    """Plain RDBStorage shows the case is real: while the interrupt is being handled (as the
    driver fails the trials it holds), the cut read's lock makes a write on another connection
    (the driver's pool holds several) fail. The signal-safe storage finishes the read, then
    stops; the write goes through."""
    def opened() -> BaseStorage:
        return storage_class(f"sqlite:///{tmp_path / 'study.db'}",
                             engine_kwargs={"connect_args": {"timeout": 0.3}})

    study = optuna.create_study(storage=opened(), study_name="s")
    trial = study.ask()
    writer = optuna.load_study(storage=opened(), study_name="s")
    told = None
    with monkeypatch.context() as patch:
        _signal_in_first_row(patch)
        try:
            study.get_trials(deepcopy=False)
        except KeyboardInterrupt:
            try:
                writer.tell(trial.number, 1.0)
                told = True
            except optuna.exceptions.StorageInternalError:
                told = False
    handler = signal.getsignal(signal.SIGINT)
    assert told is not None, f"no KeyboardInterrupt reached the test; SIGINT's handler: {handler}"
    assert told is whole
    assert (study.trials[0].state == optuna.trial.TrialState.COMPLETE) is whole


@pytest.mark.parametrize("safe, plain", [(SignalSafeRDBStorage, RDBStorage),
                                         (SignalSafeJournalStorage, JournalStorage)])
def test_every_storage_method_runs_whole(safe, plain):
    """Each of Optuna's storage methods (and the private ones its cache calls) is held; the
    class stays the one Optuna knows (an RDB storage is still cached by Optuna)."""
    assert issubclass(safe, plain)
    public = [name for name in dir(BaseStorage) if not name.startswith("_")
              and callable(getattr(BaseStorage, name))]
    assert len(public) > 20
    for name in public:
        assert hasattr(getattr(safe, name), "__wrapped__"), name
    if plain is RDBStorage:
        assert hasattr(safe._get_trials, "__wrapped__")  # what Optuna's cache reads through


def test_open_storage_gives_signal_safe_storages_that_pickle(tmp_path):
    sqlite = open_storage(f"sqlite:///{tmp_path / 'a.db'}")
    journal = open_storage(f"journal:{tmp_path / 'a.log'}")
    assert isinstance(sqlite, SignalSafeRDBStorage)
    assert isinstance(journal, SignalSafeJournalStorage)
    copy = pickle.loads(pickle.dumps(sqlite))
    assert type(copy) is SignalSafeRDBStorage
    study_id = copy.create_new_study([StudyDirection.MINIMIZE], "s")
    assert sqlite.get_study_id_from_name("s") == study_id
