"""The review commands' fast paths give what the plain reference gives: the front's cost bands
costed as one batch per network equal each design's own `hwmodel.cost_bands` (trainings
stubbed: `tests.codesign.stubs`)."""

from __future__ import annotations

import pytest

from codesign.commands.common import open_study
from codesign.engine.front_bands import BANDED_METRICS, front_bands
from codesign.engine.pareto import pareto_front
from codesign.engine.search import run_search
from codesign.engine.study import design_record
from codesign.problem.compiled import compile_problem
from codesign.problem.space import SearchSpace
from hwmodel import Architecture, WorkloadSpec, cost_bands, load_technology
from tests.codesign.stubs import stub_trainings


@pytest.fixture
def searched(tiny_space, monkeypatch):
    """A finished tiny search of three networks (trainings stubbed) and its problem."""
    spec = tiny_space(budget={"trials": 3}, input={"bitstream_lengths": [1, 4, 16]},
                      hardware={"tiles": [1, 4, 16]})
    space = SearchSpace.model_validate(spec)
    stub_trainings(monkeypatch, space)
    problem = compile_problem(space)
    run_search(problem)
    return spec, problem


def test_front_bands_equal_each_designs_own_bands(searched):
    from argparse import Namespace

    from pydantic import TypeAdapter

    spec, problem = searched
    study, problem, _ = open_study(Namespace(study="tiny", storage=spec["storage"]))
    front = pareto_front(study)
    assert len({t.user_attrs["network_trial"] for t in front}) > 1  # several batches
    batched = front_bands(front, problem)
    technology = load_technology(problem.technology)
    for trial in front:
        workload = TypeAdapter(WorkloadSpec).validate_python(
            problem.recipe.workload_spec(problem.network(trial.params)))
        alone = cost_bands(workload.build(), Architecture(**design_record(trial, "architecture")),
                           technology)
        assert batched[trial.number] == {f"{metric}_{end}": getattr(alone[metric], end)
                                         for metric in BANDED_METRICS
                                         for end in ("low", "high")}
