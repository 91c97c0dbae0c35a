"""`export`: write one YAML that rebuilds a chosen design (accepted by `train`, `hw`, `rtl`
and `evaluate`), and its trained weights beside it."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from codesign.commands.common import add_study_arguments, limit_of, open_study, output_file
from codesign.engine.pareto import PickError, pick
from codesign.engine.quiet import quiet_libraries
from codesign.errors import UserError, describe_error
from codesign.outputs import OutputBatch, cannot_write, check_writable
from codesign.problem.objectives import OBJECTIVES, picks
from codesign.screen import present


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="write one YAML that rebuilds a chosen design, and its weights"
    )
    add_study_arguments(parser)
    choose = parser.add_mutually_exclusive_group(required=True)
    choose.add_argument("--trial", type=int, help="a design-point trial number")
    choose.add_argument("--pick", choices=picks(), metavar="RULE",
                        help=f"a rule over the feasible Pareto front: {', '.join(picks())}")
    for objective in OBJECTIVES.values():
        bound = "at least" if objective.maximize else "at most"
        unit = "89 or 0.89" if objective.unit == "%" else objective.unit
        parser.add_argument(f"--{objective.constraint.replace('_', '-')}",
                            type=limit_of(objective), dest=objective.constraint,
                            help=f"with --pick: {bound} this {objective.label} ({unit})")
    parser.add_argument("-o", "--output", type=output_file, required=True,
                        help="YAML to write; the weights go beside it (NAME.ckpt)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    check_writable(args.output, "-o")
    if args.output.suffix == ".ckpt":
        raise UserError(f"-o {args.output}: the YAML's name; its weights go beside it")
    weights = args.output.with_suffix(".ckpt")
    check_writable(weights, "-o")
    quiet_libraries()
    from optuna.trial import TrialState

    from codesign.engine.design_index import design_trial, read_design_trials
    from codesign.engine.export import export_document, file_sha256

    study, problem, storage = open_study(args)
    number = args.trial
    if number is None:
        limits = {o.constraint: getattr(args, o.constraint) for o in OBJECTIVES.values()}
        try:
            number = pick(study, problem.goals.searched, args.pick, limits,
                          read_design_trials(storage, study)).number
        except PickError as exc:
            raise UserError(f"--pick {args.pick}: {exc}") from None
    try:  # the design as the storage holds it (the pick may come from the index)
        design = design_trial(storage, study, number) if number >= 0 else None
    except KeyError:
        design = None
    if design is None or design.state != TrialState.COMPLETE:
        raise UserError(f"--trial {args.trial}: no completed design point with that number")
    source = Path(design.user_attrs["checkpoint"])
    document = export_document(design, study, problem, storage,
                               checkpoint=weights.name if source.is_file() else None)
    _check_agreement(document, args.output)
    copy_weights = _weights_writer(source) if source.is_file() else None
    with OutputBatch(args.output.parent) as batch:  # the YAML and its weights, or neither
        if copy_weights is not None:
            with batch.file(weights) as temporary:
                try:
                    copy_weights(temporary)
                except (OSError, RuntimeError) as exc:  # torch's writer: RuntimeError
                    raise cannot_write(weights, exc) from None
                document["checkpoint_sha256"] = file_sha256(temporary)
        with batch.file(args.output) as temporary:
            temporary.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        batch.commit()
    present.show(present.console(), [present.exported(design.number, document, args.output,
                                                      source if not source.is_file() else None)])
    return 0


def _weights_writer(source: Path) -> Callable[[Path], None]:
    """What writes the design's weights alone: a copy of the file the training wrote beside
    its checkpoint (no PyTorch to import), or, for a study from before such files, the
    checkpoint stripped of its optimizer state, read here so that an unreadable checkpoint is
    refused before anything is written. Both write the same bytes (`trainer.weights_file`)."""
    from trainer.weights_file import read_weights, weights_beside, write_weights

    ready = weights_beside(source)
    if ready.is_file() and ready.stat().st_mtime >= source.stat().st_mtime:  # not stale
        return lambda destination: shutil.copyfile(ready, destination)
    try:
        trained = read_weights(source)
    except Exception as exc:  # a truncated or foreign file: torch raises many kinds
        raise UserError(f"checkpoint {source}: cannot read ({describe_error(exc)})") from None
    return lambda destination: write_weights(trained, destination)


def _check_agreement(document: dict, output: Path) -> None:
    """What export writes must describe one design (see `codesign.problem.design_agreement`)."""
    from codesign.problem.design_agreement import disagreement
    from hwmodel import HardwareDesign
    from trainer.config import TrainConfig

    problem = disagreement(TrainConfig.model_validate(document["training"]),
                           HardwareDesign.model_validate(document["hardware"]))
    if problem:
        raise UserError(f"{output}: not written: {problem}")
