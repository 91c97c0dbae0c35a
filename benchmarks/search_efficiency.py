"""Factorized co-design search against plain joint Optuna, on a small real Fashion-MNIST budget.

Plain: N, tiles and the other hardware choices are ordinary Optuna parameters of the same
table (`codesign.problem.design_space`); every trial trains its own network and yields one design
point. Factorized (`codesign search`): a trial is a network; each trained network is evaluated
at every N and costed at every hardware configuration.
Multi-fidelity (`budget.early_stopping`, `budget.record: search_front`): the factorized
search whose trainings stop at epoch rungs when even an optimistic accuracy would leave all
their design points dominated (`codesign.engine.fidelity`).
All use NSGA-II with the same seed, the same training settings and the same normalised
hypervolume (1 - validation accuracy, costs divided by their largest value in the space).

    python benchmarks/search_efficiency.py [--runs 24] [--networks 8] [--epochs 4]
        [--subset 0.05] [--seed 0] [--training-seed 0] [--halving ETA [--ties together]]
        [--keep DIR]

Lines: training_runs_ratio = factorized training runs needed to reach the plain search's
final hypervolume / the plain search's training runs; last, training_epochs_ratio = epochs
the multi-fidelity search trains until it reaches that hypervolume / the plain search's epochs
(runs x epochs).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import optuna

from codesign.engine.pareto import cost_scales, feasible_trials, hypervolume
from codesign.engine.quiet import quiet_libraries
from codesign.engine.runner import train_network
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import load_design_study, load_network_study
from codesign.problem.compiled import Problem, compile_problem
from codesign.problem.space import SearchSpace
from hwmodel import load_technology


def benchmark_space(args, output_dir: Path, name: str, multi_fidelity: bool) -> SearchSpace:
    budget = {"trials": args.networks, "epochs": args.epochs, "subset": args.subset}
    if multi_fidelity:
        stopping = {"enabled": True}
        if args.halving:
            stopping["halving"] = {"eta": args.halving, "ties": args.ties}
        budget |= {"early_stopping": stopping, "record": "search_front"}
    return SearchSpace.model_validate({
        "name": name,
        "seed": args.training_seed,
        "data": {"dataset": "fashion_mnist", "batch_size": 128, "root": args.data_root},
        "model": {"family": "mlp", "hidden_layers": 1, "widths": [32, 64, 128, 256]},
        "input": {"modes": ["sc", "fixed_point"], "bitstream_lengths": {"min": 1, "max": 32},
                  "sngs": ["ideal", "lfsr"], "train_lengths": [8]},
        "hardware": {"tiles": {"min": 1, "max": 16}},
        "objectives": ["accuracy", "energy", "area"],
        "budget": budget,
        "sampler": {"kind": "nsga2", "seed": args.seed, "population_size": 6},
        "output_dir": str(output_dir),
        "storage": f"sqlite:///{output_dir / name}.db",
    })


def searched(space: SearchSpace, scales) -> list[tuple[int, float]]:
    """Run a search; (epochs trained so far, hypervolume) after each network it trained or
    stopped, in order (a stopped network adds epochs and no design point)."""
    run_search(space)
    problem = compile_problem(space)
    storage = open_storage(space.storage_url)
    designs = load_design_study(storage, space.name)
    by_network: dict[int, list] = {}
    for trial in feasible_trials(designs):
        by_network.setdefault(trial.user_attrs["network_trial"], []).append(trial)
    history, seen, epochs = [], [], 0
    for network in load_network_study(storage, space.name).trials:
        if network.user_attrs.get("outcome") not in ("trained", "stopped"):
            continue
        epochs += int(network.user_attrs.get("epochs_run") or 0)
        seen += by_network.get(network.number, [])
        history.append((epochs, hypervolume(seen, problem.goals.searched, scales)))
    return history


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


def reached(history: list[tuple[int, float]], target: float) -> tuple[int, int] | None:
    """(networks, epochs) after which a search's hypervolume first reaches `target`."""
    return next(((count, epochs) for count, (epochs, h) in enumerate(history, start=1)
                 if h >= target), None)


def report(plain: list[float], epochs: int, histories: dict[str, list]) -> None:
    factorized, fidelity = histories["factorized"], histories["multi-fidelity"]
    print(f"{'networks':>8}  {'plain HV':>9}  {'factorized HV':>13}  {'multi-fidelity HV':>17}"
          f"  {'its epochs':>10}")
    for run in range(max(len(plain), len(factorized), len(fidelity))):
        cells = [f"{plain[run]:.4f}" if run < len(plain) else "",
                 f"{factorized[run][1]:.4f}" if run < len(factorized) else "",
                 f"{fidelity[run][1]:.4f}" if run < len(fidelity) else "",
                 str(fidelity[run][0]) if run < len(fidelity) else ""]
        print(f"{run + 1:>8}  {cells[0]:>9}  {cells[1]:>13}  {cells[2]:>17}  {cells[3]:>10}")
    target, plain_epochs = plain[-1], len(plain) * epochs
    print(f"plain: {len(plain)} training runs, {plain_epochs} epochs, final HV {target:.4f}")
    runs = reached(factorized, target)
    print(f"training_runs_ratio: {runs[0] / len(plain) if runs else float('inf'):.3f}")
    trained = reached(fidelity, target)
    if trained is None:
        print(f"the multi-fidelity search did not reach {target:.4f} in {len(fidelity)} networks")
    else:
        print(f"multi-fidelity reaches {target:.4f} after {trained[0]} network(s), "
              f"{trained[1]} epochs")
    print("by the plain search's budget (its first runs: the same search, stopped sooner):")
    for runs_so_far in sorted({*range(24, len(plain), 24), len(plain)}):
        target_so_far = plain[runs_so_far - 1]
        got = reached(fidelity, target_so_far)
        ratio = got[1] / (runs_so_far * epochs) if got else float("inf")
        print(f"  {runs_so_far:>4} runs: HV {target_so_far:.4f}, "
              f"multi-fidelity epochs {got[1] if got else '-'}, ratio {ratio:.3f}")
    print(f"training_epochs_ratio: "
          f"{trained[1] / plain_epochs if trained else float('inf'):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24, help="training runs of the plain search")
    parser.add_argument("--networks", type=int, default=8,
                        help="networks of each factorized search")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--subset", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0, help="the samplers' seed")
    parser.add_argument("--halving", type=int, metavar="ETA",
                        help="the multi-fidelity search with successive halving (as the main job)")
    parser.add_argument("--ties", choices=("together", "hypervolume"), default="together",
                        help="with --halving: how a level shared is ranked (`Halving.ties`)")
    parser.add_argument("--training-seed", type=int, default=0,
                        help="the space's seed: weights, data order, streams")
    parser.add_argument("--data-root", default=None, help="Fashion-MNIST folder (default: "
                        "the dataset's own)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="record the searches' studies in DIR (a new folder) and keep them, "
                             "to read which network each rule stopped")
    args = parser.parse_args()
    if args.keep is not None and args.keep.exists():
        parser.error(f"--keep: {args.keep} already exists (give a new folder)")
    quiet_libraries()
    with tempfile.TemporaryDirectory() as folder:
        output_dir = Path(folder) if args.keep is None else args.keep
        output_dir.mkdir(parents=True, exist_ok=True)
        problem = compile_problem(benchmark_space(args, output_dir, "plain", False))
        scales = cost_scales(problem, load_technology(problem.technology))
        started = time.perf_counter()
        plain = plain_search(problem, args.runs, output_dir, scales)
        took = {"plain": time.perf_counter() - started}
        histories = {}
        for name, multi_fidelity in (("factorized", False), ("multi-fidelity", True)):
            started = time.perf_counter()
            histories[name] = searched(benchmark_space(args, output_dir, name.replace(
                "-", "_"), multi_fidelity), scales)
            took[name] = time.perf_counter() - started
    print("wall time: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in took.items()))
    report(plain, args.epochs, histories)


if __name__ == "__main__":
    main()
