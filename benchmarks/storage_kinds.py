"""What recording and reading a design study costs in each file storage: SQLite against
Optuna's journal file (the default since issue 23: `codesign.problem.space.default_storage_url`).

The design trials are those `codesign search` records (`codesign.engine.study.design_trials`,
written by `codesign.engine.design_index.add_design_trials` with their index) for networks of
search_spaces/fmnist.yaml (or --space), with the stand-in accuracies of
`benchmarks/dashboard_payload.py`. Each round writes them into a fresh storage of each kind, in
alternating order so that machine drift cancels, then opens it again read-only and reads every
design trial back as `status`, `pareto` and `export` do (`read_design_trials`).

    python benchmarks/storage_kinds.py [--space search_spaces/fmnist.yaml] [--networks 2]
        [--trials 100] [--rounds 3]

Lines: the median milliseconds per design trial to record and seconds to read back, by kind,
then record_ratio and read_ratio (journal / SQLite; below 1: the journal is faster).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import optuna
from dashboard_payload import outcome_for  # benchmarks/: the same stand-in

from codesign.engine.design_index import add_design_trials, read_design_trials
from codesign.engine.quiet import quiet_libraries
from codesign.engine.storage import open_storage
from codesign.engine.study import design_trials, network_front
from codesign.problem.compiled import compile_problem
from codesign.problem.config_io import load_spec
from codesign.problem.paper_check import load_accuracy
from codesign.problem.space import SearchSpace
from hwmodel import load_technology

KINDS = {"sqlite": "sqlite:///{folder}/study.db", "journal": "journal:{folder}/study.log"}


def recorded_trials(space_path: Path, networks: int, per_network: int):
    """The problem and the design trials a search would record for `networks` networks of the
    space (at most `per_network` of each network's front)."""
    space = load_spec(SearchSpace, space_path)
    problem = compile_problem(space)
    technology = load_technology(problem.technology)
    accuracy = load_accuracy()
    every = problem.design_space.networks()
    chosen = every[:: max(1, len(every) // networks)][:networks]
    trials = []
    for index, network in enumerate(chosen):
        points = problem.hardware_points(network, technology)
        rates = {p.evaluated_error_rate for p in points} - {0.0}
        outcome = outcome_for(network, space.input.bitstream_lengths, accuracy, rates)
        front = network_front(problem, points, outcome)[:per_network]
        trials.append(design_trials(problem, network, front, outcome, index))
    return problem, trials


def one_round(url: str, problem, trials_by_network) -> tuple[float, float, int]:
    """Seconds to record every network's design trials, seconds to read them back, and how
    many were read."""
    storage = open_storage(url)
    study = optuna.create_study(storage=storage, study_name=problem.name,
                                directions=problem.goals.directions)
    started = time.perf_counter()
    for trials in trials_by_network:  # one call per network, as the search records them
        add_design_trials(storage, study, trials)
    recorded = time.perf_counter() - started
    started = time.perf_counter()
    reader = open_storage(url, "read_only")
    read = read_design_trials(reader, optuna.load_study(study_name=problem.name, storage=reader))
    return recorded, time.perf_counter() - started, len(read)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", type=Path, default=Path("search_spaces/fmnist.yaml"))
    parser.add_argument("--networks", type=int, default=2, help="networks of the space")
    parser.add_argument("--trials", type=int, default=100,
                        help="design trials recorded per network (the first of its front)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    quiet_libraries()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    problem, trials_by_network = recorded_trials(args.space, args.networks, args.trials)
    count = sum(len(trials) for trials in trials_by_network)
    record_s: dict[str, list[float]] = {kind: [] for kind in KINDS}
    read_s: dict[str, list[float]] = {kind: [] for kind in KINDS}
    order = list(KINDS)
    for _ in range(args.rounds):
        for kind in order:
            with tempfile.TemporaryDirectory() as folder:
                recorded, read, found = one_round(KINDS[kind].format(folder=folder), problem,
                                                  trials_by_network)
            if found != count:
                raise SystemExit(f"{kind}: read {found} design trials back of {count}")
            record_s[kind].append(recorded)
            read_s[kind].append(read)
        order.reverse()  # alternate which kind goes first
    print(f"{args.space}: {count} design trials of {len(trials_by_network)} networks, "
          f"{args.rounds} rounds (medians)")
    for kind in KINDS:
        print(f"{kind:>8}: record {1000 * statistics.median(record_s[kind]) / count:7.1f} "
              f"ms/trial, read back {statistics.median(read_s[kind]):6.2f} s")
    median = {name: {kind: statistics.median(values[kind]) for kind in KINDS}
              for name, values in (("record", record_s), ("read", read_s))}
    for name, by_kind in median.items():
        print(f"{name}_ratio: {by_kind['journal'] / by_kind['sqlite']:.3f}")


if __name__ == "__main__":
    main()
