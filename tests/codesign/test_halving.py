"""Successive halving across networks (`codesign.engine.halving`): a network's standing in
the front of the networks at a rung, against plain references (pairwise dominance, peeling,
hypervolume by cells, a sorted ranking), and a search whose every decision is checked against
them."""

import itertools
import random

import numpy as np
import pytest
from optuna.trial import create_trial

from codesign.engine.fidelity import NEVER
from codesign.engine.halving import (
    ACCURACY_RESOLUTION,
    COST_FRONT_ATTR,
    GOES_ON_AT_ATTR,
    RungEntry,
    cost_front,
    cost_losses,
    front_standings,
    goes_on_at,
    rung_entries,
)
from codesign.engine.pareto import cost_scales, objective_scale
from codesign.problem.compiled import compile_problem
from codesign.problem.objectives import ACCURACY
from codesign.problem.space import SearchSpace
from hwmodel import load_technology
from tests.codesign.stubs import QueueStub, full_result, stopped_result
from trainer.stop_rule import Halving


def _dominates(a, b) -> bool:
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(
        x < y for x, y in zip(a, b, strict=True))


def _problem(tiny_space, limit=None):
    space = SearchSpace.model_validate(tiny_space(
        constraints={"min_accuracy": limit} if limit else {}))
    problem = compile_problem(space)
    return problem, cost_scales(problem, load_technology("stt_mram_28nm"))


def _points_by_entry(problem, entries) -> list[tuple[int, list[float]]]:
    """Every entry's points with its accuracy as a loss (1 - a), those inside the unit box of
    a feasible entry kept, each with its entry's index."""
    column = problem.goals.searched.index(ACCURACY)
    bound = problem.goals.bound_on(ACCURACY)
    points = []
    for index, entry in enumerate(entries):
        if bound is not None and entry.accuracy < bound.limit:
            continue
        for row in entry.losses.tolist():
            point = [*row[:column], 1.0 - entry.accuracy, *row[column:]]
            if all(v < 1.0 for v in point):
                points.append((index, point))
    return points


def _layers_by_peeling(points) -> list[int]:
    """By point, its non-dominated layer, peeled off pairwise."""
    layers, remaining, layer = [0] * len(points), list(range(len(points))), 0
    while remaining:
        front = [a for a in remaining
                 if not any(_dominates(points[b][1], points[a][1]) for b in remaining)]
        for a in front:
            layers[a] = layer
        remaining, layer = [a for a in remaining if a not in front], layer + 1
    return layers


def _levels_by_peeling(problem, entries) -> list[float]:
    """Plain reference: an entry's level is its best point's layer."""
    points = _points_by_entry(problem, entries)
    levels = [float("inf")] * len(entries)
    for (index, _), layer in zip(points, _layers_by_peeling(points), strict=True):
        levels[index] = min(levels[index], layer)
    return levels


def _hypervolume_by_cells(points) -> float:
    """Plain reference: the unit box cut into cells at every point's coordinates; a cell
    counts if a point is at or below its lower corner in every dimension."""
    if not points:
        return 0.0
    cuts = [sorted({p[d] for p in points} | {1.0}) for d in range(len(points[0]))]
    volume = 0.0
    for cell in itertools.product(*(zip(c[:-1], c[1:], strict=True) for c in cuts)):
        lower = [low for low, _ in cell]
        if any(all(p[d] <= lower[d] for d in range(len(lower))) for p in points):
            volume += float(np.prod([high - low for low, high in cell]))
    return volume


def _keys_by_peeling(problem, entries, rule) -> list[tuple]:
    """Plain reference of `Standing.key`: (minus the level, with `ties: hypervolume` the
    hypervolume the level's layer loses without the entry's points in it, else 0)."""
    points = _points_by_entry(problem, entries)
    layers = _layers_by_peeling(points)
    keys = []
    for index, level in enumerate(_levels_by_peeling(problem, entries)):
        if level == float("inf") or rule.ties == "together":
            keys.append((-level, 0.0))
            continue
        layer = [(i, p) for (i, p), at in zip(points, layers, strict=True) if at == level]
        keys.append((-level, _hypervolume_by_cells([p for _, p in layer])
                     - _hypervolume_by_cells([p for i, p in layer if i != index])))
    return keys


def _goes_on(problem, mine, accuracy, peers, rule) -> bool:
    """Plain reference: sort the rung's keys, keep the first ceil(n / eta); a key equal to a
    kept one goes on too (volumes equal to 1e-9 are equal)."""
    keys = [(level, round(volume, 9)) for level, volume in
            _keys_by_peeling(problem, [*peers, RungEntry(mine, accuracy)], rule)]
    kept = sorted(keys, reverse=True)[: -(-len(keys) // rule.eta)]
    return keys[-1] >= kept[-1]


def _random_entry(rng, costs: int) -> RungEntry:
    count = rng.randint(0, 4)
    rows = [[rng.choice([0.1, 0.3, 0.5, 0.7, 1.2]) for _ in range(costs)] for _ in range(count)]
    return RungEntry(np.array(rows, dtype=float).reshape(count, costs),
                     rng.choice([0.0, 0.4, 0.6, 0.75, 0.9, 1.0]))


def test_a_cost_front_is_the_fitting_points_no_other_dominates_in_cost(tiny_space):
    space = SearchSpace.model_validate(tiny_space(constraints={"max_area_mm2": 0.05}))
    problem, technology = compile_problem(space), load_technology("stt_mram_28nm")
    costs = [o for o in problem.goals.searched if o is not ACCURACY]
    checked_a_budget = False
    for network in problem.design_space.networks():
        points = problem.hardware_points(network, technology)
        fitting = [p for p in points if problem.fits_hardware_budget(p)]
        checked_a_budget |= len(fitting) < len(points)
        rows = [tuple(o.oriented(p.metric(o.metric)) for o in costs) for p in fitting]
        expected = sorted({tuple(p.metric(o.metric) for o in costs)
                           for p, row in zip(fitting, rows, strict=True)
                           if not any(_dominates(other, row) for other in rows)})
        front = cost_front(problem, points)
        assert sorted(set(zip(*(front[o.metric] for o in costs), strict=True))) == expected
    assert checked_a_budget  # the budget left some points out


@pytest.mark.parametrize("ties", ["together", "hypervolume"])
@pytest.mark.parametrize("limit", [None, 0.7])
def test_front_standings_are_levels_and_tie_breaks_as_the_references_find_them(
        tiny_space, limit, ties):
    problem, _ = _problem(tiny_space, limit)
    rule = Halving(ties=ties)
    costs = len(problem.goals.searched) - 1
    rng, ties_broken = random.Random(1), 0
    for _ in range(300):
        entries = [_random_entry(rng, costs) for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.3 and entries:  # a network seen twice: the same standing
            entries.append(RungEntry(entries[0].losses.copy(), entries[0].accuracy))
        standings = front_standings(problem, entries, {}, rule)  # losses: no cost scale
        levels = [s.level for s in standings]
        assert levels == _levels_by_peeling(problem, entries)
        for found, expected in zip(standings, _keys_by_peeling(problem, entries, rule),
                                   strict=True):
            assert found.key == (expected[0], pytest.approx(expected[1], abs=1e-9))
        ties_broken += any(levels.count(s.level) > 1 and s.contribution > 0 for s in standings)
    assert (ties_broken > 30) == (ties == "hypervolume")  # exercised, where asked for


def test_goes_on_at_is_where_the_plain_ranking_turns(tiny_space):
    """The least accuracy the bisection sends goes on by the plain reference (levels by
    peeling, tie-breaks by hypervolume by cells), and one step (the resolution) below it does
    not; 0 and NEVER where nothing turns."""
    problem, _ = _problem(tiny_space)
    scales = {"energy_pj": 1.0, "area_mm2": 1.0}
    costs = len(problem.goals.searched) - 1
    rng, seen = random.Random(2), set()
    for _ in range(200):
        rule = Halving(eta=rng.choice([2, 3]), min_peers=rng.choice([1, 2]),
                       ties=rng.choice(["together", "hypervolume"]))
        peers = [_random_entry(rng, costs) for _ in range(rng.randint(0, 6))]
        mine = _random_entry(rng, costs).losses
        least = goes_on_at(problem, mine, peers, rule, scales)
        if len(peers) < rule.min_peers:
            assert least == 0.0
            seen.add("few peers")
        elif least == 0.0:
            assert _goes_on(problem, mine, 0.0, peers, rule)
            seen.add("always")
        elif least == NEVER:
            assert not _goes_on(problem, mine, 1.0, peers, rule)
            seen.add("never")
        else:
            assert _goes_on(problem, mine, least, peers, rule)
            assert not _goes_on(problem, mine, least - ACCURACY_RESOLUTION, peers, rule)
            seen.add("turns")
    assert seen == {"few peers", "always", "never", "turns"}


def test_the_most_accurate_corner_goes_on_where_its_own_hypervolume_ranks_last(tiny_space):
    """The benchmark's case (docs/benchmarks.md): a costlier network that is the most accurate
    at the rung offers the front's accurate corner, so it goes on as soon as it beats the
    cheaper peer's accuracy, although its own hypervolume is the smallest of the three (the
    first version of halving ranked that, and stopped it). Dominated in every cost by a peer
    that shows accuracy 1, a network can never go on."""
    problem, _ = _problem(tiny_space)
    scales = {"energy_pj": 1.0, "area_mm2": 1.0}
    cheap = RungEntry(np.array([[0.2, 0.2]]), 0.78)
    other = RungEntry(np.array([[0.1, 0.4]]), 0.70)
    costly = np.array([[0.5, 0.5]])
    least = goes_on_at(problem, costly, [cheap, other], Halving(eta=3, min_peers=2), scales)
    assert 0.78 < least <= 0.78 + ACCURACY_RESOLUTION + 1e-12

    def own_hypervolume(losses, accuracy):
        return float(np.prod(1.0 - losses[0])) * accuracy
    assert own_hypervolume(costly, 0.79) < min(own_hypervolume(cheap.losses, 0.78),
                                               own_hypervolume(other.losses, 0.70))
    perfect = RungEntry(np.array([[0.2, 0.2]]), 1.0)
    assert goes_on_at(problem, costly, [perfect, other], Halving(eta=3), scales) == NEVER


def test_whether_a_network_goes_on_turns_once_as_its_accuracy_rises(tiny_space):
    """The bisection's premise, on the plain reference: over a fine grid of accuracies (and
    just around every peer's), a network that goes on at one accuracy goes on at every higher
    one."""
    problem, _ = _problem(tiny_space)
    costs = len(problem.goals.searched) - 1
    rng, turned = random.Random(3), 0
    for _ in range(60):
        rule = Halving(eta=rng.choice([2, 3]), min_peers=1, ties="hypervolume")
        peers = [_random_entry(rng, costs) for _ in range(rng.randint(1, 5))]
        mine = _random_entry(rng, costs).losses
        grid = sorted({*np.linspace(0.0, 1.0, 21).tolist(),
                       *(p.accuracy + d for p in peers for d in (-1e-3, 0.0, 1e-3)
                         if 0.0 <= p.accuracy + d <= 1.0)})
        decisions = [_goes_on(problem, mine, a, peers, rule) for a in grid]
        assert decisions == sorted(decisions)  # False ... False True ... True
        turned += decisions[0] != decisions[-1]
    assert turned > 10


def test_a_network_on_the_front_by_cost_alone_goes_on_unless_ties_are_told_apart(tiny_space):
    """With three costs, a new network is often on the rung's front by cost alone, whatever
    its accuracy: a level shared by every network lets them all on. Told apart by
    hypervolume, it goes on only once its points add more to the front than a peer's do."""
    problem, _ = _problem(tiny_space)
    scales = {"energy_pj": 1.0, "area_mm2": 1.0}
    accurate = RungEntry(np.array([[0.5, 0.5]]), 0.85)
    cheap = RungEntry(np.array([[0.2, 0.2]]), 0.80)
    odd = np.array([[0.15, 0.35]])  # the cheapest in energy: on the front at any accuracy
    peers, apart = [accurate, cheap], Halving(eta=2, ties="hypervolume")
    standings = front_standings(problem, [*peers, RungEntry(odd, 0.3)], scales, apart)
    assert [s.level for s in standings] == [0, 0, 0]
    assert standings[1].contribution > standings[0].contribution > standings[2].contribution

    together = goes_on_at(problem, odd, peers, Halving(eta=2), scales)
    assert 0.0 < together <= ACCURACY_RESOLUTION  # any accuracy shown (0: outside the box)
    least = goes_on_at(problem, odd, peers, apart, scales)
    assert 0.3 < least < 0.85
    for accuracy, second in ((least, True), (least - ACCURACY_RESOLUTION, False)):
        found = front_standings(problem, [*peers, RungEntry(odd, accuracy)], scales, apart)
        assert (found[2].key >= sorted(s.key for s in found)[1]) == second


def test_rung_entries_are_the_networks_that_reached_the_rung_at_their_best_so_far(tiny_space):
    problem, scales = _problem(tiny_space)
    costs = [o for o in problem.goals.searched if o is not ACCURACY]
    shares = np.array([[0.5, 0.1], [0.25, 0.3]])  # of each cost's scale: losses, by hand
    front = {o.metric: (shares[:, column] * objective_scale(o, scales)).tolist()
             for column, o in enumerate(costs)}

    def network(outcome, curve, recorded=front):
        attrs = {"outcome": outcome, "val_curve": curve}
        return create_trial(value=0.0, user_attrs=attrs | (
            {COST_FRONT_ATTR: recorded} if recorded else {}))

    networks = [network("trained", [0.5, 0.7, 0.6]), network("stopped", [0.6]),
                network("failed", [0.9, 0.9]), network("trained", [0.8, 0.9], None),
                network("stopped", [0.4, 0.3], {costs[0].metric: [1.0]})]  # a cost missing
    at_1 = rung_entries(problem, networks, 1, scales)
    at_3 = rung_entries(problem, networks, 3, scales)
    assert [e.accuracy for e in at_1] == [0.5, 0.6]
    assert [e.accuracy for e in at_3] == [0.7]
    np.testing.assert_allclose(at_3[0].losses, shares)
    assert cost_losses(problem, {costs[0].metric: [1.0]}, scales) is None


class HalvingStub(QueueStub):
    """Trains nothing but runs the worker's real early-stop callback (`runner._early_stop`) on
    the job the driver sent: validation accuracies from a fixed list, network by network,
    checked at the rung after epoch 1 of 2. A network trained in full ends `FALL` below what
    it showed there (it overfits), so the front of full trainings is weaker than the rung's
    and a network can pass the hopeless check yet rank low at the rung."""

    ACCURACIES = [0.5, 0.9, 0.95, 0.3, 0.3, 0.3, 0.3, 0.3]
    FALL = 0.2

    def result(self, key, job):
        from types import SimpleNamespace

        import torch

        from codesign.engine.runner import _early_stop

        accuracy = self.ACCURACIES[(len(self.jobs) - 1) % len(self.ACCURACIES)]
        stop = _early_stop(job["early_stop"])
        trainer = SimpleNamespace(sanity_checking=False, current_epoch=0, max_epochs=2,
                                  should_stop=False,
                                  callback_metrics={"val/acc": torch.tensor(accuracy)})
        stop.on_validation_end(trainer, None)
        reported = {"val_curve": stop.history,
                    "optimistic_accuracy": {str(k): v for k, v in stop.bounds.items()},
                    "stopped_by": stop.stopped_by}
        if stop.stopped_at is not None:
            return stopped_result(key, 1, 0.5, **reported)
        return full_result(key, job, accuracy - self.FALL, self.lengths, 2, **reported)


def test_a_search_with_halving_ranks_each_network_against_the_networks_before_it(
        tiny_space, monkeypatch):
    """Run in two parts (the second resumes the study), so that the networks of the second
    are ranked against those the first recorded too."""
    import codesign.engine.search as search_module
    from codesign.engine.search import run_search
    from codesign.engine.storage import open_storage
    from codesign.engine.study import load_design_study, load_network_study

    halving = {"eta": 3, "min_peers": 2}
    space = SearchSpace.model_validate(tiny_space(
        budget={"trials": 8, "epochs": 2,
                "early_stopping": {"enabled": True, "rungs": [1], "halving": halving}},
        initial_networks=[{"input_mode": "fixed_point", "width_1": 32}]))
    stub = HalvingStub(sorted({1, *space.input.bitstream_lengths}))
    monkeypatch.setattr(search_module, "make_executor", lambda *args: stub)
    first = run_search(space.model_copy(update={
        "budget": space.budget.model_copy(update={"trials": 3})}))
    summary = run_search(space)
    assert first.networks_trained + first.networks_stopped == 3
    assert summary.networks_trained + summary.networks_stopped > 0  # it went on
    problem = compile_problem(space)
    scales = cost_scales(problem, load_technology(problem.technology))
    storage = open_storage(space.storage_url)
    networks = sorted(load_network_study(storage, space.name).trials, key=lambda t: t.number)
    designs = load_design_study(storage, space.name).trials
    rule, decisions = Halving(**halving), []
    for index, trial in enumerate(networks):
        if trial.number not in stub.jobs:
            continue
        sent = stub.jobs[trial.number]["early_stop"]["goes_on_at"]
        assert trial.user_attrs[GOES_ON_AT_ATTR] == sent
        mine = cost_losses(problem, trial.user_attrs[COST_FRONT_ATTR], scales)
        peers = rung_entries(problem, networks[:index], 1, scales)  # run one at a time
        assert sent == {"1": goes_on_at(problem, mine, peers, rule, scales)}
        if trial.user_attrs["stopped_by"] == "hopeless":
            continue
        shown = max(trial.user_attrs["val_curve"])
        went_on = trial.user_attrs.get("stopped_by") != "halving"
        assert went_on == (shown >= sent["1"])
        if len(peers) >= rule.min_peers:
            assert went_on == _goes_on(problem, mine, shown, peers, rule)
        decisions.append(went_on)
    assert True in decisions and False in decisions  # some went on, some were halved
    assert first.networks_stopped + summary.networks_stopped >= decisions.count(False)
    stopped = {t.number for t in networks if t.user_attrs.get("outcome") == "stopped"}
    assert not {d.user_attrs["network_trial"] for d in designs} & stopped  # never on the front


def test_the_peeling_reference_itself_sees_layers():
    """The reference's premise, on three points in a chain and one beside."""
    class Flat:
        class goals:  # noqa: N801 - a stand-in for Problem.goals
            searched = [ACCURACY, object()]

            @staticmethod
            def bound_on(_):
                return None

    entries = [RungEntry(np.array([[0.1]]), 0.9), RungEntry(np.array([[0.2]]), 0.8),
               RungEntry(np.array([[0.3]]), 0.7), RungEntry(np.array([[0.05]]), 0.5)]
    assert _levels_by_peeling(Flat, entries) == [0, 1, 2, 0]
    assert _hypervolume_by_cells([[0.5, 0.5]]) == pytest.approx(0.25)
    assert _hypervolume_by_cells([[0.2, 0.6], [0.6, 0.2], [0.7, 0.7]]) == pytest.approx(
        0.8 * 0.4 + 0.4 * 0.8 - 0.4 * 0.4)
    assert _hypervolume_by_cells([[0.5, 0.5, 0.5]]) == pytest.approx(0.125)


@pytest.mark.parametrize(("needed", "said"), [(0.7834, "needs >= 78.34%"),
                                              (NEVER, "no accuracy would do")])
def test_the_progress_line_says_what_a_network_stopped_by_halving_needed(needed, said):
    from codesign.engine.search import SearchEvent
    from codesign.screen.present import search_event_line

    event = SearchEvent("stopped", 4, "key", data={
        "ordinal": 5, "stopped_at": 3, "stopped_by": "halving", "val_curve": [0.7, 0.76, 0.75],
        "goes_on_at": {"1": 0.5, "3": needed}})
    line = search_event_line(event, budget=24, took_s=None)
    assert "stopped after 3 epoch(s)" in line and "76.00%" in line
    assert said in line and "successive halving" in line


@pytest.mark.parametrize("enabled", [True, False])
def test_halving_is_prepared_only_where_early_stopping_is_on(tiny_space, enabled):
    """Halving rides on early stopping's callback: without it, nothing is ranked for nothing."""
    from codesign.engine.halving import halving_job

    space = SearchSpace.model_validate(tiny_space(budget={"epochs": 4, "early_stopping": {
        "enabled": enabled, "halving": {"eta": 3}}}))
    problem = compile_problem(space)
    technology = load_technology(problem.technology)
    points = problem.hardware_points(problem.design_space.networks()[0], technology)
    job = halving_job(problem, points, cost_scales(problem, technology), [])
    if not enabled:
        assert job is None
    else:
        assert job["goes_on_at"] == {"1": 0.0, "3": 0.0}  # no peers yet: it goes on
        assert job["cost_front"] == cost_front(problem, points)
