"""A real two-node Ray cluster on 127.0.0.1, and a Ray worker killed mid-training."""

import os
import signal
import subprocess
import time

import pytest
from optuna.trial import TrialState

from codesign.engine.storage import open_storage
from codesign.engine.study import load_network_study
from tests.scaleout.conftest import finish, start_search, wait_for

pytestmark = pytest.mark.scaleout


def _networks(url, name):
    return load_network_study(open_storage(url), name).get_trials(deepcopy=False)


def test_search_spreads_trainings_over_both_nodes(ray_cluster, scaleout_space, tmp_path):
    url = f"sqlite:///{tmp_path / 'cluster.db'}"
    space = scaleout_space(name="cluster", trials=4, epochs=6,
                           execution={"mode": "ray", "workers": 2})
    code, _, err = finish(start_search(space, "--storage", url, "--ray-address", ray_cluster))
    assert code == 0, err
    trained = [t for t in _networks(url, "cluster") if t.state == TrialState.COMPLETE]
    assert len(trained) == 4
    assert len({t.user_attrs["node_id"] for t in trained}) == 2  # both nodes ran trainings


def _training_workers() -> list[int]:
    listing = subprocess.run(["pgrep", "-f", "ray::train_network"], capture_output=True,
                             text=True).stdout
    return [int(pid) for pid in listing.split()]


def test_killed_worker_fails_its_trial_and_the_search_finishes(scaleout_space, tmp_path):
    url = f"sqlite:///{tmp_path / 'kill-worker.db'}"
    space = scaleout_space(name="killworker", trials=3, epochs=40,
                           execution={"mode": "ray", "workers": 1})
    driver = start_search(space, "--storage", url, "--expose")  # a local Ray: it listens
    victim = wait_for(_training_workers, timeout=300)[0]
    os.kill(victim, signal.SIGKILL)
    code, _, err = finish(driver)
    assert code == 0, err
    networks = _networks(url, "killworker")
    failed = [t for t in networks if t.state == TrialState.FAIL]
    assert len(failed) == 1
    assert "died" in failed[0].user_attrs["error"].lower() or "crash" in \
        failed[0].user_attrs["error"].lower()
    counted = [t for t in networks if t.user_attrs.get("outcome") in ("trained", "failed")]
    assert len(counted) == 3  # the budget is finished: the failed training counts against it
    assert all(t.state != TrialState.RUNNING for t in networks)


def test_a_local_ray_listens_beyond_loopback_so_it_needs_expose(scaleout_space, tmp_path):
    """Why a local Ray needs --expose: measured, its servers (GCS, raylet, workers, agents)
    listen on every interface, whatever `ray.init` is told (Ray 2.60). The search says so."""
    from tests.listeners import ss_available, tcp_listeners

    if not ss_available():
        pytest.skip("needs ss (iproute2)")
    url = f"sqlite:///{tmp_path / 'local-ray.db'}"
    space = scaleout_space(name="localray", trials=2, epochs=2,
                           execution={"mode": "ray", "workers": 1})
    driver = start_search(space, "--storage", url, "--expose")
    seen = []
    while driver.poll() is None:
        seen += tcp_listeners(driver.pid)
        time.sleep(0.5)
    code, out, err = finish(driver)
    assert code == 0, err
    assert "exposed:" in out and "every network interface" in out
    assert any(not listener.loopback for listener in seen), seen
