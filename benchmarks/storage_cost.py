"""What the design study costs to store: every design point as a trial, against the points not
dominated within their network (what `codesign search` keeps as trials) plus the gzipped table
of every point (what it writes beside the study).

For the networks of search_spaces/fmnist.yaml (or --space), with accuracies at each N from the
measured means of docs/reproduction.md (`codesign/data/fmnist_accuracy_vs_n.json`; the
conventional accuracy for fixed-point networks; at a bit-error rate, that less the rate, as
`benchmarks/dashboard_payload.py` makes them): the design points of each network are costed
as the search costs them, then written both ways into fresh SQLite studies, timed, and sized.
Ratios are measured side by side in one run.

    python benchmarks/storage_cost.py [--space search_spaces/fmnist.yaml] [--networks 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import optuna
from dashboard_payload import outcome_for  # benchmarks/: the same stand-in

from codesign.engine.quiet import quiet_libraries
from codesign.engine.study import design_trials, network_front, write_design_table
from codesign.problem.compiled import compile_problem
from codesign.problem.config_io import load_spec
from codesign.problem.paper_check import load_accuracy
from codesign.problem.space import SearchSpace
from hwmodel import load_technology


def write_study(path: Path, problem, trials) -> tuple[float, int]:
    started = time.perf_counter()
    study = optuna.create_study(storage=f"sqlite:///{path}", study_name=problem.name,
                                directions=problem.goals.directions)
    study.set_metric_names(problem.goals.metric_names)
    study.add_trials(trials)
    return time.perf_counter() - started, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", type=Path, default=Path("search_spaces/fmnist.yaml"))
    parser.add_argument("--networks", type=int, default=4, help="networks of the space to store")
    args = parser.parse_args()
    quiet_libraries()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = load_spec(SearchSpace, args.space)
    problem = compile_problem(space)
    technology = load_technology(problem.technology)
    accuracy = load_accuracy()
    networks = problem.design_space.networks()
    step = max(1, len(networks) // args.networks)
    chosen = networks[::step][: args.networks]

    every, kept, costed = [], [], 0
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        table_bytes = 0
        for index, network in enumerate(chosen):
            points = problem.hardware_points(network, technology)
            rates = {p.evaluated_error_rate for p in points} - {0.0}
            outcome = outcome_for(network, space.input.bitstream_lengths, accuracy, rates)
            costed += len(points)
            every += design_trials(problem, network, points, outcome, index)
            kept += design_trials(problem, network, network_front(problem, points, outcome),
                                  outcome, index)
            table = folder / f"network-{index:04d}.csv.gz"
            write_design_table(table, problem, network, points, outcome)
            table_bytes += table.stat().st_size
        every_s, every_bytes = write_study(folder / "every.db", problem, every)
        kept_s, kept_bytes = write_study(folder / "kept.db", problem, kept)

    print(f"{args.space}: {len(chosen)} of {len(networks)} networks, {costed} design points")
    print(f"every point a trial: {len(every)} trials, {every_bytes / 1e6:.2f} MB, "
          f"{every_s:.1f} s to record")
    print(f"network fronts:      {len(kept)} trials, {kept_bytes / 1e6:.2f} MB, "
          f"{kept_s:.1f} s to record; + {table_bytes / 1e3:.0f} kB of gzipped tables")
    print(f"bytes per point: {every_bytes / len(every):.0f} as a trial, "
          f"{table_bytes / costed:.1f} in a table")
    print(f"kept_fraction: {len(kept) / len(every):.3f}")
    print(f"storage_ratio: {(kept_bytes + table_bytes) / every_bytes:.3f}")


if __name__ == "__main__":
    main()
