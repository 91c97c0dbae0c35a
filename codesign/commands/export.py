"""`export`: write one YAML that rebuilds a chosen design (accepted by `train` and `hw`)."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from codesign import present
from codesign.commands.common import add_study_arguments, open_study
from codesign.errors import UserError
from codesign.objectives import OBJECTIVES
from codesign.pareto import PICKS, PickError, pick
from codesign.quiet import quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="write one YAML that rebuilds a chosen design"
    )
    add_study_arguments(parser)
    choose = parser.add_mutually_exclusive_group(required=True)
    choose.add_argument("--trial", type=int, help="a design-point trial number")
    choose.add_argument("--pick", choices=list(PICKS), help="a rule over the feasible Pareto front")
    for objective in OBJECTIVES.values():
        bound = "at least" if objective.maximize else "at most"
        unit = "a fraction" if objective.unit == "%" else objective.unit
        parser.add_argument(f"--{objective.constraint.replace('_', '-')}", type=float,
                            dest=objective.constraint,
                            help=f"with --pick: {bound} this {objective.label} ({unit})")
    parser.add_argument("-o", "--output", type=Path, required=True, help="YAML to write")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from optuna.trial import TrialState

    from codesign.export import export_document

    study, space, storage = open_study(args)
    if args.trial is not None:
        trials = study.get_trials(deepcopy=False)
        if not 0 <= args.trial < len(trials) or trials[args.trial].state != TrialState.COMPLETE:
            raise UserError(f"--trial {args.trial}: no completed design point with that number")
        design = trials[args.trial]
    else:
        limits = {o.constraint: getattr(args, o.constraint) for o in OBJECTIVES.values()}
        try:
            design = pick(study, space, args.pick, limits)
        except PickError as exc:
            raise UserError(f"--pick {args.pick}: {exc}") from None
    document = export_document(design, study, space, storage)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(yaml.safe_dump(document, sort_keys=False))
    metrics = document["metrics"]
    present.console().print(
        f"design trial {design.number} -> {args.output}: val "
        f"{present.percent(metrics['val_accuracy'])}, test "
        f"{present.percent(metrics['test_accuracy'])}, {metrics['energy_pj']:,.0f} pJ, "
        f"{metrics['area_mm2']:.4f} mm2, {metrics['latency_ns']:,.0f} ns"
    )
    return 0
