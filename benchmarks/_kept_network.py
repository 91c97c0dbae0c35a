"""A network a kept main job trained, with the lazy-evaluation plan the search sent it
rebuilt: for benchmarks of the work after training on real checkpoints
(`sweep_cutoff.py`, `test_selection.py`).

DIR is a main job kept by `benchmarks/main_job_schedules.py --keep DIR` (its study in
DIR/new.log, or DIR/new.db with `--storage sqlite`; its checkpoints under DIR/NAME/networks/).
The plan is each (N, rate) pair's accuracy to beat against the front of the design points the
networks before it recorded, with the pairs' design points
(`codesign.engine.fidelity.evaluation_job`), the margin raised to what those networks showed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import optuna

from codesign.engine.fidelity import accuracy_needed, evaluation_job, observed_error_excess
from codesign.engine.pareto import pareto_front
from codesign.engine.quiet import quiet_libraries
from codesign.engine.storage import open_storage
from codesign.engine.study import load_network_study, problem_of
from codesign.problem.compose import ber_key
from trainer.config import TrainConfig
from trainer.data import SCDataModule
from trainer.evaluation_plan import CLEAN, EvaluationPlan, Measured, Pair, measure
from trainer.fit import datamodule_for
from trainer.module import SCBNNModule


@dataclass
class KeptNetwork:
    plan: EvaluationPlan
    module: SCBNNModule
    datamodule: SCDataModule
    key: str  # the network's
    recorded: set[Pair]  # the pairs of its design points the search recorded

    def measure(self, split: str, pairs: set[Pair],
                cutoff: dict[Pair, float] | None = None) -> Measured:
        """`trainer.evaluation_plan.measure` of the kept checkpoint, the plan's statistic."""
        return measure(self.module, self.datamodule, split, pairs, cutoff=cutoff,
                       statistic=self.plan.statistic)

    def validation_start(self) -> tuple[dict[int, float], set[Pair], dict[Pair, float]]:
        """What the search's first validation steps give: the clean accuracy by N, the pairs
        worth validating under errors, and their cutoff thresholds."""
        clean = self.measure("val", {(n, CLEAN) for n in self.plan.lengths}).clean
        worth = self.plan.worth_validating(clean)
        return clean, worth, self.plan.cutoff(worth, clean)


def kept_network_options(doc: str, rounds: bool = True) -> argparse.ArgumentParser:
    """The options every benchmark on a kept network takes: `--folder`, `--name`,
    `--network`, and `--rounds` where it repeats (a benchmark may add its own)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--name", default="fmnist")
    parser.add_argument("--network", type=int, default=1, help="network trial number")
    if rounds:
        parser.add_argument("--rounds", type=int, default=2)
    return parser


def kept_network_from_command_line(doc: str) -> tuple[KeptNetwork, argparse.Namespace]:
    """`kept_network_options` parsed, and that network loaded."""
    return kept_network_from(kept_network_options(doc).parse_args())


def kept_network_from(args: argparse.Namespace) -> tuple[KeptNetwork, argparse.Namespace]:
    """The network the parsed options name, loaded (libraries quiet)."""
    quiet_libraries()
    return kept_network(args.folder, args.name, args.network), args


def kept_network(folder: Path, name: str, number: int) -> KeptNetwork:
    """Network trial `number` of the main job kept in `folder` (exit code 2, one line,
    where there is none, or it is not a trained network with design points recorded)."""
    journal, database = folder / "new.log", folder / "new.db"
    if not (journal.exists() or database.exists()):
        _refuse(f"--folder {folder}: no main job kept there (no new.log or new.db)")
    storage = open_storage(f"journal:{journal}" if journal.exists()
                           else f"sqlite:///{database}")
    try:
        designs = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        _refuse(f"--name {name}: no such study in {folder}")
    networks = load_network_study(storage, name)
    problem = problem_of(designs, storage)
    if not 0 <= number < len(networks.trials):
        _refuse(f"--network {number}: {folder} holds network trials 0-{len(networks.trials) - 1}")
    trial = networks.trials[number]
    recorded = designs.get_trials(deepcopy=False)
    before = [t for t in recorded if t.user_attrs["network_trial"] < number]
    mine = [t for t in recorded if t.user_attrs["network_trial"] == number]
    if problem is None or not mine or trial.user_attrs.get("outcome") != "trained":
        _refuse(f"--network {number}: not a trained network with design points recorded in "
                f"{folder}")
    network = problem.design_space.network(mine[0].params)
    points = problem.hardware_points(network, problem.cost_technology())
    job = evaluation_job(problem, points, accuracy_needed(problem, points,
                                                         pareto_front(designs, before)))
    job["margin"] = max(job["margin"], observed_error_excess(
        [t for t in networks.trials if t.number < number]))
    plan = EvaluationPlan.from_spec(job)
    config = TrainConfig.model_validate(trial.user_attrs["train_config"])
    return KeptNetwork(plan, SCBNNModule.from_checkpoint(trial.user_attrs["checkpoint"]),
                       datamodule_for(config), network.key(),
                       {_pair(design, plan) for design in mine})


def _refuse(message: str) -> NoReturn:
    """One line on standard error, exit code 2 (bad input)."""
    print(message, file=sys.stderr)
    raise SystemExit(2)


def _pair(design: optuna.trial.FrozenTrial, plan: EvaluationPlan) -> Pair:
    """A recorded design point's (N, rate) as the plan keys it (a network without N, fixed
    point, has one length in its plan)."""
    n = design.params.get("bitstream_length", plan.lengths[0])
    return int(n), float(ber_key(design.user_attrs["evaluated_error_rate"]))
