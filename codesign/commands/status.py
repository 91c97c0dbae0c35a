"""`status`: a study's progress and its current best designs (a table, CSV or JSON)."""

from __future__ import annotations

import argparse
from collections import Counter

from codesign.commands.common import (
    add_format_argument,
    add_study_arguments,
    open_study,
    positive_int,
)
from codesign.engine.quiet import quiet_libraries
from codesign.screen import present


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status", help="show a study's progress and its current best designs"
    )
    add_study_arguments(parser)
    parser.add_argument("--top", type=positive_int, default=10,
                        help="designs to list in the table (csv and json list the whole front)")
    add_format_argument(parser, "csv: the front's rows; json: the progress and the front")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from codesign.engine.attribute_text import parse_attribute_line
    from codesign.engine.design_index import read_design_trials
    from codesign.engine.pareto import pareto_front
    from codesign.engine.study import (
        INTERRUPTED_OUTCOMES,
        LAST_STOP_ATTR,
        OUT_OF_TIME,
        attempts,
        load_network_study,
    )
    from codesign.engine.timing import time_breakdown

    study, problem, storage = open_study(args)
    network_study = load_network_study(storage, problem.name)
    networks = network_study.get_trials(deepcopy=False)
    designs = read_design_trials(storage, study)  # read once (`design_index`)
    outcomes = Counter(t.user_attrs.get("outcome", t.state.name.lower()) for t in networks)
    progress = {
        "study": problem.name,
        "budget": problem.budget.trials,
        "cost_corner": problem.cost_corner,
        "networks_counted": attempts(network_study),
        "networks": {"trained": outcomes["trained"], "stopped_early": outcomes["stopped"],
                     "failed": outcomes["failed"],
                     "rejected_by_budgets": outcomes["over_budget"],
                     "running": outcomes["running"],
                     "interrupted": sum(outcomes[name] for name in INTERRUPTED_OUTCOMES),
                     "cut_by_wall_time": outcomes[OUT_OF_TIME]},
        "design_points_costed": sum(t.user_attrs.get("design_points_costed", 0)
                                    for t in networks),
        "design_points": len(designs),
        "last_stop": parse_attribute_line(network_study.user_attrs.get(LAST_STOP_ATTR)),
        "time_s": time_breakdown(networks),
        "failures": [{"network_trial": t.number, "error": t.user_attrs.get("error")}
                     for t in networks if t.user_attrs.get("outcome") == "failed"],
    }
    front = pareto_front(study, designs)
    if args.format == "table":
        console = present.console()
        present.show(console, present.status_report(progress, front, problem, args.top,
                                                    console.width))
    elif args.format == "csv":
        present.print_csv(present.front_records(front, problem))
    else:
        present.print_json({**progress, "front": present.front_records(front, problem)})
    return 0
