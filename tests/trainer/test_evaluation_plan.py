"""The lazy evaluation after training: it measures exactly the pairs of N and bit-error rate
whose threshold the accuracy could beat, and where it measures, it gives the numbers a plain
full evaluation of the same checkpoint gives."""

import numpy as np
import pytest

from tests.trainer.test_bit_errors import _config, _datamodule
from trainer.evaluate import evaluate_module
from trainer.evaluation_plan import CLEAN, EvaluationPlan
from trainer.fit import fit
from trainer.module import SCBNNModule

LENGTHS = [1, 4, 8]
RATES = [0.01, 0.1, 0.3]
MARGIN = 0.01
NEVER = 2.0


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A trained network and its full evaluation, done the plain way: every N and rate of
    both splits in one test pass each (what `fit` does without a plan)."""
    config = _config(tmp_path_factory.mktemp("full"), eval_bers=RATES, maps=3)
    config = config.model_copy(update={"input": config.input.model_copy(
        update={"eval_lengths": LENGTHS})})
    result = fit(config, _datamodule())
    module = SCBNNModule.from_checkpoint(result.checkpoint_path)
    full = {}
    for split in ("val", "test"):
        tested = evaluate_module(module, _datamodule_set_up(), split)
        full[split] = {(n, CLEAN): a for n, a in tested.accuracy.items()}
        for rate, by_n in tested.sweep.mean().items():
            full[split].update({(n, rate): a for n, a in by_n.items()})
    return config, full


def _datamodule_set_up():
    datamodule = _datamodule()
    datamodule.setup("fit")
    return datamodule


def _plan(val):
    """Thresholds placed around the reference's validation accuracies, so that each pair's
    fate is known: (what the plan is, pairs to validate with errors, pairs to test)."""
    at = {}
    at[(8, 0.01)] = val[(8, CLEAN)] + MARGIN - 1e-6  # clean + margin just beats it
    at[(8, 0.1)] = val[(8, CLEAN)] + MARGIN  # clean + margin only meets it: skipped
    at[(8, 0.3)] = NEVER
    for rate in (CLEAN, *RATES):
        at[(4, rate)] = NEVER  # fits no budget
    at[(1, 0.3)] = 0.0  # anything would do
    at[(1, 0.01)] = val[(1, 0.01)]  # validated, but only meets it: not tested
    at[(1, 0.1)] = val[(1, 0.1)] - 1e-6  # validated and beats it: tested
    at[(8, CLEAN)] = val[(8, CLEAN)] - 1e-6  # tested
    at[(1, CLEAN)] = val[(1, CLEAN)]  # not tested
    validated = {(8, 0.01), (1, 0.3), (1, 0.01), (1, 0.1)}
    tested = {(8, 0.01) if val[(8, 0.01)] > at[(8, 0.01)] else None, (1, 0.3), (1, 0.1),
              (8, CLEAN)} - {None}
    return EvaluationPlan(at, MARGIN), validated, tested


def test_only_pairs_whose_threshold_could_be_beaten_are_measured_and_equal_the_reference(
        reference, tmp_path):
    config, full = reference
    plan, validated, tested = _plan(full["val"])
    result = fit(config.model_copy(update={"output_dir": str(tmp_path)}), _datamodule(),
                 plan=plan)
    assert result.val_accuracy_by_length == {n: full["val"][(n, CLEAN)] for n in LENGTHS}
    val_pairs = {(n, r) for r, by_n in result.val_error_sweep.mean().items() for n in by_n}
    # a pair validated whose accuracy ends below its threshold is cut, by the last batch
    cut = {pair for pair in validated if full["val"][pair] < plan.thresholds[pair] - 1e-9}
    assert (8, 0.01) in cut and (1, 0.01) not in cut  # below; only meets it
    assert val_pairs == validated - cut
    test_pairs = {(n, CLEAN) for n in result.test_accuracy} | {
        (n, r) for r, by_n in (result.test_error_sweep.mean().items()
                               if result.test_error_sweep else ()) for n in by_n}
    # a rate's lengths are measured with their clean accuracy beside them (free): the clean
    # pairs tested are those asked for and the lengths of the rates tested
    assert test_pairs - {(n, CLEAN) for n, _ in tested} == tested - {(8, CLEAN)}
    assert (8, CLEAN) in test_pairs and (4, CLEAN) not in test_pairs
    for split, sweep, clean in (("val", result.val_error_sweep, result.val_accuracy_by_length),
                                ("test", result.test_error_sweep, result.test_accuracy)):
        measured = {(n, CLEAN): a for n, a in clean.items()}
        measured.update({(n, r): a for r, by_n in (sweep.mean().items() if sweep else ())
                         for n, a in by_n.items()})
        for pair, accuracy in measured.items():
            assert accuracy == pytest.approx(full[split][pair], abs=1e-12), (split, pair)
    measured = len(validated - cut) + len(LENGTHS)
    assert result.evaluated == {"val_pairs_measured": measured,
                                "val_pairs_skipped": 12 - measured, "val_pairs_cut": len(cut),
                                "test_pairs_measured": len(tested),
                                "test_pairs_skipped": 12 - len(tested)}


def test_a_plan_that_nothing_could_beat_still_measures_the_most_promising_pair():
    clean = {1: 0.5, 8: 0.8}
    plan = EvaluationPlan({(1, 0.1): NEVER, (8, 0.1): 0.95, (8, 0.3): 0.95}, MARGIN)
    assert plan.worth_validating(clean) == {(8, 0.1)}  # best N, lowest rate, reachable
    beaten = EvaluationPlan({(1, 0.1): 0.4, (8, 0.1): 0.95, (8, 0.3): 0.95}, MARGIN)
    assert beaten.worth_validating(clean) == {(1, 0.1)}
    with_clean = EvaluationPlan({(1, CLEAN): 0.95, (8, 0.1): 0.95}, MARGIN)
    assert with_clean.worth_validating(clean) == set()  # the clean pairs are measured anyway


def test_where_no_pair_is_clean_the_anchor_is_never_cut():
    clean = {1: 0.5, 8: 0.8}
    plan = EvaluationPlan({(1, 0.1): 0.4, (8, 0.1): 0.5, (8, 0.3): 0.5}, MARGIN)
    worth = plan.worth_validating(clean)
    assert worth == {(1, 0.1), (8, 0.1), (8, 0.3)}
    assert set(plan.cutoff(worth, clean)) == {(1, 0.1), (8, 0.3)}  # not (8, 0.1): best N
    with_clean = EvaluationPlan({(8, CLEAN): 0.5, (8, 0.1): 0.5}, MARGIN)
    assert set(with_clean.cutoff({(8, 0.1)}, clean)) == {(8, 0.1)}  # clean pairs anchor it


def test_a_network_whose_every_pair_has_errors_keeps_a_measured_pair_though_the_rest_is_cut(
        reference, tmp_path):
    """Every design point with bit errors, and the pairs worth validating hopeless under their
    maps: cut part way, they would leave the network no measured pair, and a search nothing
    to record of it (found by `benchmarks/search_efficiency.py`, sampler seed 1). The anchor
    (best N, lowest rate) is measured whole and equals the plain evaluation; the rest is cut."""
    config, full = reference
    val = full["val"]
    threshold = val[(8, CLEAN)] + MARGIN - 1e-6  # clean + margin just beats it
    assert max(val[(8, 0.1)], val[(8, 0.3)]) < threshold - 0.05  # so a sweep can cut both
    plan = EvaluationPlan({(8, 0.1): threshold, (8, 0.3): threshold, (1, 0.3): NEVER}, MARGIN)
    result = fit(config.model_copy(update={"output_dir": str(tmp_path)}), _datamodule(),
                 plan=plan)
    measured = {(n, r): a for r, by_n in result.val_error_sweep.mean().items()
                for n, a in by_n.items()}
    assert measured == {(8, 0.1): pytest.approx(val[(8, 0.1)], abs=1e-12)}
    assert result.evaluated["val_pairs_measured"] == 1
    assert result.evaluated["val_pairs_cut"] == 1  # (8, 0.3), hopeless part way


def _recorded_by_reference(plan, measured):
    """Plain reference of the test rule with design points: a pair is tested when it beats its
    threshold and one of its points beats its own and is dominated by no measured point (at
    least as accurate and as cheap in every cost, better in one)."""
    def dominated(accuracy, costs):
        return any(measured[q] >= accuracy and all(c <= m for c, m in zip(row[1:], costs,
                                                                            strict=True))
                   and (measured[q] > accuracy or any(c < m for c, m in zip(row[1:], costs,
                                                                           strict=True)))
                   for q in measured for row in plan.points.get(q, ()))
    return {p for p, a in measured.items() if a > plan.thresholds[p] and any(
        row[0] < a and not dominated(a, row[1:]) for row in plan.points.get(p, ()))}


@pytest.mark.parametrize("seed", range(40))
def test_with_design_points_a_pair_is_tested_only_where_a_point_is_on_the_networks_front(seed):
    rng = np.random.default_rng(seed)
    lengths, rates = [1, 2, 4, 8], [CLEAN, 1e-3, 1e-2, 0.1]
    pairs = [(n, r) for n in lengths for r in rates]
    # coarse values: ties in accuracy and in costs are common, as in a search's grid
    points = {p: rng.integers(0, 4, size=(int(rng.integers(0, 4)), 4)).astype(float) / 4
              for p in pairs}
    for rows in points.values():
        rows[:, 0] = rows[:, 0] / 2 + 0.5  # the accuracy each point needs
    thresholds = {p: float(rows[:, 0].min()) if len(rows) else NEVER
                  for p, rows in points.items()}
    plan = EvaluationPlan(thresholds, MARGIN, points=points)
    measured = {p: float(rng.integers(0, 8)) / 8 for p in pairs if rng.random() < 0.8}
    tested = plan.worth_testing(measured)
    assert tested == _recorded_by_reference(plan, measured)
    without_points = EvaluationPlan(thresholds, MARGIN)  # every pair beating its threshold
    assert without_points.worth_testing(measured) == {
        p for p, a in measured.items() if a > thresholds[p]}


def test_a_pair_beaten_within_the_network_is_not_tested_and_the_rest_equal_the_reference(
        reference, tmp_path):
    """The plan of the first test with design points: (1, 0.1) costs more than (8, clean) in
    every cost and is no more accurate, so only it is left out; each other pair is alone the
    cheapest in a cost of its own and stays on the network's front."""
    config, full = reference
    plan, _, tested = _plan(full["val"])
    dominator, dominated = (8, CLEAN), (1, 0.1)
    assert dominated in tested and full["val"][dominator] >= full["val"][dominated]
    reachable = sorted(p for p, needed in plan.thresholds.items() if needed < NEVER)
    points = {p: np.array([[plan.thresholds[p], *np.eye(len(reachable))[k] * -1 + 1]])
              for k, p in enumerate(reachable)}
    points[dominated][0, 1:] = 2.0
    with_points = EvaluationPlan(plan.thresholds, plan.margin, points=points)
    result = fit(config.model_copy(update={"output_dir": str(tmp_path)}), _datamodule(),
                 plan=with_points)
    test_pairs = {(n, CLEAN) for n in result.test_accuracy} | {
        (n, r) for r, by_n in (result.test_error_sweep.mean().items()
                               if result.test_error_sweep else ()) for n in by_n}
    assert dominated not in test_pairs
    assert result.evaluated["test_pairs_measured"] == len(tested) - 1
    for pair in test_pairs:
        accuracy = (result.test_accuracy[pair[0]] if pair[1] == CLEAN else
                    result.test_error_sweep.mean()[pair[1]][pair[0]])
        assert accuracy == pytest.approx(full["test"][pair], abs=1e-12), pair
