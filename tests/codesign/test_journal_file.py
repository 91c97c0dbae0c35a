"""The default storage, Optuna's journal file: where it is, and that it stays readable after a
torn write (`codesign.engine.journal_file`)."""

from __future__ import annotations

import pickle
from pathlib import Path

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from codesign.engine import journal_file
from codesign.engine.journal_file import TornTailSafeJournalBackend, cut_torn_tail
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import load_design_study, load_network_study
from codesign.problem.space import SearchSpace, default_storage_url
from tests.codesign.stubs import stub_trainings

TORN = b'{"op_code":4,"worker_id":"torn","study_id":0,"datetime_sta'  # a write cut short


def _study_with_trials(storage, count: int) -> optuna.Study:
    study = optuna.create_study(storage=storage, study_name="s", load_if_exists=True)
    for value in range(count):
        study.add_trial(optuna.trial.create_trial(value=float(value)))
    return study


def _values(storage) -> list[float]:
    return [t.value for t in optuna.load_study(study_name="s", storage=storage).trials]


def _tear(path: Path) -> None:
    with open(path, "ab") as handle:
        handle.write(TORN)


def test_optunas_own_backend_cannot_read_a_log_appended_after_a_torn_write(tmp_path):
    """Why the module exists: with Optuna's backend, the record appended after a torn line joins
    it, and the log cannot be read any more once another follows."""
    path = tmp_path / "study.log"
    _study_with_trials(JournalStorage(JournalFileBackend(str(path))), 2)
    _tear(path)
    with pytest.raises(ValueError):  # json's decode error, or Optuna's "Invalid log format"
        _study_with_trials(JournalStorage(JournalFileBackend(str(path))), 2)
        _values(JournalStorage(JournalFileBackend(str(path))))


def test_a_torn_write_is_cut_and_the_records_after_it_are_kept(tmp_path):
    path = tmp_path / "study.log"
    _study_with_trials(JournalStorage(TornTailSafeJournalBackend(str(path))), 2)
    _tear(path)
    assert _values(JournalStorage(TornTailSafeJournalBackend(str(path)))) == [0.0, 1.0]
    _study_with_trials(JournalStorage(TornTailSafeJournalBackend(str(path))), 2)
    assert _values(JournalStorage(JournalFileBackend(str(path)))) == [0.0, 1.0, 0.0, 1.0]
    assert TORN not in path.read_bytes()


def test_the_search_storage_opens_journals_through_it(tmp_path):
    url = f"journal:{tmp_path / 'study.log'}"
    _study_with_trials(open_storage(url), 1)
    _tear(tmp_path / "study.log")
    _study_with_trials(open_storage(url), 1)
    assert _values(open_storage(url, "read_only")) == [0.0, 0.0]


def test_it_pickles_with_its_storage_for_a_worker(tmp_path):
    storage = open_storage(f"journal:{tmp_path / 'study.log'}")
    _study_with_trials(storage, 1)
    _study_with_trials(pickle.loads(pickle.dumps(storage)), 1)
    assert _values(storage) == [0.0, 0.0]


@pytest.mark.parametrize(("content", "kept"), [
    (b"", b""),
    (b"a\nb\n", b"a\nb\n"),
    (b"a\nb\nc", b"a\nb\n"),
    (b"no newline at all", b""),
    (b"a\n" + b"x" * 50, b"a\n"),  # torn line longer than a chunk (below)
    (b"a\n" + b"x" * 7 + b"\n" + b"y" * 7, b"a\n" + b"x" * 7 + b"\n"),  # newline at a chunk edge
])
def test_cut_torn_tail_keeps_everything_up_to_the_last_newline(tmp_path, monkeypatch, content,
                                                              kept):
    monkeypatch.setattr(journal_file, "TAIL_CHUNK_BYTES", 8)
    path = tmp_path / "log"
    path.write_bytes(content)
    assert cut_torn_tail(path) == len(content) - len(kept)
    assert path.read_bytes() == kept


def test_the_default_storage_is_a_journal_unless_an_sqlite_study_is_there(tmp_path):
    assert default_storage_url("s", tmp_path) == f"journal:{tmp_path}/s.log"
    (tmp_path / "s.db").touch()  # a study recorded before in SQLite keeps its file
    assert default_storage_url("s", tmp_path) == f"sqlite:///{tmp_path}/s.db"
    (tmp_path / "s.log").touch()
    assert default_storage_url("s", tmp_path) == f"journal:{tmp_path}/s.log"


def test_a_search_without_a_storage_records_into_its_journal(tiny_space, monkeypatch):
    spec = {**tiny_space(budget={"trials": 2}), "storage": None}
    space = SearchSpace.model_validate(spec)
    stub_trainings(monkeypatch, space)
    run_search(space)
    journal = Path(space.output_dir) / "tiny.log"
    assert space.storage_url == f"journal:{journal}"
    assert not (Path(space.output_dir) / "tiny.db").exists()
    storage = open_storage(f"journal:{journal}", "read_only")
    networks = load_network_study(storage, "tiny").trials
    designs = load_design_study(storage, "tiny").trials
    assert len(networks) == 2 and designs
    assert {d.user_attrs["network_trial"] for d in designs} <= {n.number for n in networks}
