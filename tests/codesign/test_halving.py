"""Successive halving across networks (`codesign.engine.halving`): a network's worth against the
search's own hypervolume of its recorded design points, and the peers' worths by rung."""

import numpy as np
import pytest
from optuna.trial import create_trial

from codesign.engine.halving import WORTH_ATTR, peer_worths, worth_table
from codesign.engine.pareto import cost_scales, hypervolume
from codesign.engine.study import design_trials, network_front
from codesign.problem.compiled import compile_problem
from codesign.problem.space import SearchSpace
from hwmodel import load_technology
from tests.codesign.test_fidelity import _outcome


@pytest.mark.parametrize("limit", [None, 0.5])
def test_worth_is_the_hypervolume_of_the_networks_own_recorded_points(tiny_space, limit):
    """Plain reference: record the network's front with every accuracy at `a` as the search
    records it, keep its feasible trials, and take their hypervolume as the search does."""
    space = SearchSpace.model_validate(tiny_space(
        constraints={"min_accuracy": limit} if limit else {}))
    problem, technology = compile_problem(space), load_technology("stt_mram_28nm")
    scales = cost_scales(problem, technology)
    for network in list(problem.design_space.networks())[:3]:
        points = problem.hardware_points(network, technology)
        table = dict((round(a, 6), w) for a, w in worth_table(problem, points, scales))
        for accuracy in (0.0, 0.3, 0.55, 0.8, 0.97, 1.0):
            outcome = _outcome(points, accuracy)
            trials = design_trials(problem, network, network_front(problem, points, outcome),
                                   outcome, 0)
            feasible = [t for t in trials if all(v <= 0 for v in t.constraints.values())]
            expected = hypervolume(feasible, problem.goals.searched, scales)
            assert table[round(accuracy, 6)] == pytest.approx(expected, rel=1e-9, abs=1e-12)
        worths = [w for _, w in worth_table(problem, points, scales)]
        assert worths == sorted(worths)  # a better accuracy is never worth less
        assert worths[-1] > 0


def test_peer_worths_gather_each_rung_over_the_networks_that_reached_it():
    def trial(worths):
        attrs = {WORTH_ATTR: worths} if worths is not None else {}
        return create_trial(value=0.0, user_attrs=attrs)

    peers = peer_worths([trial({"1": 0.2, "3": 0.4}), trial({"1": 0.1}), trial(None)])
    assert {rung: sorted(w) for rung, w in peers.items()} == {"1": [0.1, 0.2], "3": [0.4]}
    assert np.isclose(sum(peers["1"]), 0.3)
