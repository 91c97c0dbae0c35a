"""The lazy evaluation after training, seen from the search: the thresholds the driver sends
are a plain dominance check's, the pairs it tests are those of the points the driver records,
and a search that measures only where they say records the same front as one that measures
everything, with no unmeasured point among its design trials."""

import json
from dataclasses import replace

import numpy as np
import pytest

from codesign.engine.fidelity import (
    ERROR_NOISE_MARGIN,
    NEVER,
    accuracy_needed,
    evaluation_job,
)
from codesign.engine.pareto import pareto_front
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import (
    design_trials,
    load_design_study,
    load_network_study,
    network_front,
)
from codesign.problem.compiled import compile_problem
from codesign.problem.compose import ber_key
from codesign.problem.space import SearchSpace
from hwmodel import load_technology
from tests.codesign.stubs import StubExecutor, stub_trainings
from tests.codesign.test_fidelity import _could_enter, _outcome
from trainer.evaluation_plan import EvaluationPlan

RECORD = {"record": "search_front"}


def test_each_pairs_threshold_is_the_least_its_points_need_by_a_plain_dominance_check(
        tiny_space):
    space = SearchSpace.model_validate(tiny_space(budget=RECORD,
                                                  hardware={"tiles": [1, 4],
                                                            "read_voltages_mv": [60, 100]}))
    problem, technology = compile_problem(space), load_technology("stt_mram_28nm")
    networks = list(problem.design_space.networks())
    front_points = problem.hardware_points(networks[0], technology)
    outcome = _outcome(front_points, 0.8)
    front = design_trials(problem, networks[0], network_front(problem, front_points, outcome),
                          outcome, 0)
    points = problem.hardware_points(networks[-1], technology)
    needed = accuracy_needed(problem, points, front)
    for point, accuracy in zip(points, needed, strict=True):
        if accuracy >= NEVER:
            assert not problem.fits_hardware_budget(point)
            continue
        if accuracy > 0:
            assert not _could_enter(problem, [point], front, accuracy)
        assert _could_enter(problem, [point], front, accuracy + 1e-9)
    job = evaluation_job(problem, points, needed)
    pairs = {(p.bitstream_length, p.evaluated_error_rate) for p in points}
    assert len({r for _, r in pairs}) > 1  # the space has rates to skip
    assert {(int(n), float(r)) for n, by in job["thresholds"].items() for r in by} == pairs
    for n, rate in pairs:
        least = min(a for p, a in zip(points, needed, strict=True)
                    if (p.bitstream_length, p.evaluated_error_rate) == (n, rate))
        assert job["thresholds"][str(n)][ber_key(rate)] == least
    assert job["margin"] == ERROR_NOISE_MARGIN and job["statistic"] == "mean"
    plan = EvaluationPlan.from_spec(json.loads(json.dumps(job)))  # as a worker receives it
    assert set(plan.thresholds) == pairs and plan.statistic == "mean"
    for n, rate in pairs:
        assert plan.thresholds[(n, rate)] == job["thresholds"][str(n)][ber_key(rate)]
    assert plan.margin == ERROR_NOISE_MARGIN
    every = SearchSpace.model_validate(tiny_space(hardware={"tiles": [1, 4]}))
    assert evaluation_job(compile_problem(every), points, needed) is None  # network_front


def _by_pair(accuracy) -> dict:
    """A trained network's validation numbers: `accuracy` by (N, rate)."""
    result = {"val_accuracy": {}, "val_accuracy_by_ber": {}}
    for (n, rate), a in accuracy.items():
        if rate == 0:
            result["val_accuracy"][str(n)] = a
        else:
            result["val_accuracy_by_ber"].setdefault(ber_key(rate), {})[str(n)] = a
    return result


def _pairs(points) -> list:
    return sorted({(p.bitstream_length, p.evaluated_error_rate) for p in points})


@pytest.mark.parametrize("seed", range(8))
def test_the_pairs_tested_are_those_of_the_points_the_search_records(tiny_space, seed):
    """The job's design points by pair (`pair_points`, reduced within each pair) and the
    worker's rule give exactly the pairs of the points the driver records: on the network's
    front at the validation accuracies (`network_front`, every point) and able to enter the
    search's front (a plain dominance check), for random accuracies by pair, behind a front
    of random accuracies, with a budget on a cost not searched (peak power) that half the
    points miss: some of them cheaper in every searched cost, they must not count as
    dominating the others."""
    rng = np.random.default_rng(seed)
    levels = [0.6, 0.75, 0.8, 0.85, 0.9]
    hardware = {"tiles": [1, 4], "read_voltages_mv": [60, 100]}
    technology = load_technology("stt_mram_28nm")
    problem = compile_problem(SearchSpace.model_validate(tiny_space(budget=RECORD,
                                                                    hardware=hardware)))
    networks = list(problem.design_space.networks())
    network = max(networks[1:], key=lambda network: len(_pairs(
        problem.hardware_points(network, technology))))  # the most pairs
    powers = [p.metric("peak_power_mw") for p in problem.hardware_points(network, technology)]
    problem = compile_problem(SearchSpace.model_validate(tiny_space(
        budget=RECORD, hardware=hardware,
        constraints={"max_peak_power_mw": float(np.quantile(powers, 0.5))})))
    front_points = problem.hardware_points(networks[0], technology)
    accuracy = {pair: float(rng.choice(levels)) for pair in _pairs(front_points)}
    outcome = _by_pair(accuracy)
    outcome.update(test_accuracy=outcome["val_accuracy"], checkpoint="ck.ckpt",
                   test_accuracy_by_ber=outcome["val_accuracy_by_ber"])
    front = design_trials(problem, networks[0], network_front(problem, front_points, outcome),
                          outcome, 0)
    points = problem.hardware_points(network, technology)
    assert not all(problem.fits_hardware_budget(p) for p in points)
    plan = EvaluationPlan.from_spec(json.loads(json.dumps(evaluation_job(
        problem, points, accuracy_needed(problem, points, front)))))
    accuracy = {pair: float(rng.choice(levels)) for pair in _pairs(points)}
    recorded = {(p.bitstream_length, p.evaluated_error_rate)
                for p in network_front(problem, points, _by_pair(accuracy))
                if _could_enter(problem, [p], front, accuracy[(p.bitstream_length,
                                                               p.evaluated_error_rate)])}
    assert plan.worth_testing(accuracy) == recorded
    assert recorded < replace(plan, points={}).worth_testing(accuracy)


class LazyStub(StubExecutor):
    """The stub's numbers (clean accuracy from the trial, less the rate under errors), left
    out where the job's plan says a lazy evaluation would not measure them."""

    def submit(self, key, job):
        super().submit(key, job)
        self.plans = getattr(self, "plans", {})
        self.plans[key] = job.get("evaluation")

    def wait(self, timeout_s):
        finished = super().wait(timeout_s)
        for done in finished:
            spec = self.plans[done.key]
            if spec is not None:
                _measure_lazily(done.result, spec)
        return finished


def _measure_lazily(result, spec):
    plan = EvaluationPlan.from_spec(json.loads(json.dumps(spec)))  # as a worker receives it
    clean = {int(n): a for n, a in result["val_accuracy"].items()}
    validated = plan.worth_validating(clean)
    by_ber = {float(r): {int(n): a for n, a in by.items()}
              for r, by in result["val_accuracy_by_ber"].items()}
    measured = {**{(n, 0.0): a for n, a in clean.items()},
                **{(n, r): by_ber[r][n] for n, r in validated}}
    tested = plan.worth_testing(measured)
    beaten = replace(plan, points={}).worth_testing(measured)
    for split, keep in (("val", validated), ("test", tested)):
        result[f"{split}_accuracy_by_ber"] = {
            ber_key(r): {str(n): a for n, a in by.items() if (n, r) in keep}
            for r, by in by_ber.items()}
    result["test_accuracy"] = {str(n): a for n, a in clean.items() if (n, 0.0) in tested}
    result["evaluated"] = {"val_pairs_skipped": len(plan.thresholds) - len(validated),
                           "beaten_not_tested": len(beaten - tested)}


def test_a_lazy_search_records_the_same_front_and_no_unmeasured_point(
        tiny_space, tmp_path, monkeypatch):
    import codesign.engine.search as search_module

    fronts, studies = {}, {}
    for lazy in (False, True):
        space = SearchSpace.model_validate(tiny_space(
            name=f"tiny-{lazy}", budget={"trials": 8, **RECORD},
            hardware={"tiles": [1, 4], "read_voltages_mv": [60, 100]},
            storage=f"sqlite:///{tmp_path / str(lazy)}.db"))
        stub_trainings(monkeypatch, space)
        if lazy:
            lengths = sorted({1, *space.input.bitstream_lengths})
            monkeypatch.setattr(search_module, "make_executor",
                                lambda *args, lengths=lengths: LazyStub(lengths))
        else:  # the plain search: every pair measured
            monkeypatch.setattr(search_module, "evaluation_job", lambda *args: None)
        run_search(space)
        monkeypatch.undo()
        storage = open_storage(space.storage_url)
        studies[lazy] = (load_design_study(storage, space.name),
                         load_network_study(storage, space.name))
        fronts[lazy] = {(t.user_attrs["network_trial"], tuple(sorted(t.params.items())))
                        for t in pareto_front(studies[lazy][0])}
    assert fronts[True] == fronts[False] and fronts[True]
    designs, networks = studies[True]
    trained = [t for t in networks.trials if t.user_attrs.get("outcome") == "trained"]
    skipped = sum(t.user_attrs["evaluated"]["val_pairs_skipped"] for t in trained)
    assert skipped > 0  # the lazy search did skip pairs
    # and left untested pairs beating their thresholds: beaten within their network
    assert sum(t.user_attrs["evaluated"]["beaten_not_tested"] for t in trained) > 0
    assert all(t.user_attrs["design_points_measured"] <= t.user_attrs["design_points_costed"]
               for t in trained)
    assert sum(t.user_attrs["design_points_measured"] < t.user_attrs["design_points_costed"]
               for t in trained) > 0
    by_network = {t.number: t for t in trained}
    assert designs.trials
    for design in designs.trials:  # each recorded point was measured, on both splits
        network_trial = by_network[design.user_attrs["network_trial"]]
        rate = design.user_attrs["evaluated_error_rate"]
        n = str(design.params.get("bitstream_length", 1))
        for split in ("val", "test"):
            found = (network_trial.user_attrs[f"{split}_accuracy"] if rate == 0 else
                     network_trial.user_attrs[f"{split}_accuracy_by_ber"][ber_key(rate)])
            assert n in found
