"""Front, picks and hypervolume against plain reference computations."""

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution

from codesign.engine.pareto import PickError, hypervolume, knee_point, pareto_front, pick
from codesign.problem.compiled import compile_problem
from codesign.problem.space import SearchSpace

OBJECTIVES = compile_problem(SearchSpace(name="unit")).goals.searched  # accuracy, energy, area


def _study(points):
    study = optuna.create_study(directions=["maximize", "minimize", "minimize"])
    for accuracy, energy, area in points:
        study.add_trial(optuna.trial.create_trial(
            values=[accuracy, energy, area],
            params={"tiles": 1}, distributions={"tiles": CategoricalDistribution([1])},
            user_attrs={"val_accuracy": accuracy, "energy_pj": energy, "area_mm2": area,
                        "latency_ns": 1.0},
        ))
    return study


def _dominates(a, b):
    better_or_equal = a[0] >= b[0] and a[1] <= b[1] and a[2] <= b[2]
    return better_or_equal and a != b


def test_front_is_the_set_of_non_dominated_points():
    rng = np.random.default_rng(0)
    points = [(round(a, 3), round(e, 1), round(r, 2)) for a, e, r in
              zip(rng.uniform(0.5, 0.9, 40), rng.uniform(1, 100, 40), rng.uniform(0.1, 5, 40),
                  strict=True)]
    study = _study(points)
    expected = {p for p in points if not any(_dominates(q, p) for q in points)}
    front = {(t.values[0], t.values[1], t.values[2]) for t in pareto_front(study)}
    assert front == expected


def test_picks_follow_their_rule():
    points = [(0.90, 50.0, 3.0), (0.85, 10.0, 2.0), (0.80, 5.0, 4.0), (0.70, 20.0, 0.5)]
    study = _study(points)
    assert pick(study, OBJECTIVES, "max-accuracy").values[0] == 0.90
    assert pick(study, OBJECTIVES, "min-energy").values[1] == 5.0
    assert pick(study, OBJECTIVES, "min-area").values[2] == 0.5
    assert pick(study, OBJECTIVES, "min-latency").values[0] == 0.90  # all tie: then most accurate
    limited = pick(study, OBJECTIVES, "min-energy", {"min_accuracy": 0.84})
    assert limited.values[1] == 10.0
    with pytest.raises(PickError):
        pick(study, OBJECTIVES, "knee", {"max_energy_pj": 1.0})
    with pytest.raises(PickError, match="unknown pick"):
        pick(study, OBJECTIVES, "max-beauty")


def test_the_front_lists_first_the_design_max_accuracy_exports():
    """Among designs tied at the top accuracy the front lists the cheapest first, as
    `--pick max-accuracy` breaks the tie (they named different designs: the main job's
    status and pareto showed one, its export took another)."""
    study = _study([(0.90, 50.0, 1.0), (0.90, 20.0, 3.0), (0.90, 30.0, 2.0), (0.85, 5.0, 0.5)])
    front = pareto_front(study)
    assert [t.number for t in front] == [1, 2, 0, 3]
    assert pick(study, OBJECTIVES, "max-accuracy").number == front[0].number == 1


def test_knee_is_the_front_point_nearest_the_ideal():
    # two extremes and a balanced point: the balanced one is the knee
    study = _study([(0.90, 100.0, 1.0), (0.60, 1.0, 1.0), (0.88, 10.0, 1.0)])
    assert knee_point(pareto_front(study), OBJECTIVES).values[1] == 10.0


def _reference_hypervolume(losses, reference, samples=200_000):
    """Monte Carlo estimate of the dominated volume inside the reference box."""
    rng = np.random.default_rng(1)
    points = rng.uniform(0, 1, size=(samples, losses.shape[1])) * reference
    dominated = np.zeros(samples, dtype=bool)
    for loss in losses:
        dominated |= (points >= loss).all(axis=1)
    return dominated.mean() * np.prod(reference)


def test_hypervolume_matches_a_reference_computation():
    points = [(0.90, 50.0, 3.0), (0.85, 10.0, 2.0), (0.80, 5.0, 4.0), (0.70, 20.0, 0.5)]
    study = _study(points)
    scales = {"energy_pj": 100.0, "area_mm2": 5.0, "latency_ns": 1.0}
    value = hypervolume(study.trials, OBJECTIVES, scales)
    losses = np.array([(1 - a, e / 100.0, r / 5.0) for a, e, r in points])
    assert value == pytest.approx(_reference_hypervolume(losses, np.ones(3)), abs=3e-3)


def test_adding_a_dominated_point_leaves_hypervolume_unchanged():
    base = [(0.9, 10.0, 1.0), (0.8, 5.0, 2.0)]
    scales = {"energy_pj": 20.0, "area_mm2": 4.0, "latency_ns": 1.0}
    without = hypervolume(_study(base).trials, OBJECTIVES, scales)
    with_dominated = hypervolume(_study([*base, (0.7, 15.0, 3.0)]).trials, OBJECTIVES, scales)
    assert with_dominated == pytest.approx(without)
    better = hypervolume(_study([*base, (0.95, 1.0, 0.5)]).trials, OBJECTIVES, scales)
    assert better > without


def test_html_plot_handles_four_objectives(tmp_path):
    from codesign.screen.plots import pareto_html

    problem = compile_problem(
        SearchSpace(name="four", objectives=["accuracy", "energy", "area", "latency"]))
    study = optuna.create_study(directions=["maximize", "minimize", "minimize", "minimize"])
    for values in ([0.9, 10.0, 1.0, 5.0], [0.8, 5.0, 2.0, 1.0]):
        study.add_trial(optuna.trial.create_trial(values=values))
    path = pareto_html(study, problem, tmp_path / "front.html")
    assert "plotly" in path.read_text()[:20000].lower()
