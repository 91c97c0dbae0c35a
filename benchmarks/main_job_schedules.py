"""The main job's two schedules side by side at equal wall time, same seed, back to back.

* old: today's schedule before issue 23: every network trained for all its epochs, tested at
  every N and bit-error rate, its network front recorded; `budget.trials` networks (10) unless
  the wall time ends it first.
* new: the multi-fidelity schedule (`codesign.engine.fidelity`): trainings stopped at epoch
  rungs when even an optimistic accuracy leaves every design point of theirs dominated,
  stopped networks neither tested nor recorded, and only design points the front so far does
  not dominate recorded (`budget.record: search_front`); as many networks as the wall time
  allows.

Both get `--minutes` of wall time (`budget.wall_time_s`: no network is started after it; the
one in training finishes) and fresh studies in a temporary folder; the hypervolume is the
study's feasible front's, normalised the same way for both (`codesign.engine.pareto`).

    python benchmarks/main_job_schedules.py [--minutes 10] [--space search_spaces/fmnist.yaml]
        [--new-first] [--halving ETA [--ties together|hypervolume]] [--keep DIR]
        [--storage journal|sqlite]

Then each schedule's hypervolume as its trained networks ended (seconds from its start: the two
compared at equal wall time, not only at their ends); last lines: networks_ratio (networks
explored, new / old) and hypervolume_ratio (new / old). `--only new` runs one schedule (e.g.
given the whole wall time the old one took).
Run it on an idle machine: the two searches take 2 x --minutes plus the start-up of each.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path

from codesign.engine.quiet import quiet_libraries
from codesign.engine.search import SearchSummary, run_search
from codesign.problem.config_io import read_yaml
from codesign.problem.space import SearchSpace

MAX_NETWORKS = 1000  # the new schedule's budget: the wall time ends it


# each kind of file storage, in the schedule's folder (journal: the default storage)
STORAGES = {"journal": "journal:{folder}/{name}.log", "sqlite": "sqlite:///{folder}/{name}.db"}


def schedule(document: dict, folder: Path, name: str, minutes: float,
             halving: int | None = None, storage: str = "journal",
             ties: str = "together") -> SearchSpace:
    """The space of one schedule: the main job's, with its budget for that schedule (the new
    one with successive halving at `halving` = eta if given, its `ties` told apart or not),
    recorded in a `storage` file."""
    budget = dict(document.get("budget") or {})
    budget["wall_time_s"] = minutes * 60
    stopping = dict(budget.get("early_stopping") or {})
    if name == "old":
        budget.update(trials=10, record="network_front",
                      early_stopping={**stopping, "enabled": False})
    else:
        if halving is not None:
            stopping["halving"] = {"eta": halving, "ties": ties}
        budget.update(trials=MAX_NETWORKS, record="search_front",
                      early_stopping={**stopping, "enabled": True})
    return SearchSpace.model_validate({
        # the new schedule is the main job itself (its name: `status --study NAME` reads it)
        **document, "name": document["name"] + ("-old" if name == "old" else ""),
        "budget": budget, "output_dir": str(folder),
        "storage": STORAGES[storage].format(folder=folder, name=name)})


def hypervolume_by_time(space: SearchSpace) -> list[tuple[float, float]]:
    """(seconds from the first network's start to a trained network's end, the hypervolume of
    the feasible design points of the networks ended so far), network by network: the two
    schedules compared at equal wall time, not only at their ends."""
    from codesign.engine.pareto import feasible_trials, hypervolume, study_cost_scales
    from codesign.engine.storage import open_storage
    from codesign.engine.study import load_design_study, load_network_study
    from codesign.problem.compiled import compile_problem

    problem = compile_problem(space)
    storage = open_storage(space.storage_url)
    designs = load_design_study(storage, space.name)
    scales = study_cost_scales(designs, problem, problem.cost_technology())
    by_network: dict[int, list] = {}
    for trial in feasible_trials(designs):
        by_network.setdefault(trial.user_attrs["network_trial"], []).append(trial)
    networks = [t for t in load_network_study(storage, space.name).trials
                if t.datetime_start is not None]
    if not networks:
        return []
    start = min(t.datetime_start for t in networks)
    seen, history = [], []
    for trial in sorted((t for t in networks if t.datetime_complete is not None),
                        key=lambda t: t.datetime_complete):
        if trial.user_attrs.get("outcome") == "trained":
            seen += by_network.get(trial.number, [])
            history.append(((trial.datetime_complete - start).total_seconds(),
                            hypervolume(seen, problem.goals.searched, scales)))
    return history


def run(space: SearchSpace) -> tuple[SearchSummary, float]:
    started = time.perf_counter()
    summary = run_search(space)
    return summary, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="wall time of each search")
    parser.add_argument("--space", default="search_spaces/fmnist.yaml")
    parser.add_argument("--new-first", action="store_true", help="run the new schedule first")
    parser.add_argument("--only", choices=("old", "new"),
                        help="run one schedule (its row, no ratios): e.g. the new one given "
                             "the whole wall time the old one took")
    parser.add_argument("--halving", type=int, metavar="ETA",
                        help="the new schedule with successive halving (top 1/ETA go on)")
    parser.add_argument("--ties", choices=("together", "hypervolume"), default="together",
                        help="with --halving: a level shared goes on together (default) or is "
                             "told apart by hypervolume")
    parser.add_argument("--keep", type=Path, help="write both studies into this (new) folder "
                        "and keep them (`status`/`pareto --storage journal:KEEP/new.log`)")
    parser.add_argument("--storage", choices=list(STORAGES), default="journal",
                        help="the file storage both record into (default: the search's own)")
    args = parser.parse_args()
    quiet_libraries()
    document = read_yaml(args.space)
    order = ("new", "old") if args.new_first else ("old", "new")
    if args.only:
        order = (args.only,)
    results: dict[str, tuple[SearchSummary, float]] = {}
    by_time: dict[str, list[tuple[float, float]]] = {}
    with (contextlib.nullcontext(str(args.keep)) if args.keep
          else tempfile.TemporaryDirectory()) as folder:
        for name in order:
            space = schedule(document, Path(folder), name, args.minutes, args.halving,
                             args.storage, args.ties)
            results[name] = run(space)
            by_time[name] = hypervolume_by_time(space)
    halving = (f", new with halving eta {args.halving}, ties {args.ties}" if args.halving
               else "")
    print(f"{args.space}, {args.minutes:g} min each, run back to back ({' then '.join(order)})"
          f"{halving}, {args.storage} storage")
    print(f"{'schedule':>8}  {'wall':>7}  {'networks':>8}  {'full':>4}  {'stopped':>7}  "
          f"{'designs':>7}  {'HV':>7}  {'train':>6}  {'test':>6}  {'record':>6}  "
          f"{'after training':>14}")
    for name in [n for n in ("old", "new") if n in results]:
        summary, wall_s = results[name]
        explored = summary.networks_trained + summary.networks_stopped
        print(f"{name:>8}  {wall_s:>6.0f}s  {explored:>8}  {summary.networks_trained:>4}  "
              f"{summary.networks_stopped:>7}  {summary.design_points:>7}  "
              f"{summary.hypervolume:>7.4f}  {summary.time_s['training']:>5.0f}s  "
              f"{summary.time_s['testing']:>5.0f}s  {summary.time_s['recording']:>5.0f}s  "
              f"{summary.time_s['after_training_share']:>13.1%}")
    for name, history in by_time.items():
        print(f"{name} HV as its trained networks ended: " + ", ".join(
            f"{seconds:.0f} s {hv:.4f}" for seconds, hv in history))
    if len(results) < 2:
        return
    old, new = results["old"][0], results["new"][0]
    explored = {name: s.networks_trained + s.networks_stopped for name, s in
                (("old", old), ("new", new))}
    print(f"networks_ratio: {explored['new'] / max(1, explored['old']):.2f}")
    print(f"hypervolume_ratio: {new.hypervolume / old.hypervolume if old.hypervolume else 0:.3f}")


if __name__ == "__main__":
    main()
