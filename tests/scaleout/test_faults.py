"""Faults: a killed driver, a full disk, a read-only storage."""

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess

import pytest
from optuna.trial import TrialState

from codesign.engine.storage import open_storage
from codesign.engine.study import load_design_study, load_network_study
from tests.scaleout.conftest import finish, start_search, wait_for

pytestmark = pytest.mark.scaleout


def _studies(url, name):
    storage = open_storage(url)
    return load_design_study(storage, name), load_network_study(storage, name)


def _running_training(url, name):
    try:
        _, networks = _studies(url, name)
    except Exception:  # the study does not exist yet
        return None
    return [t for t in networks.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            if "train_config" in t.user_attrs]


@pytest.mark.parametrize("storage_kind", ["sqlite", "journal"])
def test_killed_driver_resumes_and_fails_its_stale_trial(scaleout_space, tmp_path, storage_kind):
    url = (f"sqlite:///{tmp_path / 'driver.db'}" if storage_kind == "sqlite"
           else f"journal:{tmp_path / 'driver.log'}")
    space = scaleout_space(name="driver", trials=3, epochs=30)
    driver = start_search(space, "--storage", url)
    # let one network finish, then kill the driver while the next one trains
    wait_for(lambda: (_studies(url, "driver")[1].get_trials(states=(TrialState.COMPLETE,))
                      if _running_training(url, "driver") is not None else None), timeout=300)
    running = wait_for(lambda: _running_training(url, "driver"), timeout=300)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait(timeout=60)
    designs, networks = _studies(url, "driver")
    kept = {t.number: t.values for t in designs.trials}
    finished_before = {t.number for t in networks.trials if t.state == TrialState.COMPLETE}
    assert finished_before and kept

    code, _, err = finish(start_search(space, "--storage", url))  # the same command again
    assert code == 0, err
    designs, networks = _studies(url, "driver")
    stale = networks.trials[running[0].number]
    assert stale.state == TrialState.FAIL  # failed by the heartbeat check, not left RUNNING
    assert all(t.state != TrialState.RUNNING for t in networks.trials)
    assert {t.number: t.values for t in designs.trials if t.number in kept} == kept
    assert finished_before <= {t.number for t in networks.trials
                               if t.state == TrialState.COMPLETE}
    counted = [t for t in networks.trials if t.user_attrs.get("outcome") in ("trained", "failed")]
    assert len(counted) >= 3 - 1  # the stale trial is not counted: the budget is trained


@pytest.fixture
def small_disk(tmpfs):
    """A 384 KiB tmpfs (needs root; skipped otherwise)."""
    return tmpfs("384k")


def _integrity(database) -> str:
    with sqlite3.connect(database) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def _fill_the_disk(scaleout_space, url):
    """A search whose storage's disk fills up: one line, exit 2; its space and that line."""
    widths = {"family": "mlp", "hidden_layers": 1, "widths": list(range(4, 68, 4))}
    space = scaleout_space(name="full", trials=48, epochs=1, model=widths)
    code, _, err = finish(start_search(space, "--storage", url))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "kept" in err
    return space, err


def test_full_disk_is_a_clear_error_and_keeps_what_was_stored(scaleout_space, small_disk,
                                                                tmp_path):
    database = small_disk / "study.db"
    _, err = _fill_the_disk(scaleout_space, f"sqlite:///{database}")
    assert "full" in err
    copy = tmp_path / "copy.db"
    shutil.copy(database, copy)
    assert _integrity(copy) == "ok"
    designs, networks = _studies(f"sqlite:///{copy}", "full")
    trained = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert trained  # something was stored before the disk filled up
    by_network = {}
    for design in designs.trials:
        by_network.setdefault(design.user_attrs["network_trial"], []).append(design)
    for network in trained:  # every finished network has all its design points
        assert len(by_network[network.number]) == network.user_attrs["design_points"]


def test_a_journal_on_a_full_disk_stops_cleanly_and_resumes_once_there_is_room(
        scaleout_space, small_disk):
    """The default storage: the search stops with one line; with room again (the tmpfs
    remounted larger), the same command reads what was kept, appends after whatever the
    full disk left half-written (`codesign.engine.journal_file`) and finishes its budget."""
    url = f"journal:{small_disk / 'study.log'}"
    space, _ = _fill_the_disk(scaleout_space, url)
    designs, networks = _studies(url, "full")
    stored = {t.number for t in networks.trials if t.state == TrialState.COMPLETE}
    assert stored  # something was stored before the disk filled up
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    code, _, err = finish(start_search(space, "--storage", url))
    assert code == 0, err
    designs, networks = _studies(url, "full")
    trained = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert stored <= {t.number for t in trained}
    assert not [t for t in networks.trials if t.state == TrialState.RUNNING]
    by_network = {}
    for design in designs.trials:
        by_network.setdefault(design.user_attrs["network_trial"], []).append(design)
    for network in trained:  # every finished network has all its design points
        assert len(by_network.get(network.number, [])) == network.user_attrs["design_points"]


def test_read_only_storage_is_a_clear_error_and_changes_nothing(scaleout_space, small_disk):
    database = small_disk / "study.db"
    url = f"sqlite:///{database}"
    space = scaleout_space(name="readonly", trials=1, epochs=1)
    code, _, err = finish(start_search(space, "--storage", url))
    assert code == 0, err
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    more = scaleout_space(name="readonly", trials=2, epochs=1)
    code, _, err = finish(start_search(more, "--storage", url))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "read" in err.lower()
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
