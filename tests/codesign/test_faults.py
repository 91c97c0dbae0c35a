"""Faults on the real CLI (issue 21), `-m slow` (minutes; `.ci/run` runs them): a driver killed
with SIGKILL, a storage disk that fills up, a Ray address that never answers, parallel local
trainings. Each rerun gets a grace period far longer than the test's timeout
(`CODESIGN_GRACE_PERIOD_S=600`): a trial of a dead driver must be found dead at once, not
after its heartbeat goes stale.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from optuna.trial import TrialState

from codesign.engine.storage import open_storage
from codesign.engine.study import load_network_study

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LONG_GRACE = {"CODESIGN_GRACE_PERIOD_S": "600", "PYTHONUNBUFFERED": "1",
              "PYTHONPATH": str(ROOT)}


def _start(space: Path, *arguments: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "codesign", "search", str(space), "--no-progress", *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        env={**os.environ, **LONG_GRACE})


def _networks(url: str):
    return load_network_study(open_storage(url), "tiny").get_trials(deepcopy=False)


def _training_now(url: str) -> bool:
    try:
        return any(t.state == TrialState.RUNNING and "train_config" in t.user_attrs
                   for t in _networks(url))
    except Exception:  # the study does not exist yet
        return False


def test_a_killed_driver_is_found_dead_at_once_and_its_network_retrained(
        tiny_space, write_space):
    """Two networks in the space and a budget of three: before the fix, a rerun after
    kill -9 ended at once ("space exhausted") without retraining the killed network."""
    spec = tiny_space(model={"widths": [16, 32]}, input={"modes": ["fixed_point"]},
                      budget={"trials": 3, "epochs": 40})
    space, url = write_space(spec), spec["storage"]
    driver = _start(space)
    assert driver.stdout is not None
    for line in driver.stdout:  # the first network trained; the second is training
        if " trained in " in line:
            break
    deadline = time.monotonic() + 120
    while not _training_now(url) and time.monotonic() < deadline:
        time.sleep(0.2)
    killed = next(t for t in _networks(url) if t.state == TrialState.RUNNING)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait(timeout=60)

    rerun = subprocess.run(
        [sys.executable, "-m", "codesign", "search", str(space), "--no-progress"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, **LONG_GRACE},
        timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    trials = _networks(url)
    assert trials[killed.number].state == TrialState.FAIL
    assert trials[killed.number].user_attrs["outcome"] == "abandoned"
    trained = [t.user_attrs["network_key"] for t in trials
               if t.user_attrs.get("outcome") == "trained"]
    assert sorted(trained) == sorted(set(trained)) and len(trained) == 2  # both, once each
    assert killed.user_attrs["network_key"] in trained
    assert all(t.state != TrialState.RUNNING for t in trials)


def test_a_full_storage_disk_leaves_a_clean_rerun(tiny_space, write_space, tmpfs):
    """The storage's disk fills up mid-search: one line, exit 2; after room is made, the
    same command finishes the budget at once, with no trial left RUNNING."""
    small_disk = tmpfs("256k")
    url = f"sqlite:///{small_disk / 'study.db'}"
    spec = tiny_space(model={"widths": list(range(4, 68, 4))}, input={"modes": ["sc"]},
                      budget={"trials": 24, "epochs": 1}, storage=url)  # of 32 networks
    space = write_space(spec)
    full = subprocess.run([sys.executable, "-m", "codesign", "search", str(space),
                           "--no-progress"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **LONG_GRACE}, timeout=1200)
    assert full.returncode == 2, full.stdout + full.stderr
    err = full.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and "full" in err
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    before = len(_networks(url))
    assert sum(t.user_attrs.get("outcome") == "trained" for t in _networks(url)) < 24
    rerun = subprocess.run([sys.executable, "-m", "codesign", "search", str(space),
                            "--no-progress"], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, **LONG_GRACE}, timeout=1200)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    trials = _networks(url)
    assert len(trials) > before
    assert all(t.state != TrialState.RUNNING for t in trials)
    assert sum(t.user_attrs.get("outcome") == "trained" for t in trials) == 24


def test_a_ray_address_that_never_answers_is_one_line_in_bounded_time(tiny_space, write_space):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    address = f"127.0.0.1:{server.getsockname()[1]}"
    space = tiny_space()
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "codesign", "search",
                               str(write_space(space)), "--no-progress",
                               "--ray-address", address], capture_output=True, text=True,
                              cwd=ROOT, env={**os.environ, **LONG_GRACE}, timeout=300)
    finally:
        server.close()
    assert done.returncode == 2, done.stdout + done.stderr
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and "cannot connect" in err
    assert time.monotonic() - started < 150  # Ray alone would wait a quarter of an hour
    assert not Path(space["storage"][len("sqlite:///"):]).exists()  # no empty study left
