"""Factorized co-design search against plain joint Optuna, on a small real Fashion-MNIST budget.

Plain: N, tiles and the other hardware choices are ordinary Optuna parameters of the same
table (`codesign.design_space`); every trial trains its own network and yields one design
point. Factorized (`codesign search`): a trial is a network; each trained network is evaluated
at every N and costed at every hardware configuration.
Both use NSGA-II with the same seed, the same training settings and the same normalised
hypervolume (1 - validation accuracy, costs divided by their largest value in the space).

    python benchmarks/search_efficiency.py [--runs 12] [--epochs 2] [--subset 0.1]

Last line: training_runs_ratio = factorized training runs needed to reach the plain search's
final hypervolume / the plain search's training runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import optuna

from codesign.pareto import cost_scales, hypervolume, hypervolume_history
from codesign.problem import Problem, compile_problem
from codesign.quiet import quiet_libraries
from codesign.runner import train_network
from codesign.search import run_search
from codesign.space import SearchSpace
from codesign.storage import open_storage
from codesign.study import load_design_study
from hwmodel import load_technology


def benchmark_space(args, output_dir: Path) -> SearchSpace:
    return SearchSpace.model_validate({
        "name": "efficiency",
        "seed": 0,
        "data": {"dataset": "fashion_mnist", "batch_size": 128},
        "model": {"family": "mlp", "hidden_layers": 1, "widths": [32, 64, 128, 256]},
        "input": {"modes": ["sc", "fixed_point"], "bitstream_lengths": {"min": 1, "max": 32},
                  "sngs": ["ideal", "lfsr"], "train_lengths": [8]},
        "hardware": {"tiles": {"min": 1, "max": 16}},
        "objectives": ["accuracy", "energy", "area"],
        "budget": {"trials": args.runs, "epochs": args.epochs, "subset": args.subset},
        "sampler": {"kind": "nsga2", "seed": args.seed, "population_size": 6},
        "output_dir": str(output_dir),
        "storage": f"sqlite:///{output_dir / 'factorized.db'}",
    })


def plain_search(problem: Problem, runs: int, output_dir: Path, scales) -> list[float]:
    """One training per trial, N and tiles sampled like any other parameter."""
    technology = load_technology(problem.technology)
    study = optuna.create_study(
        directions=problem.goals.directions,
        sampler=optuna.samplers.NSGAIISampler(population_size=6, seed=problem.sampler.seed),
    )
    history, recorded = [], []
    for run in range(runs):
        trial = study.ask()
        network = problem.design_space.suggest_network(trial)
        hardware = problem.design_space.suggest_hardware(trial, network)
        length = hardware.get("bitstream_length")
        config = problem.train_config(network, str(output_dir / f"plain-{run:03d}"))
        if length is not None:
            config = config.model_copy(update={"input": config.input.model_copy(
                update={"eval_lengths": [length]})})
        outcome = train_network({"train_config": config.model_dump(mode="json")})
        accuracy = outcome["val_accuracy"][str(length or 1)]
        point = next(p for p in problem.hardware_points(network, technology)
                     if p.params == hardware)
        study.tell(trial, problem.values(point, accuracy))
        recorded.append(optuna.trial.create_trial(
            values=problem.values(point, accuracy),
            user_attrs={"val_accuracy": accuracy, "energy_pj": point.energy_pj,
                        "area_mm2": point.area_mm2, "latency_ns": point.latency_ns}))
        history.append(hypervolume(recorded, problem.goals.searched, scales))
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12, help="training runs for each search")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--subset", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    quiet_libraries()
    with tempfile.TemporaryDirectory() as folder:
        output_dir = Path(folder)
        space = benchmark_space(args, output_dir)
        problem = compile_problem(space)
        scales = cost_scales(problem, load_technology(problem.technology))

        started = time.perf_counter()
        plain = plain_search(problem, args.runs, output_dir, scales)
        plain_s = time.perf_counter() - started

        started = time.perf_counter()
        run_search(space)
        factorized_s = time.perf_counter() - started
        study = load_design_study(open_storage(space.storage_url), space.name)
        factorized = [h for _, h in hypervolume_history(study, problem.goals.searched, scales)]

    print(f"{'runs':>4}  {'plain HV':>9}  {'factorized HV':>13}")
    for run in range(max(len(plain), len(factorized))):
        p = f"{plain[run]:.4f}" if run < len(plain) else ""
        f = f"{factorized[run]:.4f}" if run < len(factorized) else ""
        print(f"{run + 1:>4}  {p:>9}  {f:>13}")
    print(f"plain: {len(plain)} training runs, {plain_s:.0f} s; factorized: {len(factorized)} "
          f"training runs, {factorized_s:.0f} s; {len(study.trials)} factorized design points")
    target = plain[-1]
    needed = next((run + 1 for run, h in enumerate(factorized) if h >= target), None)
    if needed is None:
        print(f"the factorized search did not reach the plain search's final HV {target:.4f}")
        print(f"training_runs_ratio: {float('inf')}")
        return
    print(f"factorized reaches the plain search's final hypervolume {target:.4f} "
          f"after {needed} training run(s)")
    print(f"training_runs_ratio: {needed / len(plain):.3f}")


if __name__ == "__main__":
    main()
