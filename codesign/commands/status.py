"""`status`: a study's progress and its current best designs."""

from __future__ import annotations

import argparse
from collections import Counter

from codesign import present
from codesign.commands.common import add_study_arguments, open_study
from codesign.quiet import quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status", help="show a study's progress and its current best designs"
    )
    add_study_arguments(parser)
    parser.add_argument("--top", type=int, default=10, help="designs to list")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from codesign.pareto import pareto_front
    from codesign.study import attempts, load_network_study

    study, space, storage = open_study(args)
    network_study = load_network_study(storage, space.name)
    networks = network_study.get_trials(deepcopy=False)
    outcomes = Counter(t.user_attrs.get("outcome", t.state.name.lower()) for t in networks)
    console = present.console()
    counted = attempts(network_study)
    console.print(
        f"study [bold]{space.name}[/]: {counted}/{space.budget.trials} networks "
        f"({outcomes['trained']} trained, {outcomes['failed']} failed, "
        f"{outcomes['over_budget']} rejected by budgets, {outcomes['running']} running, "
        f"{outcomes['interrupted']} interrupted); "
        f"{len(study.get_trials(deepcopy=False))} design points"
    )
    for trial in networks:
        if trial.user_attrs.get("outcome") == "failed":
            console.print(f"  network #{trial.number} failed: {trial.user_attrs.get('error')}")
    front = pareto_front(study)
    if front:
        best = front[0].user_attrs
        console.print(
            f"most accurate design: val {present.percent(best['val_accuracy'])}, "
            f"test {present.percent(best['test_accuracy'])}"
        )
    console.print(present.front_table(front, space, f"Pareto front: {len(front)} designs",
                                      limit=args.top))
    return 0
