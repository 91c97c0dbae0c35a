"""Several `codesign search` processes on one study: PostgreSQL and the journal file."""

import json
import subprocess
import sys

import pytest
from optuna.trial import TrialState

from codesign.engine.storage import open_storage
from codesign.engine.study import load_design_study, load_network_study
from tests.scaleout.conftest import finish, start_search

pytestmark = pytest.mark.scaleout

FRONT_SCRIPT = """
import json, sys
from codesign.engine.pareto import pareto_front
from codesign.engine.storage import open_storage
from codesign.engine.study import load_design_study
study = load_design_study(open_storage(sys.argv[1]), sys.argv[2])
print(json.dumps(sorted(t.number for t in pareto_front(study))))
"""


def _front_from_another_process(url: str, name: str) -> list[int]:
    done = subprocess.run([sys.executable, "-c", FRONT_SCRIPT, url, name], check=True,
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout)


def _check_shared_study(url: str, name: str, budget: int, drivers: int) -> None:
    storage = open_storage(url)
    designs, networks = load_design_study(storage, name), load_network_study(storage, name)
    trials = networks.get_trials(deepcopy=False)
    states = {t.state for t in trials}
    assert TrialState.RUNNING not in states and TrialState.WAITING not in states
    for trial in trials:  # every trial accounted for, with its reason
        outcome = trial.user_attrs.get("outcome")
        expected = {TrialState.COMPLETE: {"trained"}, TrialState.FAIL: {"failed"},
                    TrialState.PRUNED: {"duplicate", "over_budget"}}[trial.state]
        assert outcome in expected, (trial.number, trial.state, outcome)
    trained = [t for t in trials if t.state == TrialState.COMPLETE]
    keys = [t.user_attrs["network_key"] for t in trained]
    assert len(keys) == len(set(keys)), "a network was trained twice"
    # the budget is shared; simultaneous last claims may overshoot by one per extra driver
    assert budget <= len(trained) <= budget + drivers - 1
    assert len({t.user_attrs["pid"] for t in trained}) == drivers, "both drivers contribute"
    by_network = {}
    for design in designs.get_trials(deepcopy=False):
        by_network.setdefault(design.user_attrs["network_trial"], []).append(design)
    assert sorted(by_network) == sorted(t.number for t in trained)
    for network in trained:
        assert len(by_network[network.number]) == network.user_attrs["design_points"]
    fronts = [_front_from_another_process(url, name) for _ in range(2)]
    assert fronts[0] == fronts[1] == sorted(t.number for t in designs.best_trials)


@pytest.mark.parametrize("kind", ["postgresql", "journal"])
def test_two_searches_share_one_study(kind, request, scaleout_space, tmp_path):
    if kind == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"journal:{tmp_path / 'shared' / 'study.log'}"
    name = f"shared-{kind}"
    space = scaleout_space(name=name, trials=5, epochs=3)
    drivers = [start_search(space, "--storage", url) for _ in range(2)]
    for driver in drivers:
        code, out, err = finish(driver)
        assert code == 0, err
    _check_shared_study(url, name, budget=5, drivers=2)
