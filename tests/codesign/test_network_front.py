"""A network's own front (`codesign.engine.study.network_front`) against a plain reference."""

import numpy as np

from codesign.engine.study import network_front, searched_accuracy
from codesign.problem.compiled import compile_problem
from codesign.problem.compose import ber_key
from codesign.problem.space import SearchSpace
from hwmodel import load_technology


def test_a_networks_front_is_the_plain_pairwise_one(tiny_space):
    """`network_front` (moocore) against the pairwise check it replaced: the feasible points
    no other feasible point dominates, equal points both kept."""
    space = SearchSpace.model_validate(tiny_space(constraints={"min_accuracy": 0.5}))
    problem, technology = compile_problem(space), load_technology("stt_mram_28nm")
    rng = np.random.default_rng(1)
    for network in list(problem.design_space.networks())[:4]:
        points = problem.hardware_points(network, technology)
        lengths = sorted({str(p.bitstream_length) for p in points} | {"1"})
        by_n = {n: float(rng.choice([0.4, 0.6, 0.8])) for n in lengths}  # ties on purpose
        by_ber = {ber_key(p.evaluated_error_rate): by_n for p in points}
        outcome = {"val_accuracy": by_n, "test_accuracy": by_n, "val_accuracy_by_ber": by_ber,
                   "test_accuracy_by_ber": by_ber, "checkpoint": "ck.ckpt"}
        signs = np.array([-1.0 if o.maximize else 1.0 for o in problem.goals.searched])
        accuracy = [searched_accuracy(problem, outcome, p) for p in points]
        pairs = list(zip(points, accuracy, strict=True))
        losses = np.array([problem.values(p, a) for p, a in pairs]) * signs
        feasible = [i for i, (p, a) in enumerate(pairs)
                    if problem.feasible(p, a)] or list(range(len(points)))
        expected = [points[i] for i in feasible
                    if not any(np.all(losses[j] <= losses[i]) and np.any(losses[j] < losses[i])
                               for j in feasible)]
        assert network_front(problem, points, outcome) == expected
