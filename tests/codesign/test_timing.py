"""Where a search's time goes: the parts the network trials record, the wall time they span,
and the rest, which the parts leave of it."""

from __future__ import annotations

import datetime

import pytest
from optuna.trial import FrozenTrial, TrialState

from codesign.engine.timing import time_breakdown
from codesign.screen.present import time_line

START = datetime.datetime(2026, 12, 5, 6, 0, 0)


def _network(number: int, start_s: float, end_s: float, **seconds: float) -> FrozenTrial:
    return FrozenTrial(
        number=number, state=TrialState.COMPLETE, value=None, values=[0.5],
        datetime_start=START + datetime.timedelta(seconds=start_s),
        datetime_complete=START + datetime.timedelta(seconds=end_s),
        params={}, distributions={}, user_attrs=seconds, system_attrs={},
        intermediate_values={}, trial_id=number)


def test_the_parts_and_the_rest_make_the_wall_time():
    trials = [
        _network(0, 0, 100, cost_time_s=2, train_time_s=60, evaluate_time_s=20,
                 record_time_s=8),
        _network(1, 100, 130, cost_time_s=1, train_time_s=20),  # stopped early: no test
    ]
    time_s = time_breakdown(trials)
    assert time_s["wall"] == 130
    assert (time_s["costing"], time_s["training"], time_s["testing"], time_s["recording"]) == (
        3, 80, 20, 8)
    assert time_s["rest"] == 130 - 3 - 80 - 20 - 8
    assert time_s["after_training_share"] == pytest.approx(28 / 130)
    assert "rest 19 s" in time_line(time_s)


def test_parallel_parts_leave_no_negative_rest():
    """Two workers training at once: the parts sum to more than the wall time."""
    trials = [_network(n, 0, 50, train_time_s=45) for n in range(2)]
    assert time_breakdown(trials)["rest"] == 0
