"""The claim protocol that keeps drivers sharing a study from training one network twice,
replayed over every interleaving of two drivers' write-then-read steps."""

import itertools

import optuna
import pytest
from optuna.trial import TrialState

from codesign.engine.study import competing_claim

KEY = "input_mode=fixed_point|width_1=8"


def _replay(order: tuple[str, ...]) -> dict[int, bool]:
    """Two drivers claim KEY on trials 0 and 1; each step is a write ('w0') or a read ('r0').
    Returns, per trial, whether its driver goes on to train."""
    study = optuna.create_study()
    trials = {0: study.ask(), 1: study.ask()}
    trains = {}
    for step in order:
        number = int(step[1])
        if step[0] == "w":
            trials[number].set_user_attr("network_key", KEY)
        else:
            trains[number] = competing_claim(study, KEY, number) is None
    return trains


def _valid_orders():
    steps = ("w0", "r0", "w1", "r1")
    for order in itertools.permutations(steps):
        if order.index("w0") < order.index("r0") and order.index("w1") < order.index("r1"):
            yield order


@pytest.mark.parametrize("order", list(_valid_orders()), ids="-".join)
def test_a_network_is_never_trained_twice_whatever_the_interleaving(order):
    trains = _replay(order)
    assert sum(trains.values()) <= 1
    # a driver that read before the other one wrote cannot have seen it, and must go on
    for me, other in ((0, 1), (1, 0)):
        if order.index(f"r{me}") < order.index(f"w{other}"):
            assert trains[me]


def test_finished_claims_hold_and_abandoned_ones_do_not():
    study = optuna.create_study()
    for outcome, state in (("trained", TrialState.COMPLETE), ("duplicate", TrialState.PRUNED),
                           ("failed", TrialState.FAIL)):
        trial = study.ask()
        trial.set_user_attr("network_key", outcome)
        trial.set_user_attr("outcome", outcome)
        study.tell(trial, state=state, values=None if state != TrialState.COMPLETE else 1.0)
    late = study.ask().number
    assert competing_claim(study, "trained", late) == 0
    assert competing_claim(study, "duplicate", late) is None
    assert competing_claim(study, "failed", late) is None  # a failed network may be retried
